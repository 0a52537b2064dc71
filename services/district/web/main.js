/* shequ district dashboard, the entry module: wires the header's buttons and the sign-in form, then starts the router.
 * Native ES modules, no build step, no external requests; every figure element carries data-figure="<name>"
 * (and data-value with the raw number) for tests. */
import { setToken } from './api.js';
import { useMessages } from '../common/i18n.js';
import { wireShell } from '../common/shell.js';
import { MESSAGES } from './messages.js';
import { renderCommunity } from './pages/community.js';
import { renderOverview } from './pages/overview.js';
import { downloadCsv } from './panels/communities.js';
import { applyStaticText, route, showLogin, startRouter } from './router.js';

useMessages(MESSAGES);
wireShell({
  language: route,
  signOut: function () {
    setToken(null);
    location.hash = '#/';
    applyStaticText();
    showLogin();
  },
  token: function (value) {
    setToken(value);
    route();
  },
});
document.querySelector('[data-figure="csv-export"]').addEventListener('click', downloadCsv);
startRouter({ overview: renderOverview, community: renderCommunity });
