"""effects: the effects of each hop of a trace, with the arguments on the trace's way bound.

Stage: effects, after link and graph.  Must not import libcst, networkx or render.

Each hop carries the effects of its callee (``Analysis.effects``) in the hop's service, except those
reached through a call the trace shows as a hop below it: that hop carries them.  A repeated hop
(its callee was expanded earlier, so nothing is shown below it) carries all of its callee's, with
its own arguments (``CreateVolumeOnFinishTask`` runs ``NotifyVolumeActionTask.execute`` again, with
``create.end``); the entry function's own effects go to ``Trace.entry_effects``.  The callee of a call or driver hop sees the arguments of the call site in
its caller, and so on up the trace; an RPC server method sees the keyword arguments of the cast or
call.  A driver hop whose configured class is some option's default also says that option chose it.
"""
from __future__ import annotations

import dataclasses

from tracer.effects.analysis import Analysis
from tracer.effects.records import Effect, dedupe
from tracer.effects.texts import Env, bind
from tracer.graph.records import Hop, Trace


def annotate(analysis: Analysis, trace: Trace) -> Trace:
    below = _children(trace)
    envs: dict[int, Env | None] = {}
    parents: list[int] = []  # step of the last hop seen at each depth
    hops: list[Hop] = []
    drivers: set[str] = set()
    for h in trace.hops:
        del parents[h.depth - 1:]
        parent_env = envs.get(parents[-1]) if parents else None
        env = envs[h.step] = _hop_env(analysis, h, parent_env)
        parents.append(h.step)
        found = list(analysis.effects(h.callee, env, below.get(h.step, frozenset())))
        configured = dict(h.meta).get("configured") if h.kind == "driver" else None
        if configured and configured not in drivers:
            drivers.add(configured)
            found += analysis.driver_option(configured, h.site)
        hops.append(dataclasses.replace(h, effects=_in(found, h.service)))
    entry = analysis.effects(trace.entry, None, below.get(0, frozenset()))
    return dataclasses.replace(trace, hops=tuple(hops), with_effects=True, entry_effects=_in(entry, trace.entry_service))


def _in(effects: list[Effect] | tuple[Effect, ...], service: str) -> tuple[Effect, ...]:
    return dedupe(e._replace(service=service) for e in effects)


def _children(trace: Trace) -> dict[int, frozenset]:
    """step (0: the entry) -> the (line, callee) of the call sites shown as hops right below it."""
    out: dict[int, set] = {}
    parents: list[int] = []
    for h in trace.hops:
        del parents[h.depth - 1:]
        out.setdefault(parents[-1] if parents else 0, set()).add((_line(h.site), h.callee))
        parents.append(h.step)
    return {k: frozenset(v) for k, v in out.items()}


def _line(site: str) -> int:
    tail = site.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _hop_env(analysis: Analysis, h: Hop, parent: Env | None) -> Env | None:
    """The arguments the hop's call site passes to its callee."""
    if h.kind == "flow-task":
        return _task_env(analysis, h)
    if h.kind not in ("call", "driver", "rpc-cast", "rpc-call"):
        return None
    fn = analysis.v.function(h.caller)
    callee = analysis.v.function(h.callee)
    if fn is None or callee is None:
        return None
    line = _line(h.site)
    sites = [s for s in fn.calls() if s.line == line]
    if h.kind.startswith("rpc"):
        site = next((s for s in sites if s.func[0] == "a" and s.func[2] in ("cast", "call")), None)
        return _rpc_env(h.callee, callee, site, h.caller, parent) if site else None
    name = h.callee.rsplit(".", 1)[-1]
    site = next((s for s in sites if (s.func[0] == "a" and s.func[2] == name) or s.func == ("n", name)), None)
    return bind(analysis.v, h.callee, site, h.caller, parent) if site else None


def _task_env(analysis: Analysis, h: Hop) -> Env | None:
    """A task's ``execute`` runs on the object the flow built: ``this`` is that construction."""
    meta = dict(h.meta)
    flow, task, added = meta.get("flow"), meta.get("task"), _line(str(meta.get("added_at", "")))
    fn = analysis.v.function(flow) if flow else None
    init = analysis.p.lookup_method(task, "__init__") if task in analysis.p.classes else None
    if fn is None or init is None:
        return None
    name = task.rsplit(".", 1)[-1]
    built = sorted((s for s in fn.calls() if s.line >= added and s.func[0] in ("n", "a")
                    and (s.func[1] if s.func[0] == "n" else s.func[2]) == name), key=lambda s: (s.line, s.col))
    this = bind(analysis.v, init, built[0], flow, None) if built else None
    return Env(h.callee, (), flow, None, this) if this else None


def _rpc_env(fq: str, callee, site, scope: str, parent: Env | None) -> Env | None:
    """``cctxt.cast(ctxt, 'method', instance=instance)``: the server method's parameters by keyword."""
    params = [p.name for p in callee.facts.params]
    args = [(k, v) for k, v in site.kwargs if k and k in params]
    if site.args and len(params) > 1:
        args.insert(0, (params[1], site.args[0]))
    return Env(fq, tuple(args), scope, parent) if args else None
