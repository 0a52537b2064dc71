/* The community rankings panel: the top (or bottom) communities by a chosen indicator, as bars. */
import { api, query } from '../api.js';
import { clear, h } from '../../common/dom.js';
import { fmtKind, isNum } from '../format.js';
import { t } from '../../common/i18n.js';
import { isCurrentRender, showError } from '../router.js';

var RANKINGS = [
  ['collective_income_growth', 'growth'], ['arrears_fen', 'money'], ['overdue_cases', 'int'],
  ['mediation_success_rate', 'pct'], ['volunteers_per_1000_residents', 'dec1'], ['collective_income_ytd_fen', 'money'],
  ['per_capita_income_fen', 'money'], ['median_resolve_hours', 'h'], ['satisfaction', 'dec2'],
  ['registration_rate', 'pct'], ['occupancy_rate', 'pct'], ['beneficiary_share_of_residents', 'pct'],
  ['active_volunteers', 'int'], ['help_requests_fulfilled', 'int']
];
var ranking = { indicator: 'collective_income_growth', descending: true, limit: 10 };
function rankKind(indicator) {
  for (var i = 0; i < RANKINGS.length; i++) { if (RANKINGS[i][0] === indicator) { return RANKINGS[i][1]; } }
  return 'int';
}
/** The panel (el) and load(), which fetches the chosen ranking into it; also reloads on a change of indicator or order. */
export function renderRankings(seq) {
  var host = h('div', { 'class': 'rank-host' });
  var indicator = h('select', { 'class': 'select', id: 'ranking-indicator', 'data-figure': 'rankings-indicator', 'aria-label': t('rank.indicator') },
    RANKINGS.map(function (r) { return h('option', { value: r[0], selected: r[0] === ranking.indicator, text: t('ind.' + r[0]) }); }));
  var order = h('select', { 'class': 'select', 'data-figure': 'rankings-order', 'aria-label': t('rank.order_desc') },
    h('option', { value: 'true', selected: ranking.descending, text: t('rank.order_desc') }),
    h('option', { value: 'false', selected: !ranking.descending, text: t('rank.order_asc') }));
  var panelEl = h('section', { 'class': 'panel panel-rankings', 'data-figure': 'rankings' },
    h('div', { 'class': 'panel-head' }, h('h3', { 'class': 'panel-title', text: t('section.rankings') }),
      h('div', { 'class': 'table-tools' }, indicator, order)),
    host);
  var load = function () {
    ranking.indicator = indicator.value;
    ranking.descending = order.value === 'true';
    panelEl.removeAttribute('data-loaded');
    host.classList.add('is-loading');
    var asked = { indicator: ranking.indicator, descending: ranking.descending, limit: ranking.limit };
    return api('rankings?' + query(asked)).then(function (data) {
      if (!isCurrentRender(seq) || asked.indicator !== ranking.indicator || asked.descending !== ranking.descending) { return; }
      host.classList.remove('is-loading');
      clear(host).appendChild(rankList(data, rankKind(asked.indicator)));
      panelEl.setAttribute('data-indicator', asked.indicator);
      panelEl.setAttribute('data-descending', String(asked.descending));
      panelEl.setAttribute('data-loaded', 'true');
    }).catch(showError);
  };
  indicator.addEventListener('change', load);
  order.addEventListener('change', load);
  return { el: panelEl, load: load };
}
function rankList(data, kind) {
  var rows = data.ranking || [];
  if (!rows.length) { return h('p', { 'class': 'empty', text: t('rank.none') }); }
  var max = 0;
  rows.forEach(function (r) { max = Math.max(max, Math.abs(r.value || 0)); });
  return h('ol', { 'class': 'rank-list' }, rows.map(function (r) {
    var width = max > 0 && r.value ? Math.max(2, Math.abs(r.value) / max * 100) : 0;
    var fill = h('span', { 'class': 'rank-fill' + (r.value < 0 ? ' rank-neg' : '') });
    fill.style.width = width.toFixed(1) + '%';  // CSSOM, allowed by the CSP (no inline style attribute)
    return h('li', { 'class': 'rank-row', 'data-figure': 'ranking.row', 'data-rank': r.rank, 'data-community': r.community_id,
      'data-value': isNum(r.value) ? r.value : '' },
      h('span', { 'class': 'rank-no' + (r.rank <= 3 ? ' rank-top' : ''), text: String(r.rank) }),
      h('a', { 'class': 'rank-name', href: '#/community/' + encodeURIComponent(r.community_id), text: r.name || r.community_id }),
      h('span', { 'class': 'rank-bar' }, fill),
      h('span', { 'class': 'rank-value', text: fmtKind(kind, r.value) }));
  }));
}
