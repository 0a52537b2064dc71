/* The volunteering pane: volunteers, hours by month, activities, help requests, points and the team leaderboard. */
import { barChart, COLORS, lineChart } from '../charts.js';
import { contiguousMonths, keys } from '../data.js';
import { h } from '../../common/dom.js';
import { fmtKind } from '../format.js';
import { label, t } from '../../common/i18n.js';
import { emptyState, panel, stat, stats } from '../widgets.js';

/** The pane's elements; `p` prefixes every data-figure; on the district page, teams are named with their community. */
export function volunteeringDetails(p, v, district) {
  var help = v.help_requests || {}, points = v.points || {};
  var hoursByMonth = v.hours_by_month || {};
  var months = contiguousMonths(hoursByMonth, 12);
  var teams = (v.team_leaderboard || []).slice(0, 10);
  var teamItems = teams.map(function (tm, i) {
    var name = tm.name || label('purpose', tm.purpose);
    return { label: district && tm.community_id ? name + ' · ' + tm.community_id : name, value: tm.hours || 0,
      note: t('chart.members', { n: tm.members || 0 }), figure: p + 'volunteering.team_leaderboard.' + i + '.hours' };
  });
  return [
    h('section', { 'class': 'panel' }, stats([
      stat(p + 'volunteering.registered_volunteers', 'v.registered', v.registered_volunteers, 'int'),
      stat(p + 'volunteering.active_volunteers_90d', 'v.active', v.active_volunteers_90d, 'int'),
      stat(p + 'volunteering.volunteers_per_1000_residents', 'v.per_1000', v.volunteers_per_1000_residents, 'dec1'),
      stat(p + 'volunteering.hours_total', 'v.hours', v.hours_total, 'hours'),
      stat(p + 'volunteering.activities_held', 'v.activities', v.activities_held, 'int'),
      stat(p + 'volunteering.help_requests.received', 'v.help_received', help.received, 'int'),
      stat(p + 'volunteering.help_requests.fulfilled', 'v.help_fulfilled', help.fulfilled, 'int'),
      stat(p + 'volunteering.help_requests.median_hours_to_fulfil', 'v.median_fulfil', help.median_hours_to_fulfil, 'hours'),
      stat(p + 'volunteering.points.awarded', 'v.points_awarded', points.awarded, 'int'),
      stat(p + 'volunteering.points.redeemed', 'v.points_redeemed', points.redeemed, 'int')
    ])),
    h('div', { 'class': 'grid-2' },
      panel('volunteering.hours_month', 'v.hours_chart', keys(hoursByMonth).length ? lineChart([
        { label: t('trend.hours'), values: hoursByMonth, color: COLORS[3], figure: function (m) { return p + 'volunteering.hours_by_month.' + m; } }],
      months, { format: function (x) { return fmtKind('hours', x); }, height: 200 }) : emptyState()),
      panel('chart.teams', 'v.teams', teamItems.length ? barChart(teamItems, { format: function (x) { return fmtKind('hours', x); }, color: COLORS[3], labelWidth: district ? 230 : 170 }) : emptyState()))
  ];
}
