"""link model: pecan.  Hooks that put objects on the request, and the routes of a controller tree.

Stage: link.  Must not import libcst or render.

A hook is a subclass of ``pecan.hooks.PecanHook``; ``state.request.x = value``
in its ``before``/``on_route`` makes ``pecan.request.x`` that value everywhere.

The tree starts at the root controller an app config names (``{'root':
'pkg.controllers.root.RootController', ...}``) or ``pecan.make_app(root)`` is
given.  A controller's class-level attribute holding another controller is a
path segment (``v1 = v1.Controller()``; ``containers = ContainersController()``), and so is
an attribute its ``__init__`` sets (``self.pools = PoolsController()``).
A ``pecan.rest.RestController`` answers ``GET ''`` with ``get_all``, ``GET
/{id}`` with ``get_one``/``get``, ``POST ''`` with ``post``, ``PUT``/``PATCH``/
``DELETE /{id}`` with ``put``/``patch``/``delete``, and its ``_custom_actions =
{'stop': ['POST']}`` with ``POST /{id}/stop``; a plain controller's
``@expose()`` (or WSME's ``@wsexpose()``) methods answer ``GET /name`` (``index`` the path itself).
"""
from __future__ import annotations

import re
from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.records import Route
from tracer.link.values import Values, ordered, strings

REQUEST = ("pecan.request", "pecan.core.request")
HOOK_BASES = ("pecan.hooks.PecanHook", "pecan.PecanHook")
HOOK_METHODS = ("before", "on_route")
REST_BASES = ("pecan.rest.RestController", "pecan.RestController")
MAKE_APP = ("pecan.make_app", "pecan.core.make_app", "pecan.Pecan")
_REST = (("GET", "", "get_all"), ("GET", "/{id}", "get_one"), ("GET", "/{id}", "get"), ("POST", "", "post"),
         ("PUT", "/{id}", "put"), ("PATCH", "/{id}", "patch"), ("DELETE", "/{id}", "delete"))
EXPOSE = ("expose", "wsexpose")  # pecan's, and WSME's pecan adapter (wsmeext.pecan.wsexpose)
MAX_DEPTH = 8


