"""diff: match the steps of two sides, on what they mean first and on their role second.

Stage: diff.  Reads ``tracer.diff.steps`` (and the records under it); must not import libcst, networkx, the
linker, render or ``tracer.api``.

Two matched steps (the entries first) compare their bodies, as Jaeger's trace compare identifies a span by
the path of its ancestors:

1. children with the same key pair up in order (same function first);
2. the rest pair as *moved/renamed* when they play the same role: the same function name, the same callees,
   the same body shape (the sequence of what the function calls, from each side's graph), or the same place
   between matched siblings with a like name; the insides of a removed and an added subtree under one pair
   are candidates too (``FilterScheduler._schedule`` -> ``SchedulerManager._schedule``, the driver layer
   around it gone);
3. a child left over may be found a few levels down on the other side (``reboot_instance`` now reaches the
   driver through ``do_reboot_instance`` and ``_reboot_instance``): the levels between are added or removed,
   the hop itself is the same;
4. what is still left over is only on one side.

Every rule is symmetric, so swapping the sides swaps what is added and removed.
"""
from __future__ import annotations

import re
from collections import deque
from difflib import SequenceMatcher
from dataclasses import dataclass, field
from typing import Callable, Optional

from tracer.diff.steps import Side

MOVABLE = ("call",)  # the kind whose key is a Python name, so a move or rename can hide it (a task's is its class)
# Reach(start, chain): on one side's call graph, the function reached from ``start`` by the calls ``chain``
# names (the other side's hops, in order: (callee, key) pairs), or None.  A step one trace lacks may still be
# made, only left out of that side's skeleton (it no longer leads to an RPC, REST, task or driver hop).
Reach = Callable[[str, tuple], Optional[str]]
# Shape(fq): the names of what a function calls, in the order its call sites are written (its body's shape)
Shape = Callable[[str], tuple]
SHAPE_LIKE = 0.5  # body likeness that, with the same name, makes a move
SHAPE_SAME = 0.8  # body likeness that makes a rename (with a callee in common or the same place)
SHAPE_MIN = 3  # call sites a body needs to be told by its shape


@dataclass(frozen=True, slots=True)
class Pair:
    a: int
    b: int
    svc_a: str  # the service the step runs in, in this context
    svc_b: str
    from_a: str  # the service its caller runs in
    from_b: str
    how: str  # entry | key | moved | deeper
    parent: int  # index of the parent pair (-1 for the entry)
    err: bool  # on an error path


@dataclass(frozen=True, slots=True)
class Lone:
    """A step one side has and the other lacks, met under a matched pair."""

    side: str  # old | new
    step: int
    service: str
    sender: str
    parent: int  # the pair it was met under
    top: bool  # its caller is the pair's step (not another lone step)
    leads: bool  # a matched step lies below it: an inserted or dropped level
    below: int  # lone plain calls under it that are not reported on their own
    err: bool


@dataclass
class Matching:
    old: Side
    new: Side
    pairs: list[Pair] = field(default_factory=list)
    lones: list[Lone] = field(default_factory=list)
    reach_old: Reach | None = None  # asks the old side's graph
    reach_new: Reach | None = None
    shape_old: Shape | None = None
    shape_new: Shape | None = None
    # steps one skeleton lacks that the other side's graph makes under another name: (lone, the fq there)
    elsewhere: list[tuple[Lone, str]] = field(default_factory=list)
    present: list[tuple[str, int, str]] = field(default_factory=list)  # (side, step, fq there): not lone at all


@dataclass(frozen=True, slots=True)
class _Spot:
    """A child or deeper step in the region under one pair, with the way to it."""

    step: int
    depth: int
    service: str
    sender: str
    up: tuple[int, ...]  # region ancestors, nearest first


