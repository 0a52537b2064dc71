/* Building DOM and SVG elements: h(tag, attrs, ...children), s() for SVG, and fig() for an element showing one figure. */
import { isNum } from './format.js';

export function h(tag, attrs) {
  var el = document.createElement(tag);
  setAttrs(el, attrs);
  appendKids(el, Array.prototype.slice.call(arguments, 2));
  return el;
}
var SVGNS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs) {
  var el = document.createElementNS(SVGNS, tag);
  setAttrs(el, attrs);
  appendKids(el, Array.prototype.slice.call(arguments, 2));
  return el;
}
function setAttrs(el, attrs) {
  if (!attrs) { return; }
  Object.keys(attrs).forEach(function (k) {
    var v = attrs[k];
    if (v === null || v === undefined || v === false) { return; }
    if (k === 'on') { Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); }); }
    else if (k === 'text') { el.textContent = v; }
    else { el.setAttribute(k, v === true ? '' : String(v)); }
  });
}
export function appendKids(el, kids) {
  kids.forEach(function (kid) {
    if (kid === null || kid === undefined || kid === false) { return; }
    if (Array.isArray(kid)) { appendKids(el, kid); return; }
    el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  });
}
export function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }
/** An element showing one figure: data-figure names it, data-value holds the raw number. */
export function fig(tag, name, raw, text, cls) {
  return h(tag, { 'data-figure': name, 'data-value': isNum(raw) ? raw : '', 'class': cls || null, text: text });
}
