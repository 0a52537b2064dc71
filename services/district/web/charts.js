/* Inline SVG charts: monthly line charts, horizontal bar charts and table sparklines (no library, no external request). */
import { compact, fmtMoney, fmtNum, isNum, monthLabel } from './format.js';
import { h, s } from '../common/dom.js';

export var COLORS = ['#2563c9', '#14a38b', '#e0962a', '#7c5bd2', '#d2463c', '#5b7083'];

/** A chart top whose quarter is a round number (four grid steps). */
function niceMax(v) {
  if (!(v > 0)) { return 4; }
  var step = v / 4;
  var exp = Math.pow(10, Math.floor(Math.log10(step)));
  var steps = [1, 2, 2.5, 5, 10];
  for (var i = 0; i < steps.length; i++) { if (steps[i] * exp >= step) { return Math.max(4, steps[i] * exp * 4); } }
  return 40 * exp;
}

/** Line chart of monthly series: [{name, color, values: {month: value}}] over `months`. */
export function lineChart(series, months, opts) {
  opts = opts || {};
  var W = opts.width || 600, H = opts.height || 210, L = 46, R = 14, T = 14, B = 28;
  var max = 0;
  series.forEach(function (sr) { months.forEach(function (m) { max = Math.max(max, sr.values[m] || 0); }); });
  var top = niceMax(max);
  var x = function (i) { return L + (months.length === 1 ? (W - L - R) / 2 : i * (W - L - R) / (months.length - 1)); };
  var y = function (v) { return T + (H - T - B) * (1 - v / top); };
  var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart', role: 'img', 'aria-label': opts.title || '' });
  for (var g = 0; g <= 4; g++) {
    var gv = top * g / 4;
    svg.appendChild(s('line', { x1: L, x2: W - R, y1: y(gv), y2: y(gv), 'class': g === 0 ? 'axis' : 'grid' }));
    svg.appendChild(s('text', { x: L - 8, y: y(gv) + 4, 'text-anchor': 'end', 'class': 'tick' }, compact(gv, opts.money)));
  }
  var every = Math.max(1, Math.ceil(months.length / (W < 500 ? 5 : 7)));
  months.forEach(function (m, i) {
    if ((months.length - 1 - i) % every === 0) {
      svg.appendChild(s('text', { x: x(i), y: H - 8, 'text-anchor': 'middle', 'class': 'tick' }, monthLabel(m)));
    }
  });
  series.forEach(function (sr, idx) {
    var color = sr.color || COLORS[idx % COLORS.length];
    var pts = months.map(function (m, i) { return [x(i), y(sr.values[m] || 0)]; });
    var line = pts.map(function (p) { return p[0].toFixed(1) + ',' + p[1].toFixed(1); }).join(' ');
    if (idx === 0) {
      var area = 'M' + pts[0][0].toFixed(1) + ',' + y(0) + ' L' + line.replace(/ /g, ' L') +
        ' L' + pts[pts.length - 1][0].toFixed(1) + ',' + y(0) + ' Z';
      svg.appendChild(s('path', { d: area, fill: color, 'class': 'area' }));
    }
    svg.appendChild(s('polyline', { points: line, stroke: color, 'class': 'line' }));
    months.forEach(function (m, i) {
      var v = sr.values[m] || 0;
      var known = sr.figure && Object.prototype.hasOwnProperty.call(sr.values, m);
      svg.appendChild(s('circle', { cx: pts[i][0], cy: pts[i][1], r: 3, fill: '#fff', stroke: color, 'class': 'dot',
        'data-figure': known ? sr.figure(m) : null, 'data-value': known && isNum(sr.values[m]) ? sr.values[m] : null },
        s('title', null, monthLabel(m) + ' · ' + (sr.label ? sr.label + ' ' : '') + (opts.format ? opts.format(v) : fmtNum(v)))));
    });
  });
  var wrap = h('div', { 'class': 'chart-wrap' });
  if (series.length > 1) {
    wrap.appendChild(h('div', { 'class': 'legend' }, series.map(function (sr, idx) {
      return h('span', { 'class': 'legend-item' },
        s('svg', { width: 12, height: 12, viewBox: '0 0 12 12', 'aria-hidden': 'true' },
          s('rect', { width: 12, height: 12, rx: 3, fill: sr.color || COLORS[idx % COLORS.length] })),
        sr.label);
    })));
  }
  wrap.appendChild(svg);
  return wrap;
}

/** Horizontal bars: [{label, value, note}] */
export function barChart(items, opts) {
  opts = opts || {};
  var W = opts.width || 600, row = 34, L = opts.labelWidth || 150, R = opts.valueWidth || 120, T = 6;
  var H = T * 2 + row * items.length;
  var max = 0;
  items.forEach(function (it) { max = Math.max(max, it.value || 0); });
  var scale = max > 0 ? (W - L - R) / max : 0;
  var svg = s('svg', { viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart bars', role: 'img', 'aria-label': opts.title || '' });
  items.forEach(function (it, i) {
    var yy = T + i * row;
    var color = it.color || opts.color || COLORS[0];
    var w = Math.max(it.value > 0 ? 3 : 0, (it.value || 0) * scale);
    var text = opts.format ? opts.format(it.value) : fmtNum(it.value);
    svg.appendChild(s('text', { x: L - 10, y: yy + row / 2 + 4, 'text-anchor': 'end', 'class': 'bar-label' }, it.label));
    svg.appendChild(s('rect', { x: L, y: yy + 8, width: W - L - R + 0.01, height: row - 16, rx: 4, 'class': 'bar-track' }));
    svg.appendChild(s('rect', { x: L, y: yy + 8, width: w.toFixed(1), height: row - 16, rx: 4, fill: color },
      s('title', null, it.label + ': ' + text)));
    svg.appendChild(s('text', { x: L + w + 8, y: yy + row / 2 + 4, 'class': 'bar-value',
      'data-figure': it.figure || null, 'data-value': it.figure && isNum(it.value) ? it.value : null },
      text + (it.note ? '  ' : ''), it.note ? s('tspan', { 'class': 'bar-note' }, it.note) : null));
  });
  return svg;
}

export function sparkline(values, name, color, isMoney) {
  var W = 104, H = 30, P = 3;
  var vals = (values || []).map(function (v) { return isNum(v) ? v : 0; });
  var svg = s('svg', {
    viewBox: '0 0 ' + W + ' ' + H, width: W, height: H, 'class': 'spark', 'data-figure': name,
    'data-values': vals.join(','), role: 'img'
  });
  if (!vals.length) { return svg; }
  var max = Math.max.apply(null, vals), min = Math.min(0, Math.min.apply(null, vals));
  var span = max - min || 1;
  var x = function (i) { return P + i * (W - 2 * P) / Math.max(1, vals.length - 1); };
  var y = function (v) { return H - P - (H - 2 * P) * (v - min) / span; };
  var pts = vals.map(function (v, i) { return x(i).toFixed(1) + ',' + y(v).toFixed(1); }).join(' ');
  svg.appendChild(s('polyline', { points: pts, stroke: color, 'class': 'spark-line' }));
  svg.appendChild(s('circle', { cx: x(vals.length - 1), cy: y(vals[vals.length - 1]), r: 2.5, fill: color }));
  svg.appendChild(s('title', null, vals.map(function (v) { return isMoney ? fmtMoney(v) : fmtNum(v); }).join(' · ')));
  return svg;
}
