"""api: library entry points (no printing): load sources, trace, export, summarise.

Stage: the top of the pipeline; the CLI is a thin layer over this module.
"""
from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tracer import source
from tracer.facts.cache import FactCache
from tracer.graph.entry import Entry, find_entry
from tracer.graph.index import LiveIndex
from tracer.graph.trace import Trace, Tracer, TraceOptions
from tracer.link.edges import Linker
from tracer.link.program import MODULE_BODY, Program
from tracer.link.routes import Routes
from tracer.scan.entrypoints import read_entry_points
from tracer.scan.runner import ScanReport, scan_files

GRAPH_SCHEMA = "tracer-graph/1"
TRACE_SCHEMA = "tracer-trace/1"


@dataclass
class Workspace:
    trees: list[source.SourceTree]
    report: ScanReport
    program: Program
    linker: Linker
    routes: Routes
    elapsed: dict[str, float] = field(default_factory=dict)
    note: str = ""

    _index: LiveIndex | None = field(default=None, repr=False)

    @property
    def index(self) -> LiveIndex:
        """What traces read of the linked program; shared by every trace of this workspace."""
        if self._index is None:
            self._index = LiveIndex(self.linker, self.service_of)
        return self._index

    @property
    def tracer(self) -> Tracer:
        return Tracer(self.index)

    def service_of(self, fq: str) -> str:
        fn = self.program.functions[fq]
        project = fn.project
        for svc in self.linker.rpc.services:
            for cls, _ in svc.endpoints:
                if fn.cls and cls in self.program.mro(fn.cls):
                    return svc.binary
        if any(r.handler == fq for r in self.routes.routes) or fn.module.startswith(f"{project}.api."):
            return self.routes.service_of(fq)
        return project

    def sources_json(self) -> list[dict]:
        return [{"project": t.project, "version": t.version, "origin": t.origin} for t in self.trees]


Progress = Callable[[str, int, int], None]