def match(old: Side, new: Side, reach_old: Reach | None = None, reach_new: Reach | None = None,
          shape_old: Shape | None = None, shape_new: Shape | None = None) -> Matching:
    m = Matching(old, new, reach_old=reach_old, reach_new=reach_new, shape_old=shape_old, shape_new=shape_new)
    entry_a, entry_b = old.steps[0].service, new.steps[0].service
    m.pairs.append(Pair(0, 0, entry_a, entry_b, entry_a, entry_b, "entry", -1, False))
    seen: set[tuple] = set()
    todo = deque([0])
    while todo:
        i = todo.popleft()
        p = m.pairs[i]
        memo = (old.steps[p.a].callee, new.steps[p.b].callee, p.svc_a, p.svc_b)
        if memo in seen:
            continue
        seen.add(memo)
        todo.extend(_compare(m, i))
    paired = {("old", p.a) for p in m.pairs} | {("new", p.b) for p in m.pairs}
    # a paired repeat compares the body of the step that expanded its function: that step is paired too
    paired |= {("old", old.expanded.get(old.steps[p.a].callee)) for p in m.pairs}
    paired |= {("new", new.expanded.get(new.steps[p.b].callee)) for p in m.pairs}
    # below a lone step, a step both sides make through another caller (a shared body) is compared there
    m.lones = [lone for lone in m.lones if lone.top or lone.leads or (lone.side, lone.step) not in paired]
    # a step met lone under two pairs (a region reaches through an RPC another pair compares on its own) is
    # said as the pair nearest to it found it: the latest one, whose comparison saw what lies below it
    place = lambda lone: (lone.side, lone.step, lone.service, lone.sender)  # noqa: E731
    nearest = {place(lone): lone for lone in sorted(m.lones, key=lambda x: x.parent)}
    m.lones = [lone for lone in m.lones if nearest[place(lone)] is lone]
    return m


def _compare(m: Matching, i: int) -> list[int]:
    """Match the bodies of pair ``i``; record the new pairs and the lone steps; return the new pairs."""
    p = m.pairs[i]
    ra = _region(m.old, m.old.body(p.a), p.svc_a)
    rb = _region(m.new, m.new.body(p.b), p.svc_b)
    top_a = [s for s in ra if s.depth == 0]
    top_b = [s for s in rb if s.depth == 0]
    found = _by_key(m, top_a, top_b)
    found += _moves(m, i, _free(top_a, found, 0), _free(top_b, found, 1), _slots(top_a, top_b, found))
    found += _deeper(m, ra, rb, found)
    found += _moves(m, i, _open(ra, found, 0), _open(rb, found, 1), {})
    start = len(m.pairs)
    for x, y, how in sorted(found, key=lambda f: (f[0].step, f[1].step)):
        a, b = m.old.steps[x.step], m.new.steps[y.step]
        m.pairs.append(Pair(x.step, y.step, x.service, y.service, x.sender, y.sender, how, i,
                            p.err or a.on_error or b.on_error))
    claimed_a = {m.old.steps[x.step].callee for x, _, _ in found}
    claimed_b = {m.new.steps[y.step].callee for _, y, _ in found}
    _lones(m, i, ra, {x.step for x, _, _ in found}, "old", claimed_b)
    _lones(m, i, rb, {y.step for _, y, _ in found}, "new", claimed_a)
    return list(range(start, len(m.pairs)))


def _region(side: Side, children: tuple[int, ...], service: str) -> list[_Spot]:
    """The children and, below them, their own descendants (not through repeats), in preorder."""
    out: list[_Spot] = []

    def walk(i: int, depth: int, caller_service: str, up: tuple[int, ...]) -> None:
        svc = side.crossing(i, caller_service)
        out.append(_Spot(i, depth, svc, caller_service, up))
        for c in side.steps[i].children:
            walk(c, depth + 1, svc, (i,) + up)

    for c in children:
        walk(c, 0, service, ())
    return out


