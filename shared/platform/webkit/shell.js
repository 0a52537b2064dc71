/* The page's frame both apps share (index.html's header, sign-in box): its texts in the current language, the
 * sign-in box, a token handed over in the address (#token=<jwt>, then dropped from it), and the header's wiring. */
import { currentLang, t, toggleLang } from './i18n.js';

/** The static markup's texts (data-i18n), title and language switch, in the current language. */
export function applyShellText() {
  document.documentElement.lang = currentLang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.name');
  Array.prototype.forEach.call(document.querySelectorAll('[data-i18n]'), function (el) {
    el.textContent = t(el.getAttribute('data-i18n'));
  });
  var sw = document.getElementById('lang-switch');
  sw.textContent = t('lang.other');
  sw.setAttribute('data-lang', currentLang());
  sw.setAttribute('aria-label', currentLang() === 'zh' ? 'Switch to English' : '切换到中文');
}

/** Shows the sign-in box (with `message` if given) and puts the cursor in it. */
export function showLoginBox(message) {
  document.getElementById('login').hidden = false;
  var err = document.getElementById('login-error');
  err.hidden = !message;
  err.textContent = message || '';
  setTimeout(function () { document.getElementById('token-input').focus(); }, 0);
}

/** A token handed over in the address (#token=<jwt>) goes to `keep`, and out of the address bar and history. */
export function takeTokenFromHash(keep) {
  var m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) { return false; }
  keep(decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search + '#/');
  return true;
}

/** The header's language switch and sign-out button, and the sign-in form (a pasted "Bearer ..." works too). */
export function wireShell(on) {
  document.getElementById('lang-switch').addEventListener('click', function () {
    toggleLang();
    on.language();
  });
  document.getElementById('logout').addEventListener('click', on.signOut);
  document.getElementById('login-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = document.getElementById('token-input');
    var value = input.value.trim().replace(/^Bearer\s+/i, '');
    if (!value) { return; }
    input.value = '';
    on.token(value);
  });
}
