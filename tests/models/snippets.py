"""Snippet harness: link a few in-memory files (scanned, never run) and ask the linker."""
from __future__ import annotations

from textwrap import dedent

from tracer.link.edges import Linker, build_index
from tracer.scan.collect import scan_source


def link(files: dict[str, str], entry_points: dict | None = None, clients: tuple[str, ...] = ()) -> Linker:
    """``{"pkg/mod.py": source}`` -> a linker over them; a path under ``<project>/`` belongs to that project."""
    modules = []
    for path, text in sorted(files.items()):
        facts = scan_source(path, dedent(text).encode())
        modules.append((path.split("/", 1)[0], facts))
    return Linker(build_index(modules, entry_points, clients))


def edges(linker: Linker, fq: str) -> set[tuple[str, str]]:
    return {(e.kind, e.target) for e in linker.edges(fq)}
