/* The services' APIs, on this page's origin (/grid, /economy, /welfare, /volunteering): the staff member's bearer
 * token (this tab's sessionStorage), what the token says about its holder, authorised calls, and the API's refusals
 * as { status, message, fields: {field name: message} } so that a form can show each one next to its field. */
import { storageGet, storageSet } from '../common/storage.js';

var TOKEN_KEY = 'shequ.staff.token';
var ROOT = '../';  // the workbench lives at /staff/; each service is mounted beside it

/** 401: the token is missing, expired or not accepted; the page asks for another. */
export function AuthError(message) { this.name = 'AuthError'; this.message = message || ''; }
/** Any other refusal or failure; `fields` maps a field the API named to its message. */
export function ApiError(status, message, fields) {
  this.name = 'ApiError'; this.status = status; this.message = message || ''; this.fields = fields || {};
}

export function token() { return storageGet(sessionStorage, TOKEN_KEY); }
/** Keeps the token for this tab; null forgets it. */
export function setToken(value) { storageSet(sessionStorage, TOKEN_KEY, value); }

/** The token's claims (subject, roles, communities), read without verifying: the services verify it. */
export function claims() {
  var value = token();
  if (!value) { return null; }
  try {
    var part = value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    while (part.length % 4) { part += '='; }
    var text = decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
      return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
    }).join(''));
    var body = JSON.parse(text);
    return { sub: String(body.sub || ''), roles: body.roles || [], communities: body.communities || [], exp: body.exp };
  } catch (e) {
    return null;
  }
}
export function hasRole(role) { var c = claims(); return !!c && c.roles.indexOf(role) >= 0; }

/** The holder's pseudonymous worker id, as the services compute it (sha256("shequ-actor:" + subject), 16 hex
 * digits); null where the browser offers no digest (a page served over plain HTTP from another host). */
export function myWorkerId() {
  var c = claims();
  if (!c || !window.crypto || !window.crypto.subtle || !window.TextEncoder) { return Promise.resolve(null); }
  return window.crypto.subtle.digest('SHA-256', new TextEncoder().encode('shequ-actor:' + c.sub)).then(function (buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); })
      .join('').slice(0, 16);
  }, function () { return null; });
}

export function query(params) {
  var text = Object.keys(params || {}).filter(function (k) {
    return params[k] !== null && params[k] !== undefined && params[k] !== '';
  }).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
  return text ? '?' + text : '';
}

/** The API's error body as a message and per-field messages. FastAPI's validation errors are a list of
 * {loc: ["body", field, ...], msg}; the services' own refusals are {detail, field?}. */
export function refusal(status, body) {
  var fields = {}, messages = [];
  var detail = body && body.detail;
  if (Array.isArray(detail)) {
    detail.forEach(function (e) {
      var loc = (e && e.loc ? e.loc : []).filter(function (p, i) {
        return !(i === 0 && (p === 'body' || p === 'query' || p === 'path'));
      });
      var msg = (e && e.msg) || '';
      if (loc.length) {
        var name = loc.join('.');
        fields[name] = fields[name] ? fields[name] + '; ' + msg : msg;
      } else {
        messages.push(msg);
      }
    });
  } else if (detail !== undefined && detail !== null) {
    if (body.field) { fields[body.field] = String(detail); } else { messages.push(String(detail)); }
  }
  return new ApiError(status, messages.join('; '), fields);
}

function idempotencyKey() {
  if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
  return 'staff-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2);
}

function call(method, path, body) {
  var headers = { Authorization: 'Bearer ' + token(), Accept: 'application/json' };
  var init = { method: method, headers: headers, cache: 'no-store' };
  if (method !== 'GET') {
    // One key per submit: a retried request (a flaky network) is not done twice.
    headers['Idempotency-Key'] = idempotencyKey();
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body || {});
  }
  return fetch(ROOT + path.replace(/^\//, ''), init).then(function (r) {
    return r.text().then(function (text) {
      var parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = null; }
      if (r.status === 401) { throw new AuthError(parsed && parsed.detail); }
      if (!r.ok) { throw refusal(r.status, parsed || { detail: r.statusText || ('HTTP ' + r.status) }); }
      return parsed;
    });
  }, function (err) { throw new ApiError(0, String(err && err.message || err)); });
}
export function get(path) { return call('GET', path); }
export function post(path, body) { return call('POST', path, body); }
