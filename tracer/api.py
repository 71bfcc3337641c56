"""api: library entry points (no printing): load sources, trace, export, summarise.

Stage: the top of the pipeline; the CLI is a thin layer over this module.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from tracer import source
from tracer.facts.cache import content_key
from tracer.facts.model import SCHEMA_VERSION, ScanFailure
from tracer.facts.store import BlobStore
from tracer.graph import views
from tracer.graph.entry import Entry, find_entry
from tracer.graph.everything import answer_all
from tracer.graph.index import LiveIndex
from tracer.graph.snapshot import FORMAT as SNAPSHOT_FORMAT
from tracer.graph.snapshot import CachedIndex, Snapshot, SnapshotCache, program_key, program_part
from tracer.graph.trace import Trace, Tracer, TraceOptions
from tracer.link.program import MODULE_BODY
from tracer.scan.entrypoints import read_entry_points

if TYPE_CHECKING:  # the linker and the scanner load only when a query needs the facts
    from tracer.link.edges import Linker
    from tracer.link.program import Program
    from tracer.link.routes import Routes
    from tracer.scan.runner import ScanReport

GRAPH_SCHEMA = "tracer-graph/1"
TRACE_SCHEMA = "tracer-trace/1"


@dataclass
class Linked:
    """A workspace's facts and the linker over them (loaded only when a query needs them)."""

    report: ScanReport
    program: Program
    linker: Linker


class Workspace:
    """Source trees and what queries read of them: the linked-program cache, else the live linker.

    ``program``, ``linker``, ``routes`` and ``report`` load the facts and link them on first use; a
    trace needs none of them when the cache holds its answers.
    """

    def __init__(self, trees: list[source.SourceTree], build: Callable[[], Linked], *, note: str = "",
                 elapsed: dict[str, float] | None = None, snapshot: Snapshot | None = None,
                 cache: SnapshotCache | None = None, key: str = "") -> None:
        self.trees = trees
        self.note = note
        self.elapsed = elapsed or {}
        self._build = build
        self._linked: Linked | None = None
        self._snap = snapshot
        self._cache = cache
        self._key = key
        self._index: LiveIndex | CachedIndex | None = None
        self._saved_program = snapshot is not None
        self._servers: dict[str, tuple[int, str]] | None = None  # endpoint class -> (service order, binary)
        self._handlers: set[str] = set()
        self._effects = None  # tracer.effects.source.Summaries, made by the first trace that asks for effects

    # -- the live program, on demand -----------------------------------------
    @property
    def linked(self) -> Linked:
        if self._linked is None:
            self._linked = self._build()
        return self._linked

    @property
    def report(self) -> ScanReport:
        return self.linked.report

    @property
    def program(self) -> Program:
        return self.linked.program

    @property
    def linker(self) -> Linker:
        return self.linked.linker

    @property
    def routes(self) -> Routes:
        return self.linker.routes

    # -- what queries read ---------------------------------------------------------
    @property
    def index(self) -> LiveIndex | CachedIndex:
        """What traces read of the linked program; shared by every trace of this workspace."""
        if self._index is None:
            live = lambda: LiveIndex(self.linker, self.service_of)  # noqa: E731
            self._index = CachedIndex(self._snap, live) if self._snap is not None else live()
        return self._index

    @property
    def tracer(self) -> Tracer:
        return Tracer(self.index)

    @property
    def entry_table(self) -> tuple:
        """What an entry string is looked up in: (something with ``.functions``, the routes)."""
        if self._snap is not None:
            return self._snap, self._snap.routes
        return self.program, self.routes.routes

    @property
    def skipped(self) -> list[ScanFailure]:
        """Files that did not parse (or could not be read), with the reason."""
        if self._snap is not None and self._linked is None:
            return [ScanFailure(*f) for f in self._snap.skipped]
        return list(self.report.failures)

    def service_of(self, fq: str) -> str:
        """The service a function runs in: the first RPC server one of whose endpoints is in its class's
        MRO, else the API service of a route handler or API module, else its project."""
        fn = self.program.functions[fq]
        if self._servers is None:
            self._servers = {}
            for i, svc in enumerate(self.linker.rpc.services):
                for cls, _ in svc.endpoints:
                    self._servers.setdefault(cls, (i, svc.binary))
            self._handlers = {r.handler for r in self.routes.routes}
        if fn.cls:
            served = [self._servers[k] for k in self.program.mro(fn.cls) if k in self._servers]
            if served:
                return min(served)[1]
        if fq in self._handlers or fn.module.startswith(f"{fn.project}.api."):
            return self.routes.service_of(fq)
        return fn.project

    def sources_json(self) -> list[dict]:
        return [{"project": t.project, "version": t.version, "origin": t.origin} for t in self.trees]

    # -- the linked-program cache ------------------------------------------------------
    def remember(self, everything: bool = False) -> None:
        """Save what this run linked and resolved (``everything``: resolve every function first)."""
        if self._cache is None:
            return
        with _quiet_gc():
            if not self._saved_program:
                self._snap_from_live()
            index = self.index
            if everything:
                for fq in sorted(self.program.functions):
                    index.answer(fq)
            self._cache.save_answers(self._key, index.fresh)

    def _snap_from_live(self) -> None:
        backend = self.linker.r.backend_modules
        snap = program_part(self.program, self.routes.routes, backend, tuple(tuple(f) for f in self.report.failures),
                            self.service_of)
        self._cache.save_program(self._key, snap)
        self._saved_program = True


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
    linked_cache: bool | None = None,
) -> Workspace:
    """The trees ``specs`` name (and the client libraries they require), ready to query.

    With ``linked_cache`` (default: on, unless ``TRACER_LINKED_CACHE=0``), a program linked before from the
    same inputs is read from the cache and the facts are loaded only if a query needs what the cache lacks;
    otherwise they are scanned (or read from the fact cache) and linked now.
    """
    started = time.perf_counter()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 6000))
    cache_dir = cache_dir or source.cache_root()
    if linked_cache is None:
        linked_cache = os.environ.get("TRACER_LINKED_CACHE", "1") != "0"
    note = ""
    if not specs:
        specs, note = source.default_specs(Path.cwd())
    trees = [source.resolve(spec, cache_dir, progress=message) for spec in specs]
    source.one_release_each(trees)
    client_trees = _client_trees(trees, cache_dir, message) if clients else []
    trees += client_trees
    files = []
    for tree in trees:
        files += [(tree.project, rel, path) for rel, path in source.python_files(tree, include_tests=include_tests)]
    entry_points: dict = {}
    for tree in trees:
        for group, table in read_entry_points(tree.root).items():
            entry_points.setdefault(group, {}).update(table)
    clients_read = sorted(t.project for t in client_trees)
    elapsed = {"fetch": time.perf_counter() - started}

    def build() -> Linked:
        return _link(files, entry_points, clients_read, cache_dir, workers, progress, elapsed)

    cache = snap = None
    key = ""
    if linked_cache:
        cache = SnapshotCache(BlobStore(cache_dir / f"linked-v{SNAPSHOT_FORMAT}"))
        key = _program_key(files, entry_points, clients_read, include_tests)
        snap = cache.load(key)
        if cache.store.rejected and message:
            message(f"{cache.store.rejected} linked-program cache entry(ies) did not check out; rebuilt")
    ws = Workspace(trees, build, note=note, elapsed=elapsed, snapshot=snap, cache=cache, key=key)
    if snap is None:
        ws.linked  # noqa: B018  (scan and link now, with progress, as the run expects)
    return ws


