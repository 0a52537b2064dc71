/* The current language (zh by default, kept in localStorage) and text look-up: t(key, vars), label(prefix, value). */
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
  if (text === undefined) { return key; }
  return text.replace(/\{(\w+)\}/g, function (_, name) { return vars && vars[name] !== undefined ? vars[name] : ''; });
}
/** The text of a code from the API (category, dispute type...), or the code itself with spaces for underscores. */
export function label(prefix, value) {
  var key = prefix + '.' + value;
  return MESSAGES[lang][key] !== undefined ? MESSAGES[lang][key] : String(value).replace(/_/g, ' ');
}
export function locale() { return lang === 'zh' ? 'zh-CN' : 'en-US'; }
