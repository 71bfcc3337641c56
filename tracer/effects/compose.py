"""effects: each hop's effects, composed from the functions' summaries along the trace.

Stage: effects.  Reads summaries (``tracer.effects.summary``) and trace records only: a warm trace
composes its effects with neither the facts nor the linker.

A hop carries the effects of its callee in the hop's service: the callee's own, and those of the
helpers it calls, ``MAX_FOLLOW`` calls deep, each saying through which functions (``via``) and under
which branches of those calls (``guard``); the wrappers of its decorators count at its own depth; a call
the trace shows as a hop below it is not followed, that hop carries its effects.  A call into a DB API
function contributes its tables and stops there.  A repeated hop (its callee was expanded earlier, so
nothing is shown below it) carries all of its callee's, with its own arguments
(``CreateVolumeOnFinishTask`` runs ``NotifyVolumeActionTask.execute`` again, with ``create.end``); the
entry function's own effects go to ``Trace.entry_effects``.  Effects are made on the trace before a
view narrows it; a hop the view folds gives its effects to the nearest hop above it that is shown.  Calls made in ``except`` handlers count
only with ``--errors``, and calls under a branch the options' defaults rule out only with ``--any-config``, as in
the trace.

Holes fill along the way: the callee of a call or driver hop gets the texts of the arguments its call
site passes (themselves filled by the hops above), an RPC server method the keyword arguments of the
cast or call, a flow's task the attributes its construction in the flow builder gave the object (its
``self.event_suffix``), kept while the task calls methods on its own ``self``.  A driver hop whose
configured class is some option's default also says that option chose it (once per class), and which class
the trace follows there (``follows``: the default, or the one ``--driver`` named).
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from tracer.effects.records import Effect, dedupe, guarded
from tracer.effects.summary import NO_BINDING, Binding, Site, Summary, Template, expand
from tracer.graph.records import Hop, Trace

MAX_FOLLOW = 3


class Composer:
    """``pick(configured class, method)``: the method a driver call runs (the ``--driver`` asked for);
    ``chosen(configured class)``: the class the trace follows there."""

    def __init__(self, summary: Callable[[str], Summary], driver_option: Callable[[str], tuple],
                 errors: bool = False, pick: Callable[[str, str], str] | None = None,
                 chosen: Callable[[str], str] | None = None, any_config: bool = False) -> None:
        self.summary = summary
        self.driver_option = driver_option
        self.errors = errors
        self.any_config = any_config
        self.pick = pick or (lambda configured, target: target)
        self.chosen = chosen or (lambda configured: configured)
        self._memo: dict[tuple, tuple[Effect, ...]] = {}
        self._details: dict[tuple, tuple] = {}  # (detail, branches, by name) -> the detail reached so

    def effects(self, fq: str, binding: Binding = NO_BINDING, skip: frozenset = frozenset(),
                depth: int = MAX_FOLLOW) -> tuple[Effect, ...]:
        key = (fq, binding, skip, depth)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = ()  # a cycle adds nothing
            hit = self._memo[key] = tuple(self._compose(fq, binding, skip, depth))
        return hit

    def _compose(self, fq: str, binding: Binding, skip: frozenset, depth: int) -> list[Effect]:
        s = self.summary(fq)
        out = [self._followed(e) for t in s.own if self._kept(t) for e in instantiate(t, binding)]
        shown = {line for line, _ in skip}
        for site in s.sites:
            if site.how == "rpc" or (site.on_error and not self.errors) or (site.off and not self.any_config) \
                    or (site.line, site.target) in skip:
                continue
            if site.configured:  # a driver call: the hop below (if any) ran the chosen implementation
                if site.line in shown:
                    continue
                site = site._replace(target=self.pick(site.configured, site.target))
            callee = self.summary(site.target)
            if callee.db_api:
                if not s.db_api:  # a DB API function's helpers are in its own tables already
                    child = bind(site, binding)
                    out += [self._through(e, site) for t in callee.own if t.kind == "database" for e in instantiate(t, child)]
            elif site.how == "decorator":  # the wrapper runs around the function: no call deeper
                out += [self._through(e, site) for e in self.effects(site.target, NO_BINDING, frozenset(), depth)]
            elif depth > 0:
                out += [self._through(e, site) for e in self.effects(site.target, bind(site, binding), frozenset(), depth - 1)]
        return out

    def _followed(self, e: Effect) -> Effect:
        """An option naming a driver says which class the trace follows there (its default, or ``--driver``'s)."""
        if e.action != "driver" or e.get("follows") or not e.get("default"):
            return e
        return e._replace(detail=tuple(sorted(e.detail + (("follows", self.chosen(str(e.get("default")))),))))

    def _kept(self, t: Template) -> bool:
        return self.errors or ("on_error", True) not in t.detail

    def _through(self, e: Effect, site: Site) -> Effect:
        """``e`` reached through the call ``site``: its callee named first in ``via``, its branches first."""
        key = (e.detail, site.guard, site.how == "by-name")
        detail = self._details.get(key)
        if detail is None:
            detail = guarded(e.detail, site.guard)
            if key[2] and ("confidence", "by-name") not in detail:
                detail = tuple(sorted(detail + (("confidence", "by-name"),)))
            self._details[key] = detail
        return Effect(e.kind, e.name, e.action, e.site, e.service, (site.short,) + e.via, detail)


def instantiate(t: Template, binding: Binding) -> list[Effect]:
    out = []
    for name in expand(t.name, binding):
        if t.kind == "command" and t.action == "execute" and not name.startswith("{"):
            name = name.rsplit("/", 1)[-1]
        out.append(Effect(t.kind, name, t.action, t.site, "", t.via, t.detail))
    return out


def bind(site: Site, binding: Binding) -> Binding:
    """The callee's holes as this call site fills them (an argument known only as an expression leaves
    the callee's own fallback in place)."""
    params = []
    for name, text in site.args:
        found = expand(text, binding)
        if found and not all(_placeholder(f) for f in found):
            params.append((name, found))
    return Binding(tuple(params), binding.attrs if site.on_self else ())


def _placeholder(text: str) -> bool:
    return text.startswith("{") and text.endswith("}") and text.count("{") == 1





# -- a whole trace ----------------------------------------------------------------
def annotate(composer: Composer, trace: Trace, shown: Trace | None = None) -> Trace:
    """``trace`` with each hop's effects; ``shown``: the view of it to return (``--view hops``, ``--main``,
    ...), whose hops also carry the effects of the hops it folded under them."""
    hops, entry = _effects_by_hop(composer, trace)
    if shown is None or shown is trace:
        return dataclasses.replace(trace, hops=tuple(dataclasses.replace(h, effects=_in(e, h.service))
                                                     for h, e in zip(trace.hops, hops)),
                                   with_effects=True, entry_effects=_in(entry, trace.entry_service))
    return _rolled_up(trace, hops, entry, shown)


def _effects_by_hop(composer: Composer, trace: Trace) -> tuple[list[list[Effect]], list[Effect]]:
    below = _children(trace)
    bindings: dict[int, Binding] = {}
    parents: list[int] = []  # step of the last hop seen at each depth
    out: list[list[Effect]] = []
    at_driver: list[set[str]] = []
    drivers: set[str] = set()
    for h in trace.hops:
        del parents[h.depth - 1:]
        above = bindings.get(parents[-1], NO_BINDING) if parents else NO_BINDING
        binding = bindings[h.step] = _hop_binding(composer, h, above)
        parents.append(h.step)
        found = list(composer.effects(h.callee, binding, below.get(h.step, frozenset())))
        configured = dict(h.meta).get("configured") if h.kind == "driver" else None
        chosen: set[str] = set()
        if configured and configured not in drivers:
            drivers.add(configured)
            follows = (("follows", composer.chosen(str(configured))),)
            added = [e._replace(site=h.site, detail=tuple(sorted(e.detail + follows)))
                     for t in composer.driver_option(configured) for e in instantiate(t, NO_BINDING)]
            found += added
            chosen = {e.name for e in added}
        out.append(found)
        at_driver.append(chosen)
    entry = list(composer.effects(trace.entry, NO_BINDING, below.get(0, frozenset())))
    return _once(trace, out, entry, at_driver)


def _once(trace: Trace, hops: list[list[Effect]], entry: list[Effect],
          at_driver: list[set[str]]) -> tuple[list[list[Effect]], list[Effect]]:
    """An option that names a driver is said once per service: at the driver hop it chose (``at_driver``:
    the options each hop was given as one), else where the trace first calls the class it loads (a plain
    call: the only implementation)."""
    places = [(trace.entry_service, entry, set())] + [(h.service, found, mine)
                                                      for h, found, mine in zip(trace.hops, hops, at_driver)]
    driven = {(name, service) for service, _, mine in places for name in mine}
    seen: set[tuple[str, str]] = set()
    kept = []
    for service, found, mine in places:
        out = []
        for e in found:
            key = (e.name, service)
            if e.action == "driver" and (key in seen or key in driven and e.name not in mine):
                continue
            seen.update([key] if e.action == "driver" else [])
            out.append(e)
        kept.append(out)
    return kept[1:], kept[0]


def _rolled_up(trace: Trace, effects: list[list[Effect]], entry: list[Effect], shown: Trace) -> Trace:
    """A hop the view left out gives its effects to the nearest hop above it that the view kept (the view
    keeps hops in execution order: they are matched in order)."""
    kept: list[list[Effect]] = [[] for _ in shown.hops]
    top = list(entry)
    j = 0
    ancestors: list[tuple[int, int | None]] = []  # (depth, index in shown of the nearest kept hop)
    for h, found in zip(trace.hops, effects):
        while ancestors and ancestors[-1][0] >= h.depth:
            ancestors.pop()
        here = ancestors[-1][1] if ancestors else None
        if j < len(shown.hops) and _same(h, shown.hops[j]):
            here, j = j, j + 1
        (top if here is None else kept[here]).extend(found)
        ancestors.append((h.depth, here))
    hops = tuple(dataclasses.replace(h, effects=_in(e, h.service)) for h, e in zip(shown.hops, kept))
    return dataclasses.replace(shown, hops=hops, with_effects=True, entry_effects=_in(top, trace.entry_service))


def _same(a: Hop, b: Hop) -> bool:
    return (a.caller, a.callee, a.site, a.kind) == (b.caller, b.callee, b.site, b.kind)


def _in(effects, service: str) -> tuple[Effect, ...]:
    return dedupe(Effect(e.kind, e.name, e.action, e.site, service, e.via, e.detail) for e in effects)


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


def _hop_binding(composer: Composer, h: Hop, above: Binding) -> Binding:
    """What the hop's call site fills in its callee (a flow task: its construction's attributes)."""
    if h.kind == "flow-task":
        return _task_binding(composer, h)
    line = _line(h.site)
    rpc = h.kind.startswith("rpc")
    for site in composer.summary(h.caller).sites:
        if site.line == line and site.target == h.callee and (site.how == "rpc") == rpc:
            return bind(site, above)
    return NO_BINDING


def _task_binding(composer: Composer, h: Hop) -> Binding:
    meta = dict(h.meta)
    flow, task, added = meta.get("flow"), meta.get("task"), _line(str(meta.get("added_at", "")))
    if not flow or not task:
        return NO_BINDING
    built = [b for b in composer.summary(str(flow)).built if b.cls == task and b.line >= added]
    if not built:
        return NO_BINDING
    return Binding((), tuple((attr, expand(text)) for attr, text in built[0].attrs))
