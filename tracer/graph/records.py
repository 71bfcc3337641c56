"""graph: the frozen records of a trace (``Hop``, ``Trace``, ``TraceOptions``) and each hop's stable key.

Stage: graph, a leaf: it imports only ``tracer.facts.model``; never networkx, libcst, the linker, render or
diff.  Render and diff read traces through this module alone, so they load without the linker.

A hop's *key* says what the hop means, not where its Python lives, so the same hop can be found in another
release: an RPC by its topic, namespace and method literal (not the verb: a call that became a cast is the
same hop, changed); a REST hop by its HTTP method, route template without version prefix or project segment,
and action key; a flow task by its task class; a driver hop by the interface method; a plain call by the
callee's short name (``Class.method``).  The service is not part of the key: a step that moved from one
service to another is the same hop in a new place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from tracer.facts.model import Guard

KINDS = ("call", "rpc-cast", "rpc-call", "rest", "flow-task", "driver")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_VERSION = re.compile(r"^/v\d+(?:\.\d+)?(?=/|$)")


class HopKey(NamedTuple):
    kind: str  # call | rpc | rest | task | driver
    name: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True)
class Hop:
    step: int
    depth: int
    caller: str
    callee: str
    kind: str
    site: str
    service: str
    confidence: str
    meta: tuple = ()
    repeat: bool = False  # the callee was expanded earlier in the trace
    guard: tuple = ()  # tuple[Guard]: the branches the call site runs under in the caller, innermost first
    effects: tuple = ()  # tuple[tracer.effects.records.Effect]: what the callee touches (``--effects``)

    @property
    def key(self) -> HopKey:
        return hop_key(self)

    @property
    def guards(self) -> tuple[Guard, ...]:
        return tuple(Guard(*g) for g in self.guard)

    @property
    def conditional(self) -> bool:
        """The call site may not run on the way through its caller (``if`` with no ``else``, ``except``)."""
        return any(g[2] for g in self.guard)

    def as_dict(self) -> dict:
        return {
            "step": self.step, "depth": self.depth, "caller": self.caller, "callee": self.callee,
            "kind": self.kind, "site": self.site, "service": self.service, "confidence": self.confidence,
            "meta": {k: v for k, v in self.meta}, "repeat": self.repeat, "key": str(self.key),
            "guard": [{"kind": g.kind, "text": g.text, "optional": g.optional} for g in self.guards],
        }


@dataclass(frozen=True, slots=True)
class Fold:
    """Hops a view left out, said where they were: under the hop numbered ``step`` (0: the entry).

    ``reason``: ``same`` (identical sibling branches drawn once: ``step`` is the one drawn), ``seen``
    (hops whose callee is drawn earlier, listed on one line), ``more`` (past the hops view's limit),
    ``branch`` (``--main``: only under an ``if`` with no ``else`` or in an ``except``), ``receiver``
    (only through one of several possible receivers), ``hidden`` (``--hide``), ``focus`` (off the
    ``--focus`` paths), ``config`` (calls under a branch the options' defaults rule out: the trace's own,
    ``--any-config`` follows them; ``hops`` counts those calls).  ``hops`` counts every hop left out, subtrees included; ``names`` are the
    qualified callees of the first hops left out and ``sites`` their call sites, pairwise.
    """

    step: int
    reason: str
    hops: int
    names: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"step": self.step, "reason": self.reason, "hops": self.hops, "names": list(self.names),
                "sites": list(self.sites)}


@dataclass(frozen=True, slots=True)
class Trace:
    entry: str
    entry_label: str
    entry_service: str
    hops: tuple[Hop, ...]
    view: str  # "skeleton" | "full", then what narrowed it: "hops", "main", "focus P", "hide P"
    sources: tuple = field(default=())
    folded: tuple = ()  # tuple[Fold]: what a view left out, by step
    with_effects: bool = False  # the hops carry their effects (``--effects``)
    entry_effects: tuple = ()  # the entry function's own effects

    def services(self) -> list[str]:
        return list(dict.fromkeys([self.entry_service] + [h.service for h in self.hops]))


@dataclass(frozen=True, slots=True)
class TraceOptions:
    full: bool = False
    depth: int | None = None
    drivers: tuple[str, ...] = ()  # at a driver call, pick the implementation whose name contains one of these
    errors: bool = False  # follow calls made in except handlers too (the skeleton leaves error paths out)
    hops: bool = False  # only the entry and the REST, RPC, flow-task and driver hops (tracer.graph.views)
    main: bool = False  # fold what runs only under a branch or through one of several possible receivers
    focus: tuple[str, ...] = ()  # keep only the way from the entry to hops matching one of these
    hide: tuple[str, ...] = ()  # fold the subtrees of hops matching one of these
    any_config: bool = False  # follow branches the options' defaults rule out too (``tracer.link.branches``)


def hop_key(h: Hop) -> HopKey:
    meta = dict(h.meta)
    if h.kind.startswith("rpc"):
        space = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
        return HopKey("rpc", f"{meta.get('topic')}/{space}{meta.get('method') or _name(h.callee)}")
    if h.kind == "rest":
        return HopKey("rest", rest_key(h))
    if h.kind == "flow-task":
        task = str(meta.get("task") or h.callee.rsplit(".", 1)[0])
        return HopKey("task", f"{task.rsplit('.', 1)[-1]}.{_name(h.callee)}")
    if h.kind == "driver":
        return HopKey("driver", _name(h.callee))
    return HopKey("call", short_name(h.callee))


def rest_key(h: Hop) -> str:
    """``PUT /attachments/{}`` for ``PUT /v3/{project_id}/attachments/{id}``, with its action key if any."""
    meta = dict(h.meta)
    http = str(meta.get("http") or "")
    if not http and " " in h.callee:  # an external hop: "placement-api GET /allocation_candidates"
        http = h.callee.split(" ", 1)[1]
    method, _, path = http.partition(" ")
    path = _VERSION.sub("", _PLACEHOLDER.sub("{}", path.split("?", 1)[0].rstrip("/")))
    if path.startswith("/{}/"):
        path = path[3:]
    # an unindexed request's action is read from its body; only an ``.../action`` URL makes it an action
    acts = meta.get("action") and (not meta.get("external") or path.endswith("/action"))
    action = f" {meta['action']}" if acts else ""
    return f"{method} {path}{action}".strip()


def short_name(fq: str) -> str:
    """``pkg.mod.Class.method`` -> ``Class.method``; closures keep their enclosing function."""
    head, sep, tail = fq.partition(".<locals>.")
    short = ".".join(head.split(".")[-2:])
    return f"{short}.{tail.replace('.<locals>.', '.')}" if sep else short


def _name(fq: str) -> str:
    return fq.rsplit(".", 1)[-1]
