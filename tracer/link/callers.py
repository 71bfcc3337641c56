"""link: the interpreter's parameters and callers: what each call site passes to a function.

Stage: link.  A mixin of ``tracer.link.resolve.Resolver`` (it reads the resolver's memo, index and
models); must not import libcst or render.

A parameter is the union of what the sites that resolve to its function pass (capped at
``MAX_CALLERS`` sites).  A site is a call by name, a ``super().__init__``/``cls(...)`` from a
subclass, a ``partial``, a spawn-like call handing the function on with arguments after it, or a
call a library model makes itself (stevedore's ``invoke_on_load``, an RPC send).
"""
from __future__ import annotations

from collections import defaultdict

from tracer.link.exprs import _Handed, accepts, argument, last_name, site_order
from tracer.link.memo import EMPTY
from tracer.link.program import MODULE_BODY, Function
from tracer.link.values import BOUND_KINDS, Value, Values, ordered

MAX_CALLERS = 60
MAX_SUPER = 24  # subclasses whose override reaches a base method through super() (its self's classes)


class Callers:
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
            return frozenset({(kind, fn.cls)} | {(kind, k) for k in self._run_by_super(fn)})
        given = self._by_decorator(fn, where) if self._decorating else EMPTY
        if given:
            return given
        if index == 0 and fn.cls is None and fn.fq in self._class_decorators():
            # a function written as a class decorator (@interface.volumedriver): it is called with the class
            return frozenset(("cls", c) for c in self._class_decorators()[fn.fq])
        if index == 1 and fn.cls and _is_setter(fn.defs[where[0]], fn.name):
            return self._assigned_through(fn.cls, fn.name)
        declared = self.declared(fn, param.annotation)
        if declared and not any(self.p.subclasses.get(c) for c in declared):
            return frozenset(("inst", c) for c in declared)  # what nothing subclasses, callers cannot refine
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
        return self.conforming(out, declared) if declared else frozenset(out)

    def _class_decorators(self) -> dict[str, list[str]]:
        """Function -> the classes a bare ``@name`` decorator naming it decorates (built once)."""
        if self._decorates is None:
            self._decorates = {}
            found: dict[str, list[str]] = {}
            for cls in sorted(self.p.classes):
                for d in self.p.classes[cls].facts.decorators:
                    if d[0] in ("n", "a"):
                        for v in ordered(self.eval(d, self.class_scope(cls))):
                            if v[0] == "fn" and self.p.functions[v[1]].cls is None:
                                found.setdefault(v[1], []).append(cls)
            self._decorates = found
        return self._decorates

    def _run_by_super(self, fn: Function) -> tuple[str, ...]:
        """The subclasses whose own override of the method calls ``super().name(...)`` and lands here:
        Python runs this body with ``self`` one of them (glance's taskflow executor's
        ``begin_processing`` runs the base's, whose ``self._run`` is the subclass's)."""
        hit = self._by_super.get(fn.fq)
        if hit is not None:
            return hit
        out = []
        if fn.inherited_from is None and self.p.subclasses.get(fn.cls):
            for k in sorted(self.p.all_subclasses(fn.cls)):
                override = self.p.lookup_method(k, fn.name)
                if override is None or override == fn.fq:
                    continue
                over = self.p.functions[override]
                owner = self.p.functions[over.inherited_from].cls if over.inherited_from else over.cls
                if _calls_super(over, fn.name) and self.p.lookup_method(k, fn.name, after=owner) == fn.fq:
                    out.append(k)
        hit = self._by_super[fn.fq] = tuple(out[:MAX_SUPER])
        return hit

    def _assigned_through(self, cls: str, attr: str) -> Values:
        """The value of a property setter: what ``obj.attr = v`` assigns where ``obj`` is a ``cls`` (or a
        subclass's instance: ``self.stack = stack`` in the class's own ``__init__``)."""
        out: set[Value] = set()
        for scope, target, value in self._attribute_writes().get(attr, ()):
            if any(v[0] in ("inst", "drv") and cls in self.p.mro(v[1]) for v in self.eval(target[1], scope)):
                out |= self.eval(value, scope)
        return frozenset(out)

    def _attribute_writes(self) -> dict[str, list]:
        """attr -> (scope, target, value) of every ``x.attr = value`` in the program (built once)."""
        if self._writes is None:
            writes: dict[str, list] = defaultdict(list)
            for fq, fn in self.p.functions.items():
                if fn.inherited_from is None:
                    for a in fn.assigns():
                        if a.target[0] == "a":
                            writes[a.target[2]].append((fq, a.target, a.value))
            self._writes = writes
        return self._writes

    def _by_decorator(self, fn: Function, where: tuple[int, int]) -> Values:
        """A parameter a library decorator fills (webob's wsgify hands the function its request object):
        asked of the model that answers the decorator's callable."""
        scope = fn.parent or f"{fn.module}.{MODULE_BODY}"
        for deco in fn.defs[where[0]].decorators:
            callee = deco[1] if deco[0] == "c" else deco
            for v in self.eval(callee, scope) if callee[0] in ("n", "a") else ():
                model = self.models.for_call(v[1]) if v[0] == "ext" else None
                if model is not None and model in self._decorating:
                    given = model.decorated_param(fn, deco, where[1] - (1 if fn.cls else 0), scope)
                    if given:
                        return given
        return EMPTY

    def declared(self, fn: Function, annotation: tuple | None) -> tuple[str, ...]:
        """The program classes an annotation names (evaluated where the ``def`` is: a parameter named like
        the module of its annotation, ``context: context.RequestContext``, does not shadow it)."""
        if annotation is None:
            return ()
        scope = fn.parent or f"{fn.module}.{MODULE_BODY}"
        return tuple(sorted(v[1] for v in self.eval(annotation, scope) if v[0] == "cls"))

    def conforming(self, values, declared: tuple[str, ...]) -> Values:
        """Instances of the declared classes, refined by the values given that are instances of their
        subclasses (a configured driver where the annotation names its interface); an instance of an
        unrelated class is dropped, what is no instance (a library value, a function) is kept."""
        family = set(declared)
        for c in declared:
            family.update(self.p.all_subclasses(c))
        kept = {v for v in values if v[0] not in ("inst", "drv") or v[1] in family}
        return frozenset(kept | {("inst", c) for c in declared})

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

    def callers(self, fq: str) -> tuple[tuple[str, tuple, int], ...]:
        """(caller fq, call site, positional offset) of the sites that resolve to ``fq``.

        A constructor is called by its class's name, and from its subclasses by ``super().__init__(...)``
        and by ``cls(...)`` in a classmethod.  Memoised like any query (the answer is one tuple in a set,
        so the memo's cycle bookkeeping applies and its value cap does not).
        """
        for found in self._cached(("callers", fq), lambda: frozenset({tuple(self._callers(fq))})):
            return found
        return ()  # met again inside its own computation: nothing known yet

    def _callers(self, fq: str) -> list[tuple[str, tuple, int]]:
        fn = self.p.functions[fq]
        if fn.name == "__init__" and fn.cls:
            short = self.p.classes[fn.cls].facts.qualname.rsplit(".", 1)[-1]
            candidates = list(self.sites_near(short, fn.project))
            names = {short} | {self.p.classes[k].facts.qualname.rsplit(".", 1)[-1] for k in self.p.all_subclasses(fn.cls)
                                if k in self.p.classes and self.p.lookup_method(k, "__init__") == fq}
            aliases = set().union(*(self._class_aliases().get(n, ()) for n in names))
            for alias in sorted(aliases):  # self.resource_class(...) of a class whose __init__ this is
                candidates += self.sites_near(alias, fn.project)
            candidates += self._from_subclasses(fn.cls, "__init__") + self._from_subclasses(fn.cls, "cls")
        else:
            candidates = self.sites_near(fn.name, fn.project)
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

    def _class_aliases(self) -> dict[str, set[str]]:
        """Class name -> the class-level attribute names a class is stored under (``resource_class =
        Server`` in each client manager): a call of ``self.resource_class(...)`` may construct it."""
        if self._aliases is None:
            aliases: dict[str, set[str]] = defaultdict(set)
            for klass in self.p.classes.values():
                for attr, values in klass.attrs.items():
                    for v in values:
                        name = last_name(v)
                        if name and name != attr and name[:1].isupper():
                            aliases[name].add(attr)
            self._aliases = aliases
        return self._aliases

    def _handed_on(self, fq: str) -> list:
        """``spawn(f, a, b)``, ``tg.add_thread(self._run, ctx)``: a function handed to a call with the
        arguments after it is called with them (the convention of every spawn, thread and looping-call API)."""
        fn = self.p.functions[fq]
        out = []
        linked = self.p.projects_linked(fn.project)
        passing = (x for x in self.p.sites_passing(fn.name) if self.p.functions[x[0]].project in linked)
        for caller, site, i in list(passing)[:MAX_CALLERS]:
            if i + 1 >= len(site.args) and not site.kwargs:
                continue  # nothing handed on with it: no parameter to bind (the callback edge is the linker's)
            if last_name(site.func) == "partial" or any(a[0] == "*" for a in site.args[:i + 1]):
                continue  # partial(f, a): read by _offset_if_calls
            if not self._names_code(site.args[i], caller):
                continue
            for v in ordered(self.eval(site.args[i], caller)):
                if v[1:2] == (fq,) and v[0] in ("fn",) + BOUND_KINDS:
                    later = _Handed(site.args[i + 1:], site.kwargs, site.line, site.col, site.func)
                    out.append((caller, later, 1 if v[0] in BOUND_KINDS else 0))
                    break
        return out

    def _names_code(self, arg: tuple, scope: str) -> bool:
        """``f`` bound by a def or an import, ``self.m`` / ``cls.m``, ``module.f``, or a method of a local
        object (``pool.spawn(task.run, executor)``): how code is handed on."""
        if arg[0] == "a":
            return arg[1][0] == "n"  # its value says whether it is a function (the caller checks it is fq)
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
                ("cls", cls) in self.eval(site.func, caller)
                for caller, site in self.sites_near(short, self.p.classes[cls].project))
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
        return sorted(out, key=site_order)[:MAX_CALLERS]

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
        offset = self._offset_of(site, caller, fq, targets)
        if offset is not None and offset >= 0 and not accepts(self.p.functions[fq].facts.params, site, offset):
            return None  # Python would refuse these arguments (a TypeError): no value of them reaches fq
        return offset

    def _offset_of(self, site, caller: str, fq: str, targets: set[str]) -> int | None:
        for v in ordered(self.eval(site.func, caller)):
            if v[0] == "fn" and v[1] in targets:
                return 0
            if v[0] in BOUND_KINDS and v[1] in targets and (v[1] == fq or self._dispatches_to(v, fq)):
                return 1
            if v[0] == "partial" and v[1] in targets:
                return v[2]
            if v[0] == "cls" and self.p.lookup_method(v[1], "__init__") == fq:
                return 1
        return None

    def _dispatches_to(self, v: Value, fq: str) -> bool:
        """A base method bound to an instance of ``v[2]`` may run ``fq``, an override, when the instance is of
        a subclass; not when the base method was picked past the override (``super().m()`` in the subclass)."""
        cls = self.p.functions[fq].cls
        return cls is not None and cls != v[2] and cls in self.p.all_subclasses(v[2]) and \
            self.p.lookup_method(v[2], self.p.functions[fq].name) == v[1]

    def sites_named(self, name: str) -> tuple:
        return self.p.sites_named(name)

    def sites_near(self, name: str, project: str) -> tuple:
        """The first ``MAX_CALLERS`` sites named ``name`` in code that can hold a function of ``project``
        (its own, or a project one of the two imports: another service's code never calls it)."""
        key = (name, project)
        hit = self._near.get(key)
        if hit is None:
            linked = self.p.projects_linked(project)
            functions = self.p.functions
            hit = self._near[key] = tuple(
                item for item in self.p.sites_named(name) if functions[item[0]].project in linked)[:MAX_CALLERS]
        return hit

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
        mine = self._chain_callers(fq, cls)
        if not mine:
            return self.param(fq, (0, position))
        param = self.p.functions[fq].facts.params[position]
        out: set[Value] = set(self.eval(param.default, fq)) if param.default is not None else set()
        for caller, site, offset in mine:
            arg = argument(site, param.name, position - offset)
            if arg is not None:
                out |= self.eval(arg, caller)
                continue
            handed = self.forwarded(caller, site, param.name)  # super().__init__(**kwargs): the keyword as given
            if handed:
                out |= handed
            elif any(a[0] == "*" for a in site.args) or any(k is None for k, _ in site.kwargs):
                return self.param(fq, (0, position))  # handed on by *args/**kwargs: every caller's
        return frozenset(out)

    def _chain_callers(self, fq: str, cls: str) -> list:
        """The callers of ``fq`` in ``cls``'s own MRO: for a constructor, every ``super().__init__(...)`` of
        the chain, however many other subclasses the base has."""
        mro = self.p.mro(cls)
        mine = [c for c in self.callers(fq) if self.p.functions[c[0]].cls in mro]
        if self.p.functions[fq].name == "__init__":
            seen = {(c[0], c[1]) for c in mine}
            self._from_subclasses(cls, "__init__")  # fills the index by owner
            for k in mro:
                for caller, site in self._by_owner["__init__"].get(k, ()):
                    offset = self._offset_if_calls(site, caller, fq) if (caller, site) not in seen else None
                    if offset is not None:
                        mine.append((caller, site, offset))
        return mine


def _is_setter(facts, name: str) -> bool:
    """Whether a def is decorated ``@name.setter`` (a property's setter)."""
    return ("a", ("n", name), "setter") in facts.decorators


def _calls_super(fn: Function, name: str) -> bool:
    """Whether the def calls ``super().name(...)`` or ``super(Cls, self).name(...)``."""
    return any(site.func[0] == "a" and site.func[2] == name and site.func[1][0] == "c"
               and site.func[1][1] == ("n", "super") for site in fn.calls())

