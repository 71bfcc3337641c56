"""link: the interpreter core: evaluate recorded expressions to abstract values, on demand.

Stage: link.  Must not import libcst or render.  Knows Python, not libraries:
what a library call produces is asked of the model that declares it
(``tracer.link.models``), and so are the attributes and calls of the values
those models make.

A small flow-insensitive abstract interpreter: a name is the union of every
value assigned to it in its scope; a parameter is the union of the arguments
passed at every call site that resolves to its function (capped); ``self.x``
is the union of every ``self.x = ...`` in the class and its bases; a call's
value is the union of the callee's return values.  Every query is memoised
(``tracer.link.memo``: cycles iterate to a fixpoint) and the program index it
reads is never changed.
"""
from __future__ import annotations

import builtins
import re
from collections import defaultdict
from typing import NamedTuple

from tracer.link.memo import Memo
from tracer.link.models.base import Model, Registry
from tracer.link.program import MODULE_BODY, Function, Program
from tracer.link.values import BOUND_KINDS, EMPTY, Value, Values, WILD, ext_matches, strings, templates

_BUILTINS = frozenset(dir(builtins))
_CORE_SETTLED = frozenset({"mod", "cls", "inst", "fn", "bound", "str", "cfg"})
_APPENDS = {"append": 0, "add": 0, "appendleft": 0, "extend": 0, "insert": 1}
MAX_CALLERS = 60
MAX_GLOB = 6
MAX_MIXIN = 3  # subclasses a base's self.m() may stand for
_CONVERSION = re.compile(r"%(\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifrxXaeEgGcou%]")


def last_name(expr: tuple) -> str | None:
    if expr[0] == "n":
        return expr[1]
    if expr[0] == "a":
        return expr[2]
    return None


def _site_order(item: tuple) -> tuple:
    return item[0], item[1].line, item[1].col


def sites_in_order(items) -> list:
    """Call sites sorted by function, then by place in the source (what a walk over sorted functions gives)."""
    return sorted(items, key=_site_order)


