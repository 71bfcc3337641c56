"""graph: find the function an entry string names.

Stage: graph.  Must not import libcst or render.

Accepted, in this order: a fully qualified name; an HTTP entry
("POST /volumes", "POST /servers/{id}/action reboot"); an operation name
matched against the REST routes (action key, handler name, or verb_noun
such as create_volume -> POST .../volumes -> create); a unique suffix of a
qualified name ("VolumeController.create").  When several routes differ only
by API version, the newest version wins.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracer.link.records import Route

if TYPE_CHECKING:
    from tracer.link.program import Program


class EntryError(Exception):
    def __init__(self, message: str, candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


@dataclass(frozen=True, slots=True)
class Entry:
    fq: str
    label: str
    route: Route | None


_PLACEHOLDER = re.compile(r"\{[^}]*\}")
_VERSION = re.compile(r"^/v(\d+)(?:\.\d+)?(?=/)")


def _norm(path: str) -> str:
    path = _PLACEHOLDER.sub("{}", path.rstrip("/"))
    return path


def _strip(path: str) -> str:
    path = _VERSION.sub("", _norm(path))
    return path.replace("/{}/", "/", 1) if path.startswith("/{}/") else path


def find_entry(text: str, program: Program, routes: list[Route]) -> Entry:
    text = text.strip()
    if text in program.functions:
        return Entry(text, text, _route_of(text, routes))
    if re.match(r"^(GET|POST|PUT|PATCH|DELETE|HEAD)\s", text, re.I):
        return _pick(_http(text, routes), text)
    if re.fullmatch(r"[a-z_][a-z0-9_]*", text):
        found = _operation(text, routes)
        if found:
            return _pick(found, text)
    return _suffix(text, program, routes)


def _route_of(fq: str, routes: list[Route]) -> Route | None:
    return next((r for r in routes if r.handler == fq), None)


def _http(text: str, routes: list[Route]) -> list[Route]:
    parts = text.split()
    method, path, action = parts[0].upper(), parts[1], (parts[2] if len(parts) > 2 else None)
    want = _strip(path)
    found = [
        r for r in routes
        if r.method == method and (_norm(r.path) == _norm(path) or _strip(r.path) == want)
        and (action is None or r.action in (action, f"os-{action}"))
        and (action is not None or r.action is None)
    ]
    exact = [r for r in found if _norm(r.path) == _norm(path)]  # the path as written beats one that only ends alike
    return exact or found


def _operation(op: str, routes: list[Route]) -> list[Route]:
    by_action = [r for r in routes if r.action in (op, f"os-{op}")]
    if by_action:
        return by_action
    by_handler = [r for r in routes if r.handler.rsplit(".", 1)[1] == op]
    if by_handler:
        return by_handler
    verb, _, noun = op.partition("_")
    return [
        r for r in routes
        if noun and r.handler.rsplit(".", 1)[1] == verb and _collection(r.path) in (noun, noun + "s", noun + "es")
    ]


def _collection(path: str) -> str:
    statics = [p for p in path.split("/") if p and not p.startswith("{")]
    return statics[-1] if statics else ""


def _newest(routes: list[Route]) -> list[Route]:
    """Routes that differ only by API version: keep the newest version."""
    best: dict[tuple, Route] = {}
    for r in routes:
        key = (r.method, _strip(r.path), r.action)
        if key not in best or _version(r.path) > _version(best[key].path):
            best[key] = r
    return sorted(best.values())


def _version(path: str) -> int:
    m = _VERSION.match(_norm(path))
    return int(m.group(1)) if m else 0


def _pick(found: list[Route], text: str) -> Entry:
    found = _newest(found)
    if not found:
        raise EntryError(f"no REST route matches {text!r}")
    if len(found) > 1:
        raise EntryError(f"{text!r} is ambiguous", [f"{r.label}  ->  {r.handler}" for r in found])
    r = found[0]
    return Entry(r.handler, r.label, r)


def _suffix(text: str, program: Program, routes: list[Route]) -> Entry:
    hits = sorted(fq for fq in program.functions if fq.endswith("." + text) and "<module>" not in fq)
    if len(hits) == 1:
        return Entry(hits[0], hits[0], _route_of(hits[0], routes))
    if not hits:
        raise EntryError(f"no function, route or operation matches {text!r}")
    raise EntryError(f"{text!r} is ambiguous ({len(hits)} functions)", hits)
