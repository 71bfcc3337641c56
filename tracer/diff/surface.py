"""diff: whole-surface diffs for the reviewer of an upgrade: every RPC method, every route, every flow.

Stage: diff.  Reads the plain tables ``tracer.api`` lists (``rpc_table``, ``route_table``, ``flow_table``:
lists of dicts) and the diff records; must not import libcst, networkx, the linker, render or ``tracer.api``.

- ``rpc``: methods per topic (and namespace) added or removed, verb changes (with the version a verb is
  gated by: cinder's ``cast if can_send_version('3.17') else call``), the server method moved, the service;
- ``routes``: routes and actions added or removed, the controller moved (placeholder names do not count:
  ``{id}`` is ``{volume_id}``, as oasdiff has it);
- ``flows``: tasks added, removed or reordered in each flow.
"""
from __future__ import annotations

import re

from tracer.diff.changes import Change, HopView
from tracer.diff.steps import Step
from tracer.graph.records import Hop, HopKey, short_name

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def rpc_changes(old: list[dict], new: list[dict]) -> list[Change]:
    a, b = _rpc_groups(old), _rpc_groups(new)
    out: list[Change] = []
    for key in sorted(set(a) | set(b), key=str):
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            s = x or y
            kind = "hop-removed" if y is None else "hop-added"
            view = _rpc_view(s)
            out.append(Change(kind, "rpc", s.service, view if y is None else None, view if x is None else None,
                              f"{s.verb_text()} {key.name} -> {short_name(s.callee)}"))
            continue
        out += _rpc_pair(key, x, y)
    return out


def _rpc_groups(rows: list[dict]) -> dict[HopKey, Step]:
    """One step per (topic, namespace, method) with every site that sends it (unresolved sites left out)."""
    hops: dict[HopKey, list[Hop]] = {}
    for r in rows:
        if not r.get("topic") or not r.get("server"):
            continue
        meta = tuple(sorted({"method": r["method"], "namespace": r["namespace"], "service": r["service"],
                             "topic": r["topic"]}.items(), key=lambda kv: kv[0]))
        guard = tuple(tuple(g) for g in r.get("guard", ()))
        h = Hop(0, 1, r["client"], r["server"], f"rpc-{r['verb']}", r["site"], r["service"], "exact", meta,
                False, guard)
        hops.setdefault(h.key, []).append(h)
    return {k: Step(0, k, tuple(sorted(v, key=lambda h: (h.site, h.kind))), None, (), -1) for k, v in hops.items()}


def _rpc_view(s: Step) -> HopView:
    extra = (("clients", sorted({h.caller for h in s.hops})), ("gates", list(s.gates())))
    return HopView(f"rpc-{s.verbs()[0]}" if len(s.verbs()) == 1 else "rpc", str(s.key), s.callee,
                   s.main.caller, s.service, "", s.site, 0, "", s.verb_text(), extra)


def _rpc_pair(key: HopKey, x: Step, y: Step) -> list[Change]:
    out = []
    vx, vy = _rpc_view(x), _rpc_view(y)

    def change(type_id: str, detail: str) -> Change:
        return Change(type_id, "rpc", y.service, vx, vy, detail)

    if set(x.verbs()) != set(y.verbs()) or x.gates() != y.gates():
        to_cast = "cast" in set(y.verbs()) - set(x.verbs()) or "call" in set(x.verbs()) - set(y.verbs())
        to_call = "call" in set(y.verbs()) - set(x.verbs()) or "cast" in set(x.verbs()) - set(y.verbs())
        if to_cast or to_call:
            out.append(change("rpc-call-to-cast" if to_cast else "rpc-cast-to-call",
                              f"{key.name}: {x.verb_text()} -> {y.verb_text()}"))
    if x.service != y.service:
        out.append(change("service-changed", f"{key.name}: served by {y.service} (was {x.service})"))
    if x.callee != y.callee:
        out.append(change("hop-moved", f"{x.callee} -> {y.callee}"))
    return out


