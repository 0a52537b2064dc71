/* Reading the API's JSON: safe nested look-ups, key lists, sums, and the months a monthly chart covers. */
import { isNum } from './format.js';

function lastMonths(count, endMonth) {
  var now = new Date();
  var y = endMonth ? parseInt(endMonth.slice(0, 4), 10) : now.getFullYear();
  var mo = endMonth ? parseInt(endMonth.slice(5, 7), 10) : now.getMonth() + 1;
  var out = [];
  for (var i = 0; i < count; i++) {
    out.unshift(y + '-' + (mo < 10 ? '0' : '') + mo);
    mo -= 1;
    if (mo === 0) { mo = 12; y -= 1; }
  }
  return out;
}
export function dig(obj) {
  var value = obj;
  for (var i = 1; i < arguments.length; i++) {
    if (value === null || typeof value !== 'object' || !(arguments[i] in value)) { return null; }
    value = value[arguments[i]];
  }
  return value === undefined ? null : value;
}
export function sumValues(obj) {
  if (!obj || typeof obj !== 'object') { return null; }
  var total = 0;
  Object.keys(obj).forEach(function (k) { if (isNum(obj[k])) { total += obj[k]; } });
  return total;
}

export function keys(obj) { return obj && typeof obj === 'object' ? Object.keys(obj) : []; }
export function sortedKeys(obj) { return keys(obj).sort(); }

/** The `cap` months up to this month (or the latest month in `values`, if later), oldest first. */
export function contiguousMonths(values, cap) {
  var ks = sortedKeys(values);
  var current = lastMonths(1)[0];
  var end = ks.length && ks[ks.length - 1] > current ? ks[ks.length - 1] : current;
  var months = lastMonths(cap || 12, end);
  return months;
}
