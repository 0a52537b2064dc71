/* Formatting for display: integers, decimals, percentages, money in fen (yuan, 万元 / K, M), times and months;
 * fig() for an element showing one figure. */
import { h } from '../common/dom.js';
import { currentLang, locale, t } from '../common/i18n.js';

export function isNum(v) { return typeof v === 'number' && isFinite(v); }
/** An element showing one figure: data-figure names it, data-value holds the raw number. */
export function fig(tag, name, raw, text, cls) {
  return h(tag, { 'data-figure': name, 'data-value': isNum(raw) ? raw : '', 'class': cls || null, text: text });
}
export function fmtInt(v) {
  return isNum(v) ? v.toLocaleString(locale(), { maximumFractionDigits: 0 }) : '—';
}
export function fmtNum(v, digits) {
  return isNum(v) ? v.toLocaleString(locale(), { maximumFractionDigits: digits === undefined ? 1 : digits }) : '—';
}
export function fmtPct(v) { return isNum(v) ? (v * 100).toFixed(1) + '%' : '—'; }
/** Money in fen -> {value, unit}: yuan, 万元 (zh) / K, M (en) for large amounts. */
export function money(fen) {
  if (!isNum(fen)) { return { value: '—', unit: '' }; }
  var yuan = fen / 100;
  var abs = Math.abs(yuan);
  if (currentLang() === 'zh') {
    if (abs >= 1e8) { return { value: (yuan / 1e8).toLocaleString('zh-CN', { maximumFractionDigits: 2 }), unit: '亿元' }; }
    if (abs >= 1e4) { return { value: (yuan / 1e4).toLocaleString('zh-CN', { maximumFractionDigits: abs >= 1e6 ? 1 : 2 }), unit: '万元' }; }
    return { value: yuan.toLocaleString('zh-CN', { maximumFractionDigits: 2 }), unit: '元' };
  }
  if (abs >= 1e6) { return { value: '¥' + (yuan / 1e6).toLocaleString('en-US', { maximumFractionDigits: 2 }), unit: 'M' }; }
  if (abs >= 1e4) { return { value: '¥' + (yuan / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 }), unit: 'K' }; }
  return { value: '¥' + yuan.toLocaleString('en-US', { maximumFractionDigits: 2 }), unit: '' };
}
export function fmtMoney(fen) {
  var m = money(fen);
  return m.unit ? m.value + (currentLang() === 'zh' ? ' ' : '') + m.unit : m.value;
}
/** Short axis labels. */
export function compact(v, isMoney) {
  var x = isMoney ? v / 100 : v;
  var abs = Math.abs(x);
  if (currentLang() === 'zh') {
    if (abs >= 1e8) { return trim(x / 1e8) + '亿'; }
    if (abs >= 1e4) { return trim(x / 1e4) + '万'; }
    return trim(x);
  }
  if (abs >= 1e9) { return trim(x / 1e9) + 'B'; }
  if (abs >= 1e6) { return trim(x / 1e6) + 'M'; }
  if (abs >= 1e3) { return trim(x / 1e3) + 'K'; }
  return trim(x);
}
function trim(x) { return String(Math.round(x * 10) / 10); }
export function fmtTime(iso) {
  if (!iso) { return '—'; }
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) { return iso; }
  var d = new Date(iso);
  if (isNaN(d.getTime())) { return String(iso); }
  var pad = function (n) { return (n < 10 ? '0' : '') + n; };
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}
export function monthLabel(m) {
  var month = parseInt(m.slice(5, 7), 10);
  if (currentLang() === 'zh') { return (month === 1 ? m.slice(0, 4) + '年' : '') + month + '月'; }
  var names = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return names[month - 1] + (month === 1 ? ' ' + m.slice(2, 4) : '');
}

/** Formats by kind: int | money | pct | growth | h (hours, bare) | hours | dec1 | dec2 */
export function fmtKind(kind, v) {
  if (!isNum(v)) { return '—'; }
  if (kind === 'money') { return fmtMoney(v); }
  if (kind === 'pct') { return Math.abs(v) > 0 && Math.abs(v) < 0.01 ? (v * 100).toFixed(2) + '%' : fmtPct(v); }
  if (kind === 'growth') { return (v > 0 ? '+' : '') + (v * 100).toFixed(1) + '%'; }
  if (kind === 'h') { return fmtNum(v, 1); }
  if (kind === 'hours') { return fmtNum(v, 1) + ' ' + t('unit.hours'); }
  if (kind === 'dec1') { return fmtNum(v, 1); }
  if (kind === 'dec2') { return fmtNum(v, 2); }
  return fmtInt(v);
}

export function fmtYuan(fen) { return isNum(fen) ? (fen / 100).toLocaleString(locale(), { maximumFractionDigits: 2 }) : '—'; }