def route_changes(old: list[dict], new: list[dict]) -> list[Change]:
    """Routes by HTTP method, path (placeholders unnamed, version kept) and action."""
    a, b = _routes(old), _routes(new)
    out: list[Change] = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        label = " ".join(filter(None, key))
        if x is None or y is None:
            r = x or y
            view = _route_view(r)
            kind = "hop-removed" if y is None else "hop-added"
            out.append(Change(kind, "rest", r.get("service") or "", view if y is None else None,
                              view if x is None else None, f"{label} -> {r['handler']}"))
        elif x["handler"] != y["handler"]:
            out.append(Change("hop-moved", "rest", y.get("service") or "", _route_view(x), _route_view(y),
                              f"{label}: {x['handler']} -> {y['handler']}"))
    return out


def _routes(rows: list[dict]) -> dict[tuple, dict]:
    out: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: (r["method"], r["path"], r.get("action") or "", r["handler"])):
        path = _PLACEHOLDER.sub("{}", r["path"].rstrip("/")) or "/"
        out.setdefault((r["method"], path, r.get("action") or ""), r)
    return out


def _route_view(r: dict) -> HopView:
    label = f"{r['method']} {r['path']}" + (f" {r['action']}" if r.get("action") else "")
    return HopView("route", f"route:{label}", r["handler"], "", r.get("service") or "", "", r["site"])


def flow_changes(old: list[dict], new: list[dict]) -> list[Change]:
    """Flows matched by their builder (``get_flow``) and, when it moved, by its short name."""
    a = {f["flow"]: f for f in old}
    b = {f["flow"]: f for f in new}
    pairs = [(a[k], b[k]) for k in sorted(set(a) & set(b))]
    rest_a = {k: f for k, f in a.items() if k not in b}
    rest_b = {k: f for k, f in b.items() if k not in a}
    for k in sorted(rest_a):
        match = [j for j in sorted(rest_b) if short_name(j) == short_name(k)]
        if len(match) == 1:
            pairs.append((rest_a.pop(k), rest_b.pop(match[0])))
    out: list[Change] = []
    for x, y in pairs:
        out += _flow_pair(x, y)
    for f, kind in [(f, "hop-removed") for f in rest_a.values()] + [(f, "hop-added") for f in rest_b.values()]:
        view = _flow_view(f)
        tasks = ", ".join(_task_name(t) for t in f["tasks"]) or "no tasks"
        out.append(Change(kind, "task", _project(f), view if kind == "hop-removed" else None,
                          view if kind == "hop-added" else None, f"flow {f['flow']} ({tasks})"))
    return out


def _flow_pair(x: dict, y: dict) -> list[Change]:
    tx = {_task_name(t): t for t in x["tasks"]}
    ty = {_task_name(t): t for t in y["tasks"]}
    both = [n for n in tx if n in ty]
    order_x = both
    order_y = sorted(both, key=lambda n: ty[n]["order"])
    out = []
    flow = short_name(y["flow"])
    for name in sorted(set(tx) | set(ty), key=lambda n: (ty.get(n) or tx[n])["order"]):
        t, u = tx.get(name), ty.get(name)
        if t is None or u is None:
            kind = "task-removed" if u is None else "task-added"
            v = _task_view(x if u is None else y, t or u)
            out.append(Change(kind, "task", _project(y), v if u is None else None, v if t is None else None,
                              f"#{(t or u)['order']} {name} in {flow}"))
        elif order_x.index(name) != order_y.index(name):
            out.append(Change("task-reordered", "task", _project(y), _task_view(x, t), _task_view(y, u),
                              f"{name}: #{t['order']} -> #{u['order']} in {flow}"))
    return out


def _task_name(t: dict) -> str:
    return t["task"].rsplit(".", 1)[-1]


def _task_view(f: dict, t: dict) -> HopView:
    return HopView("flow-task", f"task:{_task_name(t)}.execute", t["execute"], f["flow"], _project(f), "",
                   t["added_at"], 0, "", "", (("flow", f["flow"]), ("order", t["order"])))


def _flow_view(f: dict) -> HopView:
    return HopView("flow", f"flow:{short_name(f['flow'])}", f["flow"], "", _project(f), "", f.get("file", ""),
                   0, "", "", (("tasks", [_task_name(t) for t in f["tasks"]]),))


def _project(f: dict) -> str:
    return f["flow"].split(".", 1)[0]
