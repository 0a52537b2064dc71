/* Building DOM and SVG elements: h(tag, attrs, ...children) and s() for SVG, with `text` for text content and `on`
 * for listeners; shared by the district dashboard and the staff workbench (served to each at common/dom.js). */
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