class Pecan(Model):
    name = "pecan"
    attributes = REQUEST
    reads_sites = ("make_app",)

    # -- request hooks ---------------------------------------------------------
    def ext_attribute(self, dotted: str, attr: str) -> Values:
        """``pecan.request.x``: what the hooks put there, else the library name."""
        return self._on_request.get(attr) or frozenset({("ext", f"{dotted}.{attr}")})

    @cached_property
    def _on_request(self) -> dict[str, Values]:
        out: dict[str, set] = {}
        for cls in sorted(self.p.classes):
            if not self.r.is_subclass(cls, HOOK_BASES):
                continue
            for name in HOOK_METHODS:
                method = self.p.classes[cls].methods.get(name)
                fn = self.p.functions.get(method) if method else None
                if fn is None or len(fn.facts.params) < 2:
                    continue
                state = ("n", fn.facts.params[1].name)
                for a in fn.assigns():
                    t = a.target
                    if t[0] == "a" and t[1] == ("a", state, "request"):
                        out.setdefault(t[2], set()).update(self.r.eval(a.value, method))
        return {k: frozenset(v) for k, v in out.items()}

    # -- routes ------------------------------------------------------------------
    def routes(self) -> list[Route]:
        return self._routes

    @cached_property
    def _routes(self) -> list[Route]:
        out: list[Route] = []
        for root, where in self._roots():
            out += self._walk(root, "", where, 0, frozenset())
        return sorted(set(out))

    def _roots(self) -> list[tuple[str, str]]:
        """Root controllers: a config dict's 'root' path, or the first argument of make_app."""
        found: dict[str, str] = {}
        for fq, fn in sorted(self.p.functions.items()):  # a module's config, or one built in make_app()
            for a in fn.assigns():
                for value in _root_entries(a.value) if a.value[0] == "d" else ():
                    cls = self.r.class_by_path(value)
                    if cls:
                        found.setdefault(cls, f"{fn.path}:{a.line}")
        for fq, site in self.sites_named("make_app"):
            if site.args and any(v[0] == "ext" and v[1] in MAKE_APP for v in self.r.eval(site.func, fq)):
                for v in ordered(self.r.eval(site.args[0], fq)):
                    cls = v[1] if v[0] in ("inst", "cls") else self.r.class_by_path(v[1]) if v[0] == "str" else None
                    if cls:
                        found.setdefault(cls, f"{self.p.functions[fq].path}:{site.line}")
        return sorted(found.items())

    def _walk(self, cls: str, prefix: str, where: str, depth: int, seen: frozenset, routed: int = 0) -> list[Route]:
        """``routed``: the ids a parent RestController took before this controller (pecan's routing
        args), which fill the first parameters of its methods."""
        if depth > MAX_DEPTH or cls in seen:
            return []
        project = self.p.classes[cls].project
        out = self._handlers(cls, prefix or "/", where, project, routed)
        ids = self._ids_before_children(cls, routed)
        attributes = self._children(cls)
        for name, child in sorted(attributes.items()):
            out += self._walk(child, f"{prefix}/{'{id}/' * ids}{name}", where, depth + 1, seen | {cls}, routed + ids)
        for name, child in sorted(self._lookup_children(cls).items()):
            if name not in attributes:  # _lookup's names place their own ids, and hand them on by construction
                out += self._walk(child, f"{prefix}/{name}", where, depth + 1, seen | {cls})
        return out

    def _ids_before_children(self, cls: str, routed: int) -> int:
        """A RestController routes to a sub-controller after the ids its ``get_one`` (else ``get``) takes
        (pecan's ``_find_sub_controllers``): ``/nodes/{id}/states``.  The required parameters are counted
        (pecan reads them through its decorators, which the source does not show), less those routed."""
        if not self.r.is_subclass(cls, REST_BASES):
            return 0
        methods = self.p.methods_of(cls)
        fq = methods.get("get_one") or methods.get("get")
        return max(0, _required(self.p.functions[fq]) - routed) if fq in self.p.functions else 0

    def _handlers(self, cls: str, path: str, where: str, project: str, routed: int = 0) -> list[Route]:
        methods = self.p.methods_of(cls)
        base = path.rstrip("/") if path != "/" else ""
        out = []
        if self.r.is_subclass(cls, REST_BASES):
            taken: set[tuple[str, str]] = set()
            for verb, suffix, name in self._overridden_verbs(cls) + _REST:
                if routed and suffix and name in methods and _required(self.p.functions[methods[name]]) <= routed:
                    suffix = ""  # the ids routed to it are all it takes: /nodes/{id}/maintenance
                if name in methods and (verb, suffix) not in taken:
                    taken.add((verb, suffix))
                    out.append(Route(verb, base + suffix or "/", None, methods[name], project, where))
            for action, verbs in self._custom_actions(cls):
                if action in methods:  # PUT/DELETE name the action first, GET/POST last, after the id it
                    # takes beyond those routed to the controller (pecan's _handle_custom_action; its other
                    # parameters are the query's or the body's: zun's rename(container_ident, name))
                    ids = "{id}/" if _required(self.p.functions[methods[action]]) > routed else ""
                    out += [Route(v, f"{base}/{action}" if v in ("PUT", "DELETE") else f"{base}/{ids}{action}",
                                  None, methods[action], project, where) for v in verbs]
        else:
            for name, fq in methods.items():
                if self._exposed(fq) and not name.startswith("_"):  # pecan routes no private name (_lookup)
                    out.append(Route("GET", (base or "/") if name == "index" else f"{base}/{name}", None, fq, project, where))
        return out

    def _overridden_verbs(self, cls: str) -> tuple:
        """A RestController base of the program that overrides pecan's ``_handle_post`` (and the other
        verbs') to look up methods by its own names: the names it asks for, ``<verb>_all`` for the
        collection and ``<verb>_one`` for one member, in pecan's own naming (designate's ``post_all``,
        ``patch_one``, ``delete_one``)."""
        out = []
        for verb in ("get", "post", "put", "patch", "delete"):
            method = self.p.lookup_method(cls, f"_handle_{verb}")
            fn = self.p.functions.get(method) if method else None
            for site in fn.calls() if fn is not None else ():
                for arg in site.args:
                    name = arg[1] if arg[0] == "s" else ""
                    if name.startswith(verb + "_") and name.endswith(("_all", "_one")):
                        out.append((verb.upper(), "" if name.endswith("_all") else "/{id}", name))
        return tuple(dict.fromkeys(out))

    def _children(self, cls: str) -> dict[str, str]:
        """Sub-controllers held in attributes: of the class, set in ``__init__`` or by ``setattr``."""
        out = {}
        for k in reversed(self.p.mro(cls)):
            klass = self.p.classes.get(k)
            for name in sorted(klass.attrs) if klass else ():
                if name.startswith("_"):
                    continue
                for v in sorted(self.r.class_level(k, name)):
                    if v[0] == "inst" and self._is_controller(v[1]):
                        out[name] = v[1]
        out.update(self._init_children(cls))
        out.update(self._set_children(cls))
        return out

    def _lookup_children(self, cls: str) -> dict[str, str]:
        """``_lookup(self, key, *remainder)`` returns ``(controller, remainder)``: pecan routes what is left
        of the path to it.  A controller read from a dict by ``key`` is under each of the dict's keys
        (``self._subcontroller_map.get(key)``); read by ``remainder[0]``, under ``{key}/<dict key>``;
        else under the literals the body compares ``key`` with (``key != version.ID_VERSION1``), or
        ``{key}``."""
        method = self.p.lookup_method(cls, "_lookup")
        fn = self.p.functions.get(method) if method else None
        params = [p.name for p in fn.facts.params] if fn is not None else []
        if len(params) < 2:
            return {}
        key, rest = params[1], next((p.name for p in fn.facts.params if p.kind == "*"), None)
        bound = {a.target[1]: a.value for a in fn.assigns() if a.target[0] == "n"}
        out: dict[str, str] = {}
        for ret in (r for d in fn.defs for r in d.returns):
            if ret[0] != "l" or not ret[1]:
                continue
            made = ret[1][0]
            read = bound.get(made[1], made) if made[0] == "n" else made
            if read[0] == "c" and read[1][0] == "n":  # subcontroller(node_ident=ident): the class it was read as
                read = bound.get(read[1][1], read)
            table, by = _dict_read(read)
            if table is not None and by in (("n", key), ("k", ("n", rest), ("i", "0"))):
                prefix = "" if by == ("n", key) else f"{{{key}}}/"
                for name, value in self._dict_items(cls, table, method):
                    for v in sorted(value):
                        if v[0] in ("inst", "cls") and self._is_controller(v[1]):
                            out.setdefault(prefix + name, v[1])
                continue
            tested = self._compared(fn, key) or [f"{{{key}}}"]
            for v in sorted(self.r.eval(made, method)):
                if v[0] == "inst" and self._is_controller(v[1]):
                    for name in tested:
                        out.setdefault(name, v[1])
        return out

    def _dict_items(self, cls: str, table: tuple, method: str) -> list[tuple[str, frozenset]]:
        """The literal keys and values of the dict display ``self.x`` / ``X`` names (a class attribute)."""
        attr = table[2] if table[0] == "a" else table[1] if table[0] == "n" else None
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            for expr in klass.attrs.get(attr, ()) if klass and attr else ():
                if expr[0] == "d":
                    scope = self.r.class_scope(k)
                    return [(name[1], self.r.eval(value, scope)) for name, value in expr[1] if name[0] == "s"]
        return []

    def _compared(self, fn, key: str) -> list[str]:
        """The texts ``key`` is compared with in the guards of the def's call sites."""
        names: set[str] = set()
        for site in fn.calls():
            for guard in site.guard:
                names.update(m.group(2) for m in _COMPARED.finditer(guard[1]) if m.group(1) == key)
        out: set[str] = set()
        for dotted in sorted(names):
            expr: tuple = ("n", dotted.split(".")[0])
            for part in dotted.split(".")[1:]:
                expr = ("a", expr, part)
            out.update(strings(self.r.eval(expr, fn.fq)))
        return sorted(out)

    def _init_children(self, cls: str) -> dict[str, str]:
        """``self.loadbalancers = LoadBalancersController()`` in the controller's or a base's ``__init__``:
        an attribute of the instance pecan routes to as it does to a class attribute."""
        out: dict[str, str] = {}
        for k in reversed(self.p.mro(cls)):
            klass = self.p.classes.get(k)
            fn = self.p.functions.get(klass.methods.get("__init__", "")) if klass else None
            for a in fn.assigns() if fn else ():
                t = a.target
                if t[0] != "a" or not fn.is_self(t[1]) or t[2].startswith("_"):
                    continue
                for v in sorted(self.r.eval(a.value, fn.fq)):
                    if v[0] == "inst" and self._is_controller(v[1]):
                        out[t[2]] = v[1]
        return out

    def _set_children(self, cls: str) -> dict[str, str]:
        """``setattr(self, ext.obj.name, ext.obj)`` in the controller's ``__init__`` (blazar's v2 API loads
        its sub-controllers as plugins): each object under the name its own attribute gives."""
        init = self.p.lookup_method(cls, "__init__")
        fn = self.p.functions.get(init) if init else None
        out: dict[str, str] = {}
        for site in fn.calls() if fn else ():
            if site.func != ("n", "setattr") or len(site.args) != 3:
                continue
            name, value = site.args[1], site.args[2]
            for v in sorted(self.r.eval(value, fn.fq)):
                if v[0] not in ("inst", "drv") or not self._is_controller(v[1]):
                    continue
                names = self.r.attribute(v, name[2]) if name[0] == "a" and name[1] == value else self.r.eval(name, fn.fq)
                for text in strings(names):
                    out[text] = v[1]
        return out

    def _is_controller(self, cls: str) -> bool:
        return self.r.is_subclass(cls, REST_BASES) or any(self._exposed(fq) for fq in self.p.methods_of(cls).values())

    def _exposed(self, fq: str) -> bool:
        return any(d[0] == "c" and d[1][0] in ("n", "a") and d[1][-1] in EXPOSE
                   for d in self.p.functions[fq].facts.decorators)

    def _custom_actions(self, cls: str) -> list[tuple[str, list[str]]]:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            for expr in klass.attrs.get("_custom_actions", ()) if klass else ():
                if expr[0] == "d":
                    return sorted((key[1], sorted(v[1].upper() for v in verbs[1] if v[0] == "s"))
                                  for key, verbs in expr[1] if key[0] == "s" and verbs[0] == "l")
        return []



_COMPARED = re.compile(r"\b(\w+)\s*(?:==|!=)\s*([A-Za-z_][\w.]*)")


def _required(fn) -> int:
    """Positional parameters without a default, ``self`` not counted."""
    return sum(1 for q in fn.facts.params[1:] if q.kind == "p" and q.default is None)


def _dict_read(expr: tuple) -> tuple[tuple | None, tuple | None]:
    """``D.get(k)`` or ``D[k]``: (D, k); else (None, None)."""
    if expr[0] == "c" and expr[1][0] == "a" and expr[1][2] == "get" and expr[2]:
        return expr[1][1], expr[2][0]
    if expr[0] == "k":
        return expr[1], expr[2]
    return None, None


def _root_entries(display: tuple, depth: int = 0) -> list[str]:
    """The ``'root': 'pkg.Class'`` strings of a config dict display, nested ones included (``{'app': {...}}``)."""
    out = []
    for key, value in display[1]:
        if key == ("s", "root") and value[0] == "s":
            out.append(value[1])
        elif value[0] == "d" and depth < 3:
            out += _root_entries(value, depth + 1)
    return out
