"""link model helper: ``routes.Mapper.connect``, alone or under a ``submapper``, for the routes model.

Stage: link.  Must not import libcst or render.

``mapper.connect(name, '/clusters/{id}', controller=res, action='get',
conditions={'method': 'GET'})`` (the name is optional) routes that method and
path to the controller's ``action``; ``with mapper.submapper(controller=res,
path_prefix='/x') as sub:`` gives each ``sub.connect(...)`` its controller and
prefix.  The URL starts with the router module's API version (``api.v1`` -> ``/v1``).
A connect without a method condition answers every method; it is recorded as GET.
"""
from __future__ import annotations

from tracer.link.records import Route
from tracer.link.values import strings

_HTTP = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})


def connected_routes(model, fq: str, site, version: str) -> list[Route]:
    """The routes one ``<mapper>.connect(...)`` call declares."""
    r, p = model.r, model.p
    kw = {k: v for k, v in site.kwargs if k}
    sub = _submapper(p.functions[fq], site.func[1], site.line)
    controller = kw.get("controller", sub.get("controller"))
    if controller is None or not site.args or "action" not in kw:
        return []
    controller = _as_of(p.functions[fq], controller, site.line)
    path_expr = site.args[1] if len(site.args) > 1 else site.args[0]
    paths = [t for t in strings(r.eval(path_expr, fq)) if t.startswith("/")]
    prefixes = strings(r.eval(sub["path_prefix"], fq)) if "path_prefix" in sub else [""]
    actions = strings(r.eval(kw["action"], fq))
    verbs = _verbs(r, kw.get("conditions"), fq)
    fn = p.functions[fq]
    where = f"{fn.path}:{site.line}"
    out = []
    for cls in model._controllers(controller, fq):
        methods = model._methods(cls)
        for action in actions:
            if action in methods:
                out += [Route(v, f"{version}{pre}{path}", None, methods[action], fn.project, where)
                        for v in verbs for pre in prefixes for path in paths]
    return out


def _as_of(fn, expr: tuple, line: int) -> tuple:
    """A name the router rebinds for each resource (``res = ...`` then a submapper): its last value before ``line``."""
    if expr[0] != "n":
        return expr
    before = [a for a in fn.assigns() if a.target == expr and a.line < line]
    return max(before, key=lambda a: a.line).value if before else expr


def _submapper(fn, receiver: tuple, line: int) -> dict:
    """The keywords of the ``with mapper.submapper(...) as name`` the receiver is, at ``line``."""
    expr = _as_of(fn, receiver, line)
    if expr[0] == "w" and expr[1][0] == "c" and expr[1][1][0] == "a" and expr[1][1][2] == "submapper":
        return {k: v for k, v in expr[1][3] if k}
    return {}


def _verbs(r, conditions: tuple | None, scope: str) -> list[str]:
    if conditions is None or conditions[0] != "d":
        return ["GET"]
    for key, value in conditions[1]:
        if key == ("s", "method"):
            texts = strings(r.eval(value, scope))
            verbs = sorted({v.strip().upper() for t in texts for v in t.split(",")} & _HTTP)
            return verbs or ["GET"]
    return ["GET"]
