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

from ast import literal_eval

import builtins
import re
from collections import defaultdict

from tracer.link.attributes import DICT_READS, Attributes
from tracer.link.callers import MAX_CALLERS, Callers
from tracer.link.exprs import _CallExpr, argument, fill_percent, last_name, site_order, sites_in_order
from tracer.link.memo import Memo
from tracer.link.models.base import Model, Registry
from tracer.link.program import MODULE_BODY, Function, Program
from tracer.link.values import BOUND_KINDS, EMPTY, Value, Values, WILD, ext_matches, ordered, strings, templates

_BUILTINS = frozenset(dir(builtins))
_CORE_SETTLED = frozenset({"mod", "cls", "inst", "fn", "bound", "str", "cfg"})
_APPENDS = {"append": 0, "add": 0, "appendleft": 0, "extend": 0, "insert": 1}
MAX_GLOB = 6
__all__ = ["MAX_CALLERS", "Resolver", "argument", "fill_percent", "last_name", "site_order", "sites_in_order"]


class Resolver(Attributes, Callers):
    def __init__(self, program: Program, models: tuple[type[Model], ...]) -> None:
        self.p = program
        self._cached = Memo()
        self._done = self._cached.done
        self._locals: dict[str, dict[str, list]] = {}
        self._defs: dict[str, dict[str, list]] = {}
        self._overrides: dict[str, set[str]] = {}
        self._inst_attrs: dict[str, dict[str, list]] = {}
        self._built: dict[str, bool] = {}
        self._by_owner: dict[str, dict[str, list]] = {}
        self._run_sites: dict[str, tuple] = {}
        self._near: dict[tuple[str, str], tuple] = {}
        self._handed_back: dict[str, tuple | None] = {}
        self._writes: dict[str, list] | None = None  # attr -> every ``x.attr = v`` (property setters' values)
        self._aliases: dict[str, set[str]] | None = None  # class name -> class attributes holding the class
        self._by_super: dict[str, tuple[str, ...]] = {}  # method -> subclasses running it through super()
        self._decorates: dict[str, list[str]] | None = None  # function -> classes it decorates (@name)
        self.models = Registry(self, models)
        self._settled = _CORE_SETTLED | self.models.settled
        self._fallbacks = [m for m in self.models if type(m).fallback_attribute is not Model.fallback_attribute]
        self._module_setters = [m for m in self.models if type(m).module_attribute is not Model.module_attribute]
        self._specializing = {k: m for m in self.models for k in m.specializes}
        self._narrowing = [m for m in self.models if type(m).narrow is not Model.narrow]
        self._calling_models = [m for m in self.models if type(m).calls_into is not Model.calls_into]
        self._decorating = {m for m in self.models if type(m).decorated_param is not Model.decorated_param}
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
                if a.target[0] == "n" and a.target[1] not in d.globals:  # global x; x = v binds the module's x
                    names[a.target[1]].append(("expr", a.value))
            for site in d.calls:  # devices = []; devices.append(x): x is an element of devices
                added = _appended(site)
                if added and any(kind == "expr" for kind, _ in names.get(added[0], ())):
                    names[added[0]].append(("expr", added[1]))
        prefix = fn.facts.qualname
        if prefix == MODULE_BODY:
            for writer, a in self._global_writes(fn.module):
                names[a.target[1]].append(("in", (a.value, writer)))
            for writer, name, item in self._global_appends(fn.module, names):
                names[name].append(("in", (item, writer)))
        self._add_defs(names, fn.module, "" if prefix == MODULE_BODY else prefix + ".<locals>.")
        self._locals[fq] = names
        return names

    def _global_writes(self, module: str) -> list[tuple[str, tuple]]:
        """The assignments defs of ``module`` make to names they declare ``global``: (def, assign)."""
        out = []
        for f in self.p.modules[module].functions:
            if f.globals:
                out += [(f"{module}.{f.qualname}", a) for a in f.assigns if a.target[0] == "n" and a.target[1] in f.globals]
        return out

    def _global_appends(self, module: str, names: dict[str, list]) -> list[tuple[str, str, tuple]]:
        """``REGISTRY.append(x)`` in a def of the module, on a list the module body binds and the def does not
        (a decorator that registers what it decorates): (def, name, x)."""
        out = []
        for f in self.p.modules[module].functions:
            if f.qualname == MODULE_BODY:
                continue
            bound = {p.name for p in f.params} | {a.target[1] for a in f.assigns if a.target[0] == "n"}
            for site in f.calls:
                added = _appended(site)
                if added and added[0] not in bound and any(kind == "expr" for kind, _ in names.get(added[0], ())):
                    out.append((f"{module}.{f.qualname}", *added))
        return out

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
            key = ("name", expr[1], scope)
            hit = self._done.get(key)  # the memo's answers, read first: most queries were asked before
            return hit if hit is not None else self._cached(key, lambda: self._name(expr[1], scope))
        if tag == "s":
            return frozenset({("str", expr[1])})
        if tag == "a":
            key = ("attr", expr, scope)
            hit = self._done.get(key)
            return hit if hit is not None else self._cached(key, lambda: self._attr_expr(expr, scope))
        if tag == "c":
            key = ("call", expr, scope)
            hit = self._done.get(key)
            return hit if hit is not None else self._cached(key, lambda: self._call_expr(expr, scope))
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
        if tag == "w":
            return self._cached(("with", expr, scope), lambda: self._entered(expr[1], scope))
        if tag == "x":
            return frozenset(("inst", v[1]) if v[0] == "cls" else ("exti", v[1]) for v in self.eval(expr[1], scope)
                             if v[0] in ("cls", "ext"))
        if tag == "L":  # a lambda: calling it gives its body's values, read where it was written
            return frozenset({("lam", scope, repr(expr[1]))})
        return EMPTY

    def _entered(self, expr: tuple, scope: str) -> Values:
        """``with x as y``: what ``x.__enter__()`` returns when the program defines it, else ``x`` itself (a
        generator-made context manager's call already gives what it yields)."""
        out: set[Value] = set()
        for v in ordered(self.eval(expr, scope)):
            enter = self.p.lookup_method(v[1], "__enter__") if v[0] in ("inst", "drv") else None
            out |= (self.returns(enter) or {v}) if enter else {v}
        return frozenset(out)

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
        """``a, b = f()``: element ``index`` of every tuple ``f`` returns; ``a, b = TABLE[k]``: element
        ``index`` of the tuples a dict display bound to ``TABLE`` holds (under ``k`` when it is a literal)."""
        value, index = expr[1], expr[2]
        if value[0] == "k" and value[1][0] == "n":
            return self._table_element(value, index, scope)
        if value[0] == "it":  # for a, b in rows: element ``index`` of each row the iterable holds
            out: set[Value] = set()
            for row, where in self._rows(value[1], scope, 0):
                if len(row[1]) > index:
                    out |= self.eval(row[1][index], where)
            return frozenset(out)
        if value[0] == "k":  # a, b = x[k]: a row of a table or of a (smashed) sequence is its values
            return self.eval(value, scope)
        if value[0] != "c":
            return EMPTY
        out: set[Value] = set()
        for v in ordered(self.eval(value[1], scope)):
            fn = self.p.functions.get(v[1]) if v[0] in ("fn",) + BOUND_KINDS else None
            for d in fn.defs if fn else ():
                for ret in d.returns:
                    if ret[0] == "l" and len(ret[1]) > index:
                        out |= self.eval(ret[1][index], fn.fq)
                    elif ret[0] == "c":  # return g(...): element ``index`` of what g returns
                        out |= self.eval(("t", ret, index), fn.fq)
        return frozenset(out)

    def _rows(self, expr: tuple, scope: str, depth: int) -> list[tuple[tuple, str]]:
        """The tuple or list displays iterating ``expr`` gives (a display of rows, a comprehension of one,
        what a name is bound to, what a called function returns), each with the scope to read it in."""
        if depth > 3:
            return []
        tag = expr[0]
        if tag == "l":
            return [(row, scope) for row in expr[1] if row[0] == "l"]
        out: list[tuple[tuple, str]] = []
        if tag == "n":
            for bound, where in self.bound_exprs(expr[1], scope):
                out += self._rows(bound, where, depth + 1)
        elif tag == "c":
            for v in ordered(self.eval(expr[1], scope)):
                fn = self.p.functions.get(v[1]) if v[0] in ("fn",) + BOUND_KINDS else None
                for d in fn.defs if fn else ():
                    for ret in d.returns:
                        out += self._rows(ret, fn.fq, depth + 1)
        return out

    def _table_element(self, value: tuple, index: int, scope: str) -> Values:
        keys = set(strings(self.eval(value[2], scope)))
        out: set[Value] = set()
        for table, where in self.bound_exprs(value[1][1], scope):
            for key, row in table[1] if table[0] == "d" else ():
                if row[0] == "l" and len(row[1]) > index and (not keys or key in {("s", k) for k in keys}):
                    out |= self.eval(row[1][index], where)
        return frozenset(out)

    def _concat(self, expr: tuple, scope: str) -> Values:
        """``a + b`` of strings; an unknown side is an unknown part (``'_do_' + action``), as with ``%``."""
        left, right = self.eval(expr[1], scope), self.eval(expr[2], scope)
        kind = "cfg" if any(v[0] == "cfg" for v in left | right) else "str"
        lefts, rights = templates(left), templates(right)
        if bool(lefts) != bool(rights) and "l" not in (expr[1][0], expr[2][0]):  # not a list's +
            unknown = right if lefts else left
            if all(v[0] in ("ext", "exti") for v in unknown):  # nothing of the program: some run-time text
                lefts, rights = lefts or [WILD], rights or [WILD]
        return frozenset((kind, a + b) for a in lefts for b in rights)

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
        if not out and expr[1][0] in ("n", "a"):  # self.image_drivers[name], filled by self.image_drivers[n] = d
            literal = (expr[2][1],) if expr[2][0] == "s" else ()  # x["k"]: what is written under "k"
            out |= self.items(expr[1], scope, literal, loose=True)
        if not out and self._subscripting and not (expr[1][0] == "n" and self.is_parameter(expr[1][1], scope)):
            # a library value read by key (an option's dict default: CONF.x['k'], or a name bound to it); a
            # parameter is not typed through its callers for it
            keys = strings(self.eval(expr[2], scope))
            for v in ordered(self.eval(expr[1], scope)):
                model = self._subscripting.get(v[0])
                if model is not None:
                    out |= model.subscript(v, keys)
        if not out and self.models.tables:  # req.environ['x']: a table the whole program shares (a model's)
            base = expr[1]
            model = self.models.tables.get(base[2] if base[0] == "a" else base[1] if base[0] == "n" else "")
            if model is not None:
                out |= model.table(base[2] if base[0] == "a" else base[1], strings(self.eval(expr[2], scope)), scope)
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
        return [(item, body) if kind == "expr" else item for kind, item in self.locals_of(body).get(name, ())
                if kind in ("expr", "in")]

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
        if not out:
            for model in self._module_setters:  # set on the module by a library at run time
                out |= model.module_attribute(module, name)
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
            elif kind == "in":  # written by a def under ``global``: read in that def's scope
                out |= self.eval(*item)
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

    # -- calls -------------------------------------------------------------
    def _call_expr(self, expr: tuple, scope: str) -> Values:
        out: set[Value] = set()
        for v in ordered(self.eval(expr[1], scope)):
            out |= self.call_value(v, expr, scope)
        func = expr[1]
        if func[0] == "a" and func[2] in DICT_READS and out <= {("exti", f"builtins.dict.{func[2]}")}:
            # plugins.get(kind), plugins.values(): a dict's items; d.get("k"), d.pop("k"): those under "k"
            first = expr[2][0] if expr[2] else ("o",)
            literal = (first[1],) if func[2] != "values" and first[0] == "s" else ()
            out = set(self.items(func[1], scope, literal, loose=True)) or out
        return frozenset(out)

    def call_value(self, v: Value, expr: tuple, scope: str) -> Values:
        kind = v[0]
        if kind in ("fn", "bound"):
            handed = self._returned_parameters(v[1])
            out = self._returns_at(v, expr, scope, handed) if handed else self.returns(v[1])
            if self._specializing and any(x[0] in self._specializing for x in out):
                out = self._specialized(out, v, expr, scope)
            for model in self._narrowing:
                out = model.narrow(out, v, expr, scope)
            return out
        if kind == "cls":
            return self.instances(v[1])
        if kind == "lam":
            return self.eval(literal_eval(v[2]), v[1])
        if kind == "ext":
            if v[1] == "builtins.None":  # calling None raises: it makes no value
                return EMPTY
            model = self.models.for_call(v[1])
            return model.call(v[1], expr, scope) if model else frozenset({("exti", v[1])})
        model = self.models.by_kind.get(kind)
        return model.call_value(v, expr, scope) if model else EMPTY

    def instances(self, cls: str) -> Values:
        """What calling class ``cls`` makes: an instance of it, and of each class its ``__new__`` hands to
        ``super().__new__(X)`` (``ResourceInfo.__new__`` picks ``ClassResourceInfo`` by the value's type)."""
        new = self.p.lookup_method(cls, "__new__")
        if new is None or new not in self.p.functions:
            return frozenset({("inst", cls)})
        return self._cached(("new", cls), lambda: self._made_by_new(cls, new))

    def _made_by_new(self, cls: str, new: str) -> Values:
        out: set[Value] = {("inst", cls)}
        for d in self.p.functions[new].defs:
            for ret in d.returns:
                if ret[0] == "c" and ret[1][0] == "a" and ret[1][2] == "__new__" and ret[2]:
                    out |= {("inst", x[1]) for x in self.eval(ret[2][0], new) if x[0] == "cls"}
                elif ret[0] == "c":  # return OpenStackClients(context): the object it makes stands for this one
                    out |= {x for x in self.eval(ret, new) if x[0] in ("inst", "drv")}
        return frozenset(out)

    def _specialized(self, values: Values, callee: Value, expr: tuple, scope: str) -> Values:
        """A returned value that stands for "what this call passes" (a flow handed to a helper that loads
        the engine) is read at this call, by the model that made it."""
        out: set[Value] = set()
        for x in ordered(values):
            model = self._specializing.get(x[0])
            out |= model.specialize(x, callee, expr, scope) if model else {x}
        return frozenset(out)

    def _returned_parameters(self, fq: str) -> tuple | None:
        """(return expression, parameter name, position) of each return of ``fq``, the name and position
        set when it returns one of its parameters as given (``return obj`` in ``_from_db_object``); None
        when none does (or a return annotation speaks for the value)."""
        if fq in self._handed_back:
            return self._handed_back[fq]
        fn = self.p.functions.get(fq)
        found: list = []
        if fn is not None and not any(d.returns_type for d in fn.defs):
            sources = self.locals_of(fq)
            first = 1 if fn.cls and not self._is_static(fn) else 0  # self / cls is the receiver's own value
            for d in fn.defs:
                names = [p.name for p in d.params if p.kind not in ("*", "**")]
                for ret in d.returns:
                    name = ret[1] if ret[0] == "n" else None
                    position = names.index(name) if name in names[first:] else None
                    if first and names and name == names[0] and not self._is_classmethod(fn):
                        position = 0  # return self: the receiver, as the call's bound value says it
                    if position is not None and not all(kind == "param" for kind, _ in sources.get(name, ())):
                        position = None  # reassigned in the body: not only what the caller gave
                    found.append((ret, name, position))
        hit = tuple(found) if any(f[2] is not None for f in found) else None
        self._handed_back[fq] = hit
        return hit

    def _returns_at(self, callee: Value, expr: tuple, scope: str, handed: tuple) -> Values:
        """What a call returns when the callee returns a parameter: the argument this call gives it (read
        where the call is), not every caller's."""
        out: set[Value] = set()
        fq = callee[1]
        for ret, name, position in handed:
            if position is None:
                out |= self.eval(ret, fq)
                continue
            if position == 0:  # return self: an instance of the class the method was bound to
                out |= {("inst", callee[2])} if callee[0] == "bound" else self.eval(ret, fq)
                continue
            arg = self.passed(callee, expr, name, position) if expr[0] == "c" else None
            out |= self.eval(arg, scope) if arg is not None else self.eval(ret, fq)
        return frozenset(out)

    def passed(self, callee: Value, expr: tuple, name: str, position: int) -> tuple | None:
        """The argument a recorded call ``expr`` gives parameter ``name`` (at ``position``) of ``callee``."""
        offset = 1 if callee[0] in BOUND_KINDS else 0
        return argument(_CallExpr(expr), name, position - offset)

    def passed_for(self, ref: tuple, callee: Value, expr: tuple) -> tuple | None:
        """The argument a recorded call ``expr`` of ``callee`` gives the parameter ``ref`` names
        (``("param", fq, position)``, as ``parameter_ref`` makes it): how a value held in a parameter
        is made concrete at a call."""
        param = self.p.functions[ref[1]].facts.params[ref[2]]
        return self.passed(callee, expr, param.name, ref[2])

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
            mine: set[Value] = set()
            for expr in d.returns:
                mine |= self.eval(expr, fq)
            declared = self.declared(fn, d.returns_type)
            out |= self.conforming(mine, declared) if declared else mine
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


def _appended(site) -> tuple[str, tuple] | None:
    """``name.append(x)`` (``add``, ``extend``, ``insert(i, x)``...): (name, x)."""
    func = site.func
    if func[0] == "a" and func[1][0] == "n" and func[2] in _APPENDS and len(site.args) > _APPENDS[func[2]]:
        return func[1][1], site.args[_APPENDS[func[2]]]
    return None