def _link(files: list, entry_points: dict, clients_read: list[str], cache_dir: Path, workers: int | None,
          progress: Progress | None, elapsed: dict[str, float]) -> Linked:
    from tracer.facts.cache import FactCache
    from tracer.link.edges import Linker, build_index
    from tracer.scan.runner import scan_files

    started = time.perf_counter()
    with _quiet_gc():
        report = scan_files(
            [(rel, path) for _, rel, path in files], FactCache(cache_dir),
            workers=workers, progress=(lambda d, t: progress("scan", d, t)) if progress else None,
        )
    project_of = {rel: project for project, rel, _ in files}
    scanned = time.perf_counter()
    with _quiet_gc():
        program = build_index([(project_of[m.path], m) for m in report.modules], entry_points, set(clients_read))
        linker = Linker(program)
        linker.routes  # noqa: B018  (routes are part of linking: entries are looked up in them)
    elapsed["scan"] = scanned - started
    elapsed["link"] = time.perf_counter() - scanned
    return Linked(report, program, linker)


def _program_key(files: list, entry_points: dict, clients_read: list[str], include_tests: bool) -> str:
    """What a linked program is made from: this tool's code, the fact schema, every input file's content."""
    parts = [_tool_digest(), f"facts-v{SCHEMA_VERSION}", f"tests={include_tests}", "clients=" + ",".join(clients_read),
             json.dumps(entry_points, sort_keys=True)]
    parts += sorted(_file_key(project, rel, path) for project, rel, path in files)
    return program_key(parts)