class Resolver:
    def __init__(self, program: Program, models: tuple[type[Model], ...]) -> None:
        self.p = program
        self._cached = Memo()
        self._locals: dict[str, dict[str, list]] = {}
        self._defs: dict[str, dict[str, list]] = {}
        self._overrides: dict[str, set[str]] = {}
        self._inst_attrs: dict[str, dict[str, list]] = {}
        self._built: dict[str, bool] = {}
        self._by_owner: dict[str, dict[str, list]] = {}
        self.models = Registry(self, models)
        self._settled = _CORE_SETTLED | self.models.settled
        self._fallbacks = [m for m in self.models if type(m).fallback_attribute is not Model.fallback_attribute]
        self._specializing = {k: m for m in self.models for k in m.specializes}
        self._calling_models = [m for m in self.models if type(m).calls_into is not Model.calls_into]
        self._subscripting = {k: m for m in self.models if type(m).subscript is not Model.subscript for k in m.kinds}

    # -- memo plumbing -----------------------------------------------------
    @property
    def cut(self) -> set[tuple]:
        """The queries whose answer was cut to ``MAX_VALUES`` values."""
        return self._cached.cut

    def was_cut(self, expr: tuple, scope: str) -> bool:
        """Whether evaluating ``expr`` in ``scope`` gave more than ``MAX_VALUES`` values (some were dropped)."""
        cut = self._cached.cut
        if not cut:
            return False
        tag = expr[0]
        key = (("name", expr[1], scope) if tag == "n" else ("attr", expr, scope) if tag == "a"
               else ("call", expr, scope) if tag == "c" else ("sub", expr, scope) if tag == "k" else None)
        return key in cut

    def reset_active(self) -> None:
        """After an aborted query (recursion limit), forget the half-open keys."""
        self._cached.reset_active()

    @property
    def backend_modules(self) -> frozenset[str]:
        """Modules the models say are the database (oslo.db backends): the query side reads them."""
        return frozenset().union(*(m.database_modules() for m in self.models))

    # -- classes -----------------------------------------------------------
    def read_bases(self) -> dict[str, tuple[str, ...]]:
        """Each class's bases as the program's classes or library names they evaluate to."""
        bases: dict[str, tuple[str, ...]] = {}
        for fq, klass in self.p.classes.items():
            scope = self.class_scope(klass.fq)
            out: list[str] = []
            for expr in _base_exprs(klass.facts.bases):
                for v in sorted(self.eval(expr, scope)):
                    if v[0] == "cls" and v[1] != fq:
                        out.append(v[1])
                    elif v[0] == "ext":
                        out.append(v[1])
            bases[fq] = tuple(dict.fromkeys(out))
        return bases

    def class_scope(self, cls: str) -> str:
        """Class bodies evaluate in the enclosing function, or the module body."""
        klass = self.p.classes[cls]
        parent = klass.facts.parent
        return f"{klass.module}.{parent}" if parent else f"{klass.module}.{MODULE_BODY}"

    def is_subclass(self, cls: str, bases: tuple[str, ...]) -> bool:
        return any(k in bases or ext_matches(k, bases) for k in self.p.mro(cls))

    # -- scopes ------------------------------------------------------------
    def locals_of(self, fq: str) -> dict[str, list]:
        hit = self._locals.get(fq)
        if hit is not None:
            return hit
        fn = self.p.functions[fq]
        names: dict[str, list] = defaultdict(list)
        for k, d in enumerate(fn.defs):
            for i, param in enumerate(d.params):
                names[param.name].append(("param", (k, i)))
            for imp in d.imports:
                if imp.bound:
                    names[imp.bound].append(("import", imp))
            for a in d.assigns:
                if a.target[0] == "n":
                    names[a.target[1]].append(("expr", a.value))
            for site in d.calls:  # devices = []; devices.append(x): x is an element of devices
                func = site.func
                if func[0] == "a" and func[1][0] == "n" and func[2] in _APPENDS and len(site.args) > _APPENDS[func[2]]:
                    if any(kind == "expr" for kind, _ in names.get(func[1][1], ())):
                        names[func[1][1]].append(("expr", site.args[_APPENDS[func[2]]]))
        prefix = fn.facts.qualname
        self._add_defs(names, fn.module, "" if prefix == MODULE_BODY else prefix + ".<locals>.")
        self._locals[fq] = names
        return names

    def _add_defs(self, names: dict[str, list], module: str, prefix: str) -> None:
        """The defs and classes written directly in the scope whose qualname prefix is ``prefix``."""
        for name, value in self._defs_by_scope(module).get(prefix, ()):
            names[name].append(("def", value))

    def _defs_by_scope(self, module: str) -> dict[str, list]:
        hit = self._defs.get(module)
        if hit is None:
            hit = self._defs[module] = defaultdict(list)
            facts = self.p.modules[module]
            for kind, records in (("fn", facts.functions), ("cls", facts.classes)):
                for r in records:
                    if r.qualname == MODULE_BODY:
                        continue
                    scope, _, name = r.qualname.rpartition(".")
                    hit[scope + "." if scope else ""].append((name, (kind, f"{module}.{r.qualname}")))
        return hit

    # -- evaluation --------------------------------------------------------
    def eval(self, expr: tuple, scope: str) -> Values:
        tag = expr[0]
        if tag == "n":
            return self.name(expr[1], scope)
        if tag == "s":
            return frozenset({("str", expr[1])})
        if tag == "a":
            key = ("attr", expr, scope)
            return self._cached(key, lambda: self._attr_expr(expr, scope))
        if tag == "c":
            key = ("call", expr, scope)
            return self._cached(key, lambda: self._call_expr(expr, scope))
        if tag in ("u", "l"):
            return frozenset().union(*(self.eval(e, scope) for e in expr[1]))
        if tag == "it":
            return self.eval(expr[1], scope)
        if tag == "+":
            return self._concat(expr, scope)
        if tag == "k":
            return self._cached(("sub", expr, scope), lambda: self._subscript(expr, scope))
        if tag == "%":
            return self._cached(("fmt", expr, scope), lambda: self._percent(expr, scope))
        if tag == "f":
            return self._cached(("fstr", expr, scope), lambda: self._fstring(expr, scope))
        if tag == "t":
            return self._cached(("elt", expr, scope), lambda: self._element(expr, scope))
        return EMPTY

    def _one_text(self, expr: tuple, scope: str) -> str:
        """A formatted part: its text when it has exactly one, else the unknown marker."""
        found = templates(self.eval(expr, scope)) if expr[0] in ("s", "n", "a", "+", "%", "f") else []
        return found[0] if len(found) == 1 else WILD

    def _percent(self, expr: tuple, scope: str) -> Values:
        """``"%s/x" % y``: each conversion takes its argument's one known text, else ``WILD``."""
        one = lambda arg: self._one_text(arg, scope)  # noqa: E731
        return frozenset(("str", fill_percent(text, expr[2], one)) for text in templates(self.eval(expr[1], scope)))

    def _fstring(self, expr: tuple, scope: str) -> Values:
        return frozenset({("str", "".join(p[1] if p[0] == "s" else self._one_text(p, scope) for p in expr[1]))})

    def _element(self, expr: tuple, scope: str) -> Values:
        """``a, b = f()``: element ``index`` of every tuple ``f`` returns."""
        value, index = expr[1], expr[2]
        if value[0] != "c":
            return EMPTY
        out: set[Value] = set()
        for v in self.eval(value[1], scope):
            fn = self.p.functions.get(v[1]) if v[0] in ("fn",) + BOUND_KINDS else None
            for d in fn.defs if fn else ():
                for ret in d.returns:
                    if ret[0] == "l" and len(ret[1]) > index:
                        out |= self.eval(ret[1][index], fn.fq)
        return frozenset(out)

    def _concat(self, expr: tuple, scope: str) -> Values:
        left, right = self.eval(expr[1], scope), self.eval(expr[2], scope)
        kind = "cfg" if any(v[0] == "cfg" for v in left | right) else "str"
        return frozenset((kind, a + b) for a in templates(left) for b in templates(right))

    def _subscript(self, expr: tuple, scope: str) -> Values:
        """``x[k] = v`` recorded in the same scope answers ``x[k]``; so does a dict display bound to ``x``."""
        out: set[Value] = set()
        for a in self.p.functions[scope].assigns():
            if a.target == expr:
                out |= self.eval(a.value, scope)
        if not out and expr[1][0] == "n":
            keys = set(strings(self.eval(expr[2], scope)))
            for table, where in self.bound_exprs(expr[1][1], scope):
                if table[0] == "d":
                    for k, v in table[1]:
                        if not keys or (k[0] == "s" and k[1] in keys):
                            out |= self.eval(v, where)
        if not out and self._subscripting:  # a library value read by key (an option's dict default)
            keys = strings(self.eval(expr[2], scope))
            for v in self.eval(expr[1], scope):
                model = self._subscripting.get(v[0])
                if model is not None:
                    out |= model.subscript(v, keys)
        if not out and expr[2][0] == "i":  # xs[0]: an element of a (smashed) sequence
            out |= self.eval(expr[1], scope)
        return frozenset(out)

    def eval_before(self, expr: tuple, scope: str, line: int) -> Values:
        """``expr`` as a statement at ``line`` sees it: a local name assigned several times (a loop variable
        reused by three loops) is its last assignment before that line.  Order-sensitive readers (a flow's
        ``add`` calls) ask this; the rest of the interpreter is flow-insensitive."""
        fn = self.p.functions.get(scope)
        if expr[0] == "n" and fn is not None:
            assigns = [a for a in fn.assigns() if a.target == expr]
            before = [a for a in assigns if a.line < line]
            if len(assigns) > 1 and before:
                return self.eval(max(before, key=lambda a: a.line).value, scope)
        return self.eval(expr, scope)

    def bound_exprs(self, name: str, scope: str) -> list[tuple[tuple, str]]:
        """The expressions assigned to ``name`` where ``scope`` sees it (locals, enclosing, module)."""
        fn: Function | None = self.p.functions.get(scope)
        while fn is not None:
            sources = self.locals_of(fn.fq).get(name)
            if sources:
                return [(item, fn.fq) for kind, item in sources if kind == "expr"]
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        body = f"{self.p.functions[scope].module}.{MODULE_BODY}"
        return [(item, body) for kind, item in self.locals_of(body).get(name, ()) if kind == "expr"]

    def name(self, name: str, scope: str) -> Values:
        return self._cached(("name", name, scope), lambda: self._name(name, scope))

    def _name(self, name: str, scope: str) -> Values:
        fn: Function | None = self.p.functions.get(scope)
        while fn is not None:
            sources = self.locals_of(fn.fq).get(name)
            if sources:
                return self._sources(sources, fn)
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        module = scope.rsplit(".", 1)[0] if scope.endswith(MODULE_BODY) else self.p.functions[scope].module
        return self.global_name(module, name)

    def is_parameter(self, name: str, scope: str) -> bool:
        """Whether ``name`` in ``scope`` is only a parameter (of the function or an enclosing one)."""
        fn: Function | None = self.p.functions.get(scope)
        while fn is not None:
            sources = self.locals_of(fn.fq).get(name)
            if sources:
                return all(kind == "param" for kind, _ in sources)
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        return False

    def global_name(self, module: str, name: str) -> Values:
        return self._cached(("global", module, name), lambda: self._global(module, name))

    def _global(self, module: str, name: str) -> Values:
        body = f"{module}.{MODULE_BODY}"
        if body not in self.p.functions:
            return EMPTY
        sources = self.locals_of(body).get(name)
        out = set(self._sources(sources, self.p.functions[body])) if sources else set()
        if not out:
            for imp in self.p.modules[module].imports:
                if imp.bound == "*":
                    out |= self.global_name(imp.module, name) if imp.module in self.p.modules else set()
        if not out and f"{module}.{name}" in self.p.modules:
            out.add(("mod", f"{module}.{name}"))
        if not out and name == "__name__":
            out.add(("str", module))
        if not out and name in _BUILTINS:
            out.add(("ext", f"builtins.{name}"))
        return frozenset(out)

    def _sources(self, sources: list, fn: Function) -> Values:
        out: set[Value] = set()
        for kind, item in sources:
            if kind == "expr":
                out |= self.eval(item, fn.fq)
            elif kind == "param":
                out |= self.param(fn.fq, item)
            elif kind == "import":
                out |= self._import(item)
            else:
                out.add(item)
        return frozenset(out)

    def _import(self, imp) -> Values:
        if imp.name is None:
            target = imp.module
            return frozenset({("mod", target) if target in self.p.modules else ("ext", target)})
        full = f"{imp.module}.{imp.name}"
        if full in self.p.modules:
            return frozenset({("mod", full)})
        if imp.module in self.p.modules:
            return self.global_name(imp.module, imp.name)
        return frozenset({("ext", full)})

    # -- parameters --------------------------------------------------------
    def param(self, fq: str, where: tuple[int, int]) -> Values:
        """Values of parameter ``where`` = (index of the def among same-name overloads, position)."""
        return self._cached(("param", fq, where), lambda: self._param(fq, where))

    def _param(self, fq: str, where: tuple[int, int]) -> Values:
        fn = self.p.functions[fq]
        index = where[1]
        param = fn.defs[where[0]].params[index]
        if index == 0 and fn.cls and not self._is_static(fn):
            kind = "cls" if self._is_classmethod(fn) else "inst"
            return frozenset({(kind, fn.cls)})
        out: set[Value] = set()
        if param.default is not None:
            out |= self.eval(param.default, fn.fq)
        if param.kind in ("*", "**"):
            return frozenset(out)
        for caller, site, offset in self.callers(fq):
            arg = argument(site, param.name, index - offset)
            if arg is not None:
                out |= self.eval(arg, caller)
            else:
                out |= self.forwarded(caller, site, param.name)
        return frozenset(out)

    def passers(self, name: str, scope: str) -> dict[str, set[str]]:
        """For a parameter ``name`` seen in ``scope`` (its own or an enclosing function's): each program
        function a caller hands in, and the callers that hand it (a trace follows a call through the
        parameter only below one of them)."""
        fn: Function | None = self.p.functions.get(scope)
        while fn is not None and not any(p.name == name for p in fn.facts.params):
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        if fn is None:
            return {}
        position = next(i for i, p in enumerate(fn.facts.params) if p.name == name)
        out: dict[str, set[str]] = {}
        for caller, site, offset in self.callers(fn.fq):
            arg = argument(site, name, position - offset)
            values = self.eval(arg, caller) if arg is not None else self.forwarded(caller, site, name)
            for v in values:
                if v[0] in ("fn", "bound") and v[1] in self.p.functions:
                    out.setdefault(v[1], set()).add(caller)
        return out

    def forwarded(self, caller: str, site, name: str) -> Values:
        """``f(**kwargs)`` where ``kwargs`` is the caller's own ``**`` parameter: the keyword ``name``
        as the caller's callers give it (one level: nova and masakari forward their keywords so)."""
        star = next((v for k, v in site.kwargs if k is None and v[0] in ("n", "d")), None)
        fn = self.p.functions.get(caller)
        if star is None or fn is None:
            return EMPTY
        if star[0] == "d" or not any(p.kind == "**" and p.name == star[1] for p in fn.facts.params):
            # f(**{'x': a}) or kwargs = {'x': a}; f(**kwargs): the display's entry
            tables = [(star, caller)] if star[0] == "d" else self.bound_exprs(star[1], caller)
            out: set[Value] = set()
            for table, where in tables:
                for key, value in table[1] if table[0] == "d" else ():
                    if key == ("s", name):
                        out |= self.eval(value, where)
            return frozenset(out)
        return self._cached(("fwd", caller, name), lambda: self._forwarded(caller, name))

    def _forwarded(self, caller: str, name: str) -> Values:
        out: set[Value] = set()
        for outer, site, _ in self.callers(caller):
            for key, value in site.kwargs:
                if key == name:
                    out |= self.eval(value, outer)
        return frozenset(out)

    def decorator_names(self, fn: Function) -> set[str]:
        return {last_name(d) or "" for d in fn.facts.decorators if d[0] in ("n", "a")}

    def _is_static(self, fn: Function) -> bool:
        return "staticmethod" in self.decorator_names(fn)

    def _is_classmethod(self, fn: Function) -> bool:
        return "classmethod" in self.decorator_names(fn)

    def callers(self, fq: str) -> list[tuple[str, tuple, int]]:
        """(caller fq, call site, positional offset) of the sites that resolve to ``fq``.

        A constructor is called by its class's name, and from its subclasses by ``super().__init__(...)``
        and by ``cls(...)`` in a classmethod.
        """
        fn = self.p.functions[fq]
        if fn.name == "__init__" and fn.cls:
            candidates = list(self.sites_named(self.p.classes[fn.cls].facts.qualname.rsplit(".", 1)[-1])[:MAX_CALLERS])
            candidates += self._from_subclasses(fn.cls, "__init__") + self._from_subclasses(fn.cls, "cls")
        else:
            candidates = self.sites_named(fn.name)[:MAX_CALLERS]
        out = []
        for caller, site in candidates:
            offset = self._offset_if_calls(site, caller, fq)
            if offset is not None:
                out.append((caller, site, offset))
        for model in self._calling_models:  # a library that calls program code itself (stevedore's invoke_on_load)
            out += model.calls_into(fq)
        if fn.name != "__init__":
            out += self._handed_on(fq)
        return out

    def _handed_on(self, fq: str) -> list:
        """``spawn(f, a, b)``, ``tg.add_thread(self._run, ctx)``: a function handed to a call with the
        arguments after it is called with them (the convention of every spawn, thread and looping-call API)."""
        fn = self.p.functions[fq]
        out = []
        for caller, site, i in self.p.sites_passing(fn.name)[:MAX_CALLERS]:
            if i + 1 >= len(site.args) and not site.kwargs:
                continue  # nothing handed on with it: no parameter to bind (the callback edge is the linker's)
            if last_name(site.func) == "partial" or any(a[0] == "*" for a in site.args[:i + 1]):
                continue  # partial(f, a): read by _offset_if_calls
            if not self._names_code(site.args[i], caller):
                continue
            for v in self.eval(site.args[i], caller):
                if v[1:2] == (fq,) and v[0] in ("fn",) + BOUND_KINDS:
                    later = _Handed(site.args[i + 1:], site.kwargs, site.line, site.col, site.func)
                    out.append((caller, later, 1 if v[0] in BOUND_KINDS else 0))
                    break
        return out

    def _names_code(self, arg: tuple, scope: str) -> bool:
        """``f`` bound by a def or an import, ``self.m`` / ``cls.m``, or ``module.f``: how code is handed on."""
        if arg[0] == "a":
            if arg[1][0] != "n":
                return False
            fn = self.p.functions.get(scope)
            if fn is not None and fn.cls and fn.facts.params and fn.facts.params[0].name == arg[1][1]:
                return True
            arg = arg[1]
        fn = self.p.functions.get(scope)
        while fn is not None:
            sources = self.locals_of(fn.fq).get(arg[1])
            if sources:
                return any(kind in ("def", "import") for kind, _ in sources)
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        return True  # a module-level name: a def, an import or a global

    def constructed(self, cls: str) -> bool:
        """Whether the program builds instances of ``cls`` (calls the class by its name somewhere)."""
        hit = self._built.get(cls)
        if hit is None:
            short = self.p.classes[cls].facts.qualname.rsplit(".", 1)[-1]
            hit = self._built[cls] = any(
                ("cls", cls) in self.eval(site.func, caller) for caller, site in self.sites_named(short)[:MAX_CALLERS])
        return hit

    def _from_subclasses(self, cls: str, name: str) -> list:
        """Sites named ``name`` in methods of ``cls`` or its subclasses (``super().__init__``, ``cls(...)``)."""
        by_owner = self._by_owner.get(name)
        if by_owner is None:
            by_owner = self._by_owner[name] = defaultdict(list)
            for caller, site in self.sites_named(name):
                owner = self.p.functions[caller].cls
                if owner is not None:
                    by_owner[owner].append((caller, site))
        out = []
        for k in [cls] + self.p.all_subclasses(cls):
            out += by_owner.get(k, ())
        return sorted(out, key=_site_order)[:MAX_CALLERS]

    def _overridden(self, fq: str) -> set[str]:
        """``fq`` and the base-class methods it overrides: calls to those reach ``fq`` too."""
        hit = self._overrides.get(fq)
        if hit is None:
            hit = self._overrides[fq] = self._find_overridden(fq)
        return hit

    def _find_overridden(self, fq: str) -> set[str]:
        fn = self.p.functions[fq]
        out = {fq}
        if fn.cls:
            for k in self.p.mro(fn.cls)[1:]:
                klass = self.p.classes.get(k)
                if klass and fn.name in klass.methods:
                    out.add(klass.methods[fn.name])
        return out

    def _offset_if_calls(self, site, caller: str, fq: str) -> int | None:
        targets = self._overridden(fq)
        if last_name(site.func) == "partial" and site.args:  # partial(f, a, b): a and b are f's first arguments
            if any(v[0] == "fn" and v[1] in targets for v in self.eval(site.args[0], caller)):
                return -1
        for v in self.eval(site.func, caller):
            if v[0] == "fn" and v[1] in targets:
                return 0
            if v[0] in BOUND_KINDS and v[1] in targets:
                return 1
            if v[0] == "partial" and v[1] in targets:
                return v[2]
            if v[0] == "cls" and self.p.lookup_method(v[1], "__init__") == fq:
                return 1
        return None

    def sites_named(self, name: str) -> tuple:
        return self.p.sites_named(name)

    # -- attributes --------------------------------------------------------
    def _attr_expr(self, expr: tuple, scope: str) -> Values:
        base, attr = expr[1], expr[2]
        out: set[Value] = set()
        for v in self.eval(base, scope):
            out |= self.attribute(v, attr)
        if not any(v[0] in self._settled for v in out):
            for model in self._fallbacks:  # CONF.x: what the library says an unknown attribute is
                out |= model.fallback_attribute(attr)
        return frozenset(out)

    def attribute(self, v: Value, attr: str) -> Values:
        return self._cached(("attrv", v, attr), lambda: self._attribute(v, attr))

    def _attribute(self, v: Value, attr: str) -> Values:
        kind = v[0]
        if kind == "mod":
            sub = f"{v[1]}.{attr}"
            return frozenset({("mod", sub)}) if sub in self.p.modules else self.global_name(v[1], attr)
        if kind == "ext":
            model = self.models.ext_attributes.get(v[1])
            return model.ext_attribute(v[1], attr) if model else frozenset({("ext", f"{v[1]}.{attr}")})
        if kind == "exti":
            return frozenset({("exti", f"{v[1]}.{attr}")})
        if kind == "inst":
            return self.instance_attr(v, attr)
        if kind == "cls":
            return self._class_attr(v[1], attr)
        model = self.models.by_kind.get(kind)
        return model.attribute(v, attr) if model else EMPTY

    def instance_attr(self, v: Value, attr: str, bound: str = "bound") -> Values:
        """``obj.attr`` on an instance of a program class; a method comes back as a ``bound`` value."""
        cls = v[1]
        method = self.p.lookup_method(cls, attr)
        if method is not None:
            fn = self.p.functions[method]
            decorators = self.decorator_names(fn)
            if "property" in decorators or "cached_property" in decorators:
                return self.returns(method)
            if "staticmethod" in decorators:  # no self is bound: arguments start at the first parameter
                return frozenset({("fn", method)})
            return frozenset({(bound, method, cls)})
        out = set(self.instance_attr_values(cls, attr))
        out |= self.class_level(cls, attr)
        if not out and not attr.startswith("__"):
            out |= self._delegated(v, attr)
        if not out and not attr.startswith("__"):
            out |= self._in_subclasses(cls, attr, bound)
        return frozenset(out)

    def _in_subclasses(self, cls: str, attr: str, bound: str) -> Values:
        """A mixin or base class calling ``self.m()`` that only its subclasses define: ``self`` is one of
        the subclasses the program builds, and ``m`` is theirs (at most ``MAX_MIXIN`` of them)."""
        found = set()
        for sub in self.p.all_subclasses(cls):
            klass = self.p.classes.get(sub)
            if klass is not None and attr in klass.methods and self.constructed(sub):
                found.add((bound, klass.methods[attr], sub))
        return frozenset(found) if len(found) <= MAX_MIXIN else EMPTY

    def _delegated(self, v: Value, attr: str) -> Values:
        """``__getattr__`` that returns ``getattr(self.inner, name)`` (maybe wrapped): ``inner``'s attribute."""
        hook = self.p.lookup_method(v[1], "__getattr__")
        fn = self.p.functions.get(hook) if hook else None
        if fn is None or len(fn.facts.params) < 2:
            return EMPTY
        name = fn.facts.params[1].name
        out: set[Value] = set()
        # the getattr may sit in a closure the hook returns (blazar's LazyProxy builds the object first)
        scopes = [(fn.fq, name)] + [(c, name) for c in self._closures(fn.fq)] + self._partial_runners(fn, name)
        for scope, key in scopes:
            for site in self.p.functions[scope].calls():
                if site.func == ("n", "getattr") and len(site.args) >= 2 and site.args[1] == ("n", key):
                    for inner in self.eval(site.args[0], scope):
                        if inner != v:
                            out |= self.attribute(inner, attr)
        return frozenset(out)

    def _partial_runners(self, fn: Function, name: str) -> list[tuple[str, str]]:
        """``return functools.partial(self._run, name)``: ``_run`` and its parameter that gets the name."""
        out = []
        for ret in fn.facts.returns:
            if ret[0] != "c" or last_name(ret[1]) != "partial" or len(ret[2]) < 2 or ret[2][1] != ("n", name):
                continue
            for v in self.eval(ret[2][0], fn.fq):
                runner = self.p.functions.get(v[1]) if v[0] in BOUND_KINDS else None
                if runner is not None and len(runner.facts.params) > 1:
                    out.append((runner.fq, runner.facts.params[1].name))
        return out

    def _closures(self, fq: str) -> list[str]:
        """The functions defined directly in ``fq``'s body."""
        fn = self.p.functions[fq]
        prefix = fn.facts.qualname + ".<locals>."
        return [value[1] for _, value in self._defs_by_scope(fn.module).get(prefix, ()) if value[0] == "fn"]

    def _class_attr(self, cls: str, attr: str) -> Values:
        method = self.p.lookup_method(cls, attr)
        if method is not None:
            fn = self.p.functions[method]
            if self._is_classmethod(fn):
                return frozenset({("bound", method, cls)})
            return frozenset({("fn", method)})
        return self.class_level(cls, attr)

    def super_attr(self, cls: str, attr: str, after: str) -> Values:
        """``super().attr`` in ``cls``: the first definition after ``after`` in ``cls``'s MRO."""
        mro = self.p.mro(cls)
        for k in mro[mro.index(after) + 1 if after in mro else 1:]:
            klass = self.p.classes.get(k)
            if klass and attr in klass.methods:
                return frozenset({("bound", klass.methods[attr], cls)})
        return EMPTY

    def class_level(self, cls: str, attr: str) -> Values:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            if klass and attr in klass.attrs:
                scope = self.class_scope(k)
                out: set[Value] = set()
                for expr in klass.attrs[attr]:
                    if expr[0] == "n" and expr[1] in klass.methods:  # alias: failover_host = failover
                        out.add(("fn", klass.methods[expr[1]]))
                    else:
                        out |= self.eval(expr, scope)
                return frozenset(out)
        return EMPTY

    def instance_attr_values(self, cls: str, attr: str) -> Values:
        return self._cached(("iattr", cls, attr), lambda: self._iattr(cls, attr))

    def _iattr(self, cls: str, attr: str) -> Values:
        out: set[Value] = set()
        for k in self.p.mro(cls):
            for method, expr in self.self_assigns(k).get(attr, ()):
                position = self._param_position(expr, method) if k != cls else None
                out |= self.eval(expr, method) if position is None else self.param_for(method, position, cls)
            if out:
                break
        return frozenset(out)

    def _param_position(self, expr: tuple, fq: str) -> int | None:
        """``self.x = name`` where ``name`` is only a parameter of ``fq``: its position."""
        if expr[0] != "n" or not self.is_parameter(expr[1], fq):
            return None
        params = self.p.functions[fq].facts.params
        return next((i for i, p in enumerate(params) if p.name == expr[1] and p.kind not in ("*", "**")), None)

    def param_for(self, fq: str, position: int, cls: str) -> Values:
        """Parameter ``position`` of a base-class method ``fq`` when ``self`` is a ``cls``: what ``cls``'s
        own ``super().__init__(...)`` passes, not every subclass's (else every caller's)."""
        return self._cached(("paramfor", fq, position, cls), lambda: self._param_for(fq, position, cls))

    def _param_for(self, fq: str, position: int, cls: str) -> Values:
        mro = self.p.mro(cls)
        mine = [c for c in self.callers(fq) if self.p.functions[c[0]].cls in mro]
        if not mine:
            return self.param(fq, (0, position))
        param = self.p.functions[fq].facts.params[position]
        out: set[Value] = set(self.eval(param.default, fq)) if param.default is not None else set()
        for caller, site, offset in mine:
            arg = argument(site, param.name, position - offset)
            if arg is not None:
                out |= self.eval(arg, caller)
            elif any(a[0] == "*" for a in site.args) or any(k is None for k, _ in site.kwargs):
                return self.param(fq, (0, position))  # handed on by *args/**kwargs: every caller's
        return frozenset(out)

    def self_assigns(self, cls: str) -> dict[str, list]:
        hit = self._inst_attrs.get(cls)
        if hit is not None:
            return hit
        table: dict[str, list] = defaultdict(list)
        klass = self.p.classes.get(cls)
        for method in klass.methods.values() if klass else ():
            fn = self.p.functions[method]
            selfname = fn.facts.params[0].name if fn.facts.params else None
            for scope in [method] + self._closures(method):  # a closure sees the method's self
                for a in self.p.functions[scope].assigns():
                    t = a.target
                    if t[0] == "a" and t[1] == ("n", selfname):
                        table[t[2]].append((scope, a.value))
        self._inst_attrs[cls] = table
        return table

    # -- calls -------------------------------------------------------------
    def _call_expr(self, expr: tuple, scope: str) -> Values:
        out: set[Value] = set()
        for v in self.eval(expr[1], scope):
            out |= self.call_value(v, expr, scope)
        return frozenset(out)

    def call_value(self, v: Value, expr: tuple, scope: str) -> Values:
        kind = v[0]
        if kind in ("fn", "bound"):
            out = self.returns(v[1])
            if self._specializing and any(x[0] in self._specializing for x in out):
                out = self._specialized(out, v, expr, scope)
            return out
        if kind == "cls":
            return frozenset({("inst", v[1])})
        if kind == "ext":
            model = self.models.for_call(v[1])
            return model.call(v[1], expr, scope) if model else frozenset({("exti", v[1])})
        model = self.models.by_kind.get(kind)
        return model.call_value(v, expr, scope) if model else EMPTY

    def _specialized(self, values: Values, callee: Value, expr: tuple, scope: str) -> Values:
        """A returned value that stands for "what this call passes" (a flow handed to a helper that loads
        the engine) is read at this call, by the model that made it."""
        out: set[Value] = set()
        for x in values:
            model = self._specializing.get(x[0])
            out |= model.specialize(x, callee, expr, scope) if model else {x}
        return frozenset(out)

    def passed(self, callee: Value, expr: tuple, name: str, position: int) -> tuple | None:
        """The argument a recorded call ``expr`` gives parameter ``name`` (at ``position``) of ``callee``."""
        offset = 1 if callee[0] in BOUND_KINDS else 0
        return argument(_CallExpr(expr), name, position - offset)

    def parameter_ref(self, expr: tuple, scope: str) -> tuple | None:
        """``("param", fq, position)`` when ``expr`` is a name that is only a parameter of ``scope``."""
        if expr[0] != "n" or scope not in self.p.functions or not self.is_parameter(expr[1], scope):
            return None
        params = self.p.functions[scope].facts.params
        position = next((i for i, p in enumerate(params) if p.name == expr[1] and p.kind not in ("*", "**")), None)
        return None if position is None else ("param", scope, position)

    def owner_class(self, fn: Function | None) -> str | None:
        while fn is not None and fn.cls is None:
            fn = self.p.functions.get(fn.parent) if fn.parent else None
        return fn.cls if fn else None

    def classes_matching(self, pattern: str) -> list[str]:
        """Classes whose dotted path fits a pattern with unknown parts (none if too many fit)."""
        regex = re.compile("[^.]+".join(re.escape(part) for part in pattern.split(WILD)) + "$")
        found = sorted(fq for fq in self.p.classes if regex.match(fq))
        return found if len(found) <= MAX_GLOB else []

    def class_by_path(self, path: str) -> str | None:
        if path in self.p.classes:
            return path
        module, _, name = path.rpartition(".")
        if module in self.p.modules:
            for v in self.global_name(module, name):
                if v[0] == "cls":
                    return v[1]
        return None

    def returns(self, fq: str) -> Values:
        return self._cached(("ret", fq), lambda: self._returns(fq))

    def _returns(self, fq: str) -> Values:
        fn = self.p.functions.get(fq)
        if fn is None:
            return EMPTY
        out: set[Value] = set()
        for d in fn.defs:
            for expr in d.returns:
                out |= self.eval(expr, fq)
        return frozenset(out)


