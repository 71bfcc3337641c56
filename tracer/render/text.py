"""render: a trace as text a person reads: grouped by service, short names, branches, folds, counts.

Stage: render.  Reads ``Trace`` records, the hop tree of ``tracer.graph.views`` and the terminal
primitives of ``tracer.render.terminal``; must not import libcst, networkx, the linker or ``tracer.api``.

Each time execution crosses into a service (an RPC cast or call, a REST request) a header line names
the hop and the service, and the indentation restarts under it; when execution comes back to a
service, a ``↩`` line says so.  A hop shows its short name (the module, faint, the first time it appears in
the block, and always where two functions share the short name), the branch it runs under (faint), and
its call site at the right.  Identical sibling branches are drawn
once with a count; what a view folded is one faint line where it was.
"""
from __future__ import annotations

import re
from collections import Counter

from rich.console import Console
from rich.text import Text

from tracer.effects.report import hop_lines
from tracer.graph.records import Fold, Hop, Trace, short_name
from tracer.graph.hoptree import Node, tree
from tracer.graph.views import CROSSING, fold_repeats
from tracer.render.folds import fold_line, folded_totals
from tracer.render.terminal import (
    FAINT, KIND_STYLE, UNICODE, Glyphs, align_sites, emit, glyphs_for, legend, line_width, module_of, name_text,
    service_header, short_site,
)

_ARGUMENTS = re.compile(r"\((?=[^()]{12,}\))[^()]*\)")  # a call's long argument list in a with statement
COUNTED = (("rpc-cast", "RPC cast"), ("rpc-call", "RPC call"), ("rest", "REST request"),
           ("flow-task", "flow task"), ("driver", "driver call"), ("call", "call"))


def print_trace(t: Trace, console: Console, ascii: bool = False) -> None:
    """The trace on ``console``, whole (nothing cut), in colour only where the console has colour."""
    emit(console, trace_lines(t, glyphs_for(console, ascii), line_width(console)))


def trace_lines(t: Trace, glyphs: Glyphs = UNICODE, width: int | None = None) -> list[Text]:
    shown = fold_repeats(t)
    rows = _Layout(shown, glyphs).rows()
    return _title(t) + [legend(glyphs), Text()] + align_sites(rows, width) + [Text()] + footer(shown, t)


def _title(t: Trace) -> list[Text]:
    head = Text(t.entry_label, style="bold")
    if t.entry_label != t.entry:
        head.append(f"  {t.entry}", style=FAINT)
    trees = [s for s in t.sources if len(s) >= 2]
    clients = [s for s in trees if s[0].startswith("python-") and s[0].endswith("client")]
    sources = ", ".join(f"{s[0]} {s[1]}" for s in trees if s not in clients)
    more = f" (+{len(clients)} client libraries)" if clients else ""
    return [head, Text(f"{sources}{more}  view: {t.view}".strip(), style=FAINT)]


def footer(shown: Trace, t: Trace) -> list[Text]:
    """Counts by hop kind, what was folded, the services in order."""
    kinds = Counter(h.kind for h in t.hops)
    counts = ", ".join(f"{kinds[k]} {name}{'s' if kinds[k] > 1 else ''}" for k, name in COUNTED if kinds[k])
    out = [Text(f"{len(t.hops)} hops" + (f": {counts}" if counts else ""))]
    totals = folded_totals(shown.folded)
    if totals:
        out.append(Text(totals))
    out.append(Text(f"services: {' -> '.join(t.services())}", style=FAINT))
    return out


