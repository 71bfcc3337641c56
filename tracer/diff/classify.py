"""diff: name what changed, from a matching of the two sides' steps.

Stage: diff.  Reads ``tracer.diff.match``, ``tracer.diff.steps`` and ``tracer.diff.changes``; must not import
libcst, networkx, the linker, render or ``tracer.api``.
"""
from __future__ import annotations

import re
from dataclasses import replace

from tracer.diff.changes import SITE, Change, HopView
from tracer.diff.match import Lone, Matching
from tracer.diff.steps import Side, Step
from tracer.graph.records import short_name

_PLACEHOLDER = re.compile(r"\{[^}]*\}")
LONE_TYPES = {"hop-added", "hop-removed", "task-added", "task-removed", "error-path-added", "error-path-removed"}
MICROVERSION = "microversion"  # a REST edge's meta key: the microversion the request states, where the code gives it
PLACELESS = {"rest-external", "rest-internal", "rest-path-changed", "rest-microversion-changed", "rpc-call-to-cast",
             "rpc-cast-to-call", "driver-default-changed"}
_PROJECT = re.compile(r"^(/v\d+(?:\.\d+)?)?/\{\}(?=/|$)")


def classify(m: Matching, sites: bool = False) -> tuple[list[Change], list[Change]]:
    """The changes (most significant first) and, with ``sites``, the hops whose call site only moved."""
    found: list[Change] = []
    moved_sites: list[Change] = []
    for i, p in enumerate(m.pairs):
        own = _pair_changes(m, i)
        found += own
        if sites and not own and _site(m.old.steps[p.a]) != _site(m.new.steps[p.b]):
            moved_sites.append(_change(m, i, SITE, f"{_site(m.old.steps[p.a])} -> {_site(m.new.steps[p.b])}"))
    found += _task_orders(m)
    keys = _keys_by_parent(m)
    found += [_lone_change(m, lone, keys) for lone in m.lones]
    found += [_elsewhere(m, lone, there) for lone, there in m.elsewhere]
    return _moves_by_owner(_unique(found)), _unique(moved_sites)


def _moves_by_owner(changes: list[Change]) -> list[Change]:
    """Functions that moved together with their module or class (same names, one old and one new owner)
    are one change: ``nova.network.neutronv2.api.API -> nova.network.neutron.API: 12 functions``."""
    groups: dict[tuple[str, str], list[Change]] = {}
    for c in changes:
        if c.type == "hop-moved" and c.kind == "call" and c.old and c.new:
            (ao, an), (bo, bn) = c.old.callee.rsplit(".", 1), c.new.callee.rsplit(".", 1)
            if an == bn and ao != bo:
                groups.setdefault((ao, bo), []).append(c)
    drop: set[int] = set()
    for (ao, bo), members in groups.items():
        if len(members) < 2:
            continue
        names = ", ".join(sorted(c.old.callee.rsplit(".", 1)[1] for c in members))  # type: ignore[union-attr]
        members.sort(key=lambda c: c.old.callee.rsplit(".", 1)[1])  # type: ignore[union-attr]  # either side's way
        first = members[0]
        changes[changes.index(first)] = Change(
            first.type, first.kind, first.service, first.old, first.new,
            f"{ao} -> {bo}: {len(members)} functions moved with it ({names})", first.via, first.path)
        drop.update(id(c) for c in members[1:])
    return [c for c in changes if id(c) not in drop]


def _unique(changes: list[Change]) -> list[Change]:
    """One change per what changed: a shared body met in several places (two services call the same DB
    function; one REST request sent from three callers) is listed once, where the trace first meets it (a
    place the skeleton shows before one only the graph knows), with every place it is met."""
    groups: dict[tuple, list[Change]] = {}
    for c in sorted(changes, key=Change.order):
        groups.setdefault(_ident(c), []).append(c)
    return sorted((_merged(group) for group in groups.values()), key=Change.order)


