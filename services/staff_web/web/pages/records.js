/* The record pages: each loads its record from the service that keeps it, shows its fields and history, and offers
 * the commands its state allows. `ctx.refresh()` shows the record again after a command was done. */
import { get, myWorkerId, post } from '../api.js';
import { h } from '../../common/dom.js';
import { form } from '../forms.js';
import { t } from '../../common/i18n.js';
import { actions, details, header, history } from '../record.js';

var e = encodeURIComponent;
var CASE_ACTIVE = ['accepted', 'assigned', 'escalated', 'reopened'];

function today() {
  var d = new Date();
  return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2);
}
function thisMonth() { return today().slice(0, 7); }

function page(main, parts) { main.textContent = ''; parts.forEach(function (p) { if (p) { main.appendChild(h('div', null, p)); } }); }

function caseRecord(main, args, ctx) {
  var id = args[0], path = 'grid/cases/' + e(id);
  return Promise.all([get(path), get(path + '/history'), myWorkerId()]).then(function (got) {
    var c = got[0], me = got[2];
    var act = function (name, title, fields, submit, extra) {
      return form(Object.assign({ name: name, title: title, fields: fields, submit: submit,
        send: function (body) { return post(path + '/' + name, body); }, done: ctx.refresh }, extra || {}));
    };
    var forms = [];
    if (c.status === 'reported') {
      forms.push(act('accept', 'case.accept', [], 'case.accept'));
      forms.push(act('reject', 'case.reject', [{ name: 'reason', type: 'select', options: ['duplicate', 'not_our_responsibility'], optionPrefix: 'code' },
        { name: 'duplicate_of' }], 'case.reject'));
    }
    if (CASE_ACTIVE.indexOf(c.status) >= 0) {
      forms.push(act('assign', 'case.assign', [{ name: 'worker_id', value: me || '', hint: 'hint.worker_id' },
        { name: 'department', hint: 'hint.department' }], 'case.assign'));
      forms.push(act('resolve', 'case.resolve', [{ name: 'outcome', type: 'textarea' }], 'case.resolve'));
    }
    if (c.status === 'resolved') {
      forms.push(act('close', 'case.close', [{ name: 'satisfaction', type: 'select', blank: 'form.choose',
        int: true, options: ['5', '4', '3', '2', '1'].map(function (n) { return { value: n, text: t('satisfaction.' + n) }; }) }],
      'case.close'));
    }
    if (c.status === 'resolved' || c.status === 'closed') {
      forms.push(act('reopen', 'case.reopen', [{ name: 'reason', type: 'textarea' }], 'case.reopen'));
    }
    if (c.status !== 'rejected' && c.status !== 'closed') {
      forms.push(h('a', { 'class': 'btn', href: '#/new/mediation?case_id=' + e(c.id) + '&community_id=' + e(c.community_id),
        'data-figure': 'start-mediation', text: t('new.mediation') }));
    }
    page(main, [header('case', t('record.case') + ' · ' + t('code.' + c.category)), details('case', c), actions(forms), history(got[1])]);
  });
}

function mediationRecord(main, args, ctx) {
  var path = 'grid/mediations/' + e(args[0]);
  return get(path).then(function (m) {
    var done = ctx.refresh;
    var forms = m.status !== 'open' ? [] : [
      form({ name: 'session', title: 'mediation.session', fields: [{ name: 'notes', type: 'textarea' }], submit: 'mediation.session',
        send: function (body) { return post(path + '/sessions', body); }, done: done }),
      form({ name: 'settle', title: 'mediation.settle', fields: [{ name: 'agreement', type: 'textarea' }], submit: 'mediation.settle',
        send: function (body) { return post(path + '/settle', body); }, done: done }),
      form({ name: 'fail', title: 'mediation.fail', fields: [{ name: 'reason', type: 'textarea' }], submit: 'mediation.fail',
        send: function (body) { return post(path + '/fail', body); }, done: done })];
    page(main, [header('mediation', t('record.mediation')), details('mediation', m), actions(forms)]);
  });
}

/** A lease statement with its totals (billed, paid, outstanding, aging) beside the lease's own fields. */
function flatStatement(s) {
  var view = Object.assign({}, s, s.statement || {});
  delete view.statement;
  return view;
}

function leaseRecord(main, args, ctx) {
  var asset = args[0], lease = args[1], base = 'economy/assets/' + e(asset) + '/leases/' + e(lease);
  return get(base + '/statement').then(function (s) {
    var forms = [
      form({ name: 'bill', title: 'lease.bill', fields: [{ name: 'month', type: 'month', value: thisMonth(), hint: 'hint.month' }],
        submit: 'lease.bill', send: function (body) { return post(base + '/rent-bills', body); }, done: ctx.refresh }),
      form({ name: 'pay', title: 'lease.pay', fields: [{ name: 'amount', type: 'yuan', label: 'field.amount_yuan' },
        { name: 'paid_on', type: 'date', value: today() }],
      submit: 'lease.pay', send: function (body) { return post(base + '/payments', body); }, done: ctx.refresh })];
    page(main, [header('lease', t('record.lease')),
      h('a', { href: '#/asset/' + e(asset), 'data-figure': 'asset-link', text: t('record.asset') }),
      details('lease', flatStatement(s)), actions(forms)]);
  });
}

