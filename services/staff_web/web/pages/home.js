/* The home page: the six worklists of a staff member's day, the daily commands that start a record, and every
 * ledger (台账) the services list. */
import { claims, myWorkerId } from '../api.js';
import { h } from '../../common/dom.js';
import { t } from '../../common/i18n.js';
import { LISTS, worklist } from '../lists.js';

var UPCOMING_DAYS = 14;

export var STARTS = [
  { href: '#/new/case', text: 'new.case' },
  { href: '#/new/mediation', text: 'new.mediation' },
  { href: '#/new/person', text: 'new.person' },
  { href: '#/new/household', text: 'new.household' },
  { href: '#/new/volunteer', text: 'new.volunteer' }
];

export function renderHome(main) {
  var now = new Date();
  var until = new Date(now.getTime() + UPCOMING_DAYS * 86400000);
  return myWorkerId().then(function (me) {
    var lists = [
      worklist({ key: 'overdue-cases', list: 'cases', title: 'work.overdue', params: { overdue: 'true', sort: 'deadline' } }),
      me ? worklist({ key: 'my-cases', list: 'cases', title: 'work.mine', params: { assignee: me, sort: 'deadline' } })
        : worklist({ key: 'my-cases', list: 'cases', title: 'work.mine', unavailable: 'list.no_worker_id' }),
      worklist({ key: 'leases-in-arrears', list: 'leases', title: 'work.arrears', params: { in_arrears: 'true' } }),
      worklist({ key: 'second-approvals', list: 'cycles', title: 'work.approvals', params: { status: 'awaiting_second_approval' } }),
      worklist({ key: 'open-help-requests', list: 'help_requests', title: 'work.help', params: { status: 'open' } }),
      worklist({ key: 'upcoming-activities', list: 'activities', title: 'work.activities',
        params: { from: now.toISOString(), to: until.toISOString() } })
    ];
    var who = claims() || { sub: '', roles: [] };
    main.textContent = '';
    main.appendChild(h('div', { 'class': 'page-head', 'data-figure': 'home' },
      h('h1', { 'class': 'page-title', text: t('home.title') }),
      h('p', { 'class': 'page-sub muted', 'data-figure': 'signed-in-as',
        text: t('home.signed_in', { who: who.sub, roles: who.roles.join(', ') }) })));
    main.appendChild(h('nav', { 'class': 'quick-actions', 'data-figure': 'starts' },
      STARTS.map(function (s) { return h('a', { 'class': 'btn', href: s.href, text: t(s.text) }); })));
    main.appendChild(h('div', { 'class': 'worklists' }, lists));
    main.appendChild(h('section', { 'class': 'panel ledgers' },
      h('h3', { 'class': 'panel-title', text: t('home.ledgers') }),
      h('ul', { 'class': 'ledger-links' }, Object.keys(LISTS).map(function (key) {
        return h('li', null, h('a', { href: '#/lists/' + key, 'data-figure': 'ledger-link', 'data-list': key, text: t('list.' + key) }));
      }))));
    return Promise.all(lists.map(function (l) { return l.loaded; }));
  });
}
