/* The district overview page (#/): KPI groups, alerts, rankings, district details by domain, the communities table. */
import { api } from '../api.js';
import { dig } from '../data.js';
import { appendKids, clear, h } from '../../common/dom.js';
import { fmtInt } from '../format.js';
import { t } from '../../common/i18n.js';
import { renderAlerts } from '../panels/alerts.js';
import { renderCommunities } from '../panels/communities.js';
import { domainTabs } from '../panels/domain-tabs.js';
import { renderFreshness } from '../panels/freshness.js';
import { kpiGroups, overviewFigures } from '../panels/kpis.js';
import { renderRankings } from '../panels/rankings.js';
import { isCurrentRender } from '../router.js';

/** Renders into `main`; settles once the table and rankings are loaded (answers for a superseded render are dropped). */
export function renderOverview(main, seq) {
  return Promise.all([api('overview'), api('alerts')])
    .then(function (res) {
      if (!isCurrentRender(seq)) { return; }
      var ov = res[0];
      renderFreshness(ov.freshness);
      var rankings = renderRankings(seq);
      var communities = renderCommunities(seq);
      clear(main);
      appendKids(main, [
        h('div', { 'class': 'page-head' },
          h('h1', { 'class': 'page-title', text: t('overview.title') }),
          h('p', { 'class': 'page-sub muted', text: t('overview.sub', { n: fmtInt(ov.communities) }) })),
        h('section', { 'data-figure': 'overview' }, kpiGroups('overview.', overviewFigures(ov))),
        h('div', { 'class': 'grid-2 grid-top' }, renderAlerts(res[1]), rankings.el),
        domainTabs('district', { grid: ov.grid, economy: ov.economy, welfare: ov.welfare, volunteering: ov.volunteering,
          employment: ov.employment, minimum_allowance: ov.minimum_allowance,
          income_growth: dig(ov, 'economy', 'income_growth'), visits: ov.visits }, { district: true }),
        communities.el
      ]);
      return Promise.all([communities.load(), rankings.load()]);
    });
}
