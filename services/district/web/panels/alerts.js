/* The alerts panel: communities (or the system) over an alert threshold, the first five shown until expanded. */
import { h } from '../../common/dom.js';
import { fmtInt, fmtMoney } from '../format.js';
import { t } from '../../common/i18n.js';

function alertText(a) {
  var value = a.kind === 'arrears_growth' ? fmtMoney(a.value) : fmtInt(a.value);
  var threshold = a.kind === 'arrears_growth' ? fmtMoney(a.threshold) : fmtInt(a.threshold);
  return { text: t('alert.' + a.kind, { value: value }), threshold: threshold };
}
/** `data`: the API's /alerts answer. */
export function renderAlerts(data) {
  var alerts = (data && data.alerts) || [];
  var body;
  if (!alerts.length) {
    body = h('p', { 'class': 'alerts-none' }, h('span', { 'class': 'ok-mark', 'aria-hidden': 'true', text: '✓' }), t('alerts.none'));
  } else {
    var SHOWN = 5;
    body = h('ul', { 'class': 'alerts' }, alerts.map(function (a, i) {
      var txt = alertText(a);
      var who = a.community_id
        ? h('a', { href: '#/community/' + encodeURIComponent(a.community_id), 'class': 'alert-who', text: a.name || a.community_id })
        : h('span', { 'class': 'alert-who', text: t('alert.system') });
      return h('li', { 'class': 'alert alert-' + a.kind + (i >= SHOWN ? ' alert-extra' : ''), 'data-figure': 'alert', 'data-kind': a.kind,
        'data-community': a.community_id || '', 'data-value': a.value },
        h('span', { 'class': 'alert-icon', 'aria-hidden': 'true', text: '!' }), who,
        h('span', { 'class': 'alert-text', text: txt.text }),
        h('span', { 'class': 'alert-threshold muted', text: t('alerts.threshold') + ' ' + txt.threshold }));
    }));
  }
  var panel = h('section', { 'class': 'panel panel-alerts collapsed', 'data-figure': 'alerts', 'data-count': alerts.length },
    h('div', { 'class': 'panel-head' },
      h('h3', { 'class': 'panel-title' }, t('section.alerts'),
        h('span', { 'class': 'badge' + (alerts.length ? ' badge-alert' : ''), text: String(alerts.length) }))),
    body);
  if (alerts.length > 5) {
    var toggle = h('button', { type: 'button', 'class': 'link-btn alerts-toggle', 'data-figure': 'alerts-toggle',
      text: t('alerts.more', { n: alerts.length }) });
    toggle.addEventListener('click', function () {
      var collapsed = panel.classList.toggle('collapsed');
      toggle.textContent = collapsed ? t('alerts.more', { n: alerts.length }) : t('alerts.less');
    });
    panel.appendChild(toggle);
  }
  return panel;
}
