/* Building DOM elements: h(tag, attrs, ...children), with `text` for text content and `on` for listeners. */
export function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) {
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) { return; }
      if (k === 'on') { Object.keys(v).forEach(function (ev) { el.addEventListener(ev, v[ev]); }); }
      else if (k === 'text') { el.textContent = v; }
      else { el.setAttribute(k, v === true ? '' : String(v)); }
    });
  }
  appendKids(el, Array.prototype.slice.call(arguments, 2));
  return el;
}
export function appendKids(el, kids) {
  kids.forEach(function (kid) {
    if (kid === null || kid === undefined || kid === false) { return; }
    if (Array.isArray(kid)) { appendKids(el, kid); return; }
    el.appendChild(typeof kid === 'object' ? kid : document.createTextNode(String(kid)));
  });
}
export function clear(el) { while (el.firstChild) { el.removeChild(el.firstChild); } return el; }
