"""diff: the named change types and the change records a diff is made of.

Stage: diff, a leaf beside ``tracer.graph.records`` (imports nothing else of tracer); must not import libcst,
networkx, the linker, render or ``tracer.api``.

Every change has a type with a stable id (``hop-removed``, ``rpc-call-to-cast``, ...), a level (``major``:
it changes how services talk, or a hop that is not a plain call; ``minor``: plain calls), and a fingerprint:
a hash of its type, its hop keys and the keys of the matched hops it is reached through.  The fingerprint
does not change when only line numbers do, so it can key an allow-list (as oasdiff's does).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

# id -> (rank, what it means, the id it becomes when the sides are swapped); rank orders significance
TYPES: dict[str, tuple[int, str, str]] = {
    "service-changed": (0, "a step runs in, or is sent from, another service", "service-changed"),
    "rpc-call-to-cast": (1, "an RPC that waited for its answer no longer does (or only when a version allows)",
                         "rpc-cast-to-call"),
    "rpc-cast-to-call": (1, "an RPC that did not wait for an answer now does", "rpc-call-to-cast"),
    "rest-external": (2, "a REST hop now lands outside the trees that send it (the project left the tree)",
                      "rest-internal"),
    "rest-internal": (2, "a REST hop now lands in a tree that sends it", "rest-external"),
    "driver-default-changed": (3, "the driver configured by default is another class", "driver-default-changed"),
    "hop-removed": (4, "a hop the old side makes and the new one does not", "hop-added"),
    "hop-added": (4, "a hop the new side makes and the old one did not", "hop-removed"),
    "task-removed": (5, "a task left its flow", "task-added"),
    "task-added": (5, "a task joined a flow", "task-removed"),
    "task-reordered": (5, "a task runs at another place in its flow", "task-reordered"),
    "rest-path-changed": (6, "a REST hop goes to another path (API version, route)", "rest-path-changed"),
    "rest-microversion-changed": (6, "a REST hop is sent with another API microversion", "rest-microversion-changed"),
    "hop-moved": (7, "the same hop, its function moved to another module or class, or renamed", "hop-moved"),
    "error-path-removed": (8, "a hop only made on an error path (--errors) is gone", "error-path-added"),
    "error-path-added": (8, "a hop only made on an error path (--errors) is new", "error-path-removed"),
}
SITE = "site-changed"  # not a difference: listed with --sites only
KIND_RANK = {"entry": 0, "rpc": 1, "rest": 2, "driver": 3, "task": 4, "call": 5}


@dataclass(frozen=True, slots=True)
class HopView:
    """One side of a changed hop, as the reader sees it."""

    kind: str  # the trace's hop kind: call, rpc-cast, rpc-call, rest, flow-task, driver, entry
    key: str  # the stable key (``rpc:compute/reboot_instance``)
    callee: str
    caller: str
    service: str  # where it runs
    sender: str  # where its caller runs
    site: str
    step: int = 0  # its place in its own trace (execution order)
    client: str = ""  # the stub an RPC or REST hop is made through
    verbs: str = ""  # RPC: ``cast``, ``call``, ``cast if can_send_version('3.17') else call``
    extra: tuple = ()  # (name, value) pairs: flow and order of a task, configured driver, HTTP request...

    def get(self, name: str, default: object = None) -> object:
        return dict(self.extra).get(name, default)

    def as_dict(self) -> dict:
        out = {"kind": self.kind, "key": self.key, "callee": self.callee, "caller": self.caller,
               "service": self.service, "sender": self.sender, "site": self.site, "step": self.step}
        if self.client:
            out["client"] = self.client
        if self.verbs:
            out["verbs"] = self.verbs
        out.update({k: v for k, v in self.extra})
        return out


@dataclass(frozen=True, slots=True)
class Change:
    type: str  # an id of TYPES (or SITE)
    kind: str  # the hop's key kind: entry, call, rpc, rest, task, driver
    service: str  # the service it is listed under
    old: HopView | None
    new: HopView | None
    detail: str  # one line, for people
    via: str = ""  # the matched hop it is reached through (``ComputeManager.reboot_instance``)
    path: tuple[str, ...] = ()  # keys of the matched hops from the entry down to ``via``
    below: int = 0  # plain calls under a removed or added hop, not listed on their own
    places: tuple[tuple[str, str, str], ...] = ()  # (service, sender, via) of every place it is met, when several

    @property
    def rank(self) -> int:
        return TYPES[self.type][0] if self.type in TYPES else 99

    @property
    def level(self) -> str:
        return "major" if self.rank <= 3 or self.kind not in ("call", "entry") and self.rank < 99 else "minor"

    @property
    def side(self) -> HopView:
        return self.new or self.old  # type: ignore[return-value]

    @property
    def fingerprint(self) -> str:
        keys = [self.type, self.kind, self.old.key if self.old else "", self.new.key if self.new else "", *self.path]
        return hashlib.sha256("\x1f".join(keys).encode()).hexdigest()[:16]

    def order(self) -> tuple:
        """Most significant first, then as the trace runs."""
        return (self.level != "major", self.rank, KIND_RANK.get(self.kind, 9), self.type, self.service,
                self.side.step, self.side.key, self.side.callee, self.old.callee if self.old else "")

    def as_dict(self) -> dict:
        out = {"type": self.type, "level": self.level, "kind": self.kind, "service": self.service,
               "fingerprint": self.fingerprint, "detail": self.detail, "via": self.via, "path": list(self.path),
               "old": self.old.as_dict() if self.old else None, "new": self.new.as_dict() if self.new else None}
        if self.below:
            out["below"] = self.below
        if self.places:
            out["places"] = [{"service": svc, "sender": sender, "via": via} for svc, sender, via in self.places]
        return out


def swapped(type_id: str) -> str:
    """The type a change has when the two sides are swapped (``hop-added`` <-> ``hop-removed``)."""
    return TYPES[type_id][2] if type_id in TYPES else type_id
