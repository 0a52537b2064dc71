/* The details by domain: one tab per domain (grid, economy, welfare, volunteering); the chosen tab stays across pages. */
import { h } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { emptyState } from '../widgets.js';
import { economyDetails } from './economy.js';
import { gridDetails } from './grid.js';
import { visitsPanels } from './visits.js';
import { volunteeringDetails } from './volunteering.js';
import { welfareDetails } from './welfare.js';
import { allowanceDetails, employmentDetails } from './welfare-services.js';

var DOMAINS = ['grid', 'economy', 'welfare', 'volunteering'];
var activeDomain = 'grid';
/** Tabs, one pane per domain (all rendered, one shown). d: {grid, economy, welfare, volunteering, income_growth,
    visits, employment, minimum_allowance} (visits shown in grid's pane; employment, minimum_allowance in welfare's). */
export function domainTabs(scope, d, opts) {
  var p = scope + '.';
  var panes = {
    grid: d.grid ? gridDetails(p, d.grid, opts.cells ? (d.grid.cells || {}) : null).concat(visitsPanels(p, d.visits, opts.cells))
      : [emptyState()],
    economy: d.economy ? economyDetails(p, d.economy, d.income_growth) : [emptyState()],
    welfare: (d.welfare ? welfareDetails(p, d.welfare) : [emptyState()])
      .concat(employmentDetails(p, d.employment), allowanceDetails(p, d.minimum_allowance)),
    volunteering: d.volunteering ? volunteeringDetails(p, d.volunteering, opts.district) : [emptyState()]
  };
  var paneEls = {}, tabEls = {};
  DOMAINS.forEach(function (k) {
    paneEls[k] = h('div', { 'class': 'domain-pane', role: 'tabpanel', 'data-figure': 'domain.' + k, hidden: k !== activeDomain }, panes[k]);
  });
  var select = function (k) {
    activeDomain = k;
    DOMAINS.forEach(function (x) {
      paneEls[x].hidden = x !== k;
      tabEls[x].classList.toggle('active', x === k);
      tabEls[x].setAttribute('aria-selected', String(x === k));
    });
  };
  var bar = h('div', { 'class': 'tabs', role: 'tablist' }, DOMAINS.map(function (k) {
    tabEls[k] = h('button', { type: 'button', role: 'tab', 'class': 'tab tab-' + k + (k === activeDomain ? ' active' : ''),
      'aria-selected': String(k === activeDomain), 'data-figure': 'tab.' + k, text: t('section.' + k),
      on: { click: function () { select(k); } } });
    return tabEls[k];
  }));
  return h('section', { 'class': 'domains', 'data-figure': 'domains', 'data-scope': scope },
    h('h2', { 'class': 'section-title', text: t(opts.district ? 'section.details_district' : 'section.details_community') }),
    bar, DOMAINS.map(function (k) { return paneEls[k]; }));
}
