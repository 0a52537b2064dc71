/* The header's freshness line: data as of, projector lag, when the page was served, a rebuild in progress
   (figures are filling in again), and a refresh button. */
import { appendKids, clear, h } from '../../common/dom.js';
import { fig, fmtInt, fmtTime, isNum } from '../format.js';
import { t } from '../../common/i18n.js';
import { route } from '../router.js';

var lastFreshness = null;
/** Shows `fresh` (an API answer's freshness), or the last one seen if this answer has none. */
export function renderFreshness(fresh) {
  lastFreshness = fresh || lastFreshness;
  var el = clear(document.querySelector('[data-figure="freshness"]'));
  if (!lastFreshness) { return; }
  var lag = lastFreshness.projector_lag_events;
  el.setAttribute('data-as-of', lastFreshness.as_of || '');
  el.setAttribute('data-lag', isNum(lag) ? lag : '');
  appendKids(el, [
    h('span', { 'class': 'status-dot ' + (lag > 0 ? 'status-lag' : 'status-ok'), 'aria-hidden': 'true' }),
    t('fresh.as_of') + ' ',
    h('strong', { 'data-figure': 'freshness.as_of', text: lastFreshness.as_of ? fmtTime(lastFreshness.as_of) : t('fresh.none') }),
    h('span', { 'class': 'sep', text: '·' }),
    t('fresh.lag') + ' ',
    fig('strong', 'freshness.projector_lag_events', lag, fmtInt(lag)),
    ' ' + t('fresh.events'),
    h('span', { 'class': 'sep', text: '·' }),
    t('fresh.served') + ' ' + fmtTime(lastFreshness.served_at),
    lastFreshness.rebuilding ? h('span', { 'class': 'sep', text: '·' }) : null,
    lastFreshness.rebuilding ? h('strong', {
      'class': 'status-rebuilding', 'data-figure': 'freshness.rebuilding',
      text: t('fresh.rebuilding') + ' ' + fmtTime(lastFreshness.rebuilding.since)
    }) : null,
    h('button', { type: 'button', 'class': 'link-btn', text: t('action.refresh'), on: { click: route } })
  ]);
}
