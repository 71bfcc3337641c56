"""render: collapse a trace to classes or modules, for traces too big to draw call by call.

Stage: render.  Reads and returns ``Trace``/``Hop`` records; must not import
libcst, networkx, the linker or ``tracer.api``.

The result is an ordinary ``Trace`` (so every format draws it): each function
is replaced by its class (``level="class"``; module-level functions by their
module) or its module (``level="module"``), calls inside one group disappear
and the hops under them move up, so the tree stays a tree.  Names are split by
convention (the first capitalised component is a class), not by a lookup.
"""
from __future__ import annotations

from tracer.graph.records import Fold, Hop, Trace

LEVELS = ("class", "module")


def owner(fq: str, level: str) -> str:
    """``pkg.mod.Class.method`` -> ``pkg.mod.Class`` (class) or ``pkg.mod`` (module)."""
    if level not in LEVELS:
        raise ValueError(f"unknown aggregation level {level!r}; use one of {', '.join(LEVELS)}")
    parts = fq.split(".<locals>.")[0].split(".")
    first_class = next((i for i, p in enumerate(parts) if i and p[:1].isupper()), None)
    if first_class is None:
        return ".".join(parts[:-1]) or fq
    return ".".join(parts[: first_class + 1] if level == "class" else parts[:first_class])


def aggregate(trace: Trace, level: str = "class") -> Trace:
    """The same trace with functions collapsed to their ``level``; hops inside one group are dropped."""
    entry = owner(trace.entry, level)
    hops: list[Hop] = []
    kept = [(0, 0)]  # per original depth: the depth and step it has in the collapsed tree
    moved = {0: 0}  # original step -> the step of the hop it is drawn as
    expanded = {entry}
    for h in trace.hops:
        del kept[h.depth:]
        parent, above = kept[-1]
        caller, callee = owner(h.caller, level), owner(h.callee, level)
        if caller == callee:
            kept.append((parent, above))
            moved[h.step] = above
            continue
        repeat = h.repeat or callee in expanded
        expanded.add(callee)
        hops.append(Hop(len(hops) + 1, parent + 1, caller, callee, h.kind, h.site, h.service, h.confidence,
                        h.meta, repeat, h.guard))
        kept.append((parent + 1, len(hops)))
        moved[h.step] = len(hops)
    return Trace(entry, trace.entry_label, trace.entry_service, tuple(hops), f"{trace.view}, by {level}",
                 trace.sources, _moved_folds(trace.folded, moved))


def _moved_folds(folded: tuple[Fold, ...], moved: dict[int, int]) -> tuple[Fold, ...]:
    """What a view left out, under the hop each folded step is drawn as (folds meeting there add up)."""
    found: dict[tuple[int, str], Fold] = {}
    for f in folded:
        key = (moved.get(f.step, 0), f.reason)
        old = found.get(key)
        found[key] = Fold(key[0], f.reason, f.hops, f.names, f.sites) if old is None else Fold(
            key[0], f.reason, old.hops + f.hops, old.names + f.names, old.sites + f.sites)
    return tuple(found[k] for k in sorted(found))
