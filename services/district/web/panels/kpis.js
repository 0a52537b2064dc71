/* The KPI groups (population, grid, economy, welfare, volunteering) of the district overview or of one community. */
import { dig, sumValues } from '../data.js';
import { h } from '../../common/dom.js';
import { fig, fmtInt, fmtMoney, fmtNum, fmtPct, isNum, money } from '../format.js';
import { t } from '../../common/i18n.js';

/** kind: int | money | pct | hours */
function kpi(name, labelKey, raw, kind, sub, tone) {
  var value, unit = '';
  if (kind === 'money') { var m = money(raw); value = m.value; unit = m.unit; }
  else if (kind === 'pct') { value = fmtPct(raw); }
  else if (kind === 'hours') { value = fmtNum(raw, 1); unit = isNum(raw) ? t('unit.hours') : ''; }
  else { value = fmtInt(raw); unit = isNum(raw) && kind ? t(kind) : ''; }
  return h('div', { 'class': 'kpi' + (tone ? ' kpi-' + tone : '') },
    h('div', { 'class': 'kpi-label', text: t(labelKey) }),
    h('div', { 'class': 'kpi-value' }, fig('span', name, raw, value, 'kpi-number'),
      unit ? h('span', { 'class': 'kpi-unit', text: unit }) : null),
    sub ? h('div', { 'class': 'kpi-sub' }, sub) : null);
}
function group(key, cards) {
  return h('div', { 'class': 'kpi-group kpi-group-' + key },
    h('div', { 'class': 'kpi-group-title', text: t('section.' + key) }),
    h('div', { 'class': 'kpi-row' }, cards));
}
function subFig(name, raw, text, before) {
  return [before ? before + ' ' : null, fig('span', name, raw, text, 'kpi-sub-value')];
}

/** The KPI groups of a district overview or of one community (same shape, prefix differs). */
export function kpiGroups(prefix, d) {
  var overdue = d.overdue_cases;
  return h('div', { 'class': 'kpi-grid' },
    group('population', [
      d.communities !== undefined ? kpi(prefix + 'communities', 'kpi.communities', d.communities, 'unit.communities') : null,
      kpi(prefix + 'households', 'kpi.households', d.households, 'unit.households'),
      kpi(prefix + 'residents', 'kpi.residents', d.residents, 'unit.people',
        subFig(prefix + 'floating_population', d.floating_population, fmtInt(d.floating_population), t('kpi.floating')))
    ]),
    group('grid', [
      kpi(prefix + 'open_cases', 'kpi.open_cases', d.open_cases, 'unit.cases',
        subFig(prefix + 'reported_cases', d.reported_cases, fmtInt(d.reported_cases), t('kpi.reported'))),
      kpi(prefix + 'overdue_cases', 'kpi.overdue_cases', overdue, 'unit.cases', t('kpi.overdue_hint'),
        overdue > 0 ? 'alert' : null),
      kpi(prefix + 'mediation_success_rate', 'kpi.mediation_success', d.mediation_success_rate, 'pct',
        d.mediations > 0 ? t('kpi.mediations', { settled: fmtInt(d.mediations_settled), opened: fmtInt(d.mediations) }) : null)
    ]),
    group('economy', [
      kpi(prefix + 'collective_income_ytd', 'kpi.income_ytd', d.income_ytd, 'money',
        isNum(d.net_income_ytd) ? subFig(prefix + 'net_income_ytd', d.net_income_ytd, fmtMoney(d.net_income_ytd), t('kpi.net_income')) : null),
      kpi(prefix + 'debt_outstanding', 'kpi.debt', d.debt, 'money', null, d.debt > 0 ? 'warn' : null),
      kpi(prefix + 'arrears', 'kpi.arrears', d.arrears, 'money',
        subFig(prefix + 'arrears_90_plus', d.arrears_90, fmtMoney(d.arrears_90), t('kpi.arrears_90')),
        d.arrears_90 > 0 ? 'warn' : null)
    ]),
    group('welfare', [
      kpi(prefix + 'beneficiaries', 'kpi.beneficiaries', d.beneficiaries, 'unit.people'),
      kpi(prefix + 'allowance_households', 'kpi.allowance_households', d.allowance_households, 'unit.households',
        isNum(d.allowance_monthly) ? subFig(prefix + 'allowance_monthly', d.allowance_monthly, fmtMoney(d.allowance_monthly), t('kpi.allowance_monthly')) : null)
    ]),
    group('volunteering', [
      kpi(prefix + 'volunteers', 'kpi.volunteers', d.volunteers, 'unit.people',
        isNum(d.active_volunteers) ? subFig(prefix + 'active_volunteers', d.active_volunteers, fmtInt(d.active_volunteers), t('kpi.active_volunteers')) : null),
      kpi(prefix + 'volunteer_hours', 'kpi.volunteer_hours', d.volunteer_hours, 'hours',
        isNum(d.help_fulfilled) ? subFig(prefix + 'help_requests_fulfilled', d.help_fulfilled, fmtInt(d.help_fulfilled), t('kpi.help_fulfilled')) : null)
    ]));
}

