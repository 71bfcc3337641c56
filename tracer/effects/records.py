"""effects: the frozen record of one thing a function touches besides code.

Stage: effects, a leaf like ``tracer.graph.records``: it imports nothing of tracer, so render and diff
read effects without loading the linker.

Kinds and what ``name`` and ``action`` hold:

    database      name: the table (``volumes``)            action: read | write
    config        name: group.option (``libvirt.images_type``; a DEFAULT option alone: ``host``;
                  an option of a cinder backend's own section: ``<backend>.volume_driver``)
                                                           action: read | path (read in a branch test) |
                                                                   driver (its default names the driver)
    notification  name: the event type (``volume.create.start``)   action: legacy | versioned
    command       name: the program (``lvcreate``), the privileged function (``path.chown``) or the
                  os-brick call (``connect_volume``)        action: execute | privsep | os-brick
    lock          name: the lock name template (``nova-{instance.uuid}``)   action: lockutils | tooz

A part of a name the code computes at run time is written ``{expression}``.  ``site`` is where the
effect happens (``path:line``); ``via`` names the functions between the hop's own function and that
site, outermost first (empty when the hop's function does it itself); ``detail`` holds sorted
``(key, value)`` pairs: the DB API function and model, an option's type, default, help and
declaration, a command's arguments, a lock's primitive, and ``guard``: the branches (``if``, ``elif``,
``else``, ``except``) the calls on the way and the site itself run under, outermost first, with
``conditional`` when one of them may not run at all (an ``if`` with no ``else``, an ``except``).
"""
from __future__ import annotations

from typing import NamedTuple

KINDS = ("database", "config", "notification", "command", "lock")
BRANCHES = ("if", "elif", "else", "except")
MAX_GUARDS = 4


class Effect(NamedTuple):
    kind: str
    name: str
    action: str
    site: str
    service: str = ""
    via: tuple = ()
    detail: tuple = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """What the effect means, whatever the site: the same table written is the same effect."""
        return (self.kind, self.name, self.action)

    def get(self, key: str, default: object = None) -> object:
        for k, v in self.detail:
            if k == key:
                return v
        return default

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "action": self.action, "site": self.site,
                "service": self.service, "via": list(self.via), "detail": dict(self.detail)}


def sort_key(e: Effect) -> tuple:
    return (KINDS.index(e.kind) if e.kind in KINDS else len(KINDS), e.name, e.action, e.site, e.via, e.detail)


def dedupe(effects) -> tuple[Effect, ...]:
    """One effect per meaning and service, sorted: where it is least conditional, then at its first site."""
    best: dict[tuple, Effect] = {}
    for e in effects:
        key = (e.kind, e.name, e.action, e.service)
        held = best.get(key)
        if held is None or (conditionality(e), sort_key(e)) < (conditionality(held), sort_key(held)):
            best[key] = e
    return tuple(sorted(best.values(), key=sort_key))


def conditionality(e: Effect) -> tuple[bool, int]:
    """(it may not happen at all, how many branches stand before it): the least first."""
    return bool(e.get("conditional")), len(e.get("guard") or ())


def branches(guard: tuple) -> tuple[tuple[str, bool], ...]:
    """A call site's ``guard`` (innermost first, ``tracer.facts.model.Guard`` tuples) as the branches it runs
    under, outermost first: ``(text, optional)``."""
    return tuple((g[1], bool(g[2])) for g in reversed(guard) if g[0] in BRANCHES)


def guarded(detail: tuple, way: tuple[tuple[str, bool], ...]) -> tuple:
    """``detail`` with the branches ``way`` (outermost first) put before the ones it already has."""
    if not way:
        return detail
    d = dict(detail)
    texts = tuple(t for t, _ in way) + tuple(d.get("guard") or ())
    d["guard"] = texts if len(texts) <= MAX_GUARDS else ("...",) + texts[1 - MAX_GUARDS:]  # the innermost kept
    if d.get("conditional") or any(optional for _, optional in way):
        d["conditional"] = True
    return tuple(sorted(d.items()))
