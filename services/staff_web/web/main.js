/* shequ staff workbench, the entry module: wires the header (language, community, sign-out) and the sign-in form,
 * then starts the router. Native ES modules, no build step, no external requests. */
import { setToken } from './api.js';
import { useMessages } from '../common/i18n.js';
import { wireShell } from '../common/shell.js';
import { MESSAGES } from './messages.js';
import { route, signOut, startRouter } from './router.js';
import { forgetCommunities, setCommunity } from './scope.js';

useMessages(MESSAGES);
wireShell({
  language: route,
  signOut: function () {
    location.hash = '#/';
    signOut();
  },
  token: function (value) {
    setToken(value);
    forgetCommunities();
    route();
  },
});
document.getElementById('scope').addEventListener('change', function (ev) {
  setCommunity(ev.target.value);
  route();
});
startRouter();
