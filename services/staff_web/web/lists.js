/* The services' list endpoints (each answers { items, next_cursor }, scoped by the service to the caller's
 * communities) and the worklist that shows one: its rows link to the record, "more" follows the cursor, and a
 * route that does not exist yet (404, or 405 where only the route's POST exists) or a role the token lacks is said
 * plainly instead of breaking the page. */
import { get, query } from './api.js';
import { h } from '../common/dom.js';
import { show } from './format.js';
import { t } from '../common/i18n.js';
import { currentCommunity } from './scope.js';

function leaseLink(item) {
  var asset = item.asset_id;
  return asset ? '#/lease/' + encodeURIComponent(asset) + '/' + encodeURIComponent(item.id) : null;
}

/** Every list the workbench reads: path, the record page a row opens, and the columns shown first. */
export var LISTS = {
  cases: { path: 'grid/cases', record: 'case', columns: ['category', 'status', 'grid_cell_id', 'reported_at', 'deadline', 'assignee'] },
  mediations: { path: 'grid/mediations', record: 'mediation', columns: ['dispute_type', 'status', 'opened_at'] },
  rentals: { path: 'grid/rentals', record: 'rental', columns: ['address', 'grid_cell_id', 'households', 'residents', 'floating_residents'] },
  follow_ups: { path: 'grid/follow-ups', record: 'follow-up', columns: ['group', 'status', 'grid_cell_id', 'visits', 'last_visit_at', 'outcome'] },
  assets: { path: 'economy/assets', record: 'asset', columns: ['name', 'asset_type', 'status', 'tenant_name', 'monthly_rent', 'outstanding'] },
  leases: { path: 'economy/leases', link: leaseLink, columns: ['tenant_name', 'monthly_rent', 'ends_on', 'status', 'outstanding', 'oldest_unpaid_due_on'] },
  enterprises: { path: 'economy/enterprises', record: 'enterprise', columns: ['name', 'sector', 'registered_on', 'jobs_total', 'jobs_local', 'tax_rebates'] },
  companies: { path: 'economy/companies', record: 'company', columns: ['name', 'kind', 'founded_on', 'jobs_total', 'jobs_local'] },
  debts: { path: 'economy/debts', columns: ['creditor', 'incurred', 'repaid', 'outstanding', 'last_changed_on'] },
  persons: { path: 'welfare/persons', record: 'person', columns: ['status', 'age_band', 'household_id', 'registered_at'] },
  households: { path: 'welfare/households', record: 'household', columns: ['members', 'allowance_status', 'monthly_fen', 'means_test_passed', 'assessed_on'] },
  cycles: { path: 'welfare/cycles', record: 'cycle', columns: ['programme_name', 'month', 'status', 'persons', 'total_fen', 'approvable_by_me'] },
  relief: { path: 'welfare/relief', columns: ['occasion', 'kind', 'items', 'value_fen', 'distributed_on'] },
  volunteers: { path: 'volunteering/volunteers', record: 'volunteer', columns: ['name', 'skills', 'hours', 'points_balance', 'suspended'] },
  teams: { path: 'volunteering/teams', record: 'team', columns: ['name', 'purpose', 'members'] },
  activities: { path: 'volunteering/activities', record: 'activity', columns: ['title', 'place', 'starts_at', 'slots', 'filled', 'status'] },
  help_requests: { path: 'volunteering/help-requests', record: 'help', columns: ['urgency', 'deadline', 'status', 'grid_case_id', 'volunteer_id'] }
};

/** The filters a ledger page offers, by list: each a query parameter of the list endpoint and its choices. */
export var FILTERS = {
  cases: [{ name: 'status', options: ['reported', 'accepted', 'assigned', 'escalated', 'resolved', 'closed', 'reopened', 'rejected'] },
    { name: 'category', options: ['noise', 'sanitation', 'roads_and_lighting', 'drainage', 'safety_hazard', 'neighbour_dispute', 'elderly_assistance', 'other'] },
    { name: 'overdue', options: ['true', 'false'] }],
  mediations: [{ name: 'status', options: ['open', 'settled', 'failed'] }],
  leases: [{ name: 'in_arrears', options: ['true', 'false'] }, { name: 'expiring_within_days', options: ['30', '60', '90', '180'] }],
  debts: [{ name: 'outstanding', options: ['true', 'false'] }],
  help_requests: [{ name: 'status', options: ['open', 'received', 'matched', 'fulfilled', 'declined', 'expired'] }],
  persons: [{ name: 'category', options: ['minimum_allowance_member', 'extreme_poverty', 'disabled', 'elderly_living_alone', 'aged_80_plus'] }],
  households: [{ name: 'status', options: ['none', 'active', 'suspended', 'ended'] }],
  cycles: [{ name: 'status', options: ['awaiting_second_approval', 'open', 'calculated', 'approved', 'disbursed', 'closed'] }],
  activities: [{ name: 'status', options: ['published', 'completed', 'cancelled'] }, { name: 'has_open_slots', options: ['true', 'false'] }]
};