def _ident(c: Change) -> tuple:
    o, n = c.old, c.new
    if c.type == "hop-moved":  # a function moved once, wherever it is met
        return (c.type, o.callee, n.callee)  # type: ignore[union-attr]
    hops = (o and (o.key, o.callee), n and (n.key, n.callee))
    if c.type in LONE_TYPES or c.type in PLACELESS:  # what changed says nothing of where it is met
        return (c.type, c.kind) + hops
    return (c.type, c.kind, c.detail) + hops  # service-changed, task-reordered: the detail is the change


def _merged(group: list[Change]) -> Change:
    best = min(group, key=lambda c: (_ghost(c), c.side.step, Change.order(c)))
    places = sorted({(c.service, c.side.sender, c.via) for c in group})
    if len(places) < 2:
        return best
    return replace(best, detail=f"{best.detail}; met in {len(places)} places{_where(places)}", places=tuple(places))


def _where(places: list[tuple[str, str, str]]) -> str:
    """`` (cinder-api, cinder-volume)``, `` (sent from nova-compute, nova-conductor)``; nothing when only the
    callers differ (``places`` in the JSON names them)."""
    for index, prefix in ((0, ""), (1, "sent from ")):
        values = sorted({p[index] for p in places if p[index]})
        if len(values) > 1:
            return f" ({prefix}{', '.join(values)})"
    return ""


def _ghost(c: Change) -> bool:
    """One side of the change is only known from that side's graph (no site)."""
    return not (c.old and c.old.site and c.new and c.new.site)


def view(side: Side, i: int, service: str, sender: str) -> HopView:
    s = side.steps[i]
    kind = s.main.kind
    if s.kind == "rpc":
        kind = "rpc" if len(s.verbs()) > 1 else f"rpc-{s.verbs()[0]}"
    return HopView(kind, str(s.key), s.callee, (s.stub or s.main).caller, service, sender, _site(s), s.step,
                   s.stub.callee if s.stub else "", s.verb_text() if s.kind == "rpc" else "", _extra(s))


def _site(s: Step) -> str:
    return s.main.site


def _extra(s: Step) -> tuple:
    meta = s.meta
    if s.kind == "task":
        return (("flow", meta.get("flow")), ("order", meta.get("order")))
    if s.kind == "driver":
        return (("configured", meta.get("configured")),)
    if s.kind == "rest":
        extra = (("external", _rest_level(s) == 2), ("http", meta.get("http")))
        return extra + ((MICROVERSION, meta[MICROVERSION]),) if MICROVERSION in meta else extra
    if s.kind == "rpc":
        out = [("method", meta.get("method")), ("namespace", meta.get("namespace")), ("topic", meta.get("topic"))]
        if s.gates():
            out.append(("gates", list(s.gates())))
        if len(s.endpoints()) > 1:
            out.append(("endpoints", list(s.endpoints())))
        return tuple(out)
    return ()


def label(s: Step) -> str:
    """How a step is named in one line: ``cast compute/reboot_instance``, ``GET /volumes/{}``, ``Class.method``."""
    if s.kind == "rpc":
        return f"{s.verb_text()} {s.key.name}"
    if s.kind == "rest":
        return f"{s.key.name} -> {_target(s)}"
    return s.callee if s.kind == "call" else short_name(s.callee)


def _target(s: Step) -> str:
    return s.callee if " " in s.callee else short_name(s.callee)


def _path(m: Matching, i: int) -> tuple[str, ...]:
    keys = []
    while i > 0:
        p = m.pairs[i]
        keys.append(str(m.new.steps[p.b].key))
        i = p.parent
    return tuple(reversed(keys))


def _change(m: Matching, i: int, type_id: str, detail: str) -> Change:
    """A change of matched pair ``i``; but for moves the detail leads with the hop's own name."""
    p = m.pairs[i]
    a, b = view(m.old, p.a, p.svc_a, p.from_a), view(m.new, p.b, p.svc_b, p.from_b)
    if type_id != "hop-moved":
        step = m.new.steps[p.b]
        detail = f"{step.key.name if step.kind in ('rpc', 'rest') else label(step)}: {detail}"
    via = short_name(b.caller) if p.parent >= 0 else ""
    return Change(type_id, m.new.steps[p.b].kind, p.svc_b, a, b, detail, via, _path(m, p.parent))


