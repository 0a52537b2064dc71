/* The district API: the operator's bearer token (this tab's sessionStorage), authorised fetches and their errors. */
import { storageGet, storageSet } from '../common/storage.js';

var TOKEN_KEY = 'shequ.token';

export function AuthError() { this.name = 'AuthError'; }
export function HttpError(status, detail) { this.name = 'HttpError'; this.status = status; this.detail = detail; }
export function token() { return storageGet(sessionStorage, TOKEN_KEY); }
/** Keeps the token for this tab; null forgets it. */
export function setToken(value) { storageSet(sessionStorage, TOKEN_KEY, value); }
export function request(path) {
  return fetch(path, { headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' }, cache: 'no-store' })
    .then(function (r) {
      if (r.status === 401 || r.status === 403) { throw new AuthError(); }
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (body) {
          throw new HttpError(r.status, body && body.detail);
        });
      }
      return r;
    });
}
export function api(path) { return request(path).then(function (r) { return r.json(); }); }
export function query(params) {
  return Object.keys(params).filter(function (k) { return params[k] !== null && params[k] !== undefined && params[k] !== ''; })
    .map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); }).join('&');
}