export function recordLink(listKey, item) {
  var list = LISTS[listKey];
  if (list.link) { return list.link(item); }
  return list.record && item.id ? '#/' + list.record + '/' + encodeURIComponent(item.id) : null;
}

function columnsOf(list, items) {
  var present = {};  // the fields some item of the first page has a value for (a column of blanks says nothing)
  items.forEach(function (item) {
    Object.keys(item).forEach(function (k) { if (item[k] !== null && item[k] !== undefined && item[k] !== '') { present[k] = true; } });
  });
  var cols = list.columns.filter(function (c) { return present[c]; });
  if (cols.length < 3) {  // an item shaped otherwise than expected: its own first fields
    Object.keys(present).forEach(function (k) {
      if (cols.length < 6 && cols.indexOf(k) < 0 && k !== 'id' && k !== 'community_id' && k !== 'version') { cols.push(k); }
    });
  }
  return cols;
}

/**
 * A worklist: { key, list (a LISTS key), params, title, limit, ledger (true on the ledger's own page), fetch (the
 * page for given params, when not the list's GET: a search sent in a body) }. The section carries data-worklist and data-state
 * (loading, ready, empty, unavailable, forbidden, error); each row data-id and data-community.
 */
export function worklist(spec) {
  var list = LISTS[spec.list];
  var body = h('div', { 'class': 'worklist-body' }, h('p', { 'class': 'muted', text: t('loading') }));
  var count = h('span', { 'class': 'worklist-count', 'data-figure': 'worklist-count' });
  var section = h('section', { 'class': 'panel worklist', 'data-worklist': spec.key, 'data-list': spec.list, 'data-state': 'loading' },
    h('div', { 'class': 'panel-head' },
      h('h3', { 'class': 'panel-title', text: t(spec.title) }), count,
      spec.ledger ? null : h('a', { 'class': 'panel-link small', href: '#/lists/' + spec.list, text: t('list.all') })),
    body);
  var columns = null, table = null, tbody = null, shown = 0;
  var params = Object.assign({ community_id: currentCommunity() || null, limit: spec.limit || 10 }, spec.params || {});

  function state(name, message) {
    section.setAttribute('data-state', name);
    if (message !== undefined) {
      body.textContent = '';
      body.appendChild(h('p', { 'class': 'worklist-note ' + (name === 'empty' ? 'muted' : 'note-' + name),
        'data-figure': 'worklist-' + name, text: message }));
    }
  }
  function load(cursor) {
    var asked = Object.assign({}, params, { cursor: cursor || null });
    return (spec.fetch ? spec.fetch(asked) : get(list.path + query(asked))).then(function (page) {
      var items = (page && page.items) || [];
      if (!cursor && !items.length) { state('empty', t('list.empty')); count.textContent = '0'; return; }
      if (!table) {
        columns = columnsOf(list, items);
        tbody = h('tbody');
        table = h('table', { 'class': 'data-table', 'data-figure': 'worklist-table' },
          h('thead', null, h('tr', null, h('th'), h('th', { text: t('field.community_id') }),
            columns.map(function (c) { return h('th', { text: t('field.' + c) }); }))), tbody);
        body.textContent = '';
        body.appendChild(table);
      }
      items.forEach(function (item) {
        var href = recordLink(spec.list, item);
        tbody.appendChild(h('tr', { 'data-figure': 'row', 'data-id': item.id, 'data-community': item.community_id },
          h('td', { 'class': 'row-open' }, href ? h('a', { href: href, 'data-figure': 'open', text: t('list.open') }) : null),
          h('td', { text: item.community_id || '—' }),
          columns.map(function (c) {
            var text = show(c, item[c]);
            // An id in a list is for telling rows apart: its first characters, the whole on hover.
            var short = /(^|_)id$/.test(c) && typeof item[c] === 'string' && item[c].length > 12;
            return h('td', { 'data-col': c, title: short ? text : null, text: short ? text.slice(0, 8) + '…' : text });
          })));
      });
      shown += items.length;
      count.textContent = String(shown) + (page.next_cursor ? '+' : '');
      var old = body.querySelector('.more');
      if (old) { old.parentNode.removeChild(old); }
      if (page.next_cursor) {
        body.appendChild(h('button', { type: 'button', 'class': 'btn more', 'data-figure': 'more', text: t('list.more'),
          on: { click: function () { load(page.next_cursor); } } }));
      }
      state('ready');
    }, function (err) {
      if (cursor) { return; }
      if (err.status === 404 || err.status === 405) { state('unavailable', t('list.unavailable')); }
      else if (err.status === 403) { state('forbidden', t('list.forbidden', { reason: err.message })); }
      else if (err.name === 'AuthError') { window.dispatchEvent(new CustomEvent('staff:auth')); }
      else { state('error', t('list.error', { reason: err.message || err.status })); }
    });
  }
  section.loaded = spec.unavailable ? Promise.resolve(state('unavailable', t(spec.unavailable))) : load(null);
  return section;
}
