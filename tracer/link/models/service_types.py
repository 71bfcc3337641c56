"""link model helper: the official service-types registry, so that every client names a service one way.

Stage: link.  Reads the vendored registry data (``data/service-types.json``, see ``data/README.md``) as
plain JSON; must not import os-service-types, libcst or render.

python-neutronclient (the project ``neutron``), an SDK adapter made for ``network`` and a keystoneauth
request with ``service_type='network'`` all reach the service the registry says ``neutron`` serves:
they are named by that project, ``neutron-api``, as an indexed project's own API service is
(``nova-api``).  A name the registry does not know is kept as written.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).with_name("data") / "service-types.json"


class ServiceName(NamedTuple):
    project: str  # the project that serves it ("nova"), the external hop's name before "-api"
    service_type: str | None  # the official service type ("compute"), when the registry knows it


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(service type or alias -> official type, official type -> project)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    official: dict[str, str] = {}
    project: dict[str, str] = {}
    for service in data["services"]:
        kind = service["service_type"]
        official[kind] = kind
        for alias in service.get("aliases", ()):
            official.setdefault(alias, kind)
        project.setdefault(kind, service["project"])
    return official, project


def by_type(name: str) -> ServiceName | None:
    """The service a service type or alias names (``'volumev3'`` -> cinder, block-storage)."""
    official, project = _tables()
    kind = official.get(name.lower().replace("_", "-")) or official.get(name.lower())
    return ServiceName(project[kind], kind) if kind else None


def by_project(name: str) -> ServiceName:
    """The service a project or its client library serves (``python-neutronclient`` -> neutron, network)."""
    short = name.lower().removeprefix("python-").removesuffix("client") or name.lower()
    _, project = _tables()
    kinds = sorted(k for k, p in project.items() if p == short)
    return ServiceName(short, kinds[0] if len(kinds) == 1 else None)


def served_by(library: str) -> str | None:
    """The registry's project a client library serves (``python-neutronclient`` -> ``neutron``), if it knows it."""
    name = by_project(library).project
    _, project = _tables()
    return name if name in project.values() else None


def named(hint: str) -> ServiceName:
    """A name written in the code: a service type when the registry knows it, else a project."""
    return by_type(hint) or by_project(hint)