def _file_key(project: str, rel: str, path: Path) -> str:
    try:
        return f"{project}:{content_key(rel, path.read_bytes())}"
    except OSError as exc:  # unreadable (a symlink loop): the scan skips it and says why; the key says so too
        return f"{project}:{rel}:unreadable:{exc.errno}"


def _tool_digest() -> str:
    """The tool's own code and data (the vendored service-types registry): a changed linker must not read
    answers an older one saved."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json") and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


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
    program, routes = ws.entry_table
    return find_entry(text, program, routes)


def trace(ws: Workspace, entry_text: str, opts: TraceOptions | None = None, effects: bool = False) -> Trace:
    """The trace of one entry; what was resolved for it is saved in the linked-program cache.
    ``effects``: each hop also carries what its function touches besides code (``tracer.effects``); a hop
    the view folds away gives its effects to the shown hop it hung under."""
    entry = resolve_entry(ws, entry_text)
    opts = opts or TraceOptions()
    with _quiet_gc():
        result = ws.tracer.trace(entry.fq, opts, label=entry.label)
    ws.remember()
    result = Trace(result.entry, result.entry_label, result.entry_service, result.hops, result.view,
                   tuple((t.project, t.version, t.origin) for t in ws.trees), folded=result.folded)
    if not opts.hops:  # the hops view keeps each hop where it first happens, in execution order
        result = views.least_conditional(result)
    shown = views.apply(result, opts)
    return annotate_effects(ws, result, opts, shown) if effects else shown


def annotate_effects(ws: Workspace, t: Trace, opts: TraceOptions | None = None, shown: Trace | None = None) -> Trace:
    """The trace (or its view ``shown``) with each hop's effects; per-function summaries come from the
    linked-program cache, else from the live linker (and are saved for the next run)."""
    opts = opts or TraceOptions()
    from tracer.effects.compose import annotate
    from tracer.effects.source import Summaries

    if ws._effects is None:
        known = ws._snap.functions if ws._snap is not None else ws.program.functions
        ws._effects = Summaries(lambda: ws.linker, ws._cache.store if ws._cache else None, ws._key,
                                known.__contains__)
    with _quiet_gc():
        composer = ws._effects.view(opts.errors, lambda cls, target: _driver_method(ws, cls, target, opts),
                                    lambda cls: _driver_class(ws, cls, opts), opts.any_config)
        result = annotate(composer, t, shown)
    ws._effects.save()
    return result


def _driver_class(ws: Workspace, configured: str, opts: TraceOptions) -> str:
    """The driver class the trace follows where ``configured`` is the default: the one ``--driver`` names."""
    return next((cls for needle in opts.drivers if (cls := ws.index.named_driver(configured, needle))), configured)


def _driver_method(ws: Workspace, configured: str, target: str, opts: TraceOptions) -> str:
    """What a driver call runs under ``--driver``: the named class's method, as the trace picks it."""
    name = target.rsplit(".", 1)[-1]
    for needle in opts.drivers:
        cls = ws.index.named_driver(configured, needle)
        method = ws.index.lookup_method(cls, name) if cls else None
        if method:
            return method
    return target


def definition_sites(ws: Workspace, t: Trace) -> dict[str, str]:
    """``path:line`` of every function, class or module a (possibly aggregated) trace names."""
    if ws._snap is None or ws._linked is not None:
        from tracer.render.model import definition_sites as from_program

        return from_program(ws.program, t)
    names = [t.entry] + [h.callee for h in t.hops]
    return {fq: site for fq in names if (site := ws._snap.site(fq))}


def skipped_on_path(ws: Workspace, t: Trace) -> list[ScanFailure]:
    """Skipped files that code on the trace imports: calls into them are missing from it.

    Free when nothing was skipped (the linked-program cache knows that); else the facts say the imports.
    """
    skipped = {f.path[:-3].replace("/", ".").removesuffix(".__init__"): f for f in ws.skipped}
    if not skipped:
        return []
    found = {}
    for fq in {t.entry} | {h.caller for h in t.hops} | {h.callee for h in t.hops}:
        fn = ws.program.functions.get(fq)
        if fn is None:
            continue
        imports = ws.program.modules[fn.module].imports + tuple(i for d in fn.defs for i in d.imports)
        for i in imports:
            for module in (i.module, f"{i.module}.{i.name}"):
                if module in skipped:
                    found[module] = skipped[module]
    return [found[m] for m in sorted(found)]