export function overviewFigures(ov) {
  return {
    communities: ov.communities, households: ov.households, residents: ov.residents,
    floating_population: ov.floating_population,
    open_cases: dig(ov, 'grid', 'cases', 'open'), reported_cases: dig(ov, 'grid', 'cases', 'reported'),
    overdue_cases: dig(ov, 'grid', 'cases', 'overdue'),
    mediation_success_rate: dig(ov, 'grid', 'mediation', 'success_rate'),
    mediations: dig(ov, 'grid', 'mediation', 'opened'), mediations_settled: dig(ov, 'grid', 'mediation', 'settled'),
    income_ytd: dig(ov, 'economy', 'income_ytd'), net_income_ytd: dig(ov, 'economy', 'net_income_ytd'),
    debt: dig(ov, 'economy', 'debt_outstanding'),
    arrears: dig(ov, 'economy', 'arrears', 'outstanding'), arrears_90: dig(ov, 'economy', 'arrears', 'aging', '90+'),
    beneficiaries: sumValues(dig(ov, 'welfare', 'beneficiaries')),
    allowance_households: dig(ov, 'welfare', 'allowance_households'),
    allowance_monthly: dig(ov, 'welfare', 'allowance_monthly_fen'),
    volunteers: dig(ov, 'volunteering', 'registered_volunteers'),
    active_volunteers: dig(ov, 'volunteering', 'active_volunteers_90d'),
    volunteer_hours: dig(ov, 'volunteering', 'hours_total'),
    help_fulfilled: dig(ov, 'volunteering', 'help_requests', 'fulfilled')
  };
}

export function communityFigures(c) {
  var ind = c.indicators || {};
  var dir = c.directory || {};
  return {
    households: isNum(dir.households) ? dir.households : null, residents: isNum(dir.residents) ? dir.residents : null,
    floating_population: isNum(dir.floating_population) ? dir.floating_population : null,
    open_cases: ind.open_cases, reported_cases: dig(c, 'grid', 'cases', 'reported'), overdue_cases: ind.overdue_cases,
    mediation_success_rate: ind.mediation_success_rate, mediations: ind.mediations,
    mediations_settled: dig(c, 'grid', 'mediation', 'settled'),
    income_ytd: ind.collective_income_ytd_fen, net_income_ytd: ind.net_income_ytd_fen, debt: ind.debt_outstanding_fen,
    arrears: ind.arrears_fen, arrears_90: ind.arrears_90_plus_fen,
    beneficiaries: ind.beneficiaries, allowance_households: ind.allowance_households,
    allowance_monthly: ind.allowance_monthly_fen,
    volunteers: ind.volunteers, active_volunteers: ind.active_volunteers, volunteer_hours: ind.volunteer_hours,
    help_fulfilled: ind.help_requests_fulfilled
  };
}
