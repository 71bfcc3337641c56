"""source: what a tree declares it needs, and which of those are clients of the other trees.

Stage: source.  Must not import libcst, networkx or any other tracer stage.

nova calls cinder through python-cinderclient, cinder calls nova through
python-novaclient: a requirement named ``python-<project>client`` or
``<project>client``, where ``<project>`` is another tree being read, is that
project's client library.  Reading it lets the REST hops cross into the
callee's controllers.  The version taken is the lowest the requirement allows
(deterministic, and the oldest API the tree says it works with); an explicit
``--source python-cinderclient==X`` wins.
"""
from __future__ import annotations

import re
from pathlib import Path

from tracer.source.model import SourceTree

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*\(?\s*([^;#)]*)\)?\s*(;.*)?$")
_LOWER = re.compile(r"(?:>=|==|~=)\s*([0-9][A-Za-z0-9.]*)")


def requirements(tree: SourceTree) -> list[tuple[str, str]]:
    """(name, version specifier) of the tree's unconditional requirements, from its metadata or requirements.txt."""
    lines: list[str] = []
    for meta in sorted(tree.root.glob("*.dist-info/METADATA")) + sorted(tree.root.glob("*.egg-info/PKG-INFO")):
        lines += [line.split(":", 1)[1] for line in _read(meta).splitlines() if line.startswith("Requires-Dist:")]
    if not lines:
        lines = [line for line in _read(tree.root / "requirements.txt").splitlines() if line.strip()[:1].isalnum()]
    out = []
    for line in lines:
        m = _REQUIREMENT.match(line)
        if m and not (m.group(3) and "extra" in m.group(3)):
            out.append((_normal(m.group(1)), m.group(2).strip()))
    return out


def client_specs(trees: list[SourceTree]) -> list[tuple[str, str]]:
    """(spec, why) for each client library one tree requires to talk to another tree being read."""
    projects = {_normal(t.project) for t in trees}
    out: dict[str, str] = {}
    for tree in trees:
        for name, specifier in requirements(tree):
            callee = next((p for p in projects if name in (f"python-{p}client", f"{p}client")), None)
            lower = _LOWER.search(specifier)
            if callee and callee != _normal(tree.project) and name not in projects and lower:
                out.setdefault(f"{name}=={lower.group(1)}", f"{tree.project}'s client for {callee}")
    return sorted(out.items())


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