class _Layout:
    """Walks the hop tree once, turning each hop into a row (text, site) and each service crossing
    into a header row."""

    def __init__(self, t: Trace, glyphs: Glyphs) -> None:
        self.t, self.g = t, glyphs
        self.out: list[tuple[Text, str]] = []
        self.block: Node | None = None  # the crossing (or the entry) whose service the last row is in
        self.level: dict[int, int] = {}  # id(block) -> how many crossings it is nested in
        self.modules: set[str] = set()  # the modules shown in this block
        self.site: str | None = None  # the site shown last
        names: dict[str, set[str]] = {}
        for fq in [t.entry] + [h.callee for h in t.hops]:
            names.setdefault(short_name(fq), set()).add(fq)
        self.ambiguous = {short for short, fqs in names.items() if len(fqs) > 1}  # always with the module
        self.drawn = {h.callee: h.step for h in t.hops if not h.repeat}  # where each function is expanded
        self.folds: dict[int, list[Fold]] = {}
        for f in t.folded:
            self.folds.setdefault(f.step, []).append(f)

    def rows(self) -> list[tuple[Text, str]]:
        root = tree(self.t)
        self.level[id(root)] = 0
        self._enter(root, service_header(self.g, "entry", self.t.entry_service, self.t.entry_label))
        line, _ = self._name(self.t.entry, "bold")
        self.out.append((self._pad(root) + line, ""))
        self._effects(self.t.entry_effects, root, "")
        self._kids(root, [], root, 0)
        return self.out

    def _pad(self, block: Node, inner: bool = True) -> Text:
        return Text("  " * (self.level[id(block)] + inner))

    # -- blocks --------------------------------------------------------------------------------------
    def _enter(self, block: Node, header: Text, gap: bool = True, site: str = "") -> None:
        if self.out and gap:
            self.out.append((Text(), ""))
        self.out.append((self._pad(block, inner=False) + header, site))
        self.block, self.modules, self.site = block, set(), site or None

    def _back(self, block: Node, parent: Node) -> None:
        service = block.hop.service if block.hop is not None else self.t.entry_service
        where = short_name(parent.hop.callee if parent.hop is not None else self.t.entry)
        self._enter(block, service_header(self.g, "back", service, f"{where} goes on"), gap=False)

    def _kids(self, node: Node, prefix: list[str], block: Node, step: int) -> None:
        items: list = list(node.kids) + [f for f in self.folds.get(step, ()) if f.reason != "same"]
        shared: tuple = ()  # the previous sibling's guards: what they share is said once
        for i, item in enumerate(items):
            last = i == len(items) - 1
            if isinstance(item, Node) and item.hop.kind in CROSSING:
                self._crossing(item, block)
                continue
            if self.block is not block:
                self._back(block, node)
            lead = "".join(prefix) + (self.g.last if last else self.g.tee)
            if isinstance(item, Fold):
                self.out.append((self._pad(block) + Text(lead) + self._fold(item), ""))
                continue
            self.out.append(self._row(item, block, lead, node, item.hop.step, shared=shared))
            self._effects(item.hop.effects, block, "".join(prefix) + (self.g.blank if last else self.g.pipe))
            shared = item.hop.guards
            self._kids(item, prefix + [self.g.blank if last else self.g.pipe], block, item.hop.step)

    def _crossing(self, node: Node, outer: Node) -> None:
        h = node.hop
        self.level[id(node)] = self.level[id(outer)] + 1
        external = " " in h.callee  # a request no indexed route answers ("neutron-api GET /ports"): no code
        header = service_header(self.g, h.kind, _landing(h), crossing_text(h), self._guard(h))
        self._enter(node, header, site=h.site if external else "")
        if not external:
            self.out.append(self._row(node, node, "", None, h.step, guard=False))
            self._effects(h.effects, node, "")
        self._kids(node, [], node, h.step)

    def _effects(self, effects: tuple, block: Node, lead: str) -> None:
        """``--effects``: under the hop, one faint line per kind of what it touches."""
        for text in hop_lines(effects):
            self.out.append((self._pad(block) + Text(lead + "  ") + Text(text, style=FAINT), ""))

    # -- one hop -------------------------------------------------------------------------------------
    def _row(self, node: Node, block: Node, lead: str, parent: Node | None, step: int, guard: bool = True,
             shared: tuple = ()) -> tuple[Text, str]:
        h = node.hop
        line = self._pad(block) + Text(lead)
        if h.kind == "flow-task":
            line.append(f"task {dict(h.meta).get('order', '?')} ", style=KIND_STYLE["flow-task"])
        elif h.kind == "driver":
            line.append("driver ", style=KIND_STYLE["driver"])
        name, _ = self._name(h.callee, KIND_STYLE.get(h.kind, ""))
        line.append_text(name)
        line.append_text(self._extras(node, parent, step))
        branches = self._guard(h, shared) if guard else ""
        if branches:
            line.append(f"  {branches}", style=f"{FAINT} italic")
        site = short_site(h.site, self.site)
        self.site = h.site
        return line, site

    def _name(self, fq: str, style: str) -> tuple[Text, str]:
        """The short name, led by its module (faint) the first time the module appears in the block."""
        module = module_of(fq)
        known = module in self.modules and short_name(fq) not in self.ambiguous
        text, _ = name_text(fq, module if known else None, style)
        self.modules.add(module)
        return text, module

    def _extras(self, node: Node, parent: Node | None, step: int) -> Text:
        h, out = node.hop, Text()
        same = [f for f in self.folds.get(step, ()) if f.reason == "same"]
        if same:
            out.append(f" {self.g.times}{1 + len(same[0].sites)}", style="bold")
            out.append(f" (also {', '.join(short_site(s, h.site) for s in same[0].sites)})", style=FAINT)
        alternatives = dict(h.meta).get("alternatives")
        if h.kind == "driver" and alternatives:
            out.append(f" (+{alternatives} implementation{'s' if alternatives > 1 else ''})", style=FAINT)
        receivers = _receivers(node, parent)
        if receivers > 1:
            out.append(f" (one of {receivers} possible receivers)", style=FAINT)
        if h.repeat:
            out.append(" (see below)" if self.drawn.get(h.callee, 0) > step else " (see above)", style=FAINT)
        return out

    def _guard(self, h: Hop, shared: tuple = ()) -> str:
        """The branches the call runs under, outermost first; nothing when they are those of the line
        before (its previous sibling: the flow's tasks under one ``with``); a bare ``try`` is left out."""
        if h.guards and h.guards == shared:
            return ""
        return self.g.within.join(_shown(g.kind, g.text, self.g) for g in reversed(h.guards) if g.text != "try")

    def _fold(self, f: Fold) -> Text:
        return Text(fold_line(f, self.g.more), style=FAINT)


