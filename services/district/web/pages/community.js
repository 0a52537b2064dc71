/* One community's page (#/community/<id>): its KPI groups and details by domain (with grid cells), or "not found". */
import { api, HttpError } from '../api.js';
import { appendKids, clear, h } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { domainTabs } from '../panels/domain-tabs.js';
import { renderFreshness } from '../panels/freshness.js';
import { communityFigures, kpiGroups } from '../panels/kpis.js';
import { isCurrentRender } from '../router.js';

/** Renders community `id` into `main` (answers for a superseded render are dropped). */
export function renderCommunity(main, seq, id) {
  return api('communities/' + encodeURIComponent(id)).then(function (c) {
    if (!isCurrentRender(seq)) { return; }
    renderFreshness(c.freshness);
    var dir = c.directory || {};
    clear(main);
    appendKids(main, [
      h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.back') }),
      h('div', { 'class': 'page-head', 'data-figure': 'community', 'data-community': c.community_id },
        h('h1', { 'class': 'page-title', 'data-figure': 'community.name', text: c.name || c.community_id }),
        h('p', { 'class': 'page-sub muted', text: [dir.district, c.community_id].filter(Boolean).join(' · ') })),
      kpiGroups('community.', communityFigures(c)),
      domainTabs('community', { grid: c.grid, economy: c.economy, welfare: c.welfare, volunteering: c.volunteering,
        employment: c.employment, minimum_allowance: c.minimum_allowance,
        income_growth: c.income_growth, visits: c.visits }, { cells: true })
    ]);
    window.scrollTo(0, 0);
  }).catch(function (err) {
    if (err instanceof HttpError && err.status === 404 && isCurrentRender(seq)) {
      clear(main);
      appendKids(main, [
        h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.back') }),
        h('section', { 'class': 'panel', 'data-figure': 'community-missing' },
          h('h1', { 'class': 'page-title', text: id }), h('p', { 'class': 'empty', text: t('community.not_found') }))
      ]);
      return;
    }
    throw err;
  });
}
