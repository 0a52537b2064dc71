/* Household visit coverage (走访): by quarter, and (on a community page) by grid cell for the latest quarter. */
import { keys } from '../data.js';
import { h } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { emptyState, miniTable, panel, stat, stats, val } from '../widgets.js';

/** `v`: the visit figures of the API (`visits`); `p` prefixes every data-figure; cells only when `withCells`. */
export function visitsPanels(p, v, withCells) {
  var quarters = (v && v.quarters) || {}, latest = v && v.latest_quarter;
  var names = keys(quarters).sort().reverse();
  var rows = names.map(function (q) {
    var x = quarters[q], r = p + 'visits.quarters.' + q + '.';
    return { key: q, cells: [q, val(r + 'visits', x.visits, 'int'), val(r + 'households_visited', x.households_visited, 'int'),
      val(r + 'persons_visited', x.persons_visited, 'int'), val(r + 'registered_households', x.registered_households, 'int'),
      val(r + 'coverage', x.coverage, 'pct')] };
  });
  var current = latest ? quarters[latest] : null;
  var out = [panel('grid.visits', 'v.title', names.length ? [
    h('p', { 'class': 'muted small', text: t('v.hint') }),
    stats([
      stat(p + 'visits.latest.coverage', 'v.coverage', current && current.coverage, 'pct', t('v.latest', { q: latest })),
      stat(p + 'visits.latest.households_visited', 'v.households_visited', current && current.households_visited, 'int'),
      stat(p + 'visits.registered_households', 'v.registered', v.registered_households, 'int')]),
    miniTable(p + 'visits.quarters_table', [
      { label: t('v.quarter') }, { label: t('v.visits'), num: true }, { label: t('v.households_visited'), num: true },
      { label: t('v.persons_visited'), num: true }, { label: t('v.registered'), num: true },
      { label: t('v.coverage'), num: true }], rows)] : emptyState())];
  if (withCells && current) {
    var cells = current.cells || {};
    var ids = keys(cells).sort(function (a, b) {
      return String(cells[a].name || a).localeCompare(String(cells[b].name || b), 'zh-CN', { numeric: true });
    });
    out.push(panel('grid.visit_cells', 'v.cells', miniTable(p + 'visits.cells_table', [
      { label: t('g.cell') }, { label: t('v.registered'), num: true }, { label: t('v.households_visited'), num: true },
      { label: t('v.persons_visited'), num: true }, { label: t('v.coverage'), num: true }],
    ids.map(function (id) {
      var c = cells[id], r = p + 'visits.quarters.' + latest + '.cells.' + id + '.';
      return { key: id, cells: [c.name || id, val(r + 'registered_households', c.registered_households, 'int'),
        val(r + 'households_visited', c.households_visited, 'int'), val(r + 'persons_visited', c.persons_visited, 'int'),
        val(r + 'coverage', c.coverage, 'pct')] };
    }))));
  }
  return out;
}
