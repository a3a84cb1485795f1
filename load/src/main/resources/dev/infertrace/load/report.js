// The load report's charts, drawn as SVG from the JSON embedded in the page. No libraries.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('bench-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
  var METRICS = ['ttft', 'tpot', 'itl', 'e2e'];
  var STATS = ['mean', 'p50', 'p90', 'p95', 'p99'];

  function el(name, attrs, parent, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(name, attrs, parent, text) {
    var e = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined) return '-';
    var a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  // A plot area with axes and ticks; returns functions mapping data to pixels.
  function frame(parent, id, title, xMin, xMax, yMax, xLabel, yLabel, width) {
    var W = width || 580, H = 280, L = 60, R = 16, T = 28, B = 42;
    var svg = el('svg', { 'class': 'chart', id: id, width: W, height: H, viewBox: '0 0 ' + W + ' ' + H }, parent);
    el('text', { 'class': 'title', x: L, y: 18 }, svg, title);
    if (xMax <= xMin) xMax = xMin + 1;
    yMax = niceMax(yMax);
    var x = function (v) { return L + (v - xMin) / (xMax - xMin) * (W - L - R); };
    var y = function (v) { return H - B - v / yMax * (H - T - B); };
    for (var i = 0; i <= 4; i++) {
      var yv = yMax * i / 4;
      el('line', { 'class': 'grid', x1: L, x2: W - R, y1: y(yv), y2: y(yv) }, svg);
      el('text', { x: L - 6, y: y(yv) + 4, 'text-anchor': 'end' }, svg, fmt(yv));
      var xv = xMin + (xMax - xMin) * i / 4;
      el('text', { x: x(xv), y: H - B + 16, 'text-anchor': 'middle' }, svg, fmt(xv));
    }
    el('line', { 'class': 'axis', x1: L, x2: W - R, y1: H - B, y2: H - B }, svg);
    el('line', { 'class': 'axis', x1: L, x2: L, y1: T, y2: H - B }, svg);
    el('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle' }, svg, xLabel);
    el('text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', transform: 'rotate(-90 14 ' + (T + H - B) / 2 + ')' }, svg, yLabel);
    return { svg: svg, x: x, y: y };
  }

  // Lines over the sweep: one point per step and series; each point carries its number.
  function sweepChart(parent, id, title, yLabel, series) {
    var steps = data.steps;
    var xs = steps.map(function (s) { return s.target; });
    var yMax = 0;
    series.forEach(function (se) { steps.forEach(function (s) { yMax = Math.max(yMax, se.get(s) || 0); }); });
    var xMin = steps.length > 1 ? Math.min.apply(null, xs) : 0;
    var f = frame(parent, id, title, xMin, Math.max.apply(null, xs), yMax,
      data.config.shape === 'concurrency' ? 'concurrency (offered)' : 'rate (requests/s offered)', yLabel);
    var legendX = 70;
    series.forEach(function (se, k) {
      var color = COLORS[k % COLORS.length];
      var pts = steps.map(function (s) { return f.x(s.target) + ',' + f.y(se.get(s) || 0); });
      el('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }, f.svg);
      steps.forEach(function (s) {
        var v = se.get(s);
        if (v === null || v === undefined) return;
        el('circle', { cx: f.x(s.target), cy: f.y(v), r: 3.5, fill: color,
          'data-series': se.name, 'data-step': s.index, 'data-value': String(v) }, f.svg)
          .appendChild(document.createElementNS(NS, 'title')).textContent = se.name + ' = ' + fmt(v);
      });
      el('text', { 'class': 'legend', x: legendX, y: 44, style: 'fill:' + color }, f.svg, '\u25cf ' + se.name);
      legendX += 24 + 6.5 * se.name.length;
    });
  }

  // A histogram of per-request values of measured, successful requests.
  function histogram(parent, id, title, key) {
    var values = data.requests.filter(function (r) {
      return r.phase === 'measured' && !r.error && r[key] !== null && r[key] !== undefined;
    }).map(function (r) { return r[key]; });
    var max = values.length ? Math.max.apply(null, values) : 1;
    var bins = 30, width = (max > 0 ? max : 1) / bins, counts = [];
    for (var i = 0; i < bins; i++) counts.push(0);
    values.forEach(function (v) { counts[Math.min(bins - 1, Math.floor(v / width))]++; });
    var f = frame(parent, id, title + ' (' + values.length + ' requests)', 0, width * bins,
      Math.max.apply(null, counts.concat([1])), 'milliseconds', 'requests');
    counts.forEach(function (c, i) {
      el('rect', { x: f.x(i * width) + 0.5, y: f.y(c), width: Math.max(1, f.x(width) - f.x(0) - 1),
        height: f.y(0) - f.y(c), fill: '#1f77b4', 'data-count': c, 'data-lo': i * width }, f.svg);
    });
    f.svg.setAttribute('data-total', values.length);
  }

  // Every request as a point: start time against E2E, coloured by phase; failures in red.
  function timeline(parent) {
    var rs = data.requests;
    var tMax = rs.reduce(function (m, r) { return Math.max(m, r.end_ms); }, 0) / 1000;
    var yMax = rs.reduce(function (m, r) { return Math.max(m, r.e2e_ms); }, 0);
    var f = frame(parent, 'timeline', 'Run timeline: each request\u2019s E2E at its start (grey: warm-up/cool-down, red: failed)',
      0, tMax, yMax, 'seconds since start', 'E2E ms', 1160);
    data.steps.forEach(function (s) {
      var x0 = f.x(s.window_start_ms / 1000), x1 = f.x(s.window_start_ms / 1000 + s.window_seconds);
      el('rect', { x: x0, y: 28, width: Math.max(0, x1 - x0), height: 210, fill: s.index % 2 ? '#f3f7ff' : '#f7fff3',
        'data-step-window': s.index }, f.svg);
      el('text', { x: x0 + 2, y: 40 }, f.svg, 'step ' + s.index);
    });
    rs.forEach(function (r) {
      el('circle', { cx: f.x(r.start_ms / 1000), cy: f.y(r.e2e_ms), r: 1.6,
        fill: r.error ? '#d62728' : r.phase === 'measured' ? '#1f77b4' : '#aaa', 'data-request': r.id }, f.svg);
    });
  }

  function summaryTable(parent) {
    var t = html('table', { id: 'summary' }, html('div', { style: 'overflow-x:auto' }, parent));
    var head = html('tr', {}, t);
    ['step', 'target', 'window s', 'duration s', 'ok', 'failed', 'errors', 'concurrency held', 'req/s', 'output tok/s',
      'total tok/s', 'goodput req/s', 'goodput %'].forEach(function (h) { html('th', {}, head, h); });
    METRICS.forEach(function (m) { STATS.forEach(function (s) { html('th', {}, head, m.toUpperCase() + ' ' + s); }); });
    data.steps.forEach(function (s) {
      var tr = html('tr', { 'data-step': s.index }, t);
      function cell(key, v, text) { html('td', { 'data-key': key, 'data-value': String(v) }, tr, text !== undefined ? text : fmt(v)); }
      cell('index', s.index, String(s.index));
      cell('target', s.target);
      cell('window_seconds', s.window_seconds);
      cell('duration_seconds', s.duration_seconds);
      cell('ok', s.ok, String(s.ok));
      cell('failed', s.failed, String(s.failed));
      html('td', { 'class': 'l' }, tr, Object.keys(s.errors).map(function (k) { return k + ': ' + s.errors[k]; }).join(', '));
      cell('concurrency', s.concurrency);
      cell('requests_per_second', s.requests_per_second);
      cell('output_tokens_per_second', s.output_tokens_per_second);
      cell('total_tokens_per_second', s.total_tokens_per_second);
      cell('goodput', s.goodput);
      cell('goodput_ratio', s.goodput_ratio, s.goodput_ratio === null ? '-' : (100 * s.goodput_ratio).toFixed(1));
      METRICS.forEach(function (m) { STATS.forEach(function (st) { cell(m + '.' + st, s[m][st]); }); });
    });
  }

  function slowest(parent) {
    // which requests, and their order, are the JSON report's (load.json's "slowest": request ids)
    var byId = {};
    data.requests.forEach(function (r) { byId[r.id] = r; });
    var rs = data.slowest.map(function (id) { return byId[id]; });
    var t = html('table', { id: 'slowest' }, parent);
    var head = html('tr', {}, t);
    ['step', 'request', 'E2E ms', 'TTFT ms', 'TPOT ms', 'output tokens', 'trace', 'verdict', 'explain'].forEach(function (h) { html('th', {}, head, h); });
    rs.forEach(function (r) {
      var tr = html('tr', { 'data-request': r.id }, t);
      html('td', {}, tr, String(r.step));
      html('td', {}, tr, String(r.id));
      html('td', { 'data-value': String(r.e2e_ms) }, tr, fmt(r.e2e_ms));
      html('td', {}, tr, fmt(r.ttft_ms));
      html('td', {}, tr, fmt(r.tpot_ms));
      html('td', {}, tr, String(r.output_tokens));
      var td = html('td', { 'class': 'l' }, tr);
      if (data.jaeger_url) {
        html('a', { href: data.jaeger_url.replace(/\/$/, '') + '/trace/' + r.trace_id }, td, r.trace_id);
      } else {
        html('code', {}, td, r.trace_id);
      }
      var v = data.verdicts && data.verdicts[r.trace_id];
      html('td', { 'class': 'l', 'data-verdict': v ? v.cause : '' }, tr,
        v ? v.cause + ' (' + v.component + ', ' + v.phase + '): ' + v.evidence : '-');
      var ex = html('td', { 'class': 'l' }, tr);
      var page = data.trace_pages && data.trace_pages[r.trace_id];
      if (page) {
        html('a', { href: page, 'data-trace-page': r.trace_id }, ex, 'trace page');
        ex.appendChild(document.createTextNode(' '));
      }
      html('code', {}, ex,
        './infertrace explain ' + (data.jaeger_url ? '--jaeger ' + data.jaeger_url
          : '--file ' + (data.traces_file || 'TRACES')) + ' --trace ' + r.trace_id);
    });
  }

  var c = data.config;
  document.getElementById('meta').textContent = c.endpoint + ' \u00b7 ' + c.api + (c.stream ? ', streaming' : ', not streaming') +
    ' \u00b7 ' + c.shape + ' ' + c.steps.join(', ') + ' \u00b7 started ' + data.started_at +
    (c.slo ? ' \u00b7 SLO ' + JSON.stringify(c.slo) : '');
  summaryTable(document.getElementById('steps'));
  var sweep = document.getElementById('sweep');
  METRICS.forEach(function (m) {
    sweepChart(sweep, 'sweep-' + m, m.toUpperCase() + ' vs load', 'ms', ['p50', 'p90', 'p99', 'mean'].map(function (st) {
      return { name: m + '.' + st, get: function (s) { return s[m][st]; } };
    }));
  });
  sweepChart(sweep, 'sweep-throughput', 'Requests/s and goodput vs load', 'requests/s', [
    { name: 'requests_per_second', get: function (s) { return s.requests_per_second; } },
    { name: 'goodput', get: function (s) { return s.goodput; } }]);
  sweepChart(sweep, 'sweep-tokens', 'Tokens/s vs load', 'tokens/s', [
    { name: 'output_tokens_per_second', get: function (s) { return s.output_tokens_per_second; } },
    { name: 'total_tokens_per_second', get: function (s) { return s.total_tokens_per_second; } }]);
  sweepChart(sweep, 'sweep-concurrency', 'Concurrency held vs load', 'requests in flight', [
    { name: 'concurrency', get: function (s) { return s.concurrency; } }]);
  var dist = document.getElementById('distributions');
  histogram(dist, 'hist-ttft', 'TTFT', 'ttft_ms');
  histogram(dist, 'hist-tpot', 'TPOT', 'tpot_ms');
  histogram(dist, 'hist-e2e', 'E2E', 'e2e_ms');
  timeline(document.getElementById('timeline-box'));
  slowest(document.getElementById('slow'));
  document.body.setAttribute('data-rendered', 'true');
})();