def _base_exprs(bases: tuple) -> list[tuple]:
    """``six.with_metaclass(Meta, Base)`` as a base class stands for ``Base``."""
    out = []
    for expr in bases:
        if expr[0] == "c" and last_name(expr[1]) == "with_metaclass":
            out += list(expr[2][1:])
        else:
            out.append(expr)
    return out


def fill_percent(text: str, right: tuple, one) -> str:
    """``text % right``: each conversion takes ``one(arg)`` (a text, or ``WILD`` when unknown).

    ``right`` is the recorded right-hand side: a tuple display, a dict display (for
    ``%(name)s``), or one value.
    """
    args = list(right[1]) if right[0] == "l" else [right]
    mapping = {k[1]: v for k, v in right[1] if k[0] == "s"} if right[0] == "d" else {}
    pieces = iter(args)

    def fill(m: re.Match) -> str:
        if m.group(0) == "%%":
            return "%"
        if m.group(1):  # %(name)s takes a mapping
            arg = mapping.get(m.group(1)[1:-1])
            return WILD if arg is None else one(arg)
        arg = next(pieces, None)
        return WILD if arg is None else one(arg)

    return _CONVERSION.sub(fill, text)


class _Handed(NamedTuple):
    """The call a spawn-like API makes of the function handed to it: the arguments after it."""

    args: tuple
    kwargs: tuple
    line: int
    col: int
    func: tuple


class _CallExpr:
    """A recorded call expression ``("c", func, args, kwargs)`` read like a call site."""

    __slots__ = ("args", "kwargs")

    def __init__(self, expr: tuple) -> None:
        self.args, self.kwargs = expr[2], expr[3]


def argument(site, name: str, position: int):
    for key, value in site.kwargs:
        if key == name:
            return value
    if 0 <= position < len(site.args) and not any(a[0] == "*" for a in site.args[: position + 1]):
        return site.args[position]
    return None
