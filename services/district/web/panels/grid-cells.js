/* A community's grid cells table: one row per cell, expanding to its cases by category and mediation by type. */
import { dig, keys } from '../data.js';
import { h } from '../../common/dom.js';
import { fig } from '../format.js';
import { label, t } from '../../common/i18n.js';
import { emptyState, val } from '../widgets.js';

/** `cells`: the community's grid cells by id; `p` prefixes every data-figure. */
export function cellsTable(p, cells) {
  var ids = keys(cells).sort(function (a, b) {
    return String(cells[a].name || a).localeCompare(String(cells[b].name || b), 'zh-CN', { numeric: true });
  });
  var columns = [
    { label: t('g.cell') }, { label: t('g.households'), num: true }, { label: t('g.workers'), num: true },
    { label: t('g.open'), num: true }, { label: t('g.overdue'), num: true }, { label: t('g.resolved'), num: true },
    { label: t('g.median_h'), num: true }, { label: t('g.p90_h'), num: true }, { label: t('g.satisfaction_short'), num: true },
    { label: t('g.mediation_short'), num: true }, { label: t('g.inspection_short'), num: true },
    { label: t('g.rentals_short'), num: true }, { label: t('g.followups_short'), num: true }];
  var body = [];
  ids.forEach(function (id) {
    var c = cells[id], q = p + 'grid.cells.' + id + '.', cs = c.cases || {}, rh = c.resolve_hours || {},
      md = c.mediation || {};
    var byCat = c.cases_by_category || {};
    var detail = h('tr', { 'class': 'cell-detail', hidden: true, 'data-figure': 'cell-detail', 'data-cell': id },
      h('td', { colspan: columns.length },
        h('div', { 'class': 'cell-cats' }, keys(byCat).sort(function (a, b) { return (byCat[b].reported || 0) - (byCat[a].reported || 0); }).map(function (k) {
          var x = byCat[k], r = q + 'cases_by_category.' + k + '.', hk = (c.resolve_hours_by_category || {})[k];
          return h('span', { 'class': 'cell-cat' }, h('strong', { text: label('cat', k) }),
            t('g.open') + ' ', val(r + 'open', x.open, 'int'), ' · ' + t('g.overdue') + ' ',
            val(r + 'overdue', x.overdue, 'int', x.overdue > 0 ? 'cell-alert' : null), ' · ' + t('g.resolved') + ' ', val(r + 'resolved', x.resolved, 'int'),
            hk ? [' · ' + t('g.median_h') + ' ', val(q + 'resolve_hours_by_category.' + k + '.median', hk.median, 'h')] : null);
        })),
        h('div', { 'class': 'cell-cats' }, keys(c.mediation_by_type || {}).map(function (k) {
          var m = c.mediation_by_type[k], r = q + 'mediation_by_type.' + k + '.';
          return h('span', { 'class': 'cell-cat' }, h('strong', { text: t('g.mediation_short') + ' · ' + label('dispute', k) }),
            ' ', val(r + 'opened', m.opened, 'int'), ' · ', val(r + 'success_rate', m.success_rate, 'pct'));
        }))));
    var toggle = h('button', { type: 'button', 'class': 'expander', 'aria-expanded': 'false', 'data-figure': 'cell-toggle', 'data-cell': id },
      h('span', { 'class': 'caret', 'aria-hidden': 'true', text: '▸' }),
      fig('span', q + 'name', null, c.name || id));
    toggle.addEventListener('click', function () {
      detail.hidden = !detail.hidden;
      toggle.setAttribute('aria-expanded', String(!detail.hidden));
      toggle.firstChild.textContent = detail.hidden ? '▸' : '▾';
    });
    body.push(h('tr', { 'data-figure': 'cell-row', 'data-cell': id },
      h('td', null, toggle),
      h('td', { 'class': 'num' }, val(q + 'households', c.households, 'int')),
      h('td', { 'class': 'num' }, val(q + 'workers', c.workers, 'int')),
      h('td', { 'class': 'num' }, val(q + 'cases.open', cs.open, 'int')),
      h('td', { 'class': 'num' }, val(q + 'cases.overdue', cs.overdue, 'int', cs.overdue > 0 ? 'cell-alert' : null)),
      h('td', { 'class': 'num' }, val(q + 'cases.resolved', cs.resolved, 'int')),
      h('td', { 'class': 'num' }, val(q + 'resolve_hours.median', rh.median, 'h')),
      h('td', { 'class': 'num' }, val(q + 'resolve_hours.p90', rh.p90, 'h')),
      h('td', { 'class': 'num' }, val(q + 'satisfaction.average', dig(c, 'satisfaction', 'average'), 'dec2')),
      h('td', { 'class': 'num' }, val(q + 'mediation.opened', md.opened, 'int'), h('span', { 'class': 'muted' }, ' · '),
        val(q + 'mediation.success_rate', md.success_rate, 'pct')),
      h('td', { 'class': 'num' }, val(q + 'inspections', c.inspections, 'int'), h('span', { 'class': 'muted' }, ' / '),
        val(q + 'hazards', c.hazards, 'int')),
      h('td', { 'class': 'num' }, val(q + 'rental_households', c.rental_households, 'int')),
      h('td', { 'class': 'num' }, val(q + 'followups_active', c.followups_active, 'int'), h('span', { 'class': 'muted' }, ' · '),
        val(q + 'reoffending_rate', c.reoffending_rate, 'pct'))));
    body.push(detail);
  });
  return h('section', { 'class': 'panel', 'data-figure': 'grid.cells' },
    h('div', { 'class': 'panel-head' }, h('h3', { 'class': 'panel-title', text: t('g.cells') }),
      h('span', { 'class': 'muted small', text: t('g.cells_hint') })),
    ids.length ? h('div', { 'class': 'table-scroll' },
      h('table', { 'class': 'mini-table cells-table', 'data-figure': p + 'grid.cells_table' },
        h('thead', null, h('tr', null, columns.map(function (c) { return h('th', { scope: 'col', 'class': c.num ? 'num' : null, text: c.label }); }))),
        h('tbody', null, body))) : emptyState());
}
