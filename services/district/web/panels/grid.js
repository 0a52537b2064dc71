/* The grid governance pane: cases by category and month, time to resolve, satisfaction, mediation, inspections,
 * rentals and follow-ups (and, on a community page, its grid cells). */
import { barChart, COLORS, lineChart } from '../charts.js';
import { contiguousMonths, keys } from '../data.js';
import { h } from '../../common/dom.js';
import { fmtInt } from '../format.js';
import { label, t } from '../../common/i18n.js';
import { emptyState, miniTable, panel, stat, stats, subWith, val } from '../widgets.js';
import { cellsTable } from './grid-cells.js';

/** The pane's elements; `p` ("district." or "community.") prefixes every data-figure, `cells` only on a community page. */
export function gridDetails(p, g, cells) {
  var cases = g.cases || {}, byCat = g.cases_by_category || {}, rh = g.resolve_hours || {};
  var sat = g.satisfaction || {}, med = g.mediation || {}, insp = g.inspections || {}, rent = g.rentals || {},
    fu = g.followups || {};
  var cats = keys(byCat).sort(function (a, b) { return (byCat[b].reported || 0) - (byCat[a].reported || 0); });
  var catRows = cats.map(function (c) {
    var x = byCat[c], r = rh[c] || {};
    return { key: c, cells: [label('cat', c),
      val(p + 'grid.cases_by_category.' + c + '.open', x.open, 'int'),
      val(p + 'grid.cases_by_category.' + c + '.overdue', x.overdue, 'int', x.overdue > 0 ? 'cell-alert' : null),
      val(p + 'grid.cases_by_category.' + c + '.resolved', x.resolved, 'int'),
      val(p + 'grid.resolve_hours.' + c + '.median', r.median, 'h'),
      val(p + 'grid.resolve_hours.' + c + '.p90', r.p90, 'h')] };
  });
  var all = rh.all || {};
  var catFoot = [t('g.all'), val(p + 'grid.cases.open', cases.open, 'int'), val(p + 'grid.cases.overdue', cases.overdue, 'int'),
    val(p + 'grid.cases.resolved', cases.resolved, 'int'), val(p + 'grid.resolve_hours.all.median', all.median, 'h'),
    val(p + 'grid.resolve_hours.all.p90', all.p90, 'h')];
  var byType = med.by_dispute_type || {};
  var medRows = keys(byType).sort(function (a, b) { return (byType[b].opened || 0) - (byType[a].opened || 0); }).map(function (k) {
    var m = byType[k], q = p + 'grid.mediation.by_dispute_type.' + k + '.';
    return { key: k, cells: [label('dispute', k), val(q + 'opened', m.opened, 'int'), val(q + 'settled', m.settled, 'int'),
      val(q + 'failed', m.failed, 'int'), val(q + 'success_rate', m.success_rate, 'pct')] };
  });
  var ratings = sat.by_rating || {};
  var ratingItems = ['5', '4', '3', '2', '1'].map(function (n) {
    return { label: t('g.stars', { n: n }), value: ratings[n] || 0, figure: p + 'grid.satisfaction.by_rating.' + n,
      color: ['#d2463c', '#e06a2a', '#e0962a', '#8fb86a', '#14a38b'][parseInt(n, 10) - 1] };
  });
  var inspByType = insp.by_type || {};
  var inspRows = keys(inspByType).sort().map(function (k) {
    var q = p + 'grid.inspections.by_type.' + k + '.';
    return { key: k, cells: [label('insp', k), val(q + 'inspections', inspByType[k].inspections, 'int'),
      val(q + 'hazards', inspByType[k].hazards, 'int')] };
  });
  var groups = fu.by_group || {};
  var fuRows = keys(groups).sort().map(function (k) {
    var q = p + 'grid.followups.by_group.' + k + '.';
    return { key: k, cells: [label('fgroup', k), val(q + 'active', groups[k].active, 'int'),
      val(q + 'ended', groups[k].ended, 'int'), val(q + 'reoffended', groups[k].reoffended, 'int')] };
  });
  var byMonth = g.cases_by_month || {};
  var reported = {}, resolved = {};
  keys(byMonth).forEach(function (m) { reported[m] = byMonth[m].reported; resolved[m] = byMonth[m].resolved; });
  var months = contiguousMonths(byMonth, 12);
  return [
    h('section', { 'class': 'panel' }, stats([
      stat(p + 'grid.cases.open', 'g.open', cases.open, 'int', t('g.reported') + ' ' + fmtInt(cases.reported)),
      stat(p + 'grid.cases.overdue', 'g.overdue', cases.overdue, 'int', null, cases.overdue > 0 ? 'alert' : null),
      stat(p + 'grid.cases.resolved', 'g.resolved', cases.resolved, 'int'),
      stat(p + 'grid.resolve_hours.all.median', 'g.median_hours', all.median, 'hours'),
      stat(p + 'grid.resolve_hours.all.p90', 'g.p90_hours', all.p90, 'hours'),
      stat(p + 'grid.satisfaction.average', 'g.satisfaction', sat.average, 'dec2',
        subWith('g.ratings', null, null, null, { n: fmtInt(sat.ratings) })),
      stat(p + 'grid.mediation.opened', 'g.mediations', med.opened, 'int'),
      stat(p + 'grid.mediation.success_rate', 'g.mediation_rate', med.success_rate, 'pct'),
      stat(p + 'grid.inspections.total', 'g.inspections', insp.total, 'int'),
      stat(p + 'grid.inspections.hazards', 'g.hazards', insp.hazards, 'int'),
      stat(p + 'grid.rentals.households', 'g.rental_households', rent.households, 'int'),
      stat(p + 'grid.rentals.registration_rate', 'g.registration_rate', rent.registration_rate, 'pct',
        subWith('g.registered_persons', null, null, null, { n: fmtInt(rent.floating_persons) })),
      stat(p + 'grid.followups.active', 'g.followups_active', fu.active, 'int',
        subWith('g.ended', null, null, null, { n: fmtInt(fu.ended) })),
      stat(p + 'grid.followups.reoffending_rate', 'g.reoffending_rate', fu.reoffending_rate, 'pct')
    ])),
    h('div', { 'class': 'grid-2' },
      panel('grid.cases_by_category', 'g.cases_table', catRows.length ? miniTable(p + 'grid.cases_table', [
        { label: t('g.category') }, { label: t('g.open'), num: true }, { label: t('g.overdue'), num: true },
        { label: t('g.resolved'), num: true }, { label: t('g.median_h'), num: true }, { label: t('g.p90_h'), num: true }],
      catRows, catFoot) : emptyState()),
      h('div', { 'class': 'stack' },
        panel('grid.cases_month', 'g.cases_month', keys(byMonth).length ? lineChart([
          { label: t('series.reported'), values: reported, color: COLORS[0], figure: function (m) { return p + 'grid.cases_by_month.' + m + '.reported'; } },
          { label: t('series.resolved'), values: resolved, color: COLORS[1], figure: function (m) { return p + 'grid.cases_by_month.' + m + '.resolved'; } }],
        months, { format: fmtInt, height: 190 }) : emptyState()),
        panel('grid.mediation_by_type', 'g.mediation_table', medRows.length ? miniTable(p + 'grid.mediation_table', [
          { label: t('g.dispute_type') }, { label: t('g.opened'), num: true }, { label: t('g.settled'), num: true },
          { label: t('g.failed'), num: true }, { label: t('g.success_rate'), num: true }], medRows) : emptyState()))),
    h('div', { 'class': 'grid-3' },
      panel('grid.satisfaction', 'g.satisfaction_chart', sat.ratings ? barChart(ratingItems, { format: fmtInt, width: 380, labelWidth: 60, valueWidth: 50 }) : emptyState()),
      panel('grid.inspections_by_type', 'g.inspection_table', inspRows.length ? miniTable(p + 'grid.inspection_table', [
        { label: t('g.inspection_type') }, { label: t('g.inspections'), num: true }, { label: t('g.hazards'), num: true }], inspRows) : emptyState()),
      panel('grid.followups_by_group', 'g.followup_table', fuRows.length ? miniTable(p + 'grid.followup_table', [
        { label: t('g.group') }, { label: t('g.active'), num: true }, { label: t('g.ended_col'), num: true },
        { label: t('g.reoffended'), num: true }], fuRows) : emptyState())),
    cells ? cellsTable(p, cells) : null
  ];
}
