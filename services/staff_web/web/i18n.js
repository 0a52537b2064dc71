/* The current language (zh by default, kept in localStorage, shared with the dashboard) and text look-up. */
import { MESSAGES } from './messages.js';
import { storageGet, storageSet } from './storage.js';

var LANG_KEY = 'shequ.lang';
var lang = MESSAGES[storageGet(localStorage, LANG_KEY)] ? storageGet(localStorage, LANG_KEY) : 'zh';

export function currentLang() { return lang; }
export function toggleLang() {
  lang = lang === 'zh' ? 'en' : 'zh';
  storageSet(localStorage, LANG_KEY, lang);
}
export function t(key, vars) {
  var text = MESSAGES[lang][key];
  if (text === undefined) { text = MESSAGES.zh[key]; }
  if (text === undefined) {
    // A field the page has no name for (a service added one): its own name, readable.
    return key.indexOf('field.') === 0 ? key.slice(6).replace(/_/g, ' ') : key;
  }
  return text.replace(/\{(\w+)\}/g, function (_, name) { return vars && vars[name] !== undefined ? vars[name] : ''; });
}
/** The text of a code from the API (a category, a status...), or the code itself with spaces for underscores. */
export function label(prefix, value) {
  var key = prefix + '.' + value;
  if (MESSAGES[lang][key] !== undefined) { return MESSAGES[lang][key]; }
  return value === null || value === undefined ? '' : String(value).replace(/_/g, ' ');
}
export function locale() { return lang === 'zh' ? 'zh-CN' : 'en-US'; }
