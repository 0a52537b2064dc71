/* The collective economy pane: income, expenses, debt, rent arrears by age, occupancy, enterprises, per-capita income,
   then its public affairs (disclosures, tenders, expiring leases, property fees). */
import { barChart, COLORS, lineChart } from '../charts.js';
import { contiguousMonths, keys, sortedKeys } from '../data.js';
import { h } from '../../common/dom.js';
import { fmtMoney } from '../format.js';
import { label, t } from '../../common/i18n.js';
import { emptyState, panel, stat, stats, subWith, val } from '../widgets.js';
import { publicAffairsDetails } from './public-affairs.js';

/** The pane's elements; `p` prefixes every data-figure, `growth` is the income growth over the last quarter. */
export function economyDetails(p, e, growth) {
  var arrears = e.arrears || {}, aging = arrears.aging || {}, occ = e.occupancy || {}, ent = e.enterprises || {},
    comp = e.community_companies || {}, dist = e.distributions || {}, pci = e.per_capita_income_by_year || {};
  var years = sortedKeys(pci);
  var latestYear = years[years.length - 1];
  var sources = e.income_ytd_by_source || {};
  var sourceItems = keys(sources).sort(function (a, b) { return sources[b] - sources[a]; }).map(function (k) {
    return { label: label('source', k), value: sources[k], figure: p + 'economy.income_ytd_by_source.' + k };
  });
  var expenses = e.expenses_ytd_by_category || {};
  var expenseItems = keys(expenses).sort(function (a, b) { return expenses[b] - expenses[a]; }).map(function (k) {
    return { label: label('exp', k), value: expenses[k], figure: p + 'economy.expenses_ytd_by_category.' + k };
  });
  var agingItems = ['current', '30', '60', '90+'].map(function (k, i) {
    return { label: label('aging', k), value: aging[k] || 0, figure: p + 'economy.arrears.aging.' + k,
      color: ['#8aa4c8', '#e0962a', '#e06a2a', '#d2463c'][i] };
  });
  var income = e.income_by_month || {};
  var months = contiguousMonths(income, 12);
  return [
    h('section', { 'class': 'panel' }, stats([
      stat(p + 'economy.income_ytd', 'e.income_ytd', e.income_ytd, 'money'),
      stat(p + 'economy.expenses_ytd', 'e.expenses_ytd', e.expenses_ytd, 'money'),
      stat(p + 'economy.net_income_ytd', 'e.net_income_ytd', e.net_income_ytd, 'money'),
      stat(p + 'income_growth', 'e.income_growth', growth, 'growth', null, growth < 0 ? 'warn' : null),
      stat(p + 'economy.debt_outstanding', 'e.debt', e.debt_outstanding, 'money', null, e.debt_outstanding > 0 ? 'warn' : null),
      stat(p + 'economy.arrears.outstanding', 'e.arrears', arrears.outstanding, 'money',
        subWith('e.arrears_90', p + 'economy.arrears.aging.90+', aging['90+'], 'money'), aging['90+'] > 0 ? 'warn' : null),
      stat(p + 'economy.occupancy.rate', 'e.occupancy', occ.rate, 'pct',
        [val(p + 'economy.occupancy.leased_area_m2', occ.leased_area_m2, 'int', 'stat-sub-value'), ' / ',
          val(p + 'economy.occupancy.total_area_m2', occ.total_area_m2, 'int', 'stat-sub-value'), ' m²']),
      stat(p + 'economy.enterprises.count', 'e.enterprises', ent.count, 'int',
        subWith('e.jobs', p + 'economy.enterprises.jobs_total', ent.jobs_total, 'int', { n: '\u0000' })),
      stat(p + 'economy.community_companies.count', 'e.companies', comp.count, 'int',
        subWith('e.jobs', p + 'economy.community_companies.jobs_total', comp.jobs_total, 'int', { n: '\u0000' })),
      stat(p + 'economy.distributions.owed', 'e.distributions_owed', dist.owed, 'money',
        subWith('e.distributions_paid', p + 'economy.distributions.paid', dist.paid, 'money'), dist.owed > 0 ? 'warn' : null),
      stat(p + 'economy.per_capita_income_latest', 'e.per_capita', latestYear ? pci[latestYear] : null, 'money',
        latestYear ? latestYear : null)
    ])),
    h('div', { 'class': 'grid-2' },
      panel('economy.income_month', 'chart.income_month', keys(income).length ? lineChart([
        { label: t('trend.income'), values: income, color: COLORS[2], figure: function (m) { return p + 'economy.income_by_month.' + m; } }],
      months, { money: true, format: fmtMoney, height: 200 }) : emptyState()),
      panel('economy.income_source', 'chart.income_source', sourceItems.length ? barChart(sourceItems, { format: fmtMoney, color: COLORS[2] }) : emptyState())),
    h('div', { 'class': 'grid-3' },
      panel('economy.arrears_aging', 'chart.arrears_aging', barChart(agingItems, { format: fmtMoney, width: 380, labelWidth: 100, valueWidth: 90 })),
      panel('economy.expenses', 'e.expenses_chart', expenseItems.length ? barChart(expenseItems, { format: fmtMoney, color: COLORS[5], width: 380, labelWidth: 80, valueWidth: 90 }) : emptyState()),
      panel('economy.per_capita', 'e.per_capita_table', years.length ? barChart(years.slice().reverse().map(function (y) {
        return { label: y, value: pci[y], figure: p + 'economy.per_capita_income_by_year.' + y };
      }), { format: fmtMoney, color: COLORS[1], width: 380, labelWidth: 50, valueWidth: 90 }) : emptyState()))
  ].concat(publicAffairsDetails(p, e));
}