function assetRecord(main, args) {
  var path = 'economy/assets/' + e(args[0]);
  return Promise.all([get(path), get(path + '/statement').catch(function () { return null; })]).then(function (got) {
    var card = got[0];
    var leases = (card.current_leases || []).concat(card.past_leases || []);
    if (!leases.length && got[1]) { leases = got[1].leases || []; }
    var links = (Array.isArray(leases) ? leases : []).map(function (l) {
      var id = l.lease_id || l.id;
      return id ? h('li', null, h('a', { href: '#/lease/' + e(card.id || args[0]) + '/' + e(id), 'data-figure': 'lease-link', text: t('record.lease') + ' ' + id })) : null;
    });
    page(main, [header('asset', t('record.asset') + ' · ' + (card.name || '')), details('asset', card),
      links.length ? h('section', { 'class': 'panel' }, h('ul', null, links)) : null,
      got[1] ? details('asset-statement', got[1]) : null]);
  });
}

function householdRecord(main, args, ctx) {
  var path = 'welfare/households/' + e(args[0]);
  return get(path).then(function (hh) {
    var forms = [form({ name: 'assess', title: 'household.assess', fields: [{ name: 'on', type: 'date', value: today() }],
      submit: 'household.assess', send: function (body) { return post(path + '/means-test', body); }, done: ctx.refresh })];
    var members = (hh.members || []).map(function (m) { return h('li', null, h('a', { href: '#/person/' + e(m), text: m })); });
    page(main, [header('household', t('record.household')), details('household', hh),
      h('section', { 'class': 'panel' }, h('h3', { 'class': 'panel-title', text: t('field.members') }), h('ul', null, members)),
      actions(forms)]);
  });
}

function personRecord(main, args) {
  // Each read of a person's record is audited by welfare, with the purpose given here.
  return get('welfare/persons/' + e(args[0]) + '?purpose=' + e('staff workbench: record page')).then(function (p) {
    page(main, [header('person', t('record.person')), details('person', p)]);
  });
}

function cycleRecord(main, args, ctx) {
  var path = 'welfare/cycles/' + e(args[0]);
  return get(path).then(function (c) {
    var forms = [];
    if (c.status === 'open') {
      forms.push(form({ name: 'calculate', title: 'cycle.calculate', fields: [], submit: 'cycle.calculate',
        send: function () { return post(path + '/calculation'); }, done: ctx.refresh }));
    }
    if (c.status === 'calculated') {
      forms.push(form({ name: 'approve', title: 'cycle.approve', fields: [], submit: 'cycle.approve',
        send: function () { return post(path + '/approval'); }, done: ctx.refresh }));
    }
    page(main, [header('cycle', t('record.cycle') + ' · ' + (c.month || '')), details('cycle', c), actions(forms)]);
  });
}

function volunteerRecord(main, args) {
  var path = 'volunteering/volunteers/' + e(args[0]);
  return Promise.all([get(path), get(path + '/points').catch(function () { return null; })]).then(function (got) {
    page(main, [header('volunteer', t('record.volunteer') + ' · ' + (got[0].name || '')), details('volunteer', got[0]),
      got[1] ? details('points', got[1]) : null]);
  });
}

function activityRecord(main, args, ctx) {
  var path = 'volunteering/activities/' + e(args[0]);
  return get(path).then(function (a) {
    var attend = function (name, title) {
      return form({ name: name, title: title, submit: title,
        fields: [{ name: 'volunteer_id' }, { name: 'at', type: 'datetime', hint: 'hint.at' }],
        send: function (body) { return post(path + '/' + name, body); }, done: ctx.refresh });
    };
    var forms = a.status !== 'published' ? [] : [
      form({ name: 'sign-up', title: 'activity.sign_up', fields: [{ name: 'volunteer_id' }], submit: 'activity.sign_up',
        send: function (body) { return post(path + '/sign-up', body); }, done: ctx.refresh }),
      attend('check-in', 'activity.check_in'), attend('check-out', 'activity.check_out'),
      form({ name: 'complete', title: 'activity.complete', fields: [], submit: 'activity.complete',
        send: function () { return post(path + '/complete'); }, done: ctx.refresh })];
    page(main, [header('activity', t('record.activity') + ' · ' + (a.title || '')), details('activity', a), actions(forms)]);
  });
}

function helpRecord(main, args, ctx) {
  var path = 'volunteering/help-requests/' + e(args[0]);
  return get(path).then(function (r) {
    var forms = [];
    if (r.status === 'received') {
      forms.push(form({ name: 'match', title: 'help.match', fields: [{ name: 'volunteer_id' }, { name: 'team_id' }], submit: 'help.match',
        send: function (body) { return post(path + '/match', body); }, done: ctx.refresh }));
    }
    if (r.status === 'matched') {
      forms.push(form({ name: 'fulfil', title: 'help.fulfil', fields: [{ name: 'hours', type: 'number' }, { name: 'outcome', type: 'textarea' }],
        submit: 'help.fulfil', send: function (body) { return post(path + '/fulfil', body); }, done: ctx.refresh }));
    }
    page(main, [header('help', t('record.help')), details('help', r), actions(forms)]);
  });
}

function simple(kind, path) {
  return function (main, args) {
    return get(path + e(args[0])).then(function (r) { page(main, [header(kind, t('record.' + kind)), details(kind, r)]); });
  };
}

export var RECORDS = {
  'case': caseRecord, mediation: mediationRecord, lease: leaseRecord, asset: assetRecord, household: householdRecord,
  person: personRecord, cycle: cycleRecord, volunteer: volunteerRecord, activity: activityRecord, help: helpRecord,
  enterprise: simple('enterprise', 'economy/enterprises/'), company: simple('company', 'economy/companies/'),
  team: simple('team', 'volunteering/teams/'), rental: simple('rental', 'grid/rentals/'),
  'follow-up': simple('follow-up', 'grid/follow-ups/')
};
