"""link: the records the linker hands on (edges, unresolved sites, routes), in a leaf module.

Stage: link.  Imports nothing of tracer: the query side (``tracer.graph``) and
the linked-program cache read these records without loading the linker.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Edge(NamedTuple):
    source: str
    target: str
    kind: str
    path: str
    line: int
    confidence: str  # exact | possible | configured | candidate | callback | external
    meta: tuple  # sorted ((key, value), ...)

    @property
    def site(self) -> str:
        return f"{self.path}:{self.line}"


class Unresolved(NamedTuple):
    source: str
    path: str
    line: int
    expr: str
    reason: str
    detail: tuple = ()  # (key, value) pairs: what is known of the call (an RPC site's verb and method)


@dataclass(frozen=True, slots=True, order=True)
class Route:
    method: str
    path: str
    action: str | None  # body key for POST .../action
    handler: str  # function fq
    project: str
    site: str  # where the route is declared

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}" + (f" {self.action}" if self.action else "")
