/* The router: shows the page the URL fragment names (#/ district overview, #/community/<id>; #token=<jwt> keeps the
 * token for this tab, then #/), drops the answers of a superseded render, and puts the sign-in box or an error panel
 * in the page's place. */
import { AuthError, setToken, token } from './api.js';
import { clear, h } from '../common/dom.js';
import { t } from '../common/i18n.js';
import { applyShellText, showLoginBox, takeTokenFromHash } from '../common/shell.js';

var pages = null;  // {overview(main, seq), community(main, seq, id)}: each returns a promise, settled once shown
var renderSeq = 0;

/** Whether render `seq` is still the one to show (a later route or language switch supersedes it). */
export function isCurrentRender(seq) { return seq === renderSeq; }
export function currentRender() { return renderSeq; }

/** The static markup's texts (data-i18n), title and language switch, in the current language. */
export function applyStaticText() {
  applyShellText();
  document.getElementById('logout').hidden = !token();
}

export function showLogin(message) {
  showLoginBox(message);
  clear(document.getElementById('main'));
  clear(document.querySelector('[data-figure="freshness"]'));
}

export function showError(err) {
  if (err instanceof AuthError) {
    setToken(null);
    applyStaticText();
    showLogin(t('login.invalid'));
    return;
  }
  var main = clear(document.getElementById('main'));
  main.appendChild(h('section', { 'class': 'panel panel-error', 'data-figure': 'error' },
    h('h3', { 'class': 'panel-title', text: t('error.generic') }),
    h('p', { 'class': 'muted', text: (err && (err.detail || err.message)) || String(err) }),
    h('button', { type: 'button', 'class': 'btn btn-primary', text: t('error.retry'), on: { click: route } })));
}

export function route() {
  takeTokenFromHash(setToken);
  applyStaticText();
  if (!token()) { showLogin(); return; }
  document.getElementById('login').hidden = true;
  var main = document.getElementById('main');
  var seq = ++renderSeq;
  var m = /^#\/community\/(.+)$/.exec(location.hash);
  main.setAttribute('data-view', m ? 'community' : 'overview');
  if (!main.firstChild || main.querySelector('[data-figure="error"]')) {
    main.appendChild(h('p', { 'class': 'loading', text: t('loading') }));
  } else {
    main.classList.add('is-loading');
  }
  var done = function () { if (isCurrentRender(seq)) { main.classList.remove('is-loading'); main.setAttribute('data-ready', String(seq)); } };
  var page = m ? pages.community(main, seq, decodeURIComponent(m[1])) : pages.overview(main, seq);
  page.then(done, function (err) { if (isCurrentRender(seq)) { main.classList.remove('is-loading'); showError(err); } });
}

/** Shows the page the URL names now and on every change of the fragment. */
export function startRouter(pageRenderers) {
  pages = pageRenderers;
  window.addEventListener('hashchange', route);
  route();
}
