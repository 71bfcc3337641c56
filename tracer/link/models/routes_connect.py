"""link model helper: ``routes.Mapper.connect``, alone, under a ``submapper``, or in a helper, for the routes model.

Stage: link.  Must not import libcst or render.

``mapper.connect(name, '/clusters/{id}', controller=res, action='get',
conditions={'method': 'GET'})`` (the name is optional; the method a string of
verbs, ``'GET,HEAD'``, or a list of them, ``['POST']``) routes that method and
path to the controller's ``action``; ``with mapper.submapper(controller=res,
path_prefix='/x') as sub:`` gives each ``sub.connect(...)`` its controller and
prefix.  A connect inside a helper whose arguments come from its parameters
(``def connect(controller, path_prefix, routes): for r in routes:
mapper.connect(r['name'], path_prefix + r['url'], controller=controller,
action=r['action'], ...)``) declares, for each call of the helper, one route per
element of the list it loops over (read under that call's binding,
``tracer.link.models.bound``).  The URL starts with the router module's API
version (``api.v1`` -> ``/v1``) unless it is written there.  A connect without a method condition answers
every method no earlier connect of its path takes; it is recorded as GET, unless one before it in its
file routes GET there.
"""
from __future__ import annotations

from tracer.link.models.bound import Bound, Env
from tracer.link.records import Route
from tracer.link.values import WILD

_HTTP = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
MAX_ROWS = 200  # route dicts one helper call may declare


def first_match(connected: list[tuple[Route, bool]]) -> list[Route]:
    """routes answers a request with the first connect that fits: one without a method condition
    (glance's ``reject`` fallback after the path's real routes) gets only what no earlier connect of
    its path in that file takes, so it is no GET route when one is declared before it."""
    explicit: dict[tuple[str, str, str], int] = {}
    for route, any_method in connected:
        if not any_method:
            file, line = route.site.rsplit(":", 1)
            key = (file, route.method, route.path)
            explicit[key] = min(explicit.get(key, int(line)), int(line))
    out = []
    for route, any_method in connected:
        file, line = route.site.rsplit(":", 1)
        if not any_method or explicit.get((file, route.method, route.path), int(line) + 1) > int(line):
            out.append(route)
    return out


def connected_routes(model, fq: str, site, version: str) -> list[tuple[Route, bool]]:
    """The routes one ``<mapper>.connect(...)`` call declares (per call of its helper, when in one), each
    with whether the connect has no method condition (it answers any method; recorded as GET)."""
    fn = model.p.functions[fq]
    kw = {k: v for k, v in site.kwargs if k}
    sub = _submapper(fn, site.func[1], site.line)
    controller = kw.get("controller", sub.get("controller"))
    if controller is None or not site.args or "action" not in kw:
        return []
    bound = Bound(model.r)
    if not _from_parameters(model.r, fq, site):
        return _declared(model, bound, fq, site, version, ())
    out: list[tuple[Route, bool]] = []
    for caller, call, offset in model.r.callers(fq):
        for env in _rows(bound, fq, bound.bind(fq, call, caller, (), offset), site.line):
            out += _declared(model, bound, fq, site, version, env)
    return out


def _declared(model, bound: Bound, fq: str, site, version: str, env: Env) -> list[tuple[Route, bool]]:
    p = model.p
    fn = p.functions[fq]
    kw = {k: v for k, v in site.kwargs if k}
    sub = _submapper(fn, site.func[1], site.line)
    controller = _as_of(fn, kw.get("controller", sub.get("controller")), site.line)
    path_expr = _as_of(fn, site.args[1] if len(site.args) > 1 else site.args[0], site.line)
    paths = sorted(t for t in bound.texts(path_expr, fq, env) if t.startswith("/") and WILD not in t)
    prefixes = _known(bound.texts(sub["path_prefix"], fq, env)) if "path_prefix" in sub else [""]
    actions = _known(bound.texts(kw["action"], fq, env))
    verbs = _verbs(bound, kw.get("conditions"), fq, env)
    any_method = _method_condition(kw.get("conditions")) is None
    where = f"{fn.path}:{site.line}"
    out = []
    for expr, scope, _ in bound.exprs(controller, fq, env):
        for cls in model._controllers(expr, scope, wanted=frozenset(actions)):
            methods = model.p.methods_of(cls)
            for action in actions:
                if action in methods:
                    out += [(Route(v, _versioned(version, pre + path), None, methods[action], fn.project, where),
                             any_method) for v in verbs for pre in prefixes for path in paths]
    return out


def _versioned(version: str, path: str) -> str:
    """The router module's API version in front of the path, unless the path starts with it (``'/v1'``)."""
    return path if version and (path == version or path.startswith(version + "/")) else version + path


def _from_parameters(r, fq: str, site) -> bool:
    """Whether the connect's controller, path or action comes from its function's parameters (a helper)."""
    fn = r.p.functions[fq]
    params = [p.name for p in fn.facts.params]
    if fn.cls is not None:
        params = params[1:]  # self
    used = set(_names(site.args)) | set(_names(v for _, v in site.kwargs))
    for a in fn.assigns():  # url = path_prefix + r['url'], for r in routes
        if a.target[0] == "n" and a.target[1] in used:
            used |= set(_names((a.value,)))
    return bool(used & set(params))


def _names(exprs) -> list[str]:
    out = []
    for e in exprs:
        if not isinstance(e, tuple) or not e:
            continue
        if e[0] == "n":
            out.append(e[1])
        else:
            out += _names(x for x in e[1:] if isinstance(x, tuple))
    return out


def _rows(bound: Bound, fq: str, env: Env, line: int) -> list[Env]:
    """One binding per element of the list a loop of the helper walks (``for r in routes``)."""
    fn = bound.p.functions[fq]
    loops = [a for a in fn.assigns() if a.target[0] == "n" and a.value[0] == "it" and a.line < line]
    for loop in sorted(loops, key=lambda a: -a.line):
        rows = [(e, s, en) for e, s, en in bound.exprs(loop.value[1], fq, env) if e[0] == "l"]
        if rows:
            elements = [(x, s, en) for e, s, en in rows for x in e[1]][:MAX_ROWS]
            return [env + ((loop.target[1], (element,)),) for element in elements]
    return [env]


def _known(texts: set[str]) -> list[str]:
    return sorted(t for t in texts if WILD not in t)


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


def _verbs(bound: Bound, conditions: tuple | None, scope: str, env: Env) -> list[str]:
    value = _method_condition(conditions)
    if value is None:
        return ["GET"]
    texts = _method_texts(bound, value, scope, env)
    return sorted({v.strip().upper() for t in texts for v in t.split(",")} & _HTTP) or ["GET"]


def _method_condition(conditions: tuple | None) -> tuple | None:
    """The ``method`` of ``conditions={'method': ...}`` or ``conditions=dict(method=...)``."""
    if conditions is None:
        return None
    if conditions[0] == "d":
        return next((value for key, value in conditions[1] if key == ("s", "method")), None)
    if conditions[0] == "c" and conditions[1] == ("n", "dict"):
        return next((value for key, value in conditions[3] if key == "method"), None)
    return None


def _method_texts(bound: Bound, value: tuple, scope: str, env: Env) -> set[str]:
    """The verbs a ``method`` condition names: a string (``'GET,HEAD'``) or a list of them (``['POST']``)."""
    out: set[str] = set()
    for e, where, en in bound.exprs(value, scope, env):
        elements = e[1] if e[0] == "l" else (e,)
        for element in elements:
            out |= bound.texts(element, where, en)
    return out
