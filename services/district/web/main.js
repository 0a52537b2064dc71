/* shequ district dashboard, the entry module: wires the header's buttons and the sign-in form, then starts the router.
 * Native ES modules, no build step, no external requests; every figure element carries data-figure="<name>"
 * (and data-value with the raw number) for tests. */
import { setToken } from './api.js';
import { toggleLang } from './i18n.js';
import { renderCommunity } from './pages/community.js';
import { renderOverview } from './pages/overview.js';
import { downloadCsv } from './panels/communities.js';
import { applyStaticText, route, showLogin, startRouter } from './router.js';

document.getElementById('lang-switch').addEventListener('click', function () {
  toggleLang();
  route();
});
document.getElementById('logout').addEventListener('click', function () {
  setToken(null);
  location.hash = '#/';
  applyStaticText();
  showLogin();
});
document.getElementById('login-form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  var value = document.getElementById('token-input').value.trim().replace(/^Bearer\s+/i, '');
  if (!value) { return; }
  setToken(value);
  document.getElementById('token-input').value = '';
  route();
});
document.querySelector('[data-figure="csv-export"]').addEventListener('click', downloadCsv);
startRouter({ overview: renderOverview, community: renderCommunity });