def _by_key(m: Matching, xs: list[_Spot], ys: list[_Spot]) -> list[tuple]:
    """Children with the same key, k-th with k-th: those calling the same function first."""
    found: list[tuple] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for ident in (lambda s, side: (side.steps[s.step].key, side.steps[s.step].callee),
                  lambda s, side: side.steps[s.step].key):
        groups_a: dict = {}
        groups_b: dict = {}
        for x in xs:
            if x.step not in used_a:
                groups_a.setdefault(ident(x, m.old), []).append(x)
        for y in ys:
            if y.step not in used_b:
                groups_b.setdefault(ident(y, m.new), []).append(y)
        for k, group in groups_a.items():
            for x, y in _closest(m, group, groups_b.get(k, [])):
                found.append((x, y, "key"))
                used_a.add(x.step)
                used_b.add(y.step)
    return found


def _closest(m: Matching, xs: list[_Spot], ys: list[_Spot]) -> list[tuple[_Spot, _Spot]]:
    """Steps of one key paired: one each is a pair; several (one call, two possible receivers) pair by
    the likeness of their qualified names and callees, then in order."""
    if len(xs) == 1 and len(ys) == 1:
        return [(xs[0], ys[0])]
    scored = []
    for ix, x in enumerate(xs):
        for iy, y in enumerate(ys):
            scored.append((-_likeness(m, x.step, y.step), abs(ix - iy), ix + iy, ix, iy))
    out, used_x, used_y = [], set(), set()
    for *_, ix, iy in sorted(scored):
        if ix not in used_x and iy not in used_y:
            used_x.add(ix)
            used_y.add(iy)
            out.append((xs[ix], ys[iy]))
    return out


def _free(spots: list[_Spot], found: list[tuple], side: int) -> list[_Spot]:
    taken = {f[side].step for f in found}
    return [s for s in spots if s.step not in taken]


def _open(spots: list[_Spot], found: list[tuple], side: int) -> list[_Spot]:
    """Region steps not matched and not below a matched one (those belong to that pair's own comparison)."""
    taken = {f[side].step for f in found}
    return [s for s in spots if s.step not in taken and not taken.intersection(s.up)]


def _slots(xs: list[_Spot], ys: list[_Spot], found: list[tuple]) -> dict[tuple[int, int], bool]:
    """(old, new) children that sit between the same matched siblings (the same place in the body)."""
    partner = {x.step: y.step for x, y, _ in found}
    back = {y.step: x.step for x, y, _ in found}

    def places(spots: list[_Spot], mine: dict) -> dict[int, int]:
        out, last = {}, -1
        for s in spots:
            if s.step in mine:
                last = s.step if mine is partner else mine[s.step]
            else:
                out[s.step] = last
        return out

    pa, pb = places(xs, partner), places(ys, back)
    return {(x, y): True for x, at in pa.items() for y, bt in pb.items() if at == bt}


def _likeness(m: Matching, i: int, j: int) -> float:
    """How alike two steps of one key are: their qualified names, and the names of what they call."""
    a, b = m.old.steps[i], m.new.steps[j]
    like = SequenceMatcher(None, a.callee, b.callee).ratio()
    return round(like + _jaccard(_callee_names(m.old, i), _callee_names(m.new, j)), 6)


def _deeper(m: Matching, ra: list[_Spot], rb: list[_Spot], found: list[tuple]) -> list[tuple]:
    """The same key a few levels apart, nearest first; a match claims the regions below both steps."""
    taken_a = {f[0].step for f in found}
    taken_b = {f[1].step for f in found}
    by_key: dict = {}
    for y in rb:
        by_key.setdefault(m.new.steps[y.step].key, []).append(y)
    candidates = []
    for x in ra:
        for y in by_key.get(m.old.steps[x.step].key, ()):
            if x.depth or y.depth:
                candidates.append((x.depth + y.depth, max(x.depth, y.depth), -_likeness(m, x.step, y.step),
                                   x.step + y.step, x.step, y.step, x, y))
    out = []
    for *_, x, y in sorted(candidates, key=lambda c: c[:6]):
        if x.step in taken_a or y.step in taken_b or taken_a.intersection(x.up) or taken_b.intersection(y.up):
            continue
        if any(x.step in f[0].up or y.step in f[1].up for f in found + out):
            continue  # above a step already matched: that match would lose its place
        taken_a.add(x.step)
        taken_b.add(y.step)
        out.append((x, y, "deeper"))
    return out


