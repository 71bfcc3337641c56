"""source: what a tree declares it needs, and which of those are clients of the other trees.

Stage: source.  Must not import libcst, networkx or any other tracer stage.

nova calls cinder through python-cinderclient, cinder calls nova through
python-novaclient, nova calls neutron through python-neutronclient: a
requirement named ``python-<service>client`` is that service's client library, and ``openstacksdk`` is
one for every service (``tracer.link.models.openstacksdk`` reads its proxies).
Reading it lets the REST hops cross into the callee's controllers (when the
callee is a tree being read) or name the request (an external hop).  The version taken is the lowest the requirement allows
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


_CLIENT = re.compile(r"^python-([a-z]+)client$|^openstacksdk$")  # the SDK: one client for every service


def client_specs(trees: list[SourceTree]) -> list[tuple[str, str]]:
    """(spec, why) for each OpenStack client library (``python-<service>client``) a tree requires.

    A client of a tree being read lets its REST hops land on that tree's controllers; a client of
    another service (python-neutronclient) still names the request, which becomes an external hop.
    """
    projects = {_normal(t.project) for t in trees}
    wanted: dict[str, list] = {}
    for tree in trees:
        for name, specifier in requirements(tree):
            m = _CLIENT.match(name)
            lower = _LOWER.search(specifier)
            if m and m.group(1) != _normal(tree.project) and name not in projects and lower:
                wanted.setdefault(name, []).append((_version_key(lower.group(1)), lower.group(1), tree.project))
    out = []
    for name, asks in sorted(wanted.items()):
        version = max(asks)[1]  # one version per client: the highest lower bound satisfies every tree
        users = " and ".join(sorted({who for _, _, who in asks}))
        service = _CLIENT.match(name).group(1) or "every service"
        out.append((f"{name}=={version}", f"{users}'s client for {service}"))
    return out


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in re.split(r"[.]", version))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