def _shown(kind: str, text: str, glyphs: Glyphs) -> str:
    """A guard as the text shows it: a ``with`` statement's long arguments as ``(...)`` (JSON has them all)."""
    return _ARGUMENTS.sub(f"({glyphs.more})", text) if kind == "with" else text


def _receivers(node: Node, parent: Node | None) -> int:
    """How many possible receivers the call of ``node`` has among its siblings (same caller and site)."""
    if parent is None or node.hop.confidence != "possible":
        return 0
    return len({k.hop.callee for k in parent.kids
                if (k.hop.caller, k.hop.site, k.hop.confidence) == (node.hop.caller, node.hop.site, "possible")})


def _landing(h: Hop) -> str:
    return str(dict(h.meta).get("service") or h.service) if h.kind == "rest" else h.service


def crossing_text(h: Hop) -> str:
    """``cast create_volume  topic cinder-volume``, ``PUT /v3/{project_id}/attachments/{id}`` ..."""
    meta = dict(h.meta)
    if h.kind.startswith("rpc"):
        verb = "cast" if h.kind == "rpc-cast" else "call"
        space = f"  namespace {meta['namespace']}" if meta.get("namespace") else ""
        return f"{verb} {meta.get('method') or h.callee.rsplit('.', 1)[-1]}  topic {meta.get('topic')}{space}"
    http = str(meta.get("http") or (h.callee.split(" ", 1)[1] if " " in h.callee else "REST"))
    return http + (f" {meta['action']}" if meta.get("action") else "")
