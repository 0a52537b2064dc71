/* Showing the APIs' values: money (integer fen) in yuan, times in the reader's locale, codes as words. */
import { label, locale } from '../common/i18n.js';

var MONEY = /(_fen$|^amount$|^arrears|^outstanding|^monthly_rent$|^deposit$|^book_value$|^balance$|^billed$|^credited$|^paid$|^incurred$|^repaid$|^compensation$|^written_off$|^aging$|^wage_fen$|^tax_rebates$|^revenue)/;
var TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

export function isMoneyField(name) { return MONEY.test(name); }
export function fmtYuan(fen) {
  if (typeof fen !== 'number') { return String(fen); }
  return '¥' + (fen / 100).toLocaleString(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
export function fmtTime(text) {
  var d = new Date(text);
  if (isNaN(d.getTime())) { return text; }
  return d.toLocaleString(locale(), { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
/** One value of field `name` as text. */
export function show(name, value) {
  if (value === null || value === undefined || value === '') { return '—'; }
  if (typeof value === 'boolean') { return label('bool', String(value)); }
  if (typeof value === 'number' && isMoneyField(name)) { return fmtYuan(value); }
  if (typeof value === 'string' && TIME.test(value)) { return fmtTime(value); }
  if (typeof value === 'string' && /^[a-z][a-z0-9_]*$/.test(value) && name !== 'id' && !/_id$/.test(name)) {
    return label('code', value);
  }
  if (typeof value === 'object') {
    var keys = Object.keys(value);
    if (!keys.length) { return '—'; }
    // The parts of a sum of money (arrears by aging bucket) are money too.
    return keys.map(function (k) { return k + ': ' + show(isMoneyField(name) ? name : k, value[k]); }).join(', ');
  }
  return String(value);
}
