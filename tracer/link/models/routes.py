"""link model: the ``routes`` library (and webob controllers) as OpenStack routers use them.

Stage: link.  Must not import libcst or render.

``mapper.resource(member, collection, controller=..., collection={...},
member={...})`` gives index/create/show/update/delete plus the named extra
actions, and ``@wsgi.action('key')`` methods answer ``POST .../{id}/action``
with that key as the body's first key.  The URL prefix is learned from the
router module (``api.v3`` -> ``/v3``) and from a mapper whose ``resource()``
adds a ``{project_id}`` path prefix.  Route tables (nova's
``('/servers/{id}/action', {'POST': [factory, 'action']})``, placement's
``{'/path': {'GET': handler}}``) and ``ControllerExtension`` action
controllers are read too.
"""
from __future__ import annotations

import re
from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.models.bound import Bound
from tracer.link.models.routes_connect import connected_routes, first_match
from tracer.link.program import MODULE_BODY
from tracer.link.records import Route
from tracer.link.resolve import last_name, sites_in_order
from tracer.link.values import WILD, ordered

_CONVENTIONS = (
    ("GET", "", "index"), ("POST", "", "create"),
    ("GET", "/{id}", "show"), ("PUT", "/{id}", "update"), ("DELETE", "/{id}", "delete"),
)
_VERSION = re.compile(r"^v\d+(?:_\d+)?$")
_HTTP = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})
MAX_OBJECTS = 60  # constructions of a resource-extension class read one by one


