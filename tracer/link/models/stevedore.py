"""link model: stevedore.  ``DriverManager(namespace, name)`` loads the entry point ``name`` of group
``namespace``, read from the indexed distributions' entry points.

Stage: link.  Must not import libcst or render.

    ("plugin", fq, kind)   a manager whose ``.driver`` is ``(kind, fq)``: a configured driver (``drv``)
                           when the name is an option's default, else a plain instance; for an entry
                           point naming a function, kind "fn", or "call" with ``invoke_on_load`` (then
                           ``.driver`` is what the function returns); for one naming a module, kind
                           "mod", or "cfgmod" by an option's default.  A name the code does not give
                           (``task.type``) may be any entry point of the group
    ("extmgr", group, names, kind)   an extension manager (Named/Enabled/Extension/Hook): the entry points
                           ``names`` of ``group`` (a sorted tuple; "*" for all; ``("param", fq, i)`` when
                           the names are what a helper's caller passes), loaded as ``kind`` ("inst" with
                           ``invoke_on_load``, else "cls"; "drv"/"drvcls" when a ``check_func`` lets the
                           deployment enable some: each is then a configured driver, chosen by data).  Iterating it, or its ``extensions``, gives
                           its extensions; an extension's ``obj`` is the loaded object, ``plugin`` the class.
    ("cfgmod", module)     an entry point naming a module, chosen by configuration: its classes are
                           configured drivers (``drvcls``)

A program function that returns the plugins of a group (a registry the program fills from a manager),
called with a name the configuration gives (``get_driver(CONF.cloud_backend)``), returns the module entry
point of that name, as a configured backend (``cfgmod``).  Classes chosen so stay as they are: a configured
class is what ``import_object`` and ``DriverManager`` already make, and a list option that enables several
(cinder's default filters) is no choice of one.  A class of a configured backend module with no other implementation in
its family still makes a ``driver`` hop when the group has other backends: a deployment chooses among
those (``siblings``), even when the index does not hold them (a test backend).
"""
from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.program import MODULE_BODY
from tracer.link.values import Values, ext_matches, ordered, strings

PLUGIN_LOADERS = ("stevedore.driver.DriverManager", "stevedore.DriverManager")
EXTENSION_MANAGERS = ("NamedExtensionManager", "EnabledExtensionManager", "ExtensionManager", "HookManager",
                      "NameDispatchExtensionManager", "DispatchExtensionManager")
MAX_PLUGINS = 24


class _Loaded(NamedTuple):
    """The call a manager makes of a plugin class it loads (read like a call site)."""

    args: tuple
    kwargs: tuple
    line: int
    col: int
    func: tuple = ("n", "<stevedore>")


