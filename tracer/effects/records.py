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
declaration, a command's arguments, a lock's primitive.
"""
from __future__ import annotations

from typing import NamedTuple

KINDS = ("database", "config", "notification", "command", "lock")


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
        return dict(self.detail).get(key, default)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "action": self.action, "site": self.site,
                "service": self.service, "via": list(self.via), "detail": dict(self.detail)}


def sort_key(e: Effect) -> tuple:
    return (KINDS.index(e.kind) if e.kind in KINDS else len(KINDS), e.name, e.action, e.site, e.via, e.detail)


def dedupe(effects) -> tuple[Effect, ...]:
    """One effect per meaning and service, at its first site in sorted order; sorted."""
    seen: dict[tuple, Effect] = {}
    for e in sorted(effects, key=sort_key):
        seen.setdefault((e.key, e.service), e)
    return tuple(sorted(seen.values(), key=sort_key))
