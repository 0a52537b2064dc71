/* The current language (zh by default, kept in localStorage, so both pages of one browser agree) and text look-up:
 * t(key, vars), label(prefix, value). Each page hands its own texts over once, before its first render:
 * useMessages({zh: {...}, en: {...}}). */
import { storageGet, storageSet } from './storage.js';

var LANG_KEY = 'shequ.lang';
var LANGS = ['zh', 'en'];
var messages = { zh: {}, en: {} };
var lang = LANGS.indexOf(storageGet(localStorage, LANG_KEY)) >= 0 ? storageGet(localStorage, LANG_KEY) : 'zh';

export function useMessages(pageMessages) { messages = pageMessages; }
export function currentLang() { return lang; }
export function toggleLang() {
  lang = lang === 'zh' ? 'en' : 'zh';
  storageSet(localStorage, LANG_KEY, lang);
}
export function t(key, vars) {
  var text = messages[lang][key];
  if (text === undefined) { text = messages.zh[key]; }
  if (text === undefined) {
    // A field the page has no name for (a service added one): its own name, readable.
    return key.indexOf('field.') === 0 ? key.slice(6).replace(/_/g, ' ') : key;
  }
  return text.replace(/\{(\w+)\}/g, function (_, name) { return vars && vars[name] !== undefined ? vars[name] : ''; });
}
/** The text of a code from the API (a category, a status...), or the code itself with spaces for underscores. */
export function label(prefix, value) {
  var key = prefix + '.' + value;
  if (messages[lang][key] !== undefined) { return messages[lang][key]; }
  return value === null || value === undefined ? '' : String(value).replace(/_/g, ' ');
}
export function locale() { return lang === 'zh' ? 'zh-CN' : 'en-US'; }
