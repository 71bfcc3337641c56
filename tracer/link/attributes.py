"""link: the interpreter's attributes: of modules, classes, instances, and what ``self.x`` holds.

Stage: link.  A mixin of ``tracer.link.resolve.Resolver``; must not import libcst or render.

A method comes back bound; ``self.x`` is every ``self.x = ...`` of the class and its bases (a
base's ``__init__`` parameter read per concrete class); ``__getattr__`` delegation is followed;
a base's ``self.m()`` that only subclasses define is theirs (mixins); a library value's attribute
is asked of its model.
"""
from __future__ import annotations

from collections import defaultdict

from tracer.link.exprs import last_name
from tracer.link.memo import EMPTY
from tracer.link.program import MODULE_BODY, Function
from tracer.link.values import BOUND_KINDS, Value, Values, ordered, strings

MAX_MIXIN = 3  # subclasses a base's self.m() may stand for
NONE = ("n", "None")
DICT_READS = frozenset({"get", "values", "pop", "setdefault"})  # a dict's methods that hand back its items


class Attributes:
    # -- attributes --------------------------------------------------------
    def _attr_expr(self, expr: tuple, scope: str) -> Values:
        base, attr = expr[1], expr[2]
        out: set[Value] = set()
        for v in ordered(self.eval(base, scope)):
            out |= self.attribute(v, attr)
        if not out and attr in DICT_READS and base[0] in ("n", "a") and self.fills(base, scope):
            return frozenset({("ext", f"builtins.dict.{attr}")})  # plugins.get: a dict the program fills
        if not any(v[0] in self._settled for v in out):
            for model in self._fallbacks:  # CONF.x: what the library says an unknown attribute is
                out |= model.fallback_attribute(attr, base, scope)
        return frozenset(out)

    def attribute(self, v: Value, attr: str) -> Values:
        return self._cached(("attrv", v, attr), lambda: self._attribute(v, attr))

    def _attribute(self, v: Value, attr: str) -> Values:
        kind = v[0]
        if kind == "mod":
            sub = f"{v[1]}.{attr}"
            return frozenset({("mod", sub)}) if sub in self.p.modules else self.global_name(v[1], attr)
        if kind == "ext":
            if v[1] == "builtins.None":  # None has no attributes: the path where it is None raises there
                return EMPTY
            model = self.models.ext_attributes.get(v[1])
            return model.ext_attribute(v[1], attr) if model else frozenset({("ext", f"{v[1]}.{attr}")})
        if kind == "exti":  # x.id.id is x.id: a loop that reads an attribute of its own result ends
            return frozenset({v if v[1].endswith("." + attr) else ("exti", f"{v[1]}.{attr}")})
        if kind == "inst":
            return self.instance_attr(v, attr)
        if kind == "cls":
            return self._class_attr(v[1], attr)
        model = self.models.by_kind.get(kind) or self.models.attributes_of.get(kind)
        return model.attribute(v, attr) if model else EMPTY

    def instance_attr(self, v: Value, attr: str, bound: str = "bound") -> Values:
        """``obj.attr`` on an instance of a program class; a method comes back as a ``bound`` value."""
        cls = v[1]
        if attr == "__class__":  # the object's own class (``self.__class__(...)`` builds another of its kind)
            return frozenset({("cls", cls)})
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
        out |= self._through_descriptors(self.class_level(cls, attr))
        if not out and not attr.startswith("__"):
            out |= self._delegated(v, attr)
        if not out and not attr.startswith("__"):
            out |= self._in_subclasses(cls, attr, bound)
        return frozenset(out)

    def _through_descriptors(self, values: Values) -> Values:
        """A class attribute read through an instance: where it holds a descriptor (an object whose class
        defines ``__get__``), Python hands back what ``__get__`` returns; a model says so for a library's
        descriptor, else the getter's return values."""
        out: set[Value] = set()
        for v in ordered(values):
            getter = self.p.lookup_method(v[1], "__get__") if v[0] == "inst" else None
            if getter is None:
                out.add(v)
                continue
            model = self.models.for_descriptor(self.p.mro(v[1]))
            out |= model.descriptor(v) if model is not None else self.returns(getter)
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
                    for inner in ordered(self.eval(site.args[0], scope)):
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

    def run_sites(self, fq: str) -> tuple:
        """The call sites ``fq``'s body runs: its own, without its decorators (Python evaluates those where
        the ``def`` statement is: the enclosing function, or the module or class body), and the decorators
        of the functions defined directly in it (``@synchronized(instance.uuid)`` on a nested def is called
        by the enclosing function, each time it runs)."""
        hit = self._run_sites.get(fq)
        if hit is None:
            fn = self.p.functions[fq]
            own = [s for d in fn.defs for s in d.calls if s.line >= d.line or fn.name == MODULE_BODY]
            for child in self._closures(fq) if fn.name != MODULE_BODY else ():
                own += [s for d in self.p.functions[child].defs for s in d.calls if s.line < d.line]
            hit = self._run_sites[fq] = tuple(own)
        return hit

    def decorator_sites(self, fq: str) -> tuple:
        """The call sites of ``fq``'s own decorators (``@check_exists(_api.get_lease, ...)``)."""
        fn = self.p.functions[fq]
        return tuple(s for d in fn.defs for s in d.calls if s.line < d.line and fn.name != MODULE_BODY)

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
                if klass.attrs[attr] == (NONE,):  # a placeholder the subclasses fill: _view_builder_class = None
                    return self._filled_by_subclasses(cls, attr) | self._set_by_classmethods(cls, attr)
                return self._class_attr_values(k, attr) | self._set_by_classmethods(cls, attr)
        return self._set_by_classmethods(cls, attr)

    def _set_by_classmethods(self, cls: str, attr: str) -> Values:
        """``cls.x = v`` in a classmethod sets the class attribute (octavia's ``NovaAuth.nova_client``, a
        client made once and kept on the class)."""
        out: set[Value] = set()
        for k in self.p.mro(cls):
            for scope, expr in self.self_assigns(k).get(attr, ()):
                if self._is_classmethod(self.p.functions[scope]):
                    out |= self.eval(expr, scope)
        return frozenset(out)

    def _class_attr_values(self, k: str, attr: str) -> Values:
        klass = self.p.classes[k]
        scope = self.class_scope(k)
        out: set[Value] = set()
        for expr in klass.attrs[attr]:
            if expr[0] == "n" and expr[1] in klass.methods:  # alias: failover_host = failover
                out.add(("fn", klass.methods[expr[1]]))
            else:
                out |= self.eval(expr, scope)
        return frozenset(out)

    def _filled_by_subclasses(self, cls: str, attr: str) -> Values:
        """``x = None`` in a class body, set by subclasses: in the class's own methods ``self`` may be any
        of them, so ``self.x`` is what they set (cinder's Controller.__init__ builds each controller's
        ``_view_builder_class``), beside None."""
        out: set[Value] = {("ext", "builtins.None")}
        for sub in self.p.all_subclasses(cls):
            klass = self.p.classes.get(sub)
            if klass is not None and attr in klass.attrs and klass.attrs[attr] != (NONE,):
                out |= self._class_attr_values(sub, attr)
        return frozenset(out)

    def fills(self, expr: tuple, scope: str) -> bool:
        """Whether the program writes items into the dict ``expr`` names, told without evaluating them (what
        ``items`` reads: a method call on it is the dict's own; its items are read only if the call's value is)."""
        if expr[0] == "n" and scope in self.p.functions:
            if any(a.target[0] == "k" and a.target[1] == expr for a in self.p.functions[scope].assigns()):
                return True
            return any(value[0] in ("c", "a") for value, _ in self.bound_exprs(expr[1], scope))
        if expr[0] == "a":
            for v in ordered(self.eval(expr[1], scope)):
                for k in self.p.mro(v[1]) if v[0] in ("inst", "drv", "cls") else ():
                    table = self.self_assigns(k)
                    if table.get("[]" + expr[2]) or any(x[0] in ("c", "n", "d") for _, x in table.get(expr[2], ())):
                        return True
                    klass = self.p.classes.get(k)
                    if klass is not None and any(x[0] == "d" for x in klass.attrs.get(expr[2], ())):
                        return True
        return False

    def items(self, expr: tuple, scope: str, keys: tuple[str, ...] = (), loose: bool = False) -> Values:
        """What a dict holds, under any key (or under one of ``keys``): ``x[k] = v`` where ``x`` is bound
        (``plugins[p.resource_type] = p``: a key that is the value's attribute is read per value),
        ``self.x[k] = v`` in the class's methods, and the items of what a function that built it returns
        (``self.plugins = self._get_plugins()``).  ``loose``: a key the code computes may be one of
        ``keys`` (``x['k']`` read where ``x[name] = v`` was written); else only written keys count."""
        return self._cached(("items", expr, scope, keys, loose), lambda: self._items(expr, scope, keys, loose))

    def _items(self, expr: tuple, scope: str, keys: tuple[str, ...], loose: bool) -> Values:
        out: set[Value] = set()
        tag = expr[0]
        if tag == "n" and scope in self.p.functions:
            for a in self.p.functions[scope].assigns():
                if a.target[0] == "k" and a.target[1] == expr:
                    out |= self._item(a.target[2], a.value, scope, keys, loose)
            for value, where in self.bound_exprs(expr[1], scope):
                if value[0] in ("c", "a"):
                    out |= self.items(value, where, keys, loose)
        elif tag == "a":
            for v in ordered(self.eval(expr[1], scope)):
                for k in self.p.mro(v[1]) if v[0] in ("inst", "drv", "cls") else ():
                    table = self.self_assigns(k)
                    for method, (key, value) in table.get("[]" + expr[2], ()):
                        out |= self._item(key, value, method, keys, loose)
                    for method, value in table.get(expr[2], ()):
                        if value[0] in ("c", "n"):
                            out |= self.items(value, method, keys, loose)
                        elif value[0] == "d":  # self.x = {k: v, ...}
                            out |= self._display(value, method, keys, loose)
                    klass = self.p.classes.get(k)
                    for value in klass.attrs.get(expr[2], ()) if klass else ():  # commands = {'=': _equals, ...}
                        if value[0] == "d":
                            out |= self._display(value, self.class_scope(k), keys, loose, klass)
        elif tag == "c":
            for v in ordered(self.eval(expr[1], scope)):
                fn = self.p.functions.get(v[1]) if v[0] in ("fn", "bound") else None
                for d in fn.defs if fn else ():
                    for ret in d.returns:
                        out |= self.items(ret, fn.fq, keys, loose)
        return frozenset(out)

    def _display(self, table: tuple, scope: str, keys: tuple[str, ...], loose: bool, klass=None) -> Values:
        """A dict display's items; in a class body a bare name may be a method defined above it."""
        out: set[Value] = set()
        for key, value in table[1]:
            if klass is not None and value[0] == "n" and value[1] in klass.methods:
                if not keys or set(strings(self.eval(key, scope))) & set(keys):
                    out.add(("fn", klass.methods[value[1]]))
                continue
            out |= self._item(key, value, scope, keys, loose)
        return frozenset(out)

    def _item(self, key: tuple, value: tuple, scope: str, keys: tuple[str, ...], loose: bool) -> Values:
        """One written item, when its key is one of ``keys`` (the key is read first: a value under another
        key is not evaluated)."""
        if not keys:
            return self.eval(value, scope)
        if key[0] == "a" and key[1] == value:  # d[p.kind] = p: each value under its own attribute
            return frozenset(v for v in self.eval(value, scope) if set(strings(self.attribute(v, key[2]))) & set(keys))
        written = strings(self.eval(key, scope))
        if set(written) & set(keys) or (loose and not written):
            return self.eval(value, scope)
        return EMPTY

    def instance_attr_values(self, cls: str, attr: str) -> Values:
        return self._cached(("iattr", cls, attr), lambda: self._iattr(cls, attr))

    def _iattr(self, cls: str, attr: str) -> Values:
        out: set[Value] = set()
        for k in self.p.mro(cls):
            for method, expr in self.self_assigns(k).get(attr, ()):
                if k == cls:
                    out |= self.eval(expr, method)
                    continue
                position = self._param_position(expr, method)
                out |= self.param_for(method, position, cls) if position is not None else self._as_of(expr, method, cls)
            if out:
                break
        return frozenset(out)

    def _as_of(self, expr: tuple, method: str, cls: str) -> Values:
        """A base's ``self.x = self.y`` or ``self.x = self.y(...)`` read for a concrete class: ``self`` is a
        ``cls`` there (cinder's Controller.__init__ builds the concrete controller's own view builder)."""
        fn = self.p.functions.get(method)
        me = ("n", fn.facts.params[0].name) if fn is not None and fn.facts.params and fn.cls else None
        call = expr if expr[0] == "c" else None
        attr = call[1] if call is not None else expr
        if me is None or attr[0] != "a" or attr[1] != me:
            return self.eval(expr, method)
        values = self.attribute(("inst", cls), attr[2])
        if call is None:
            return values
        out: set[Value] = set()
        for v in ordered(values):
            out |= self.call_value(v, call, method)
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
                assigns = tuple(self.p.functions[scope].assigns())
                aliases = _dict_aliases(assigns, ("n", selfname))
                for a in assigns:
                    t = a.target
                    if t[0] == "a" and t[1] == ("n", selfname):
                        table[t[2]].append((scope, a.value))
                    elif t[0] == "k" and t[1] == ("a", ("n", selfname), "__dict__") and t[2][0] == "s":
                        table[t[2][1]].append((scope, a.value))  # self.__dict__['x'] = v sets self.x, and
                        table[DICT_WRITE + t[2][1]].append((scope, a.value))  # past any __setattr__
                    elif t[0] == "k" and t[1][0] == "a" and t[1][1] == ("n", selfname):  # self.x[k] = v
                        table["[]" + t[1][2]].append((scope, (t[2], a.value)))
                    elif t[0] == "k" and t[1][0] == "n" and t[1][1] in aliases:  # d = self.x; d[k] = v
                        table["[]" + aliases[t[1][1]]].append((scope, (t[2], a.value)))
        self._inst_attrs[cls] = table
        return table


DICT_WRITE = "__dict__."  # self_assigns' key prefix for ``self.__dict__['x'] = v``


def _dict_aliases(assigns: tuple, me: tuple) -> dict[str, str]:
    """Local names that stand for a dict attribute of ``me``: ``d = self.x``, and ``d = d[k]`` walking down
    its nested dicts (the levels are one dict to the reader: ``self.x[k]`` gives every level's items)."""
    out: dict[str, str] = {}
    for a in assigns:
        t, v = a.target, a.value
        if t[0] == "n" and v[0] == "a" and v[1] == me:
            out.setdefault(t[1], v[2])
    if out:
        for a in assigns:
            t, v = a.target, a.value
            if t[0] == "n" and t[1] in out and v[0] == "k" and v[1] == t:
                continue  # d = d[k]: still the same dict
            if t[0] == "n" and t[1] in out and not (v[0] == "a" and v[1] == me and v[2] == out[t[1]]):
                del out[t[1]]  # bound to something else too: not an alias
    return out

