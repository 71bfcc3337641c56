"""compare: library entry points of ``tracer diff`` (no printing): each side traced, then diffed.

Stage: the top, beside ``tracer.api`` (which it uses to load and trace); the CLI is a thin layer over it.
What it reads of a linked program goes through each workspace's query index (``ws.index``), so a warm
diff answers from the linked-program cache like a warm trace.
"""
from __future__ import annotations

import dataclasses
import re
from contextlib import suppress

from tracer import api
from tracer.diff.flow import FlowDiff, diff_surface as surface_diff, diff_traces
from tracer.graph.entry import Entry, EntryError
from tracer.graph.records import Hop, Trace, TraceOptions, hop_key

SERIES_RANGE = re.compile(r"^([\w-]+(?:\.\d+)?)\.\.([\w-]+(?:\.\d+)?)$")
DIFF_PROJECTS = ("nova", "cinder")
_API_VERSION = re.compile(r"^/v(\d+)(?:\.\d+)?(?=/)")
REACH_LEVELS = 2  # calls a step may have moved down on the other side and still count as made there


def is_series_range(text: str) -> bool:
    """``stein..hibiscus``, ``2023.1..2026.2``: two release series (a qualified name never has ``..``)."""
    return bool(SERIES_RANGE.match(text.strip()))


def diff_sides(series: str | None, projects: list[str] | None, old: list[str] | None,
               new: list[str] | None) -> tuple[list[str], list[str]]:
    """The sources of each side: ``--from``/``--to``, or the projects (default nova and cinder) at each
    series of a range ``A..B``.  Client libraries follow per side when each side is loaded."""
    if series:
        m = SERIES_RANGE.match(series.strip())
        if not m:
            raise ValueError(f"{series!r} is not a series range; write it as A..B (stein..hibiscus)")
        if old or new:
            raise ValueError("give a series range or --from/--to, not both")
        names = projects or list(DIFF_PROJECTS)
        return [f"{p}@{m.group(1)}" for p in names], [f"{p}@{m.group(2)}" for p in names]
    if not (old and new):
        raise ValueError("give both sides: --from SPEC and --to SPEC (repeatable), or a series range A..B")
    if projects:
        raise ValueError("-p/--project names the projects of a series range A..B; with --from/--to name sources")
    return list(old), list(new)


def diff(old: api.Workspace, new: api.Workspace, entry_text: str, opts: TraceOptions | None = None,
         sites: bool = False, effects: bool = True) -> FlowDiff:
    """One entry traced on each side (resolved on each side: a route moved to ``/v3/``, a handler renamed)
    and diffed hop by hop; a hop one trace lacks is looked up in that side's whole graph first.
    ``effects``: what the operation touches is compared too (``tracer.effects.compare``): a table newly
    written, an option added to the path (issue 13's diff; it costs a warm diff about a tenth)."""
    opts = opts or TraceOptions()
    ta, tb = (_trace(ws, e, opts, effects) for ws, e in zip((old, new), _entry_pair(old, new, entry_text)))
    options = (("drivers", list(opts.drivers)), ("effects", effects), ("errors", opts.errors), ("view", ta.view))
    d = diff_traces(ta, tb, entry_text, sites=sites, options=options,
                    reach_old=_reach(old, opts.errors), reach_new=_reach(new, opts.errors),
                    shape_old=_shape(old), shape_new=_shape(new))
    for ws in (old, new):
        ws.remember()  # what the look-ups resolved serves the next run from the cache
    if effects:
        from tracer.effects.compare import compare as compare_effects

        d = dataclasses.replace(d, effects=tuple(compare_effects(ta, tb)))
    return d


def _trace(ws: api.Workspace, entry: Entry, opts: TraceOptions, effects: bool = False) -> Trace:
    """``api.trace`` of the resolved entry, titled with its HTTP route when it has one."""
    t = api.trace(ws, entry.fq, opts, effects=effects)
    return dataclasses.replace(t, entry_label=entry.route.label) if entry.route else t


def _entry_pair(old: api.Workspace, new: api.Workspace, text: str) -> tuple[Entry, Entry]:
    """The entry on each side; a side that does not know the text tries the other side's HTTP route."""
    found: dict[str, Entry | EntryError] = {}
    for name, ws in (("old", old), ("new", new)):
        try:
            found[name] = api.resolve_entry(ws, text)
        except EntryError as exc:
            found[name] = exc
    for name, ws, other in (("old", old, "new"), ("new", new, "old")):
        there = found[other]
        if isinstance(found[name], EntryError) and isinstance(there, Entry):
            for route in _routes_of(old if other == "old" else new, there.fq):
                with suppress(EntryError):
                    found[name] = api.resolve_entry(ws, f"{route.method} {route.path} {route.action or ''}".strip())
                    break
    for name in ("old", "new"):
        exc = found[name]
        if isinstance(exc, EntryError):
            raise EntryError(f"on the {name} side: {exc}", exc.candidates)
    return tuple(_titled(ws, found[name]) for name, ws in (("old", old), ("new", new)))  # type: ignore


