/* Welfare's services, shown in the welfare pane: employment services (seekers, placements, placement rate,
   retention by group) and the minimum-allowance (低保) cycle (households and persons on it, paid per month,
   applications by stage, objections). */
import { keys } from '../data.js';
import { h } from '../../common/dom.js';
import { label, t } from '../../common/i18n.js';
import { monthLabel } from '../format.js';
import { emptyState, miniTable, panel, stat, stats, subWith, val } from '../widgets.js';

var RETENTION = ['3', '6'];
var STAGES = ['applied', 'investigated', 'reviewed', 'in_notice', 'approved', 'rejected', 'appealed'];

/** Employment services; `p` ("district." or "community.") prefixes every data-figure. */
export function employmentDetails(p, e) {
  if (!e) { return [panel('employment', 'ws.employment', emptyState())]; }
  var q = p + 'employment.', groups = e.by_group || {};
  var rows = keys(groups).sort().map(function (g) {
    var x = groups[g], r = q + 'by_group.' + g + '.';
    return { key: g, cells: [label('seeker', g), val(r + 'seekers', x.seekers, 'int'),
      val(r + 'placements', x.placements, 'int'), val(r + 'placement_rate', x.placement_rate, 'pct')]
      .concat(RETENTION.map(function (m) { return val(r + 'retention.' + m + '.rate', x.retention[m].rate, 'pct'); })) };
  });
  return [
    panel('employment', 'ws.employment', [
      stats([
        stat(q + 'seekers', 'ws.seekers', e.seekers, 'int',
          subWith('ws.seeking', q + 'seekers_seeking', e.seekers_seeking, 'int')),
        stat(q + 'placements', 'ws.placements', e.placements, 'int',
          subWith('ws.in_work', q + 'in_work', e.in_work, 'int')),
        stat(q + 'placement_rate', 'ws.placement_rate', e.placement_rate, 'pct'),
        stat(q + 'retention.3.rate', 'ws.retention_3', e.retention['3'].rate, 'pct'),
        stat(q + 'retention.6.rate', 'ws.retention_6', e.retention['6'].rate, 'pct'),
        stat(q + 'vacancies.positions', 'ws.positions', e.vacancies.positions, 'int'),
        stat(q + 'training.certificates', 'ws.certificates', e.training.certificates, 'int',
          subWith('ws.enrolments', q + 'training.enrolments', e.training.enrolments, 'int'))
      ]),
      rows.length ? miniTable(p + 'employment.by_group_table', [{ label: t('ws.group') },
        { label: t('ws.seekers'), num: true }, { label: t('ws.placements'), num: true },
        { label: t('ws.placement_rate'), num: true }, { label: t('ws.retention_3'), num: true },
        { label: t('ws.retention_6'), num: true }], rows) : emptyState()
    ])
  ];
}

/** The minimum-allowance cycle. */
export function allowanceDetails(p, a) {
  if (!a) { return [panel('minimum_allowance', 'ws.allowance', emptyState())]; }
  var q = p + 'minimum_allowance.', paid = a.paid_by_month || {}, months = keys(paid).sort().slice(-12);
  var stages = a.applications_by_stage || {};
  return [
    panel('minimum_allowance', 'ws.allowance', [
      stats([
        stat(q + 'households', 'ws.households', a.households, 'int',
          subWith('ws.persons', q + 'persons', a.persons, 'int')),
        stat(q + 'monthly_granted_fen', 'ws.granted', a.monthly_granted_fen, 'money'),
        stat(q + 'applications_open', 'ws.open', a.applications_open, 'int'),
        stat(q + 'objections.lodged', 'ws.objections', a.objections.lodged, 'int',
          subWith('ws.objections_open', q + 'objections.open', a.objections.open, 'int')),
        stat(q + 'objections.upheld', 'ws.upheld', a.objections.upheld, 'int',
          subWith('ws.dismissed', q + 'objections.dismissed', a.objections.dismissed, 'int')),
        stat(q + 'appeals.lodged', 'ws.appeals', a.appeals.lodged, 'int')
      ]),
      h('div', { 'class': 'grid-2' },
        miniTable(p + 'minimum_allowance.stages_table', [{ label: t('ws.stage') }, { label: t('ws.count'), num: true }],
          STAGES.map(function (s) {
            return { key: s, cells: [label('stage', s), val(q + 'applications_by_stage.' + s, stages[s], 'int')] };
          })),
        months.length ? miniTable(p + 'minimum_allowance.paid_table', [{ label: t('ws.month') },
          { label: t('ws.paid'), num: true }], months.map(function (m) {
          return { key: m, cells: [monthLabel(m), val(q + 'paid_by_month.' + m, paid[m], 'money')] };
        })) : emptyState())
    ])
  ];
}
