"""effects: what changed in what an operation touches between two traces (for ``tracer diff``).

Stage: effects, render-like: reads ``Trace`` records with their effects only (never the linker).

An effect is matched on its meaning (kind, name, action), whatever its site or service: a table read
from another function, a line moved, is no change.  Changes, most telling first:

    table-newly-written / table-no-longer-written    a table the operation writes on one side only
    option-on-path / option-off-path                 an option read in a branch test on one side only
    option-default-changed                           an option both sides read, declared with another default
    driver-option-changed                            the option that names the configured driver, or its default
    effect-added / effect-removed                    any other effect (a table read, an option read, a
                                                     notification, a command, a lock) on one side only
    effect-moved                                     the same effect, done in another service
"""
from __future__ import annotations

from typing import NamedTuple

from tracer.effects.records import Effect, sort_key
from tracer.effects.report import operation
from tracer.graph.records import Trace

RANK = {"table-newly-written": 0, "table-no-longer-written": 0, "option-on-path": 1, "option-off-path": 1,
        "driver-option-changed": 2, "option-default-changed": 3, "effect-moved": 4, "effect-added": 5,
        "effect-removed": 5}


class EffectChange(NamedTuple):
    type: str  # a key of RANK
    kind: str
    name: str
    old: Effect | None
    new: Effect | None
    detail: str  # one line, for people
    services: tuple = ()  # where the side that has it does it (an effect added or removed)

    def as_dict(self) -> dict:
        return {"type": self.type, "kind": self.kind, "name": self.name, "detail": self.detail,
                "old": self.old.as_dict() if self.old else None, "new": self.new.as_dict() if self.new else None}


def compare(old: Trace, new: Trace) -> list[EffectChange]:
    """The changes from ``old`` to ``new`` (both traced with effects), most telling first."""
    before, after = _by_meaning(old), _by_meaning(new)
    out: list[EffectChange] = []
    for key in sorted(set(before) | set(after)):
        if key[0] == "config" and key[2] == "path":
            continue  # said as option-on-path / option-off-path
        a, b = before.get(key), after.get(key)
        if a and b:
            out += _both(a, b)
        elif b:
            out.append(_one_side(b, "added"))
        else:
            out.append(_one_side(a, "removed"))
    out += _moved_on_or_off_path(before, after)
    return sorted(out, key=lambda c: (RANK[c.type], c.kind, c.name, c.type))


def counts(changes) -> dict[str, int]:
    """Changes per type, most telling first."""
    found: dict[str, int] = {}
    for c in changes:
        found[c.type] = found.get(c.type, 0) + 1
    return {t: found[t] for t in sorted(found, key=lambda t: (RANK[t], t))}


def grouped(changes) -> list[tuple[str, str, str]]:
    """``(type, kind, text)`` lines for people: the effects added or removed one line per type, kind, action
    and services (``read in cinder-volume: a, b, c``), every other change a line of its own; in order."""
    rows: list[tuple[str, str, object]] = []
    index: dict[tuple, list[str]] = {}
    for c in changes:
        e = c.new or c.old
        if c.type not in ("effect-added", "effect-removed"):
            rows.append((c.type, c.kind, c.detail))
            continue
        key = (c.type, c.kind, e.action, ", ".join(c.services))
        if key not in index:
            index[key] = []
            rows.append((c.type, c.kind, key))
        index[key].append(c.name)
    return [(t, kind, text if isinstance(text, str) else f"{text[2]} in {text[3]}: {', '.join(index[text])}")
            for t, kind, text in rows]


def _by_meaning(t: Trace) -> dict[tuple, list[Effect]]:
    found: dict[tuple, list[Effect]] = {}
    for _, e in operation(t):
        found.setdefault(e.key, []).append(e)
    return {k: sorted(v, key=lambda e: (e.service,) + sort_key(e)) for k, v in found.items()}


def _one_side(effects: list[Effect], side: str) -> EffectChange:
    e = effects[0]
    if e.kind == "database" and e.action == "write":
        kind = "table-newly-written" if side == "added" else "table-no-longer-written"
        return EffectChange(kind, e.kind, e.name, None if side == "added" else e, e if side == "added" else None,
                            f"{e.name} is {'now' if side == 'added' else 'no longer'} written ({_services(effects)})")
    if e.kind == "config" and e.action == "driver":
        return EffectChange("driver-option-changed", e.kind, e.name, None if side == "added" else e,
                            e if side == "added" else None, f"{e.name} {side} as the option naming a driver")
    old, new = (None, e) if side == "added" else (e, None)
    return EffectChange(f"effect-{side}", e.kind, e.name, old, new, f"{e.action} {e.name} ({_services(effects)})",
                        tuple(sorted({x.service for x in effects})))


def _both(a: list[Effect], b: list[Effect]) -> list[EffectChange]:
    out = []
    x, y = a[0], b[0]
    if {e.service for e in a} != {e.service for e in b}:
        out.append(EffectChange("effect-moved", x.kind, x.name, x, y,
                                f"{x.action} {x.name}: {_services(a)} -> {_services(b)}"))
    if x.kind == "config" and x.get("default") != y.get("default"):
        kind = "driver-option-changed" if x.action == "driver" else "option-default-changed"
        out.append(EffectChange(kind, x.kind, x.name, x, y, f"{x.name} default {x.get('default')!r} -> {y.get('default')!r}"))
    return out


def _moved_on_or_off_path(before: dict, after: dict) -> list[EffectChange]:
    """An option read on both sides that changes the path on one side only: say so beside its read."""
    out = []
    names = {k[1] for k in set(before) | set(after) if k[0] == "config"}
    for name in sorted(names):
        was, now = ("config", name, "path") in before, ("config", name, "path") in after
        if was == now:
            continue
        e = (after if now else before)[("config", name, "path")][0]
        out.append(EffectChange("option-on-path" if now else "option-off-path", "config", name,
                                None if now else e, e if now else None,
                                f"{name} {'now' if now else 'no longer'} changes the path ({e.service})"))
    return out


def _services(effects: list[Effect]) -> str:
    return ", ".join(sorted({e.service for e in effects}))
