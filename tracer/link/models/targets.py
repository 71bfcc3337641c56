"""link model helper: oslo.messaging ``Target`` values, shared by the client and the server side.

Stage: link.  Must not import libcst or render.
"""
from __future__ import annotations

from tracer.link.values import Values


def target_pairs(values: Values) -> tuple:
    """The sorted (topic, namespace) pairs of the ``target`` values (namespace "" when none)."""
    return tuple(sorted({(v[1], v[2]) for v in values if v[0] == "target"}))