def _pair_changes(m: Matching, i: int) -> list[Change]:
    p = m.pairs[i]
    a, b = m.old.steps[p.a], m.new.steps[p.b]
    out: list[Change] = []
    external = a.kind == "rest" and _rest_level(a) != _rest_level(b)
    if external:
        kind = "rest-external" if _rest_level(b) > _rest_level(a) else "rest-internal"
        out.append(_change(m, i, kind, f"{_rest_target(b, p.svc_b)} (was {_rest_target(a, p.svc_a)})"))
    elif a.callee != b.callee and not (a.kind == "driver" and _configured(a) != _configured(b)):
        out.append(_change(m, i, "hop-moved", f"{a.callee} -> {b.callee}"))
    out += _service_changes(m, i, external)
    if a.kind == "rpc" and a.verbs() != b.verbs():
        to_cast = "cast" in set(b.verbs()) - set(a.verbs()) or "call" in set(a.verbs()) - set(b.verbs())
        kind = "rpc-call-to-cast" if to_cast else "rpc-cast-to-call"
        out.append(_change(m, i, kind, f"{a.verb_text()} -> {b.verb_text()}"))
    if a.kind == "driver" and _configured(a) != _configured(b):
        out.append(_change(m, i, "driver-default-changed", f"{_configured(a)} -> {_configured(b)}"))
    if a.kind == "rest" and _http(a) and _http(b) and _norm_http(a) != _norm_http(b):
        out.append(_change(m, i, "rest-path-changed", f"{_http(a)} -> {_http(b)}"))
    if a.kind == "rest" and MICROVERSION in a.meta and MICROVERSION in b.meta and _version(a) != _version(b):
        out.append(_change(m, i, "rest-microversion-changed", f"microversion {_version(a)} -> {_version(b)}"))
    return out


def _service_changes(m: Matching, i: int, external: bool) -> list[Change]:
    p = m.pairs[i]
    b = m.new.steps[p.b]
    parts = []
    if p.svc_a != p.svc_b and not external:
        parent = m.pairs[p.parent] if p.parent >= 0 else None
        inherited = parent is not None and (parent.svc_a, parent.svc_b) == (p.svc_a, p.svc_b)
        if b.kind in ("rpc", "rest") or not inherited:
            parts.append(f"runs in {p.svc_b} (was {p.svc_a})")
    if b.kind in ("rpc", "rest") and p.from_a != p.from_b:
        parts.append(f"sent from {p.from_b} (was {p.from_a})")
    return [_change(m, i, "service-changed", "; ".join(parts))] if parts else []


def _version(s: Step) -> str:
    """The microversion a REST hop is sent with, as the code writes it (``none`` for an explicit None)."""
    value = s.meta.get(MICROVERSION)
    return "none" if value is None else str(value)


def _configured(s: Step) -> str:
    return str(s.meta.get("configured") or "")


def _http(s: Step) -> str:
    return str(s.meta.get("http") or (s.callee.split(" ", 1)[1] if " " in s.callee else ""))


def _norm_http(s: Step) -> str:
    """``GET /v3/volumes/{}`` for ``GET /v3/{project_id}/volumes/{id}``: names of placeholders and the project
    segment do not make another path (a route is registered with and without it)."""
    method, _, path = _http(s).partition(" ")
    path = _PLACEHOLDER.sub("{}", path.split("?", 1)[0].rstrip("/"))
    return f"{method} {_PROJECT.sub(lambda g: g.group(1) or '', path)}"


def _rest_level(s: Step) -> int:
    """0: the request lands in the project that sends it; 1: in another indexed tree; 2: nowhere indexed."""
    if s.main.confidence == "external" or s.meta.get("external"):
        return 2
    return 0 if s.main.caller.split(".", 1)[0] == s.callee.split(".", 1)[0] else 1


def _rest_target(s: Step, service: str) -> str:
    if _rest_level(s) == 2:
        return f"external {s.callee}"
    return f"{s.callee} in {service}"


