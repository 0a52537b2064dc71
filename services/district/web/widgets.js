/* Building blocks the panels share: a titled panel, the empty state, figure tiles (stat) and small tables. */
import { t } from '../common/i18n.js';
import { fig, fmtKind } from './format.js';
import { h } from '../common/dom.js';

/** A titled panel; `name` becomes its data-figure. */
export function panel(name, titleKey, body, cls) {
  return h('section', { 'class': 'panel ' + (cls || ''), 'data-figure': name },
    h('h3', { 'class': 'panel-title', text: t(titleKey) }), body);
}
export function emptyState() { return h('p', { 'class': 'empty', text: t('empty') }); }

/** One figure formatted by kind (see format.fmtKind). */
export function val(name, raw, kind, cls) { return fig('span', name, raw, fmtKind(kind, raw), cls); }

/** One small figure tile: label, value, optional sub line. */
export function stat(name, labelKey, raw, kind, sub, tone) {
  return h('div', { 'class': 'stat' + (tone ? ' stat-' + tone : '') },
    h('div', { 'class': 'stat-label', text: t(labelKey) }),
    val(name, raw, kind, 'stat-value'),
    sub ? h('div', { 'class': 'stat-sub' }, sub) : null);
}
/** A sub line with one figure in it: the template's {v} is replaced by the figure element. */
export function subWith(key, name, raw, kind, vars) {
  var parts = t(key, Object.assign({}, vars || {}, { v: '\u0000' })).split('\u0000');
  return [parts[0], name ? val(name, raw, kind, 'stat-sub-value') : null, parts[1] || ''];
}
export function stats(items) { return h('div', { 'class': 'stats' }, items); }

/** A small table: columns [{label, num}], rows of cells (elements or text); first row cells may be th. */
export function miniTable(name, columns, rows, foot) {
  return h('div', { 'class': 'table-scroll' },
    h('table', { 'class': 'mini-table', 'data-figure': name },
      h('thead', null, h('tr', null, columns.map(function (c) {
        return h('th', { scope: 'col', 'class': c.num ? 'num' : null, title: c.title || null, text: c.label });
      }))),
      h('tbody', null, rows.map(function (r) {
        return h('tr', { 'class': r.cls || null, 'data-key': r.key || null }, r.cells.map(function (cell, i) {
          return h('td', { 'class': columns[i].num ? 'num' : null }, cell);
        }));
      })),
      foot ? h('tfoot', null, h('tr', null, foot.map(function (cell, i) {
        return h('td', { 'class': columns[i].num ? 'num' : null }, cell);
      }))) : null));
}