def _routes_of(ws: api.Workspace, fq: str) -> list:
    """The routes a handler answers, the plainest first (``/servers/{id}/action`` before the same action
    under ``/os-volumes_boot``), the newest API version first among equals."""
    _, routes = ws.entry_table

    def plainness(r) -> tuple:
        version = _API_VERSION.match(r.path)
        return (len(_API_VERSION.sub("", r.path)), -int(version.group(1)) if version else 0, r.path, r.action or "")
    return sorted((r for r in routes if r.handler == fq), key=plainness)


def _titled(ws: api.Workspace, entry: Entry) -> Entry:
    """An entry named by its function is titled with the plainest route it answers."""
    routes = _routes_of(ws, entry.fq) if entry.label == entry.fq else []
    return dataclasses.replace(entry, route=routes[0]) if routes else entry


def _reach(ws: api.Workspace, errors: bool):
    """Follow another side's hops through this side's graph (see ``tracer.diff.match``): the callee itself
    within ``REACH_LEVELS`` calls (a retry closure around it), else the nearest hop of the same key (a plain
    call: a function of the same name, so a move is seen)."""
    def edges(fq: str) -> list:
        return [e for e in ws.index.answer(fq).edges if errors or ("on_error", True) not in e.meta]

    def step(start: str, want: str, key: str, levels: int) -> str | None:
        name, seen, level, named = _plain(want), {start}, [start], None
        helper = _plain(start) == name  # x calling _x: a helper of the same name, not x moved
        for _ in range(levels):
            found = [e for fq in level for e in edges(fq)]
            if any(e.target == want for e in found):
                return want
            if named is None and not helper:
                named = next((e.target for e in sorted(found, key=lambda e: (e.target, e.line))
                              if _same_hop(e, key, name)), None)
            level = sorted({e.target for e in found} - seen)
            seen.update(level)
        return named

    def reach(start: str, chain: tuple) -> str | None:
        here: str | None = start
        for i, (want, key) in enumerate(chain):
            here = step(here, want, key, REACH_LEVELS if i == 0 else 1)
            if here is None:
                return None
        return here
    return reach


def _shape(ws: api.Workspace):
    """A function's body shape: the names of the functions its resolved call sites call, in source order
    (leading underscores dropped: ``_schedule`` is ``schedule`` moved and made private)."""
    memo: dict[str, tuple[str, ...]] = {}

    def shape(fq: str) -> tuple[str, ...]:
        if fq not in memo:
            edges = [e for e in ws.index.answer(fq).edges if e.confidence != "candidate"] if " " not in fq else []
            memo[fq] = tuple(_plain(e.target) for e in sorted(edges, key=lambda e: (e.line, e.target)))
        return memo[fq]
    return shape


def _same_hop(e, key: str, name: str) -> bool:
    """Edge ``e`` is the hop ``key`` names: the same key, or for a plain call a function of the same name."""
    if key.startswith("call:"):
        return e.kind == "call" and _plain(e.target) == name
    return str(hop_key(Hop(0, 0, e.source, e.target, e.kind, "", "", e.confidence, e.meta))) == key


def _plain(fq: str) -> str:
    """A function's own name without leading underscores (``_check_encryption_provider`` is the module
    function ``check_encryption_provider`` moved); a REST target (``placement-api GET /x``) as it is."""
    return fq if " " in fq else fq.rsplit(".", 1)[-1].lstrip("_")


# -- whole surfaces ------------------------------------------------------------------------------------------
def diff_surface(old: api.Workspace, new: api.Workspace, what: str) -> FlowDiff:
    """The whole RPC surface, route table or flow list of two sides compared (``what``: rpc, routes, flows)."""
    tables = {"rpc": _rpc_rows, "routes": _route_rows, "flows": api.flow_table}
    rows = [tables[what](ws) for ws in (old, new)]
    sources = [tuple((t.project, t.version, t.origin) for t in ws.trees) for ws in (old, new)]
    return surface_diff(what, rows[0], rows[1], *sources)


def _rpc_rows(ws: api.Workspace) -> list[dict]:
    """Every resolved RPC cast/call site with the branches it runs under (``guard``)."""
    functions, _ = ws.entry_table
    rows = []
    for fq in sorted(functions.functions):
        answer = ws.index.answer(fq)
        for e, guard in zip(answer.edges, answer.guards):
            if e.kind.startswith("rpc-"):
                meta = dict(e.meta)
                rows.append({"client": fq, "verb": e.kind[4:], "method": meta["method"], "topic": meta["topic"],
                             "namespace": meta["namespace"], "server": e.target, "service": meta["service"],
                             "site": e.site, "guard": [list(g) for g in guard]})
    return rows


def _route_rows(ws: api.Workspace) -> list[dict]:
    _, routes = ws.entry_table
    return [{"method": r.method, "path": r.path, "action": r.action, "handler": r.handler, "site": r.site,
             "service": ws.index.service_of(r.handler)} for r in routes]
