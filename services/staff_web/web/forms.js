/* Forms for the services' commands. A form is declared as fields; on submit it sends the command and, when the API
 * refuses it, shows each message next to the field the API named (or above the form when it names none) and keeps
 * every input as typed, so nothing is lost. The API is the one judge of what is valid: no browser validation. */
import { AuthError } from './api.js';
import { h } from '../common/dom.js';
import { label, t } from '../common/i18n.js';

/**
 * form({ name, title, fields: [{ name, type, label, options, optionPrefix, value, hint }], submit: 'key',
 *        send: function (body) -> promise, done: function (result) })
 * Types: text, textarea, select, int, yuan (sent as integer fen), number, date, month, datetime (sent as ISO UTC),
 * list (comma separated, sent as an array); `int: true` sends a select's value as a number. A dotted name ("location.address") is sent nested.
 */
export function form(spec) {
  var inputs = {};
  var formError = h('p', { 'class': 'form-error', 'data-figure': 'form-error', role: 'alert', hidden: true });
  var button = h('button', { type: 'submit', 'class': 'btn btn-primary', 'data-figure': 'submit',
    text: t(spec.submit || 'form.submit') });
  var rows = spec.fields.map(function (f) {
    var id = 'f-' + spec.name + '-' + f.name.replace(/\W/g, '-');
    var input = control(f, id);
    inputs[f.name] = input;
    return h('div', { 'class': 'field', 'data-field': f.name },
      h('label', { 'for': id, text: t(f.label || ('field.' + f.name)) }),
      input,
      f.hint ? h('p', { 'class': 'field-hint muted small', text: t(f.hint) }) : null,
      h('p', { 'class': 'field-error', 'data-error-for': f.name, 'data-figure': 'field-error', role: 'alert', hidden: true }));
  });
  var el = h('form', { 'class': 'command-form', 'data-form': spec.name, 'data-state': 'idle', novalidate: true,
    autocomplete: 'off' },
    spec.title ? h('h3', { 'class': 'form-title', text: t(spec.title) }) : null,
    formError, rows, h('div', { 'class': 'form-actions' }, button));

  function clearErrors() {
    formError.hidden = true; formError.textContent = '';
    Array.prototype.forEach.call(el.querySelectorAll('.field-error'), function (p) { p.hidden = true; p.textContent = ''; });
    Object.keys(inputs).forEach(function (k) { inputs[k].removeAttribute('aria-invalid'); });
  }
  function fieldFor(name) {
    // "members.0" or "location.lat" may name a part of what one input holds.
    var parts = name.split('.');
    for (var n = parts.length; n > 0; n--) {
      var candidate = parts.slice(0, n).join('.');
      if (inputs[candidate]) { return candidate; }
    }
    return null;
  }
  function showRefusal(err) {
    var general = [];
    Object.keys(err.fields || {}).forEach(function (name) {
      var field = fieldFor(name);
      if (!field) { general.push(name + ': ' + err.fields[name]); return; }
      var p = el.querySelector('.field-error[data-error-for="' + field + '"]');
      p.textContent = p.textContent ? p.textContent + '; ' + err.fields[name] : err.fields[name];
      p.hidden = false;
      inputs[field].setAttribute('aria-invalid', 'true');
    });
    if (err.message) { general.unshift(err.message); }
    if (general.length || !Object.keys(err.fields || {}).length) {
      formError.textContent = t('form.refused', { status: err.status || '' }) + ' ' + (general.join('; ') || '');
      formError.hidden = false;
    }
    el.setAttribute('data-state', 'refused');
  }
  el.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (el.getAttribute('data-state') === 'sending') { return; }
    clearErrors();
    el.setAttribute('data-state', 'sending');
    button.disabled = true;
    var sent;
    try { sent = spec.send(body(spec.fields, inputs)); } catch (e) { sent = Promise.reject(e); }
    sent.then(function (result) {
      el.setAttribute('data-state', 'done');
      button.disabled = false;
      if (spec.done) { spec.done(result); }
    }, function (err) {
      button.disabled = false;
      if (err instanceof AuthError) { el.setAttribute('data-state', 'idle'); window.dispatchEvent(new CustomEvent('staff:auth')); return; }
      showRefusal(err);
    });
  });
  return el;
}

function control(f, id) {
  var attrs = { id: id, name: f.name, 'data-input': f.name };
  var input;
  if (f.type === 'select') {
    input = h('select', attrs, (f.blank ? [h('option', { value: '', text: t(f.blank) })] : []).concat(
      (f.options || []).map(function (o) {
        var value = typeof o === 'object' ? o.value : o;
        var text = typeof o === 'object' ? o.text : (f.optionPrefix ? label(f.optionPrefix, o) : o);
        return h('option', { value: value, text: text });
      })));
  } else if (f.type === 'textarea') {
    input = h('textarea', Object.assign(attrs, { rows: 3 }));
  } else {
    var type = { date: 'date', month: 'month', datetime: 'datetime-local' }[f.type] || 'text';
    if (f.type === 'int' || f.type === 'yuan' || f.type === 'number') { attrs.inputmode = 'decimal'; }
    input = h('input', Object.assign(attrs, { type: type }));
  }
  if (f.value !== undefined && f.value !== null) { input.value = f.value; }
  return input;
}

/** The command's body from the inputs: empty inputs are left out (the API says if one was needed); a value that
 * is not what its type expects is sent as typed, so the API names it rather than the page guessing. */
export function body(fields, inputs) {
  var out = {};
  fields.forEach(function (f) {
    var raw = inputs[f.name].value.trim();
    if (raw === '') { return; }
    var value = raw;
    if ((f.type === 'int' || f.int) && /^-?\d+$/.test(raw)) { value = parseInt(raw, 10); }
    else if (f.type === 'number' && /^-?\d+(\.\d+)?$/.test(raw)) { value = parseFloat(raw); }
    else if (f.type === 'yuan' && /^\d+(\.\d{1,2})?$/.test(raw)) { value = Math.round(parseFloat(raw) * 100); }
    else if (f.type === 'datetime' && !isNaN(new Date(raw).getTime())) { value = new Date(raw).toISOString(); }
    else if (f.type === 'list') { value = raw.split(/[,，\s]+/).filter(Boolean); }
    var target = out, parts = f.name.split('.');
    parts.slice(0, -1).forEach(function (p) { target = target[p] = target[p] || {}; });
    target[parts[parts.length - 1]] = value;
  });
  return out;
}