def _moves(m: Matching, i: int, xs: list[_Spot], ys: list[_Spot], slots: dict) -> list[tuple]:
    """Left-over steps that play the same role: moved to another module or class, or renamed."""
    candidates = []
    for x in xs:
        for y in ys:
            score = move_score(m.old, x.step, m.new, y.step, (x.step, y.step) in slots, lambda: _shape_likeness(m, x, y))
            if 0 < score < 1.5 and _both_names_live(m, i, x.step, y.step):
                score = 0.0  # a rename guessed from the place alone, but the old name is still called
            if score > 0:
                candidates.append((-score, x.depth + y.depth, x.step + y.step, x.step, y.step, x, y))
    out, used_a, used_b = [], set(), set()
    for *_, x, y in sorted(candidates, key=lambda c: c[:5]):
        if x.step in used_a or y.step in used_b:
            continue
        used_a.add(x.step)
        used_b.add(y.step)
        out.append((x, y, "moved"))
    return out


def _both_names_live(m: Matching, i: int, x: int, y: int) -> bool:
    """The new side still calls the old name, or the old side already called the new one (under the pair)."""
    p = m.pairs[i]
    a, b = m.old.steps[x], m.new.steps[y]
    in_new = m.reach_new and m.reach_new(m.new.steps[p.b].callee, ((a.callee, str(a.key)),))
    in_old = m.reach_old and m.reach_old(m.old.steps[p.a].callee, ((b.callee, str(b.key)),))
    return bool(in_new not in (None, "?") or in_old not in (None, "?"))


def move_score(old: Side, i: int, new: Side, j: int, same_place: bool,
               shape: Callable[[], float] = lambda: 0.0) -> float:
    """How surely old step ``i`` and new step ``j`` are one function that moved or was renamed (0: not);
    ``shape()``: how alike the two bodies are (asked only when the names and callees leave it open)."""
    a, b = old.steps[i], new.steps[j]
    if a.kind != b.kind:
        return 0.0
    if a.kind not in MOVABLE:  # keyed by meaning: only the same code under another key (a route path changed)
        return 2.0 if a.callee == b.callee else 0.0
    na, nb = _name(a.callee), _name(b.callee)
    callees = _jaccard(_callee_names(old, i), _callee_names(new, j))
    same = a.callee.rsplit(".", 1)[-1] == b.callee.rsplit(".", 1)[-1]
    if na == nb and (callees >= (0.3 if same else 0.5) or same_place and same or not (old.body(i) or new.body(j))
                     or _owner(a.callee) == _owner(b.callee) or shape() >= SHAPE_LIKE):
        return 3.0 + callees
    common = len(_callee_names(old, i) & _callee_names(new, j))
    if _owner(a.callee) == _owner(b.callee) and callees >= 0.5 and common >= 2:
        return 2.0 + callees
    if callees >= 0.6 and common >= 2:
        return 1.5 + callees
    wa, wb = set(_words(na)), set(_words(nb))
    words = _jaccard(wa, wb)
    if same_place and wa - wb and wb - wa and words >= 0.3:  # a word replaced, not a name narrowed or widened
        return 1.0 + words
    if (common or same_place) and shape() >= SHAPE_SAME:  # renamed, the body kept (checked as a guess is)
        return 1.0 + 0.4 * shape()
    return 0.0


