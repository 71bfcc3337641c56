"""link: the REST routes of the indexed trees (every model's), and the API service each handler runs in.

Stage: link.  Must not import libcst or render.  The routes themselves come from
the web-framework models (``tracer.link.models``); this module only unites them.
"""
from __future__ import annotations

from tracer.link.program import Program
from tracer.link.records import Route
from tracer.link.resolve import Resolver

__all__ = ["Route", "Routes", "api_service"]


class Routes:
    def __init__(self, resolver: Resolver) -> None:
        self.r = resolver
        self.p = resolver.p
        self.routes: list[Route] = resolver.models.routes()

    def service_of(self, handler: str) -> str:
        return api_service(self.p, handler)


def api_service(p: Program, handler: str) -> str:
    """The API service a controller runs in: the project's WSGI script nearest the handler's package.

    ``nova-api-wsgi`` -> ``nova-api``, ``nova-placement-api`` stays, ``cinder-wsgi`` -> ``cinder-api``;
    a project without WSGI scripts gets ``<project>-api``.
    """
    fn = p.functions[handler]
    parts = fn.module.split(".")
    best: tuple[int, str] | None = None
    for name, target in sorted(p.entry_points.get("wsgi_scripts", {}).items()):
        module = target.split(":", 1)[0]
        if p.module_project.get(module) != fn.project:
            continue
        package = module.split(".")[:-1]
        common = next((i for i, (a, b) in enumerate(zip(package, parts)) if a != b), min(len(package), len(parts)))
        if best is None or common > best[0]:
            best = (common, name)
    if best is None:
        return f"{fn.project}-api"
    name = best[1].removesuffix("-wsgi")
    return f"{name}-api" if name == fn.project else name
