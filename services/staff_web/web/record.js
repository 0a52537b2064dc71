/* A record page's parts: the fields of a record as the service shows it, its history (events in order), and the
 * command forms that apply to it. */
import { h } from '../common/dom.js';
import { show } from './format.js';
import { label, t } from '../common/i18n.js';

var HIDDEN = { version: true };
/** A field naming another record: its value links to that record's page. */
var LINKS = { case_id: 'case', grid_case_id: 'case', duplicate_of: 'case', team_id: 'team', volunteer_id: 'volunteer',
  leader_id: 'volunteer', asset_id: 'asset', household_id: 'household', person_id: 'person' };

/** The record's fields as a definition list; nested lists of objects as small tables. Each value carries
 * data-figure="<kind>.<field>" and data-value with the raw value. */
export function details(kind, record) {
  var scalars = [], nested = [];
  Object.keys(record).forEach(function (k) {
    if (HIDDEN[k]) { return; }
    var v = record[k];
    if (Array.isArray(v) && v.length && typeof v[0] === 'object' && v[0] !== null) { nested.push(k); } else { scalars.push(k); }
  });
  return h('section', { 'class': 'panel record', 'data-figure': kind, 'data-id': record.id, 'data-community': record.community_id },
    h('dl', { 'class': 'record-fields' }, scalars.map(function (k) {
      var v = record[k];
      var text = Array.isArray(v) ? (v.length ? v.map(function (x) { return show(k, x); }).join(', ') : '—') : show(k, v);
      var link = LINKS[k] && typeof v === 'string' && v ? h('a', { href: '#/' + LINKS[k] + '/' + encodeURIComponent(v), text: text }) : null;
      return [h('dt', { text: t('field.' + k) }),
        h('dd', { 'data-figure': kind + '.' + k, 'data-value': typeof v === 'object' && v !== null ? JSON.stringify(v) : v,
          text: link ? null : text }, link)];
    })),
    nested.map(function (k) { return h('div', { 'class': 'record-nested' }, h('h4', { text: t('field.' + k) }), objects(kind + '.' + k, record[k])); }));
}

export function objects(figure, rows) {
  var cols = [];
  rows.forEach(function (r) { Object.keys(r).forEach(function (c) { if (cols.indexOf(c) < 0) { cols.push(c); } }); });
  return h('table', { 'class': 'data-table', 'data-figure': figure },
    h('thead', null, h('tr', null, cols.map(function (c) { return h('th', { text: t('field.' + c) }); }))),
    h('tbody', null, rows.map(function (r) {
      return h('tr', null, cols.map(function (c) { return h('td', { text: show(c, r[c]) }); }));
    })));
}

/** A history: [{type, version, time, actor_role, actor_id, data}] as a timeline, oldest first. */
export function history(entries) {
  return h('section', { 'class': 'panel' },
    h('h3', { 'class': 'panel-title', text: t('record.history') }),
    h('ol', { 'class': 'history', 'data-figure': 'history' }, entries.map(function (e) {
      var data = e.data || {};
      var facts = Object.keys(data).filter(function (k) {
        return data[k] !== null && data[k] !== undefined && data[k] !== '' && k !== 'community_id';
      }).map(function (k) { return t('field.' + k) + ': ' + show(k, data[k]); });
      return h('li', { 'data-figure': 'history-entry', 'data-type': e.type, 'data-version': e.version },
        h('div', { 'class': 'history-head' }, h('strong', { text: label('event', e.type) }),
          h('span', { 'class': 'muted small', text: ' ' + show('time', e.time) + ' · ' + label('role', e.actor_role) })),
        facts.length ? h('div', { 'class': 'small', text: facts.join(' · ') }) : null);
    })));
}

export function actions(forms) {
  var present = forms.filter(Boolean);
  if (!present.length) { return null; }
  return h('section', { 'class': 'panel' }, h('h3', { 'class': 'panel-title', text: t('record.actions') }),
    h('div', { 'class': 'forms' }, present));
}

export function header(kind, title, sub) {
  return [h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.home') }),
    h('div', { 'class': 'page-head' }, h('h1', { 'class': 'page-title', 'data-figure': 'record-title', text: title }),
      sub ? h('p', { 'class': 'page-sub muted', text: sub }) : null)];
}
