/* The forms that start a record: report a case, open a mediation, register a person, a household, a volunteer.
 * On success the new record's page opens; on a refusal the form stays as typed with the reasons beside it. */
import { post } from '../api.js';
import { h } from '../../common/dom.js';
import { form } from '../forms.js';
import { t } from '../../common/i18n.js';
import { currentCommunity, myCommunities } from '../scope.js';

var CATEGORIES = ['noise', 'sanitation', 'roads_and_lighting', 'drainage', 'safety_hazard', 'neighbour_dispute',
  'elderly_assistance', 'other'];
var CHANNELS = ['resident', 'grid_worker', 'patrol', 'hotline', 'volunteer'];
var DISPUTES = ['neighbour', 'family', 'property', 'labour', 'other'];

function communityField(communities, chosen) {
  return { name: 'community_id', type: 'select', blank: 'form.choose', value: chosen,
    options: communities.map(function (c) { return { value: c.id, text: c.name === c.id ? c.id : c.name + ' (' + c.id + ')' }; }) };
}

function opens(ctx, kind) { return function (created) { ctx.go('#/' + kind + '/' + encodeURIComponent(created.id)); }; }

var FORMS = {
  'case': function (communities, given, ctx) {
    return form({ name: 'report-case', title: 'new.case', submit: 'form.report', fields: [
      communityField(communities, given.community_id || currentCommunity()),
      { name: 'category', type: 'select', blank: 'form.choose', options: CATEGORIES, optionPrefix: 'code' },
      { name: 'description', type: 'textarea' },
      { name: 'channel', type: 'select', options: CHANNELS, optionPrefix: 'code', value: 'resident' },
      { name: 'grid_cell_id', hint: 'hint.optional' },
      { name: 'location.address', label: 'field.address', hint: 'hint.optional' }],
    send: function (body) { return post('grid/cases', body); }, done: opens(ctx, 'case') });
  },
  mediation: function (communities, given, ctx) {
    return form({ name: 'open-mediation', title: 'new.mediation', submit: 'form.open', fields: [
      communityField(communities, given.community_id || currentCommunity()),
      { name: 'dispute_type', type: 'select', blank: 'form.choose', options: DISPUTES, optionPrefix: 'code' },
      { name: 'parties', type: 'int', value: '2' },
      { name: 'case_id', value: given.case_id || '', hint: 'hint.optional' },
      { name: 'summary', type: 'textarea' }],
    send: function (body) { return post('grid/mediations', body); }, done: opens(ctx, 'mediation') });
  },
  person: function (communities, given, ctx) {
    return form({ name: 'register-person', title: 'new.person', submit: 'form.register', fields: [
      communityField(communities, given.community_id || currentCommunity()),
      { name: 'name' }, { name: 'national_id', hint: 'hint.national_id' }, { name: 'phone' }, { name: 'address' },
      { name: 'birth_date', type: 'date' }],
    send: function (body) { return post('welfare/persons', body); }, done: opens(ctx, 'person') });
  },
  household: function (communities, given, ctx) {
    return form({ name: 'register-household', title: 'new.household', submit: 'form.register', fields: [
      communityField(communities, given.community_id || currentCommunity()),
      { name: 'members', type: 'list', value: given.members || '', hint: 'hint.members' },
      { name: 'income_per_person_fen', type: 'yuan', label: 'field.income_per_person_yuan' }],
    send: function (body) { return post('welfare/households', body); }, done: opens(ctx, 'household') });
  },
  volunteer: function (communities, given, ctx) {
    return form({ name: 'register-volunteer', title: 'new.volunteer', submit: 'form.register', fields: [
      communityField(communities, given.community_id || currentCommunity()),
      { name: 'name' }, { name: 'phone' }, { name: 'skills', type: 'list', hint: 'hint.skills' }],
    send: function (body) { return post('volunteering/volunteers', body); }, done: opens(ctx, 'volunteer') });
  }
};

/** `given`: values from the address (#/new/mediation?case_id=...), to start a record from another. */
export function renderCreate(main, kind, given, ctx) {
  if (!FORMS[kind]) { return Promise.reject(new Error(t('error.no_such_form', { kind: kind }))); }
  return myCommunities().then(function (communities) {
    main.textContent = '';
    main.appendChild(h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.home') }));
    main.appendChild(h('section', { 'class': 'panel form-page' }, FORMS[kind](communities, given, ctx)));
  });
}
