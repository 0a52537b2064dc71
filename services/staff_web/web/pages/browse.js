/* One ledger: every record a list endpoint holds for the token's communities (or the one chosen in the header),
 * page by page, narrowed by the filters the endpoint takes (kept in the address: #/lists/cases?status=reported). */
import { query } from '../api.js';
import { h } from '../dom.js';
import { label, t } from '../i18n.js';
import { FILTERS, LISTS, worklist } from '../lists.js';

function filterBar(key, given) {
  var filters = FILTERS[key] || [];
  if (!filters.length) { return null; }
  var selects = filters.map(function (f) {
    var select = h('select', { name: f.name, 'data-filter': f.name },
      h('option', { value: '', text: t('filter.any') }),
      f.options.map(function (o) {
        var text = /^\d+$/.test(o) ? o : label(o === 'true' || o === 'false' ? 'bool' : 'code', o);
        return h('option', { value: o, text: text });
      }));
    select.value = given[f.name] || '';
    return select;
  });
  selects.forEach(function (select) {
    select.addEventListener('change', function () {
      var params = {};
      selects.forEach(function (s) { params[s.name] = s.value; });
      location.hash = '#/lists/' + key + query(params);
    });
  });
  return h('div', { 'class': 'filters', 'data-figure': 'filters' }, selects.map(function (select, i) {
    return h('label', { 'class': 'filter' }, h('span', { 'class': 'muted small', text: t('field.' + filters[i].name) }), select);
  }));
}

export function renderBrowse(main, key, given) {
  if (!LISTS[key]) { return Promise.reject(new Error(t('error.no_such_list', { key: key }))); }
  var params = {};
  (FILTERS[key] || []).forEach(function (f) { if (given && given[f.name]) { params[f.name] = given[f.name]; } });
  var list = worklist({ key: 'ledger-' + key, list: key, title: 'list.' + key, limit: 50, params: params, ledger: true });
  main.textContent = '';
  main.appendChild(h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.home') }));
  var bar = filterBar(key, given || {});
  if (bar) { main.appendChild(bar); }
  main.appendChild(list);
  return list.loaded;
}