def known_drivers(ws: Workspace, configured: str) -> list[str]:
    """The classes ``--driver`` may pick at a driver call configured as ``configured`` (from the cache if it can)."""
    from tracer.link.drivers import known_drivers as family

    return family(_class_table(ws), configured)


def names_a_driver(ws: Workspace, configured: str, needle: str) -> bool:
    """True if ``--driver needle`` picks something at a driver call configured as ``configured``."""
    from tracer.link.drivers import names_a_driver as names

    return ws.index.named_driver(configured, needle) is not None or names(_class_table(ws), configured, needle)


def _class_table(ws: Workspace):
    """What answers ``mro``/``classes``/``all_subclasses``: the linked-program cache, else the program."""
    return ws._snap if ws._snap is not None and ws._linked is None else ws.program


def cache_error(ws: Workspace) -> str | None:
    """Why the facts this run scanned could not be cached, if they could not (a read-only or full cache)."""
    return ws._linked.report.cache_error if ws._linked is not None else None


def trace_json(t: Trace) -> dict:
    data = {
        "schema": TRACE_SCHEMA,
        "sources": [{"project": p, "version": v, "origin": o} for p, v, o in t.sources],
        "entry": {"id": t.entry, "label": t.entry_label, "service": t.entry_service},
        "view": t.view,
        "services": t.services(),
        "hops": [h.as_dict() for h in t.hops],
        "folded": [f.as_dict() for f in t.folded],
    }
    if t.with_effects:
        from tracer.effects.report import add_to_trace_json

        add_to_trace_json(t, data)
    return data


def export(ws: Workspace) -> dict:
    """The whole graph in the documented ``tracer-graph/1`` shape, sorted."""
    with _quiet_gc():
        return _export(ws)


def graph(ws: Workspace):
    """The whole cross-service graph as a networkx ``MultiDiGraph`` (``tracer.graph.network``)."""
    from tracer.graph.network import build

    return build(export(ws))


def _export(ws: Workspace) -> dict:
    from tracer.link.edges import Linker

    # A fresh linker, queried in sorted order: the resolver's memo may hold answers cut short by a
    # cycle during earlier queries, and the export must not depend on what was asked before.
    linker = Linker(ws.program)
    _link_all(linker, ws.program.functions)
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


def _link_all(linker, functions) -> None:
    """Resolve every function, in sorted order, with the cyclic collector paused: linking everything makes
    millions of memo records and no cycle to collect (on Stein its full collections took 1.6 s of 5.5)."""
    with _quiet_gc():
        for fq in sorted(functions):
            linker.resolve(fq)


def summary(ws: Workspace, resolve_all: bool = True) -> dict:
    edges: Counter = Counter()
    unresolved: Counter = Counter()
    if resolve_all and isinstance(ws.index, LiveIndex):  # the answers are kept next: make them now, on two cores
        with _quiet_gc():
            answer_all(ws.index, ws.program.functions)
    elif resolve_all:
        _link_all(ws.linker, ws.program.functions)
    for fq in ws.program.functions:
        found, missing = ws.linker.resolve(fq) if resolve_all else ((), ())
        edges.update(e.kind for e in found)
        unresolved.update(u.reason for u in missing)
    r = ws.report
    return {
        "sources": ws.sources_json(),
        "files": {"scanned": r.scanned, "cached": r.cached, "skipped": len(r.failures),
                  "skipped_by_reason": r.skipped_by_reason(), "corrupt_cache_entries_rebuilt": r.corrupt,
                  "corrupt_by_reason": r.corrupt_by_reason},
        "nodes": sum(1 for fq in ws.program.functions if not fq.endswith(MODULE_BODY)),
        "edges_by_kind": dict(sorted(edges.items())),
        "unresolved_by_reason": dict(sorted(unresolved.items())),
        "value_sets_cut": len(ws.linker.r.cut),  # queries whose values were cut to MAX_VALUES
        "external_calls": ws.linker.external_calls,
        "services": [{"binary": s.binary, "topic": s.topic, "manager": s.manager} for s in ws.linker.rpc.services],
        "routes": len(ws.routes.routes),
        "elapsed_s": {k: round(v, 2) for k, v in ws.elapsed.items()},
    }


def rpc_table(ws: Workspace) -> list[dict]:
    """Every RPC cast/call site: bound to a server method, or unresolved with a reason."""
    rows = []
    _link_all(ws.linker, ws.program.functions)
    for fq in sorted(ws.program.functions):
        found, missing = ws.linker.resolve(fq)
        for e in found:
            if e.kind.startswith("rpc-") and not any(k == "remotable" for k, _ in e.meta):  # sends, not objects
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
