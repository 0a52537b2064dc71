/* The communities table (search, sort by column, pages of 20, sparklines) and the CSV export in its order. */
import { api, query, request, token } from '../api.js';
import { COLORS, sparkline } from '../charts.js';
import { clear, h } from '../../common/dom.js';
import { fig, fmtInt, fmtMoney } from '../format.js';
import { t } from '../../common/i18n.js';
import { currentRender, isCurrentRender, showError, showLogin } from '../router.js';

var table = { sort: 'name', descending: false, search: '', offset: 0, limit: 20 };

var COLUMNS = [
  { key: 'name', label: 'table.name', sort: 'name', kind: 'name' },
  { key: 'residents', label: 'table.residents', sort: 'residents', kind: 'int' },
  { key: 'open_cases', label: 'table.open_cases', sort: 'open_cases', kind: 'int' },
  { key: 'overdue_cases', label: 'table.overdue_cases', sort: 'overdue_cases', kind: 'int', alert: true },
  { key: 'trend_cases_reported', label: 'table.trend_cases', kind: 'spark', color: COLORS[0] },
  { key: 'collective_income_ytd_fen', label: 'table.income', sort: 'collective_income_ytd_fen', kind: 'money' },
  { key: 'trend_collective_income_fen', label: 'table.trend_income', kind: 'spark', color: COLORS[1], money: true },
  { key: 'arrears_fen', label: 'table.arrears', sort: 'arrears_fen', kind: 'money' },
  { key: 'beneficiaries', label: 'table.beneficiaries', sort: 'beneficiaries', kind: 'int' },
  { key: 'volunteers', label: 'table.volunteers', sort: 'volunteers', kind: 'int' }
];

/** The communities panel: a search box over the table; load() fetches the table's current page into it. */
export function renderCommunities(seq) {
  var tableHost = h('div', { 'class': 'table-host' });
  var el = h('section', { 'class': 'panel', 'data-figure': 'communities' },
    h('div', { 'class': 'panel-head' },
      h('h3', { 'class': 'panel-title', text: t('section.communities') }),
      h('div', { 'class': 'table-tools' },
        h('input', {
          type: 'search', 'class': 'search', id: 'community-search', 'data-figure': 'communities-search',
          placeholder: t('table.search'), value: table.search, 'aria-label': t('table.search'),
          on: { input: onSearch }
        }))),
    tableHost);
  return { el: el, load: function () { return loadTable(tableHost, seq); } };
}

var searchTimer = null;
function onSearch(ev) {
  var value = ev.target.value.trim();
  clearTimeout(searchTimer);
  searchTimer = setTimeout(function () {
    table.search = value;
    table.offset = 0;
    loadTable(document.querySelector('.table-host'), currentRender());
  }, 250);
}

function loadTable(host, seq) {
  if (!host) { return Promise.resolve(); }
  host.classList.add('is-loading');
  var params = { sort: table.sort, descending: table.descending, offset: table.offset, limit: table.limit, search: table.search };
  return api('communities?' + query(params)).then(function (data) {
    if (!isCurrentRender(seq)) { return; }
    host.classList.remove('is-loading');
    clear(host);
    host.appendChild(renderTable(data));
  }).catch(function (err) { showError(err); });
}

function renderTable(data) {
  var head = h('tr', null, COLUMNS.map(function (col) {
    var active = col.sort && col.sort === data.sort;
    var arrow = active ? (data.descending ? '▼' : '▲') : '';
    var th = h('th', {
      scope: 'col', 'class': (col.kind === 'name' ? 'col-name' : 'num') + (col.sort ? ' sortable' : '') + (active ? ' sorted' : ''),
      'data-sort': col.sort || null, 'aria-sort': active ? (data.descending ? 'descending' : 'ascending') : null,
      title: col.sort ? t('table.sort_hint') : null
    }, t(col.label), arrow ? h('span', { 'class': 'arrow', text: arrow }) : null);
    if (col.sort) {
      th.tabIndex = 0;
      var sortBy = function () {
        if (table.sort === col.sort) { table.descending = !table.descending; }
        else { table.sort = col.sort; table.descending = col.kind !== 'name'; }
        table.offset = 0;
        loadTable(document.querySelector('.table-host'), currentRender());
      };
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); sortBy(); } });
    }
    return th;
  }));
  var rows = data.rows.map(function (row) {
    var open = function () { location.hash = '#/community/' + encodeURIComponent(row.community_id); };
    var tr = h('tr', {
      'class': 'row-link', 'data-figure': 'community-row', 'data-community': row.community_id, tabindex: 0,
      on: { click: open, keydown: function (ev) { if (ev.key === 'Enter') { open(); } } }
    }, COLUMNS.map(function (col) {
      var v = row[col.key];
      if (col.kind === 'name') {
        return h('td', { 'class': 'col-name' },
          h('a', { href: '#/community/' + encodeURIComponent(row.community_id), 'data-figure': 'cell.name', text: row.name || row.community_id }),
          h('div', { 'class': 'muted small', text: [row.district, row.community_id].filter(Boolean).join(' · ') }));
      }
      if (col.kind === 'spark') { return h('td', { 'class': 'spark-cell' }, sparkline(v, 'sparkline.' + col.key, col.color, col.money)); }
      var text = col.kind === 'money' ? fmtMoney(v) : fmtInt(v);
      return h('td', { 'class': 'num' + (col.alert && v > 0 ? ' cell-alert' : '') }, fig('span', 'cell.' + col.key, v, text));
    }));
    return tr;
  });
  if (!rows.length) {
    rows = [h('tr', null, h('td', { colspan: COLUMNS.length, 'class': 'empty', text: t('table.none') }))];
  }
  var from = data.total ? data.offset + 1 : 0;
  var to = Math.min(data.offset + data.limit, data.total);
  var pager = h('div', { 'class': 'pager' },
    h('span', { 'class': 'muted', 'data-figure': 'communities-total', 'data-value': data.total,
      text: t('table.range', { from: fmtInt(from), to: fmtInt(to), total: fmtInt(data.total) }) }),
    h('span', { 'class': 'pager-buttons' },
      h('button', { type: 'button', 'class': 'btn', 'data-figure': 'page-prev', disabled: data.offset <= 0,
        text: t('table.prev'), on: { click: function () { table.offset = Math.max(0, table.offset - table.limit); loadTable(document.querySelector('.table-host'), currentRender()); } } }),
      h('button', { type: 'button', 'class': 'btn', 'data-figure': 'page-next', disabled: to >= data.total,
        text: t('table.next'), on: { click: function () { table.offset += table.limit; loadTable(document.querySelector('.table-host'), currentRender()); } } })));
  return h('div', null,
    h('div', { 'class': 'table-scroll' },
      h('table', { 'class': 'data-table', 'data-figure': 'communities-table', 'data-sort': data.sort, 'data-descending': String(data.descending) },
        h('thead', null, head), h('tbody', null, rows))),
    pager);
}

/** The header's CSV export: every community, in the table's current order (fetched with the token, saved as a file). */
export function downloadCsv(ev) {
  ev.preventDefault();
  if (!token()) { showLogin(); return; }
  request('communities.csv?' + query({ sort: table.sort, descending: table.descending }))
    .then(function (r) { return r.blob(); })
    .then(function (blob) {
      var url = URL.createObjectURL(blob);
      var a = h('a', { href: url, download: 'communities.csv' });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    })
    .catch(showError);
}