def _task_orders(m: Matching) -> list[Change]:
    """Matched tasks of one flow whose place among the matched tasks changed (an insertion is not a move)."""
    groups: dict[tuple, list[int]] = {}
    for i, p in enumerate(m.pairs):
        if m.old.steps[p.a].kind == "task":
            groups.setdefault((p.parent, m.new.steps[p.b].meta.get("flow")), []).append(i)
    out = []
    for members in groups.values():
        by_old = sorted(members, key=lambda i: (_order(m.old.steps[m.pairs[i].a]), m.pairs[i].a))
        by_new = sorted(members, key=lambda i: (_order(m.new.steps[m.pairs[i].b]), m.pairs[i].b))
        for i in members:
            if by_old.index(i) != by_new.index(i):
                p = m.pairs[i]
                old, new = _order(m.old.steps[p.a]), _order(m.new.steps[p.b])
                out.append(_change(m, i, "task-reordered", f"#{old} -> #{new} in {_flow(m.new.steps[p.b])}"))
    return out


def _order(s: Step) -> int:
    order = s.meta.get("order")
    return order if isinstance(order, int) else 0


def _flow(s: Step) -> str:
    return short_name(str(s.meta.get("flow") or "?"))


def _keys_by_parent(m: Matching) -> dict[tuple[str, int], set]:
    """(side, parent pair) -> keys of the steps matched under it on that side."""
    out: dict[tuple[str, int], set] = {}
    for p in m.pairs:
        out.setdefault(("old", p.parent), set()).add(m.old.steps[p.a].key)
        out.setdefault(("new", p.parent), set()).add(m.new.steps[p.b].key)
    return out


def _lone_change(m: Matching, lone: Lone, keys: dict[tuple[str, int], set]) -> Change:
    side = m.old if lone.side == "old" else m.new
    s = side.steps[lone.step]
    hop = view(side, lone.step, lone.service, lone.sender)
    base = "removed" if lone.side == "old" else "added"
    type_id = f"task-{base}" if s.kind == "task" else f"error-path-{base}" if lone.err else f"hop-{base}"
    detail = label(s)
    if s.kind in ("rpc", "rest"):
        detail += f" (from {lone.sender})"
    if s.kind == "task":
        detail = f"#{_order(s)} {short_name(s.callee)} in {_flow(s)}"
    if s.key in keys.get((lone.side, lone.parent), ()):
        detail += "; another receiver of a call both sides make"
    if lone.leads:
        detail += "; a level on the way to hops both sides make"
    if lone.below:
        detail += f"; {lone.below} more call{'s' if lone.below > 1 else ''} below"
    return Change(type_id, s.kind, lone.service, hop if lone.side == "old" else None,
                  hop if lone.side == "new" else None, detail, short_name(hop.caller), _path(m, lone.parent),
                  lone.below)


def _elsewhere(m: Matching, lone: Lone, there: str) -> Change:
    """A step one skeleton shows that the other side still makes through a moved or renamed function."""
    side = m.old if lone.side == "old" else m.new
    s = side.steps[lone.step]
    hop = view(side, lone.step, lone.service, lone.sender)
    p = m.pairs[lone.parent]
    other = m.new if lone.side == "old" else m.old
    caller = other.steps[p.b if lone.side == "old" else p.a].callee
    ghost = HopView(hop.kind, f"{s.key.kind}:{short_name(there)}", there, caller, lone.service, lone.sender, "")
    old, new = (hop, ghost) if lone.side == "old" else (ghost, hop)
    shown = "new" if lone.side == "old" else "old"
    type_id, detail = "hop-moved", f"{old.callee} -> {new.callee}"
    if s.kind == "rest" and _home(old) != _home(new):  # served by another project now
        type_id = "rest-external" if _home(old) == _home_of_caller(old) else "rest-internal"
        detail = f"{label(s)}: {new.callee} (was {old.callee})"
    return Change(type_id, s.kind, lone.service, old, new,
                  f"{detail} (not in the {shown} skeleton: it leads to no other hop there)",
                  short_name(hop.caller), _path(m, lone.parent))


def _home(v: HopView) -> str:
    return v.callee.split(".", 1)[0] if " " not in v.callee else v.callee


def _home_of_caller(v: HopView) -> str:
    return v.caller.split(".", 1)[0]