def _shape_likeness(m: Matching, x: _Spot, y: _Spot) -> float:
    """How alike the call-site sequences of two functions are (0 when a side's graph cannot say)."""
    if m.shape_old is None or m.shape_new is None:
        return 0.0
    a, b = m.shape_old(m.old.steps[x.step].callee), m.shape_new(m.new.steps[y.step].callee)
    if min(len(a), len(b)) < SHAPE_MIN:
        return 0.0
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return round(matcher.ratio(), 6) if matcher.real_quick_ratio() >= SHAPE_LIKE else 0.0


def _name(fq: str) -> str:
    """The function's own name, without leading or trailing underscores: ``_check_attach`` -> ``check_attach``."""
    return fq.split(".<locals>.")[-1].rsplit(".", 1)[-1].strip("_").lower()


def _owner(fq: str) -> str:
    """The class (or module) a function is defined in, by its short name."""
    parts = fq.split(".<locals>.")[0].split(".")
    return parts[-2] if len(parts) > 1 else ""


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[_\W]+", name) if w]


def _callee_names(side: Side, i: int) -> set[str]:
    return {_name(side.steps[c].callee) for c in side.body(i)}


def _jaccard(x: set, y: set) -> float:
    return len(x & y) / len(x | y) if x and y else 0.0


def _lones(m: Matching, i: int, region: list[_Spot], matched: set[int], side: str, claimed: set[str]) -> None:
    """Record the region's steps only this side has; plain calls deep in such a subtree are counted, not listed.

    A step the other side still makes (its graph has the call; its skeleton left it out) is not one of them,
    unless the function found there is already the partner of another step (``claimed``).
    """
    sides = m.old if side == "old" else m.new
    p = m.pairs[i]
    lone = [s for s in region if s.step not in matched and not matched.intersection(s.up)]
    present = {k: v for k, v in _present(m, i, lone, side).items()
               if v not in claimed or v == sides.steps[k].callee}
    m.present += [(side, step, there) for step, there in sorted(present.items()) if there != "?"]
    for s in lone:
        there = present.get(s.step)
        if there not in (None, "?", sides.steps[s.step].callee):
            m.elsewhere.append((Lone(side, s.step, s.service, s.sender, i, True, False, 0, p.err), there))
    lone = [s for s in lone if s.step not in present]
    leads = {u for s in region if s.step in matched for u in s.up}
    tops = {s.step for s in lone if not s.up or s.up[0] in present}
    shown = {s.step for s in lone if s.step in tops or s.step in leads or sides.steps[s.step].kind != "call"}
    below: dict[int, int] = {}
    for s in lone:
        if s.step not in shown:
            owner = next((u for u in s.up if u in shown), None)
            if owner is not None:
                below[owner] = below.get(owner, 0) + 1
    for s in lone:
        if s.step in shown:
            err = p.err or any(sides.steps[u].on_error for u in (s.step,) + s.up)
            m.lones.append(Lone(side, s.step, s.service, s.sender, i, s.step in tops, s.step in leads,
                                below.get(s.step, 0), err))


def _present(m: Matching, i: int, lone: list[_Spot], side: str) -> dict[int, str]:
    """Lone steps whose call the other side still makes (and the function it calls there), in preorder."""
    reach = m.reach_new if side == "old" else m.reach_old
    if reach is None:
        return {}
    mine, other = (m.old, m.new) if side == "old" else (m.new, m.old)
    p = m.pairs[i]
    start = other.steps[p.b if side == "old" else p.a].callee
    partner: dict[int, str] = {}
    for s in lone:
        origin = partner.get(s.up[0]) if s.up else start
        if origin == "?":  # made there but not resolved: nothing below it can be looked up
            partner[s.step] = "?"
            continue
        step = mine.steps[s.step]
        if origin is None or step.kind == "entry":
            continue
        chain = ((step.stub.callee, str(step.stub.key)),) if step.stub else ()
        chain += ((step.callee, str(step.key)),)
        found = reach(origin, chain)
        if found is not None:
            partner[s.step] = found
    return partner
