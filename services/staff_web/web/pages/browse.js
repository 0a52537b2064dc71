/* One ledger: every record a list endpoint holds for the token's communities (or the one chosen in the header),
 * page by page, narrowed by the filters the endpoint takes (kept in the address: #/lists/cases?status=reported). */
import { post, query } from '../api.js';
import { h } from '../../common/dom.js';
import { form } from '../forms.js';
import { label, t } from '../../common/i18n.js';
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

/** Persons found by id number: sent in a request body (welfare matches it by its HMAC), never in the address.
 * `show(worklist)` puts the results in the ledger's place. */
function personSearch(key, params, show) {
  return form({ name: 'person-search', title: 'search.person', submit: 'search.submit',
    fields: [{ name: 'id_number', hint: 'hint.id_number' }],
    send: function (body) {
      return post('welfare/persons/search', Object.assign({}, params, body, { limit: 50 })).then(function (page) {
        return { body: body, page: page };
      });
    },
    done: function (found) {
      show(worklist({ key: 'ledger-' + key, list: key, title: 'search.results', ledger: true, fetch: function (asked) {
        if (!asked.cursor) { return Promise.resolve(found.page); }
        return post('welfare/persons/search', Object.assign({}, params, found.body, { limit: 50, cursor: asked.cursor }));
      } }));
    } });
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
  if (key === 'persons') {
    main.appendChild(h('section', { 'class': 'panel' }, personSearch(key, params, function (results) {
      list.parentNode.replaceChild(results, list);
      list = results;
    })));
  }
  main.appendChild(list);
  return list.loaded;
}
