/* The router: shows the page the URL fragment names (#/ home, #/lists/<list>, #/new/<kind>, #/<record>/<id>...;
 * #token=<jwt> keeps the token for this tab, then #/), drops the answers of a superseded render, and puts the
 * sign-in box or an error panel in the page's place. */
import { claims, setToken, token } from './api.js';
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { applyShellText, showLoginBox, takeTokenFromHash } from '../common/shell.js';
import { renderBrowse } from './pages/browse.js';
import { renderCreate } from './pages/create.js';
import { renderHome } from './pages/home.js';
import { RECORDS } from './pages/records.js';
import { currentCommunity, forgetCommunities, myCommunities, setCommunity } from './scope.js';

var renderSeq = 0;

/** The static markup's texts (data-i18n), title and language switch, in the current language. */
export function applyStaticText() {
  applyShellText();
  document.getElementById('logout').hidden = !token();
  document.getElementById('scope').hidden = !token();
}

export function showLogin(message) {
  showLoginBox(message);
  document.getElementById('main').textContent = '';
}

function showError(err) {
  if (err && err.name === 'AuthError') { signOut(t('login.invalid')); return; }
  var main = document.getElementById('main');
  main.textContent = '';
  main.appendChild(h('section', { 'class': 'panel panel-error', 'data-figure': 'error', 'data-status': err && err.status },
    h('h3', { 'class': 'panel-title', text: err && err.status === 404 ? t('error.not_found') : t('error.generic') }),
    h('p', { 'class': 'muted', text: (err && err.message) || String(err) }),
    h('a', { 'class': 'btn', href: '#/', text: t('action.home') })));
}

export function signOut(message) {
  setToken(null);
  setCommunity(null);
  forgetCommunities();
  applyStaticText();
  showLogin(message);
}

/** The header's community choice: the token's communities. */
function fillScope() {
  var select = document.getElementById('scope');
  return myCommunities().then(function (communities) {
    select.textContent = '';
    select.appendChild(h('option', { value: '', text: t('scope.all') }));
    communities.forEach(function (c) { select.appendChild(h('option', { value: c.id, text: c.name })); });
    select.value = currentCommunity();
  });
}

function parse(hash) {
  var path = hash.replace(/^#\/?/, ''), search = '';
  var q = path.indexOf('?');
  if (q >= 0) { search = path.slice(q + 1); path = path.slice(0, q); }
  var given = {};
  search.split('&').filter(Boolean).forEach(function (kv) {
    var parts = kv.split('=');
    given[decodeURIComponent(parts[0])] = decodeURIComponent(parts[1] || '');
  });
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), given: given };
}

export function route() {
  takeTokenFromHash(setToken);
  applyStaticText();
  if (!token()) { showLogin(); return; }
  if (!claims()) { signOut(t('login.unreadable')); return; }
  document.getElementById('login').hidden = true;
  var main = document.getElementById('main');
  var seq = ++renderSeq;
  var where = parse(location.hash);
  var first = where.parts[0] || 'home';
  main.setAttribute('data-view', first);
  main.removeAttribute('data-ready');
  main.classList.add('is-loading');
  var ctx = { refresh: route, go: function (hash) { if (location.hash === hash) { route(); } else { location.hash = hash; } } };
  var staged = document.createElement('div');  // rendered off-page, swapped in when complete
  var page;
  if (first === 'home') { page = renderHome(staged); }
  else if (first === 'lists') { page = renderBrowse(staged, where.parts[1], where.given); }
  else if (first === 'new') { page = renderCreate(staged, where.parts[1], where.given, ctx); }
  else if (RECORDS[first]) { page = RECORDS[first](staged, where.parts.slice(1), ctx); }
  else { page = Promise.reject(new Error(t('error.no_such_page'))); }
  var shown = false;
  var show = function () {
    if (seq !== renderSeq || shown) { return; }
    shown = true;
    main.textContent = '';
    while (staged.firstChild) { main.appendChild(staged.firstChild); }
    main.classList.remove('is-loading');
  };
  Promise.resolve(page).then(function () {
    show();
    if (seq === renderSeq) { main.setAttribute('data-ready', String(seq)); }
  }, function (err) {
    if (seq !== renderSeq) { return; }
    main.classList.remove('is-loading');
    showError(err);
    main.setAttribute('data-ready', String(seq));
  });
  fillScope();
}

export function startRouter() {
  window.addEventListener('hashchange', route);
  window.addEventListener('staff:auth', function () { signOut(t('login.invalid')); });
  route();
}