class Stevedore(Model):
    name = "stevedore"
    kinds = ("plugin", "extmgr", "cfgmod")
    settled = ("cfgmod",)
    calls = PLUGIN_LOADERS + EXTENSION_MANAGERS
    reads_sites = EXTENSION_MANAGERS + ("DriverManager",)
    specializes = ("extmgr",)

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if not dotted.startswith("stevedore"):
            return frozenset({("exti", dotted)})
        if not ext_matches(dotted, PLUGIN_LOADERS):
            return self._manager(dotted, expr, scope)
        return self._driver(expr, scope)

    def _manager(self, dotted: str, expr: tuple, scope: str) -> Values:
        args = dict(enumerate(expr[2]))
        kw = {k: v for k, v in expr[3] if k}
        group = kw.get("namespace", args.get(0))
        if group is None:
            return EMPTY
        invoke = kw.get("invoke_on_load")
        kind = "inst" if invoke is not None and invoke != ("n", "False") else "cls"
        if "check_func" in kw:  # the deployment enables some of them: each loaded one is a configured driver
            kind = "drv" if kind == "inst" else "drvcls"
        named = dotted.rpartition(".")[2] in ("NamedExtensionManager", "HookManager")
        names_expr = kw.get("names", kw.get("name", args.get(1))) if named else None
        if names_expr is None:
            names: object = "*"
        else:
            names = self.r.parameter_ref(names_expr, scope) or tuple(strings(self.r.eval(names_expr, scope)))
        return frozenset(("extmgr", g, names, kind) for g in strings(self.r.eval(group, scope)))

    def calls_into(self, fq: str) -> list[tuple[str, object, int]]:
        """``invoke_on_load`` builds each plugin with ``invoke_args``/``invoke_kwds``: a call of its __init__."""
        fn = self.p.functions[fq]
        if fn.name != "__init__" or fn.cls is None:
            return []
        return self._loaders.get(fn.cls, [])

    @cached_property
    def _loaders(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for name in EXTENSION_MANAGERS + ("DriverManager",):
            for fq, site in self.sites_named(name):
                kw = {k: v for k, v in site.kwargs if k}
                if "invoke_on_load" not in kw or not site.args and "namespace" not in kw:
                    continue
                if not any(v[0] == "ext" and v[1].startswith("stevedore") for v in self.r.eval(site.func, fq)):
                    continue
                args = kw.get("invoke_args")
                call = _Loaded(args[1] if args is not None and args[0] == "l" else (),
                               ((None, kw["invoke_kwds"]),) if "invoke_kwds" in kw else (), site.line, site.col)
                group = kw.get("namespace", site.args[0] if site.args else None)
                for g in strings(self.r.eval(group, fq)):
                    for target in self.p.entry_points.get(g, {}).values():
                        cls = self.r.class_by_path(target.replace(":", "."))
                        if cls:
                            out.setdefault(cls, []).append((fq, call, 1))
        return out

    def specialize(self, v: tuple, callee: tuple, expr: tuple, scope: str) -> Values:
        ref = v[2]
        if not isinstance(ref, tuple) or not ref or ref[0] != "param" or ref[1] != callee[1]:
            return frozenset({v})
        arg = self.r.passed_for(ref, callee, expr)
        if arg is None:
            return EMPTY
        outer = self.r.parameter_ref(arg, scope)
        names = outer or tuple(strings(self.r.eval(arg, scope)))
        return self._expanded(("extmgr", v[1], names, v[3]) + v[4:])

    def _expanded(self, v: tuple) -> Values:
        """An extension's object or class, once its names are known."""
        if len(v) > 4 and not (isinstance(v[2], tuple) and v[2][:1] == ("param",)):
            return frozenset(self._loaded(v[1], v[2], _loaded_as(v[3], v[4])))
        return frozenset({v})

    def any_loaded(self, values) -> frozenset:
        """What the extension managers among ``values`` may load, whatever names their callers pass."""
        out: set = set()
        for v in ordered(values):
            if v[0] == "extmgr" and len(v) > 4:
                out |= self._loaded(v[1], "*", _loaded_as(v[3], v[4]))
        return frozenset(out)

    def _loaded(self, group: str, names, kind: str) -> set:
        table = self.p.entry_points.get(group, {})
        chosen = sorted(table) if names == "*" else [n for n in names if n in table]
        if len(chosen) > MAX_PLUGINS:
            return set()
        out = set()
        for name in chosen:
            target = table[name].replace(":", ".")
            cls = self.r.class_by_path(target)
            if cls:
                out.add((kind, cls))
            elif target in self.p.modules and kind in ("cls", "drvcls"):  # an entry point naming a module
                out.add(("mod", target))
        return out

    def _driver(self, expr: tuple, scope: str) -> Values:
        """``DriverManager(namespace, name)``: the entry point ``name`` of group ``namespace``."""
        args = dict(enumerate(expr[2]))
        kw = {k: v for k, v in expr[3] if k}
        namespace, name = kw.get("namespace", args.get(0)), kw.get("name", args.get(1))
        if namespace is None or name is None:
            return EMPTY
        out: set = set()
        names = [v for v in self.r.eval(name, scope) if v[0] in ("str", "cfg")]
        kw_invoke = kw.get("invoke_on_load")
        invoked = kw_invoke is not None and kw_invoke != ("n", "False")
        for group in strings(self.r.eval(namespace, scope)):
            table = self.p.entry_points.get(group, {})
            chosen = names
            if not names and self.r.parameter_ref(name, scope) is None and len(table) <= MAX_PLUGINS:
                chosen = [("str", n) for n in sorted(table)]  # a name the data gives: any of the group's
            for v in chosen:
                target = table.get(v[1])
                if not target:
                    continue
                path = target.replace(":", ".")
                cls = self.r.class_by_path(path)
                if cls:
                    out.add(("plugin", cls, "drv" if v[0] == "cfg" else "inst"))
                elif path in self.p.functions:  # a function: .driver is what calling it gives (invoke_on_load)
                    out.add(("plugin", path, "call" if invoked else "fn"))
                elif path in self.p.modules:  # a module: .driver is the module (a backend of module functions)
                    out.add(("plugin", path, "cfgmod" if v[0] == "cfg" else "mod"))
        return frozenset(out)

    # -- a plugin looked up by a configured name -----------------------------------------------------
    @cached_property
    def _entries(self) -> dict[tuple, frozenset[str]]:
        """Each value an entry point loads (its class, an instance of it, its module, its function) ->
        the names of the entry points that load it."""
        out: dict[tuple, set] = {}
        for table in self.p.entry_points.values():
            for name, target in table.items():
                path = target.replace(":", ".")
                cls = self.r.class_by_path(path)
                loaded = [("cls", cls), ("inst", cls)] if cls else [("mod", path)] if path in self.p.modules else \
                    [("fn", path)] if path in self.p.functions else []
                for v in loaded:
                    out.setdefault(v, set()).add(name)
        return {v: frozenset(names) for v, names in out.items()}

    def narrow(self, values: Values, callee: tuple, expr: tuple, scope: str) -> Values:
        if not (expr[2] or expr[3]) or self._entries.keys().isdisjoint(values):
            return values
        names = self._configured_names(expr, scope)
        chosen = {v for v in values if v[0] == "mod" and not names.isdisjoint(self._entries.get(v, ()))}
        if not chosen or all(v in chosen for v in values if v in self._entries):
            return values  # no name the configuration gives, or only what it names: nothing was chosen here
        return frozenset({v for v in values if v not in self._entries} | {_configured(v) for v in chosen})

    def _configured_names(self, expr: tuple, scope: str) -> set[str]:
        """The option defaults an argument of the call holds, where it holds nothing else the data gives."""
        out: set[str] = set()
        for arg in list(expr[2]) + [v for _, v in expr[3]]:
            values = self.r.eval(arg, scope)
            names = {v[1] for v in values if v[0] == "cfg"}
            if names and all(v[0] in ("cfg", "ext") for v in values):  # the option, or None before it is read
                out |= names
        return out

    def siblings(self, cls: str, method: str) -> list[str] | None:
        """The implementations of ``method`` that the other entry points of a group of modules (a
        backend: ``compute = nova_v2.NovaClient``) give under the name ``cls`` has in its own; None when
        ``cls`` is no such module's class, or when every other backend runs the same method."""
        offered = self._backends.get(cls)
        if offered is None:
            return None
        alternatives, unread = offered
        methods = sorted({m for alt in alternatives for m in [self.p.lookup_method(alt, method)] if m} - {method})
        return methods if methods or unread else None

    @cached_property
    def _backends(self) -> dict[str, tuple[set[str], bool]]:
        """A class a module entry point offers -> (the classes the group's other modules offer under its
        name, whether some other entry point names code the index does not hold)."""
        out: dict[str, tuple[set[str], bool]] = {}
        for table in self.p.entry_points.values():
            paths = {name: target.replace(":", ".") for name, target in table.items()}
            modules = {name: self._classes_of(path) for name, path in paths.items() if path in self.p.modules}
            if not modules or len(table) < 2:
                continue
            for name, classes in modules.items():
                unread = any(n != name and n not in modules and not self.r.class_by_path(p) for n, p in paths.items())
                for attr, cls in classes.items():
                    others = {o[attr] for n, o in modules.items() if n != name and attr in o} - {cls}
                    known, was_unread = out.get(cls, (set(), False))
                    out[cls] = (known | others, was_unread or unread)
        return out

    def _classes_of(self, module: str) -> dict[str, str]:
        """The classes a module binds at its top level, by name (one class each)."""
        body = f"{module}.{MODULE_BODY}"
        if body not in self.p.functions:
            return {}
        out = {}
        for name in sorted(self.r.locals_of(body)):
            classes = [v[1] for v in self.r.global_name(module, name) if v[0] == "cls"]
            if len(classes) == 1:
                out[name] = classes[0]
        return out

    def subscript(self, v: tuple, keys: list[str]) -> Values:
        """``mgr[name]``: the extension loaded under ``name`` (any of them when the name is unknown)."""
        if v[0] != "extmgr" or len(v) > 4:
            return EMPTY
        if keys and v[2] == "*":
            return frozenset({("extmgr", v[1], tuple(sorted(keys)), v[3])})
        if keys and isinstance(v[2], tuple) and v[2][:1] != ("param",):
            return frozenset({("extmgr", v[1], tuple(k for k in v[2] if k in keys), v[3])})
        return frozenset({v})

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] == "cfgmod":
            return frozenset(_configured(x) for x in self.r.attribute(("mod", v[1]), attr))
        if v[0] == "plugin":
            if attr != "driver":
                return EMPTY
            if v[2] == "call":
                return self.r.returns(v[1])
            return frozenset({(v[2], v[1])})
        if len(v) > 4:
            return EMPTY
        if attr == "extensions":
            return frozenset({v})
        if attr in ("obj", "plugin"):
            return self._expanded(v + (attr,))
        return EMPTY


def _configured(v: tuple) -> tuple:
    """A plugin the configuration chose: a class, an instance or a module of it is a configured driver."""
    return {"cls": ("drvcls",), "inst": ("drv",), "mod": ("cfgmod",)}.get(v[0], (v[0],)) + v[1:]


def _loaded_as(kind: str, attr: str) -> str:
    """An extension's ``plugin`` is the class, its ``obj`` the object (each a driver when configured)."""
    if attr != "plugin":
        return kind
    return "drvcls" if kind in ("drv", "drvcls") else "cls"
