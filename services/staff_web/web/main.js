/* shequ staff workbench, the entry module: wires the header (language, community, sign-out) and the sign-in form,
 * then starts the router. Native ES modules, no build step, no external requests. */
import { setToken } from './api.js';
import { toggleLang } from './i18n.js';
import { route, signOut, startRouter } from './router.js';
import { forgetCommunities, setCommunity } from './scope.js';

document.getElementById('lang-switch').addEventListener('click', function () {
  toggleLang();
  route();
});
document.getElementById('logout').addEventListener('click', function () {
  location.hash = '#/';
  signOut();
});
document.getElementById('scope').addEventListener('change', function (ev) {
  setCommunity(ev.target.value);
  route();
});
document.getElementById('login-form').addEventListener('submit', function (ev) {
  ev.preventDefault();
  var value = document.getElementById('token-input').value.trim().replace(/^Bearer\s+/i, '');
  if (!value) { return; }
  setToken(value);
  forgetCommunities();
  document.getElementById('token-input').value = '';
  route();
});
startRouter();