@contextlib.contextmanager
def _quiet_gc():
    """Facts are millions of acyclic tuples: the cyclic collector would re-walk them over and over
    (it tripled the cost of a warm load).  Pause it for bulk work and freeze what was built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def load(
    specs: list[str] | None = None,
    *,
    cache_dir: Path | None = None,
    include_tests: bool = False,
    clients: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
    message: Callable[[str], None] | None = None,
) -> Workspace:
    started = time.perf_counter()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 6000))
    cache_dir = cache_dir or source.cache_root()
    note = ""
    if not specs:
        specs, note = source.default_specs(Path.cwd())
    trees = [source.resolve(spec, cache_dir, progress=message) for spec in specs]
    client_trees = _client_trees(trees, cache_dir, message) if clients else []
    trees += client_trees
    files = []
    for tree in trees:
        files += [(tree.project, rel, path) for rel, path in source.python_files(tree, include_tests=include_tests)]
    fetched = time.perf_counter()
    with _quiet_gc():
        report = scan_files(
            [(rel, path) for _, rel, path in files], FactCache(cache_dir),
            workers=workers, progress=(lambda d, t: progress("scan", d, t)) if progress else None,
        )
    project_of = {rel: project for project, rel, _ in files}
    scanned = time.perf_counter()
    entry_points: dict = {}
    for tree in trees:
        for group, table in read_entry_points(tree.root).items():
            entry_points.setdefault(group, {}).update(table)
    with _quiet_gc():
        program = Program([(project_of[m.path], m) for m in report.modules], entry_points)
        program.client_projects = {t.project for t in client_trees}
        linker = Linker(program)
        routes = linker.routes
    linked = time.perf_counter()
    elapsed = {"fetch": fetched - started, "scan": scanned - fetched, "link": linked - scanned}
    return Workspace(trees, report, program, linker, routes, elapsed, note)


def _client_trees(trees: list[source.SourceTree], cache_dir: Path, message) -> list[source.SourceTree]:
    """The client libraries the trees use to call each other (nova -> python-cinderclient -> cinder).

    Without one, the REST hops into that project are not traced; that is said, not fatal.
    """
    out = []
    for spec, why in source.client_specs(trees):
        try:
            out.append(source.resolve(spec, cache_dir, progress=message))
        except source.SourceError as err:
            if message:
                message(f"{spec} ({why}) is not available, REST hops through it are not traced: {err}")
    return out


def resolve_entry(ws: Workspace, text: str) -> Entry:
    return find_entry(text, ws.program, ws.routes.routes)


def trace(ws: Workspace, entry_text: str, opts: TraceOptions | None = None) -> Trace:
    entry = resolve_entry(ws, entry_text)
    with _quiet_gc():
        result = ws.tracer.trace(entry.fq, opts or TraceOptions(), label=entry.label)
    return Trace(result.entry, result.entry_label, result.entry_service, result.hops, result.view,
                 tuple((t.project, t.version, t.origin) for t in ws.trees))


def trace_json(t: Trace) -> dict:
    return {
        "schema": TRACE_SCHEMA,
        "sources": [{"project": p, "version": v, "origin": o} for p, v, o in t.sources],
        "entry": {"id": t.entry, "label": t.entry_label, "service": t.entry_service},
        "view": t.view,
        "services": t.services(),
        "hops": [h.as_dict() for h in t.hops],
    }


def export(ws: Workspace) -> dict:
    """The whole graph in the documented ``tracer-graph/1`` shape, sorted."""
    with _quiet_gc():
        return _export(ws)


def _export(ws: Workspace) -> dict:
    # A fresh linker, queried in sorted order: the resolver's memo may hold answers cut short by a
    # cycle during earlier queries, and the export must not depend on what was asked before.
    linker = Linker(ws.program)
    nodes, edges = [], []
    for fq in sorted(ws.program.functions):
        fn = ws.program.functions[fq]
        if fq.endswith(MODULE_BODY):
            continue
        kind = "closure" if fn.parent else "method" if fn.cls else "function"
        node = {"id": fq, "kind": kind, "project": fn.project, "file": fn.path, "line": fn.line}
        if fn.inherited_from:  # the subclass's own node for a base method that dispatches differently in it
            node["inherited_from"] = fn.inherited_from
        nodes.append(node)
        for e in linker.edges(fq):
            edge = {"source": e.source, "target": e.target, "kind": e.kind, "site": e.site, "confidence": e.confidence}
            edge.update({k: v for k, v in e.meta})
            edges.append(edge)
    route_nodes = {}
    for r in ws.routes.routes:
        path, _, line = r.site.rpartition(":")
        route_nodes.setdefault(f"route:{r.label}", {"id": f"route:{r.label}", "kind": "route", "project": r.project,
                                                    "file": path, "line": int(line)})
        edges.append({"source": f"route:{r.label}", "target": r.handler, "kind": "route", "site": r.site,
                      "confidence": "exact"})
    nodes += route_nodes.values()
    edges.sort(key=lambda e: (e["source"], e["site"], e["kind"], e["target"]))
    nodes.sort(key=lambda n: n["id"])
    return {"schema": GRAPH_SCHEMA, "sources": ws.sources_json(), "nodes": nodes, "edges": edges}


def summary(ws: Workspace, resolve_all: bool = True) -> dict:
    edges: Counter = Counter()
    unresolved: Counter = Counter()
    for fq in ws.program.functions:
        found, missing = ws.linker.resolve(fq) if resolve_all else ((), ())
        edges.update(e.kind for e in found)
        unresolved.update(u.reason for u in missing)
    r = ws.report
    return {
        "sources": ws.sources_json(),
        "files": {"scanned": r.scanned, "cached": r.cached, "skipped": len(r.failures),
                  "skipped_by_reason": r.skipped_by_reason(), "corrupt_cache_entries_rebuilt": r.corrupt},
        "nodes": sum(1 for fq in ws.program.functions if not fq.endswith(MODULE_BODY)),
        "edges_by_kind": dict(sorted(edges.items())),
        "unresolved_by_reason": dict(sorted(unresolved.items())),
        "external_calls": ws.linker.external_calls,
        "services": [{"binary": s.binary, "topic": s.topic, "manager": s.manager} for s in ws.linker.rpc.services],
        "routes": len(ws.routes.routes),
        "elapsed_s": {k: round(v, 2) for k, v in ws.elapsed.items()},
    }


def rpc_table(ws: Workspace) -> list[dict]:
    """Every RPC cast/call site: bound to a server method, or unresolved with a reason."""
    rows = []
    for fq in sorted(ws.program.functions):
        found, missing = ws.linker.resolve(fq)
        for e in found:
            if e.kind.startswith("rpc-"):
                meta = dict(e.meta)
                rows.append({"client": fq, "verb": e.kind[4:], "method": meta["method"], "topic": meta["topic"],
                             "namespace": meta["namespace"], "server": e.target, "service": meta["service"],
                             "site": e.site})
        for u in missing:
            if u.reason.startswith("rpc-"):
                detail = dict(u.detail)  # what the site sends is known even when nothing receives it
                rows.append({"client": fq, "verb": "/".join(detail.get("verb", ())) or None,
                             "method": "/".join(detail.get("method", ())) or None, "topic": None,
                             "namespace": None, "server": None, "service": None, "site": f"{u.path}:{u.line}",
                             "unresolved": u.reason})
    return rows


def flow_table(ws: Workspace) -> list[dict]:
    return [
        {"flow": fq, "file": ws.program.functions[fq].path,
         "tasks": [{"order": t.order, "task": t.task, "execute": t.execute,
                    "added_at": f"{ws.program.functions[fq].path}:{t.added_at}"} for t in ws.linker.flows.tasks(fq)]}
        for fq in ws.linker.flows.all_flows()
    ]


def route_table(ws: Workspace) -> list[dict]:
    return [{"method": r.method, "path": r.path, "action": r.action, "handler": r.handler, "site": r.site}
            for r in ws.routes.routes]