class RoutesLib(Model):
    name = "routes"
    reads_sites = ("resource", "ControllerExtension", "connect")

    def routes(self) -> list[Route]:
        return self._routes

    @cached_property
    def _routes(self) -> list[Route]:
        return sorted(set(self._collect()))

    def _collect(self):
        found = []
        extensions = []
        for fq, site in sites_in_order(self.sites_named("resource") + self.sites_named("ControllerExtension")):
            fn = self.p.functions[fq]
            if last_name(site.func) == "resource" and site.func[0] == "a":
                found += self._resource(fq, fn, site)
            elif last_name(site.func) == "ControllerExtension" and len(site.args) >= 3 and site.args[1][0] == "s":
                extensions.append((site.args[1][1], site.args[2], fq, f"{fn.path}:{site.line}"))
        connected: list[tuple[Route, bool]] = []
        for fq, site in sites_in_order(self.sites_named("connect")):
            if site.func[0] == "a":
                module = self.p.functions[fq].module
                version = next((f"/{part}" for part in module.split(".") if _VERSION.match(part)), "")
                connected += connected_routes(self, fq, site, version)
        found += first_match(connected)
        for module in sorted(self.p.modules):
            found += self._route_tables(f"{module}.{MODULE_BODY}", self.p.module_body(module))
        found += self._extension_actions(found, extensions)
        return found

    # -- route tables: (('/servers/{id}/action', {'POST': [factory, 'action']}), ...) -------------
    def _route_tables(self, body: str, fn) -> list[Route]:
        out: list[Route] = []
        for a in fn.assigns():
            if a.value[0] == "d" and len(a.value[1]) >= 3:
                out += self._declarations(a.value[1], body, fn, f"{fn.path}:{a.line}")
            if a.value[0] != "l" or len(a.value[1]) < 3:
                continue
            for entry in a.value[1]:
                out += self._table_entry(entry, body, fn, f"{fn.path}:{a.line}")
        return out

    def _declarations(self, pairs: tuple, scope: str, fn, where: str) -> list[Route]:
        """``{'/path': {'GET': handler_function, ...}, ...}`` (Stein placement's ROUTE_DECLARATIONS)."""
        out = []
        for key, methods in pairs:
            if key[0] != "s" or not (key[1] == "" or key[1].startswith("/")) or methods[0] != "d":
                continue
            for verb, handler in methods[1]:
                if verb[0] != "s" or verb[1] not in _HTTP:
                    continue
                for v in sorted(self.r.eval(handler, scope)):
                    if v[0] == "fn":
                        out.append(Route(verb[1], key[1] or "/", None, v[1], fn.project, where))
        return out

    def _table_entry(self, entry: tuple, scope: str, fn, where: str) -> list[Route]:
        if entry[0] != "l" or len(entry[1]) != 2 or entry[1][0][0] != "s" or entry[1][1][0] != "d":
            return []
        path, methods = entry[1][0][1], entry[1][1][1]
        out = []
        for verb, info in methods:
            if verb[0] != "s" or verb[1] not in _HTTP or info[0] != "l" or len(info[1]) != 2 or info[1][1][0] != "s":
                continue
            classes = self._factory_classes(info[1][0], scope)
            action = info[1][1][1]
            out += self._dispatch(verb[1], path, action, classes, fn.project, where)
        return out

    def _dispatch(self, verb: str, path: str, action: str, classes: list[str], project: str, where: str) -> list[Route]:
        if action == "action":
            actions = {}
            for cls in classes:
                for key, handler in self._actions(cls):
                    actions.setdefault(key, handler)
            return [Route(verb, path, key, handler, project, where) for key, handler in sorted(actions.items())]
        for cls in classes:
            handler = self.p.methods_of(cls).get(action)
            if handler:
                return [Route(verb, path, None, handler, project, where)]
        return []

    def _factory_classes(self, expr: tuple, scope: str) -> list[str]:
        """``partial(_create_controller, Main, [ActionCtl, ...])``: Main first, then the action controllers."""
        exprs = [expr]
        if expr[0] == "n":
            exprs = [e for e, _ in self.r.bound_exprs(expr[1], scope)]
        out: list[str] = []
        for e in exprs:
            if e[0] != "c":
                continue
            for arg in e[2]:
                items = arg[1] if arg[0] == "l" else (arg,)
                for item in items:
                    out += [v[1] for v in sorted(self.r.eval(item, scope)) if v[0] == "cls"]
        return list(dict.fromkeys(out))

    # -- controller extensions: ControllerExtension(self, 'volumes', Ctl()) -------------------------
    def _extension_actions(self, routes: list[Route], extensions: list) -> list[Route]:
        out = []
        for collection, expr, scope, where in extensions:
            classes = sorted(v[1] for v in self.r.eval(expr, scope) if v[0] == "inst")
            bases = sorted({r.path for r in routes if r.method == "POST" and r.action is None
                            and r.path.rsplit("/", 1)[-1] == collection})
            for cls in classes:
                for key, handler in self._actions(cls):
                    out += [Route("POST", f"{base}/{{id}}/action", key, handler, self.p.functions[scope].project, where)
                            for base in bases]
        return out

    def _resource(self, fq: str, fn, site):
        kw = {k: v for k, v in site.kwargs if k}
        if len(site.args) >= 2 and site.args[1][0] == "a" and site.args[1][1][0] == "n":
            yield from self._resource_per_object(fq, fn, site, site.args[1][1][1])
            return
        if len(site.args) < 2 or "controller" not in kw or site.args[1][0] != "s":
            return
        prefix = self._prefix(fn.module, site.func[1], fq)
        base = f"{prefix}/{site.args[1][1]}"
        where = f"{fn.path}:{site.line}"
        for cls in self._controllers(kw["controller"], fq):
            methods = self.p.methods_of(cls)
            for verb, suffix, name in _CONVENTIONS + self._extras(kw, fq):
                if name in methods:
                    yield Route(verb, base + suffix, None, methods[name], fn.project, where)
            for key, handler in self._actions(cls):
                yield Route("POST", base + "/{id}/action", key, handler, fn.project, where)

    def _resource_per_object(self, fq: str, fn, site, name: str):
        """``mapper.resource(member, resource.collection, **kargs)`` over the resource objects a loop
        walks (masakari's ``ResourceExtension(ALIAS, Controller(), member_actions=...)`` of each API
        extension): each construction of the object's class is one resource, read under its arguments."""
        bound = Bound(self.r)
        prefix = self._prefix(fn.module, site.func[1], fq)
        where = f"{fn.path}:{site.line}"
        for env in bound.constructions(name, fq)[:MAX_OBJECTS]:
            kw = self._keywords(bound, site, fq, env)
            for collection in sorted(t for t in bound.texts(site.args[1], fq, env) if WILD not in t):
                base = f"{prefix}{self._parent(bound, kw)}/{collection}"
                for cls in self._bound_controllers(bound, kw.get("controller"), fq, env, 0):
                    methods = self.p.methods_of(cls)
                    for verb, suffix, method in _CONVENTIONS + self._bound_extras(bound, kw, fq, env):
                        if method in methods:
                            yield Route(verb, base + suffix, None, methods[method], fn.project, where)
                    for key, handler in self._actions(cls):
                        yield Route("POST", base + "/{id}/action", key, handler, fn.project, where)

    def _keywords(self, bound: Bound, site, scope: str, env: tuple) -> dict:
        """A call's keywords, ``**kargs`` included (``kargs = dict(controller=..., member=...)``)."""
        out = {k: (v, scope, env) for k, v in site.kwargs if k}
        for star in (v for k, v in site.kwargs if k is None):
            for e, s, en in bound.exprs(star, scope, env):
                pairs = e[3] if e[0] == "c" and e[1] == ("n", "dict") else (
                    [(k[1], v) for k, v in e[1] if k[0] == "s"] if e[0] == "d" else [])
                for k, v in pairs:
                    if k:
                        out.setdefault(k, (v, s, en))
            if star[0] == "n":  # kargs['parent_resource'] = resource.parent
                for a in self.p.functions[scope].assigns():
                    if a.target[0] == "k" and a.target[1] == star and a.target[2][0] == "s":
                        out.setdefault(a.target[2][1], (a.value, scope, env))
        return out

    def _parent(self, bound: Bound, kw: dict) -> str:
        """``parent_resource={'member_name': 'segment', 'collection_name': 'segments'}``: ``/segments/{segment_id}``."""
        if "parent_resource" not in kw:
            return ""
        expr, scope, env = kw["parent_resource"]
        for e, s, en in bound.exprs(expr, scope, env):
            if e[0] == "d":
                member = bound.one(("k", e, ("s", "member_name")), s, en)
                collection = bound.one(("k", e, ("s", "collection_name")), s, en)
                if WILD not in member + collection:
                    return f"/{collection}/{{{member}_id}}"
        return ""

    def _bound_controllers(self, bound: Bound, given, scope: str, env: tuple, depth: int) -> list[str]:
        """The controller classes a (bound) ``controller=`` expression builds, through wrappers."""
        if given is None or depth > 4:
            return []
        expr, scope, env = given
        out: set[str] = set()
        for e, s, en in bound.exprs(expr, scope, env):
            if e[0] != "c":
                continue
            for v in ordered(self.r.eval(e[1], s)):
                if v[0] == "cls" and self._is_controller(v[1]):
                    out.add(v[1])
                elif v[0] == "cls" and e[2]:
                    out.update(self._bound_controllers(bound, (e[2][0], s, en), s, en, depth + 1))
        return sorted(out)

    def _bound_extras(self, bound: Bound, kw: dict, scope: str, env: tuple) -> tuple:
        out = []
        for kind, suffix in (("collection", ""), ("member", "/{id}")):
            if kind not in kw:
                continue
            expr, s, en = kw[kind]
            for e, _, _ in bound.exprs(expr, s, en):
                for key, verb in e[1] if e[0] == "d" else ():
                    if key[0] == "s" and verb[0] == "s" and key[1] != "action":
                        out.append((verb[1], f"{suffix}/{key[1]}", key[1]))
        return tuple(sorted(set(out)))

    def _extras(self, kw: dict, scope: str) -> tuple:
        out = []
        for kind, suffix in (("collection", ""), ("member", "/{id}")):
            expr = kw.get(kind)
            for key, verb in expr[1] if expr and expr[0] == "d" else ():
                if key[0] == "s" and verb[0] == "s" and key[1] != "action":
                    out.append((verb[1], f"{suffix}/{key[1]}", key[1]))
        return tuple(out)

    def _prefix(self, module: str, mapper: tuple, scope: str) -> str:
        version = next((f"/{part}" for part in module.split(".") if _VERSION.match(part)), "")
        for v in sorted(self.r.eval(mapper, scope)):
            method = self.p.lookup_method(v[1], "resource") if v[0] == "inst" else None
            if method and any(
                a.value[0] == "s" and a.value[1].startswith("{project_id}") for a in self.p.functions[method].assigns()
            ):
                return f"{version}/{{project_id}}"
        return version

    def _actions(self, cls: str) -> list[tuple[str, str]]:
        out = {}
        for name, fq in self.p.methods_of(cls).items():
            for d in self.p.functions[fq].facts.decorators:
                if d[0] == "c" and last_name(d[1]) == "action" and d[2] and d[2][0][0] == "s":
                    out.setdefault(d[2][0][1], fq)
        return sorted(out.items())

    def _controllers(self, expr: tuple, scope: str, depth: int = 0, wanted: frozenset = frozenset()) -> list[str]:
        """Dig through ``Resource(Controller(...))`` wrappers and factory functions to the class that
        answers the conventional actions, or one of the ``wanted`` ones (a connect's ``action=``)."""
        if depth > 4:
            return []
        if expr[0] == "k" or expr[0] == "n":
            values = [a.value for a in self.p.functions[scope].assigns() if a.target == expr]
            return sorted({c for v in values for c in self._controllers(v, scope, depth + 1, wanted)})
        if expr[0] != "c":
            return []
        out: set[str] = set()
        for v in ordered(self.r.eval(expr[1], scope)):
            if v[0] == "cls" and self._is_controller(v[1], wanted):
                out.add(v[1])
            elif v[0] == "cls" and expr[2]:
                out.update(self._controllers(expr[2][0], scope, depth + 1, wanted))
            elif v[0] == "fn":
                for d in self.p.functions[v[1]].defs:
                    for ret in d.returns:
                        out.update(self._controllers(ret, v[1], depth + 1, wanted))
        return sorted(out)

    def _is_controller(self, cls: str, wanted: frozenset = frozenset()) -> bool:
        methods = self.p.methods_of(cls)
        return any(name in methods for _, _, name in _CONVENTIONS) or any(name in methods for name in wanted)
