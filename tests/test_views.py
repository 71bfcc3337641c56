"""Views of a trace on small hand-made hop trees: what each view keeps, what it folds and where."""
from __future__ import annotations

from tracer import api
from tracer.graph import views
from tracer.graph.records import Fold, Hop, Trace, TraceOptions

IF, ELSE, EXCEPT, TRY = ("if", "if x", True), ("else", "else (not y)", False), ("except", "except E", True), ("try", "try", False)


def hop(depth: int, caller: str, callee: str, kind: str = "call", guard: tuple = (), confidence: str = "exact",
        repeat: bool = False, site: str = "", meta: dict | None = None) -> Hop:
    return Hop(0, depth, caller, callee, kind, site or f"m.py:{len(callee)}", "svc", confidence,
               tuple(sorted((meta or {}).items())), repeat, guard)


def trace(*hops: Hop) -> Trace:
    return Trace("m.entry", "GET /x", "svc", tuple(_numbered(h, i) for i, h in enumerate(hops, 1)), "skeleton")


def _numbered(h: Hop, step: int) -> Hop:
    return Hop(step, h.depth, h.caller, h.callee, h.kind, h.site, h.service, h.confidence, h.meta, h.repeat, h.guard)


def callees(t: Trace) -> list[str]:
    return [h.callee for h in t.hops]


def folds(t: Trace) -> dict[str, Fold]:
    return {f.reason: f for f in t.folded}


def test_no_view_asked_gives_the_trace_itself():
    t = trace(hop(1, "m.entry", "m.a"))
    assert views.apply(t, TraceOptions()) is t


def test_main_folds_optional_branches_and_keeps_alternatives():
    t = trace(hop(1, "m.entry", "m.a", guard=(IF,)), hop(2, "m.a", "m.a1"),
              hop(1, "m.entry", "m.b", guard=(ELSE, TRY)),
              hop(1, "m.entry", "m.c", guard=(EXCEPT,)),
              hop(1, "m.entry", "m.d"))
    main = views.apply(t, TraceOptions(main=True))
    assert callees(main) == ["m.b", "m.d"]
    branch = folds(main)["branch"]
    assert (branch.step, branch.hops, branch.names) == (0, 3, ("m.a", "m.c"))
    assert main.view == "skeleton, main"


def test_main_folds_receiver_variants_and_keeps_the_common_one():
    """Three possible receivers at one site; two are subclasses that call the base one."""
    site = "m.py:7"
    t = trace(hop(1, "m.entry", "m.Sub1.attach", confidence="possible", site=site),
              hop(2, "m.Sub1.attach", "m.create"), hop(2, "m.Sub1.attach", "m.Base.attach"),
              hop(3, "m.Base.attach", "m.connect"),
              hop(1, "m.entry", "m.Sub2.attach", confidence="possible", site=site),
              hop(2, "m.Sub2.attach", "m.Base.attach", repeat=True),
              hop(1, "m.entry", "m.Base.attach", confidence="possible", site=site, repeat=True))
    main = views.apply(t, TraceOptions(main=True))
    assert callees(main) == ["m.Base.attach", "m.connect"]  # the expansion moved to the call still shown
    assert not main.hops[0].repeat
    assert folds(main)["receiver"].names == ("m.Sub1.attach", "m.Sub2.attach")


def test_a_single_possible_receiver_is_not_a_variant():
    t = trace(hop(1, "m.entry", "m.only", confidence="possible"), hop(2, "m.only", "m.x"))
    assert callees(views.apply(t, TraceOptions(main=True))) == ["m.only", "m.x"]


def test_hide_folds_matching_subtrees_and_counts_them():
    t = trace(hop(1, "m.entry", "m.a"), hop(2, "m.a", "db.api.get"), hop(3, "db.api.get", "db.impl.get"),
              hop(2, "m.a", "m.b"))
    hidden = views.apply(t, TraceOptions(hide=("db.",)))
    assert callees(hidden) == ["m.a", "m.b"]
    f = folds(hidden)["hidden"]
    assert (f.step, f.hops, f.names) == (1, 2, ("db.api.get",))


def test_focus_keeps_the_ways_to_matches_by_name_key_or_glob():
    t = trace(hop(1, "m.entry", "m.a"), hop(2, "m.a", "m.Task.execute", "flow-task", meta={"task": "m.Task"}),
              hop(1, "m.entry", "m.b"), hop(2, "m.b", "m.c"))
    assert callees(views.apply(t, TraceOptions(focus=("Task",)))) == ["m.a", "m.Task.execute"]
    assert callees(views.apply(t, TraceOptions(focus=("task:Task.*",)))) == ["m.a", "m.Task.execute"]
    assert callees(views.apply(t, TraceOptions(focus=("*.c",)))) == ["m.b", "m.c"]
    assert folds(views.apply(t, TraceOptions(focus=("Task",))))["focus"].hops == 2


