"""render: one self-contained HTML page with the trace's SVG, pan/zoom and a search box.

Stage: render.  Reads the SVG writers; must not import libcst, networkx, the
linker or ``tracer.api``.  The page loads nothing from the network: the SVGs,
the style and the script are inline, so it works offline and as a CI artefact.

Two views: the call graph (Graphviz) and the sequence of messages between
services.  Mouse wheel zooms around the pointer, drag pans, ``0`` or the
button fits; the search box dims every node whose qualified name or label does
not contain the text, and Enter centres the next match.
"""
from __future__ import annotations

import re
from html import escape
from typing import Mapping

from tracer.graph.records import Trace
from tracer.render.model import build_model
from tracer.render.sequence import sequence_svg
from tracer.render.svg import MAX_NODES, inline_svg, to_svg

_SIZE = re.compile(r'(<svg\b[^>]*?)\s(?:width|height)="[^"]*"')

STYLE = """
body { margin: 0; font: 13px Helvetica, Arial, sans-serif; }
header { display: flex; gap: 10px; align-items: center; padding: 6px 10px; border-bottom: 1px solid #ccc;
         background: #fafafa; height: 30px; }
header h1 { font-size: 15px; margin: 0 12px 0 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
header input { width: 260px; padding: 3px 6px; }
header .hint { color: #777; margin-left: auto; white-space: nowrap; }
.view { height: calc(100vh - 43px); overflow: hidden; cursor: grab; }
.view.dragging { cursor: grabbing; }
.view svg { width: 100%; height: 100%; display: block; }
.view[hidden] { display: none; }
svg.searching g.node:not(.hit), svg.searching g.message:not(.hit), svg.searching g.note:not(.hit) { opacity: 0.2; }
g.hit polygon, g.hit path, g.hit rect { stroke: #e00000 !important; stroke-width: 3px; }
g.current polygon, g.current path, g.current rect { stroke-width: 6px; }
"""

SCRIPT = r"""
(function () {
  var views = Array.prototype.slice.call(document.querySelectorAll('.view'));
  var query = document.getElementById('q'), count = document.getElementById('count');
  var current = -1;
  function active() { return views.filter(function (v) { return !v.hidden; })[0]; }
  function svgOf(view) { return view.querySelector('svg'); }
  function box(svg) {
    var v = (svg.getAttribute('viewBox') || '0 0 100 100').split(/[\s,]+/).map(Number);
    return {x: v[0], y: v[1], width: v[2], height: v[3]};
  }
  views.forEach(function (view) {
    var svg = svgOf(view), drag = null;
    svg.setAttribute('data-home', svg.getAttribute('viewBox'));
    function scale() { var m = svg.getScreenCTM(); return m ? m.a : 1; }
    function toSvg(x, y) {
      var p = svg.createSVGPoint(); p.x = x; p.y = y;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    }
    view.addEventListener('wheel', function (e) {
      e.preventDefault();
      var k = e.deltaY < 0 ? 0.8 : 1.25, p = toSvg(e.clientX, e.clientY), v = box(svg);
      svg.setAttribute('viewBox', [p.x - (p.x - v.x) * k, p.y - (p.y - v.y) * k, v.width * k, v.height * k].join(' '));
    }, {passive: false});
    view.addEventListener('mousedown', function (e) {
      var v = box(svg);
      drag = {x: e.clientX, y: e.clientY, vx: v.x, vy: v.y, s: scale()};
      view.classList.add('dragging');
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var v = box(svg);
      svg.setAttribute('viewBox', [drag.vx - (e.clientX - drag.x) / drag.s, drag.vy - (e.clientY - drag.y) / drag.s,
                                   v.width, v.height].join(' '));
    });
    window.addEventListener('mouseup', function () { drag = null; view.classList.remove('dragging'); });
  });
  function fit() { var svg = svgOf(active()); svg.setAttribute('viewBox', svg.getAttribute('data-home')); }
  function items(svg) {
    return Array.prototype.slice.call(svg.querySelectorAll('g.node, g.message, g.note')).filter(function (g) {
      var t = g.querySelector('title');
      return !(t && t.textContent.indexOf('legend:') === 0);
    });
  }
  function words(g) {
    var parts = [g.textContent];
    Array.prototype.forEach.call(g.querySelectorAll('a'), function (a) {
      parts.push(a.getAttribute('xlink:title') || a.getAttribute('title') || '');
    });
    return parts.join(' ').toLowerCase();
  }
  function search() {
    var q = query.value.trim().toLowerCase(), svg = svgOf(active()), hits = 0;
    current = -1;
    items(svg).forEach(function (g) {
      var hit = q !== '' && words(g).indexOf(q) >= 0;
      g.classList.toggle('hit', hit); g.classList.remove('current');
      if (hit) hits++;
    });
    svg.classList.toggle('searching', q !== '');
    count.textContent = q ? hits + ' match' + (hits === 1 ? '' : 'es') : '';
  }
  function next() {
    var svg = svgOf(active()), hits = svg.querySelectorAll('g.hit');
    if (!hits.length) return;
    if (current >= 0 && hits[current]) hits[current].classList.remove('current');
    current = (current + 1) % hits.length;
    var g = hits[current], r = g.getBoundingClientRect(), v = box(svg);
    g.classList.add('current');
    var p = svg.createSVGPoint(); p.x = r.left + r.width / 2; p.y = r.top + r.height / 2;
    var c = p.matrixTransform(svg.getScreenCTM().inverse());
    svg.setAttribute('viewBox', [c.x - v.width / 2, c.y - v.height / 2, v.width, v.height].join(' '));
  }
  query.addEventListener('input', search);
  query.addEventListener('keydown', function (e) { if (e.key === 'Enter') next(); });
  document.getElementById('fit').addEventListener('click', fit);
  Array.prototype.forEach.call(document.querySelectorAll('button[data-view]'), function (b) {
    b.addEventListener('click', function () {
      views.forEach(function (v) { v.hidden = v.id !== b.getAttribute('data-view'); });
      search();
    });
  });
  document.addEventListener('keydown', function (e) { if (e.key === '0' && e.target !== query) fit(); });
})();
"""


def fill_svg(svg: bytes) -> str:
    """The inline ``<svg>`` without its fixed width and height, so it fills its box (the viewBox stays)."""
    return _SIZE.sub(r"\1", _SIZE.sub(r"\1", inline_svg(svg), count=1), count=1)


def to_html(trace: Trace, where: Mapping[str, str] | None = None, limit: int = MAX_NODES) -> str:
    """A standalone page: the call graph and the message sequence, with pan/zoom and search."""
    model = build_model(trace, where)
    graph = fill_svg(to_svg(model, limit=limit))
    sequence = fill_svg(sequence_svg(trace))
    title = escape(f"{model.title} ({model.entry})" if model.title != model.entry else model.title)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{title}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
        "<header>", f"<h1>{escape(model.title)}</h1>",
        '<button data-view="graph">call graph</button>', '<button data-view="sequence">sequence</button>',
        '<input id="q" type="search" placeholder="search functions (Enter: next)" autocomplete="off">',
        '<span id="count"></span>', '<button id="fit" title="fit to window (0)">fit</button>',
        '<span class="hint">wheel: zoom, drag: pan</span>', "</header>",
        f'<div class="view" id="graph">{graph}</div>',
        f'<div class="view" id="sequence" hidden>{sequence}</div>',
        f"<script>{SCRIPT}</script>", "</body>", "</html>", "",
    ])
