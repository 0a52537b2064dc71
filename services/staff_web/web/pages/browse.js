/* One ledger: every record a list endpoint holds for the token's communities (or the one chosen in the header),
 * newest first, page by page. */
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { LISTS, worklist } from '../lists.js';

export function renderBrowse(main, key) {
  if (!LISTS[key]) { return Promise.reject(new Error(t('error.no_such_list', { key: key }))); }
  var list = worklist({ key: 'ledger-' + key, list: key, title: 'list.' + key, limit: 50 });
  main.textContent = '';
  main.appendChild(h('a', { href: '#/', 'class': 'back-link', 'data-figure': 'back', text: t('action.home') }));
  main.appendChild(list);
  return list.loaded;
}