def test_hops_view_keeps_hop_kinds_nested_by_who_makes_them():
    rpc = {"topic": "t", "method": "go", "service": "svc2"}
    t = trace(hop(1, "m.entry", "m.helper"), hop(2, "m.helper", "m.rpcapi.go"),
              hop(3, "m.rpcapi.go", "m.manager.go", "rpc-cast", meta=rpc),
              hop(4, "m.manager.go", "m.inner"), hop(5, "m.inner", "m.Driver.run", "driver"),
              hop(1, "m.entry", "m.Driver.run", "driver", repeat=True, site="m.py:99"))
    view = views.apply(t, TraceOptions(hops=True))
    assert [(h.depth, h.callee) for h in view.hops] == [(1, "m.manager.go"), (2, "m.Driver.run")]
    seen = folds(view)["seen"]  # the repeated driver call: listed, not drawn again
    assert (seen.step, seen.names, seen.sites) == (0, ("m.Driver.run",), ("m.py:99",))


def test_identical_siblings_are_drawn_once_with_their_sites():
    t = trace(hop(1, "m.entry", "m.a", site="m.py:1"), hop(2, "m.a", "m.b"),
              hop(1, "m.entry", "m.a", site="m.py:2", repeat=False), hop(2, "m.a", "m.b"))
    shown = views.fold_repeats(t)
    assert callees(shown) == ["m.a", "m.b"]
    same = folds(shown)["same"]
    assert (same.step, same.hops, same.sites) == (1, 2, ("m.py:2",))
    assert views.fold_repeats(trace(hop(1, "m.entry", "m.a"))).hops == trace(hop(1, "m.entry", "m.a")).hops


def test_hops_view_past_its_length_keeps_the_story_first():
    rpc = {"topic": "t", "method": "go", "service": "svc2"}
    many = [hop(1, "m.entry", f"m.Driver.d{i:02}", "driver") for i in range(40)]
    t = trace(*many, hop(1, "m.entry", "m.rpcapi.go"), hop(2, "m.rpcapi.go", "m.manager.go", "rpc-cast", meta=rpc))
    view = views.apply(t, TraceOptions(hops=True))
    assert len(view.hops) == views.HOPS_SHOWN
    assert "m.manager.go" in callees(view)  # RPC hops rank first
    more = folds(view)["more"]
    assert more.hops == 41 - views.HOPS_SHOWN and more.step == 0


def test_views_compose_and_the_json_says_what_was_folded():
    t = trace(hop(1, "m.entry", "m.a", guard=(IF,)), hop(1, "m.entry", "db.x"), hop(1, "m.entry", "m.b"))
    both = views.apply(t, TraceOptions(main=True, hide=("db.",)))
    assert callees(both) == ["m.b"] and both.view == "skeleton, main, hide db."
    data = api.trace_json(both)
    assert data["folded"] == [{"step": 0, "reason": "branch", "hops": 1, "names": ["m.a"], "sites": ["m.py:3"]},
                              {"step": 0, "reason": "hidden", "hops": 1, "names": ["db.x"], "sites": ["m.py:4"]}]


def test_a_function_is_expanded_where_it_is_least_conditional():
    """An early-return branch reaches the shared helper first; the unconditional path gets its expansion."""
    t = trace(hop(1, "m.entry", "m.shelved", guard=(IF,)), hop(2, "m.shelved", "m.helper"), hop(3, "m.helper", "m.rpc"),
              hop(1, "m.entry", "m.main"), hop(2, "m.main", "m.helper", repeat=True))
    moved = views.least_conditional(t)
    assert [(h.callee, h.depth, h.repeat) for h in moved.hops] == [
        ("m.shelved", 1, False), ("m.helper", 2, True), ("m.main", 1, False), ("m.helper", 2, False), ("m.rpc", 3, False)]
    assert views.least_conditional(moved) is moved  # nothing left to move


def test_an_expansion_never_moves_into_its_own_subtree():
    t = trace(hop(1, "m.entry", "m.a", guard=(IF,)), hop(2, "m.a", "m.b"), hop(3, "m.b", "m.a", repeat=True))
    assert views.least_conditional(t) is t
