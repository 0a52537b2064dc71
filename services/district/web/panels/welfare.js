/* The welfare pane: beneficiaries by category, minimum allowance, relief by occasion, assisted employment, disbursements. */
import { barChart, COLORS } from '../charts.js';
import { keys, sumValues } from '../data.js';
import { h } from '../../common/dom.js';
import { fig, fmtInt, fmtMoney, fmtYuan, monthLabel } from '../format.js';
import { label, t } from '../../common/i18n.js';
import { emptyState, miniTable, panel, stat, stats, subWith, val } from '../widgets.js';

/** The pane's elements; `p` ("district." or "community.") prefixes every data-figure. */
export function welfareDetails(p, w) {
  var benef = w.beneficiaries || {}, emp = w.assisted_employment || {}, relief = w.relief || {},
    disbursed = w.disbursed || {};
  var total = sumValues(benef);
  var benefItems = keys(benef).sort(function (a, b) { return benef[b] - benef[a]; }).map(function (k) {
    return { label: label('benef', k), value: benef[k], figure: p + 'welfare.beneficiaries.' + k };
  });
  var reliefRows = keys(relief).sort().map(function (k) {
    var q = p + 'welfare.relief.' + k + '.';
    return { key: k, cells: [label('occasion', k), val(q + 'count', relief[k].count, 'int'), val(q + 'value_fen', relief[k].value_fen, 'money')] };
  });
  var reliefTotal = 0;
  keys(relief).forEach(function (k) { reliefTotal += relief[k].value_fen || 0; });
  // Disbursed: programmes x the last 12 months with any disbursement.
  var monthSet = {};
  keys(disbursed).forEach(function (pid) { keys(disbursed[pid]).forEach(function (m) { monthSet[m] = true; }); });
  var dMonths = keys(monthSet).sort().slice(-12);
  var progs = keys(disbursed).sort();
  var disbRows = progs.map(function (pid) {
    var named = (w.programmes || {})[pid];
    return { key: pid, cells: [named ? fig('span', p + 'welfare.programmes.' + pid + '.name', null, named.name)
      : h('span', { 'class': 'mono', title: pid, text: pid.slice(0, 8) })].concat(dMonths.map(function (m) {
      var x = disbursed[pid][m];
      var amount = x && typeof x === 'object' ? x.total_fen : x;
      return x === undefined ? h('span', { 'class': 'muted', text: '·' })
        : fig('span', p + 'welfare.disbursed.' + pid + '.' + m + '.total_fen', amount, fmtYuan(amount), null);
    })) };
  });
  var cycles = w.cycles_pending_approval;
  return [
    h('section', { 'class': 'panel' }, stats([
      stat(p + 'welfare.beneficiaries_total', 'w.beneficiaries', total, 'int',
        subWith('w.share', p + 'welfare.beneficiary_share_of_residents', w.beneficiary_share_of_residents, 'pct')),
      stat(p + 'welfare.allowance_households', 'w.allowance_households', w.allowance_households, 'int'),
      stat(p + 'welfare.allowance_monthly_fen', 'w.allowance_monthly', w.allowance_monthly_fen, 'money'),
      stat(p + 'welfare.cycles_pending_approval', 'w.cycles_pending', cycles, 'int', null, cycles > 0 ? 'alert' : null),
      stat(p + 'welfare.relief_total', 'w.relief_value', reliefTotal, 'money'),
      stat(p + 'welfare.assisted_employment.placements', 'w.placements', emp.placements, 'int'),
      stat(p + 'welfare.assisted_employment.wages_fen', 'w.wages', emp.wages_fen, 'money',
        t('w.wages_sub', { ins: fmtMoney(emp.insurance_fen), lunch: fmtMoney(emp.lunch_fen) }))
    ])),
    h('div', { 'class': 'grid-2' },
      panel('welfare.beneficiaries', 'chart.beneficiaries', benefItems.length ? barChart(benefItems, { format: fmtInt, color: COLORS[4] }) : emptyState()),
      panel('welfare.relief', 'w.relief_table', reliefRows.length ? miniTable(p + 'welfare.relief_table', [
        { label: t('w.occasion') }, { label: t('w.times'), num: true }, { label: t('w.value'), num: true }], reliefRows) : emptyState())),
    panel('welfare.disbursed', 'w.disbursed_table', progs.length ? h('div', { 'class': 'scroll-box' }, miniTable(p + 'welfare.disbursed_table',
      [{ label: t('w.programme'), title: t('w.programme_hint') }].concat(dMonths.map(function (m) { return { label: monthLabel(m), num: true }; })),
      disbRows)) : emptyState())
  ];
}
