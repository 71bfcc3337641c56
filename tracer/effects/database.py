"""effects: SQLAlchemy models and oslo.db, the tables a DB API function reads and writes.

Stage: effects.  Must not import libcst, networkx or render.

A *model* is a class with a ``__tablename__`` (its own or a base's).  A function of a module that
defines or imports models touches the table of every model it names in a query: an argument of a call
(``model_query(context, models.Volume)``, ``session.query(models.Volume)``, a column such as
``models.Volume.id`` inside ``func.count(...)``), an instance it builds (``models.Volume()``), or the
receiver of a method chain that started from one (``query = _volume_get_query(...)`` then
``query.filter_by(...).update(values)``).  The access is a write when the chain ends in a method that
changes rows (``update``, ``delete``, ``soft_delete``, ``save``, ``session.add``/``merge``...) or builds
a model instance, else a read.  The helpers of its own module that the function calls count as its
own (``volume_create`` reads through ``_volume_get``).  A relationship a query loads with it
(``.options(joinedload('qos_specs'))``, ``joinedload_all('security_groups.rules')``, ``joinedload(models.X.y)``)
reads the table of the model it leads to: the model's ``relationship(Target, backref=...)`` declarations
(their backrefs on the target too) say which.  The enginefacade transaction a function opens
(``@main_context_manager.writer``, ``@pick_context_manager_reader``, ``with ...writer.using(ctx)``) is
recorded beside.

An oslo.db backend proxy (``IMPL = concurrency.TpoolDbapiWrapper(CONF, backend_mapping={'sqlalchemy':
'nova.db.sqlalchemy.api'})``, or ``DBAPI.from_config(...)``) stands for the modules it maps:
``IMPL.instance_get(...)`` is ``nova.db.sqlalchemy.api.instance_get``.
"""
from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from tracer.effects.records import branches
from tracer.effects.relations import Relations
from tracer.effects.view import LinkView
from tracer.link.program import MODULE_BODY

WRITES = frozenset({
    "add", "add_all", "merge", "delete", "soft_delete", "update", "save", "bulk_insert_mappings",
    "bulk_update_mappings", "bulk_save_objects", "update_on_match", "update_returning_pk", "insert",
})
TRANSACTIONS = ("writer", "reader")  # writer first: a function that opens both writes

MAX_HELPERS = 4  # helper levels inside the DB layer
MAX_CHAIN = 6


class Access(NamedTuple):
    table: str
    mode: str  # read | write
    model: str  # the model class, fully qualified
    path: str
    line: int
    via: tuple  # helper functions between the DB API function and the access
    guard: tuple = ()  # the branches the calls on the way and the access run under (``records.branches``)


def short(fq: str, is_method: bool = True) -> str:
    """``Class.method``; a module function keeps two module parts (``sqlalchemy.api.volume_get``)."""
    head, sep, tail = fq.partition(".<locals>.")
    parts = head.split(".")
    name = ".".join(parts[-2:]) if is_method else ".".join(parts[-3:])
    return f"{name}.{tail.replace('.<locals>.', '.')}" if sep else name


class Database:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self.p = view.p
        self._tables: dict[str, str | None] = {}
        self._access: dict[str, tuple[Access, ...]] = {}
        self._returned: dict[str, frozenset[str]] = {}
        self._proxies: dict[tuple[str, str], tuple[str, ...]] = {}
        self._active: set[str] = set()
        self._memo: dict[tuple, frozenset[str]] = {}
        self.relations = Relations(view, self.table)

    # -- models ------------------------------------------------------------------
    def table(self, cls: str) -> str | None:
        """The ``__tablename__`` of a model class (its own or the nearest base's), else None."""
        if cls not in self._tables:
            self._tables[cls] = None
            for k in self.p.mro(cls):
                klass = self.p.classes.get(k)
                for expr in klass.attrs.get("__tablename__", ()) if klass else ():
                    if expr[0] == "s":
                        self._tables[cls] = expr[1]
                        return expr[1]
        return self._tables[cls]

    @cached_property
    def db_modules(self) -> frozenset[str]:
        """Modules that define a model, or import a module that does: where tables are queried."""
        defining = {k.module for k in self.p.classes.values()
                    if any(a.target == ("n", "__tablename__") for a in k.facts.assigns)}
        out = set(defining)
        for name, facts in self.p.modules.items():
            for imp in facts.imports:
                if imp.module in defining or f"{imp.module}.{imp.name}" in defining:
                    out.add(name)
                    break
        return frozenset(out)

    def short(self, fq: str) -> str:
        fn = self.p.functions.get(fq)
        return short(fq, bool(fn and fn.cls))

    def is_api(self, fq: str) -> bool:
        return bool(self.accesses(fq))

    # -- accesses ------------------------------------------------------------------
    def accesses(self, fq: str) -> tuple[Access, ...]:
        """Every table access ``fq`` makes itself or through its DB-layer helpers, in source order."""
        hit = self._access.get(fq)
        if hit is not None:
            return hit
        fn = self.p.functions.get(fq)
        if fn is None or fn.module not in self.db_modules or fq in self._active or len(self._active) > MAX_HELPERS:
            return ()
        self._active.add(fq)
        try:
            out: list[Access] = []
            for site in sorted(set(fn.calls()), key=lambda s: (s.line, s.col, str(s.func))):
                way = branches(site.guard)
                out += [a._replace(guard=way) for a in self._site(fq, fn.path, site)]
                for helper in self._helpers(fq, site):
                    out += [a._replace(via=(self.short(helper),) + a.via, guard=way + a.guard)
                            for a in self.accesses(helper)]
        finally:
            self._active.discard(fq)
        result = tuple(dict.fromkeys(out))
        if not self._active:  # an answer cut by a cycle is not kept
            self._access[fq] = result
        return result

    def _site(self, fq: str, path: str, site) -> list[Access]:
        func = site.func
        models = self._arg_models(site, fq)
        mode = "read"
        if func[0] == "a":
            models |= self._chain(func[1], fq, 0)
            mode = "write" if func[2] in WRITES else "read"
        built = self._models_in(func, fq, 0, True) if func[0] in ("n", "a") else set()
        if built:
            models |= built
            mode = "write"
        out = [Access(self.table(m), mode, m, path, site.line, ()) for m in sorted(models)]
        if func[0] == "a":
            loaded = self._loaded_along(("c", func, site.args, site.kwargs), fq, 0)
            out += [Access(self.table(m), "read", m, path, site.line, ()) for m in sorted(loaded)
                    if mode != "read" or m not in models]
        return out

    def _helpers(self, fq: str, site) -> list[str]:
        if site.func[0] not in ("n", "a"):
            return []
        values = self.v.eval(site.func, fq)
        if len(values) > 1:  # a call of one of several functions: not one helper's work
            return []
        found = {v[1] for v in values if v[0] in ("fn", "bound")}
        module = self.p.functions[fq].module
        return sorted(t for t in found if t != fq and t in self.p.functions and self.p.functions[t].module == module)

    def _arg_models(self, site, scope: str) -> set[str]:
        out: set[str] = set()
        for arg in list(site.args) + [v for _, v in site.kwargs]:
            out |= self._models_in(arg[1] if arg[0] == "*" else arg, scope, 0)
        return out

    def _memoised(self, key: tuple, compute) -> frozenset[str]:
        """``compute()`` once per key; a cycle back into it (``query = query.filter(...)``) finds nothing more."""
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = frozenset()
            hit = self._memo[key] = frozenset(compute())
        return hit

    def _models_in(self, expr: tuple, scope: str, depth: int, classes_only: bool = False) -> frozenset[str]:
        return self._memoised(("m", expr, scope, classes_only),
                              lambda: self._names_models(expr, scope, depth, classes_only))

    def _names_models(self, expr: tuple, scope: str, depth: int, classes_only: bool) -> set[str]:
        """Models an expression names, as the function writes them: ``models.Volume``, a column
        ``models.Volume.id``, ``func.count(models.Volume.id)``, a local built from one.  A parameter names
        none (its values are every caller's: a generic helper such as ``is_valid_model_filters(model, ...)``
        would touch every table); the caller's own argument is the access."""
        tag = expr[0]
        if depth > 3 or tag not in ("n", "a", "c", "k", "it"):
            return set()
        if tag == "c":
            found = self._models_in(expr[1], scope, depth + 1, True)
            return set(found) if classes_only else found.union(*(self._models_in(a, scope, depth + 1) for a in expr[2]))
        root = expr
        while root[0] in ("a", "k", "it"):
            root = root[1]
        if root[0] != "n" or self.v.is_parameter(root[1], scope):
            return set()
        local = [e for e, w in self.v.bound(root[1], scope) if w == scope]
        if local and root is not expr:
            return set()  # an attribute of a local: a row's field, not a model
        if local:
            return set().union(*(self._models_in(e, scope, depth + 1, classes_only) for e in local[:6]))
        kinds = ("cls",) if classes_only else ("cls", "inst")
        found = {v[1] for v in self.v.eval(expr, scope) if v[0] in kinds and self.table(v[1])}
        if not found and tag == "a" and not classes_only:  # a column: models.Volume.id
            found = {v[1] for v in self.v.eval(expr[1], scope) if v[0] == "cls" and self.table(v[1])}
        return found

    def _chain(self, expr: tuple, scope: str, depth: int) -> frozenset[str]:
        """The models a query expression was built from (the receiver of ``.filter_by(...).update()``)."""
        return self._memoised(("c", expr, scope), lambda: self._chain_models(expr, scope, depth) if depth <= MAX_CHAIN else ())

    def _chain_models(self, expr: tuple, scope: str, depth: int) -> set[str]:
        tag = expr[0]
        if tag == "c":
            out = set()
            for arg in list(expr[2]) + [v for _, v in expr[3]]:
                out |= self._models_in(arg, scope, 0)
            func = expr[1]
            if func[0] == "a":
                out |= self._chain(func[1], scope, depth + 1)
            if func[0] in ("n", "a") and not self._rooted_at_parameter(func, scope):
                out |= self._models_in(func, scope, 0, True)
                for v in self.v.eval(func, scope):
                    if v[0] in ("fn", "bound") and v[1].rsplit(".", 1)[0] in self.db_modules:
                        out |= self.returned(v[1])
            return out
        if tag == "n" and not self.v.is_parameter(expr[1], scope):
            return self._locals(expr[1], scope, self._chain, depth) or self._models_in(expr, scope, 0)
        if tag in ("a", "k"):
            return self._models_in(expr, scope, 0) or self._chain(expr[1], scope, depth + 1)
        return set()

    # -- relationships loaded with a query ----------------------------------------------------
    def _loaded_along(self, expr: tuple, scope: str, depth: int) -> frozenset[str]:
        """The related models the ``.options(<loader>(...))`` calls of a query chain load."""
        return self._memoised(("l", expr, scope), lambda: self._loaded_in(expr, scope, depth) if depth <= MAX_CHAIN else ())

    def _loaded_in(self, expr: tuple, scope: str, depth: int) -> set[str]:
        tag = expr[0]
        if tag == "c" and expr[1][0] == "a":
            out = set(self._loaded_along(expr[1][1], scope, depth + 1))
            if expr[1][2] == "options":
                base = self._chain(expr[1][1], scope, depth + 1)
                for arg in expr[2]:
                    out |= self.relations.loader(arg, base, scope)
            return out
        if tag == "n" and not self.v.is_parameter(expr[1], scope):
            return self._locals(expr[1], scope, self._loaded_along, depth)
        return set()

    def _locals(self, name: str, scope: str, follow, depth: int) -> set[str]:
        """``follow`` over what the function itself assigns to local ``name`` (``query = query.options(...)``)."""
        out: set[str] = set()
        for value, where in self.v.bound(name, scope)[:6]:
            if where == scope:
                out |= follow(value, where, depth + 1)
        return out

    def _rooted_at_parameter(self, expr: tuple, scope: str) -> bool:
        while expr[0] == "a":
            expr = expr[1]
        return expr[0] == "n" and self.v.is_parameter(expr[1], scope)

    def returned(self, fq: str) -> frozenset[str]:
        """The models of the queries a DB-layer helper returns (``_volume_get_query``)."""
        hit = self._returned.get(fq)
        if hit is None:
            self._returned[fq] = frozenset()  # a cycle: nothing yet
            fn = self.p.functions.get(fq)
            out: set[str] = set()
            for ret in fn.facts.returns if fn else ():
                out |= self._chain(ret, fq, 1)
            hit = self._returned[fq] = frozenset(out)
        return hit

    # -- transactions -----------------------------------------------------------------
    def transaction(self, fq: str) -> str:
        """``writer`` or ``reader`` when the function opens an enginefacade transaction, else ``""``."""
        fn = self.p.functions.get(fq)
        if fn is None:
            return ""
        found = set()
        for d in fn.facts.decorators:
            found |= _chain_names(d) | self._opened_by(d, fn)
        for site in fn.calls():
            found |= _chain_names(site.func)
        return next((t for t in TRANSACTIONS if t in found), "")

    def _opened_by(self, decorator: tuple, fn) -> set[str]:
        """A decorator of the program (nova's ``pick_context_manager_writer``) that opens one in its wrapper."""
        out: set[str] = set()
        for v in self.v.eval(decorator, self.v.decorator_scope(fn)) if decorator[0] in ("n", "a") else ():
            if v[0] != "fn":
                continue
            deco = self.p.functions.get(v[1])
            for site in deco.calls() if deco else ():
                out |= _chain_names(site.func)
            for closure in self.v.closures(v[1]):
                for site in self.p.functions[closure].calls():
                    out |= _chain_names(site.func)
        return out & set(TRANSACTIONS)

    # -- backend proxies ----------------------------------------------------------------
    def proxy_target(self, recv: tuple, method: str, scope: str) -> str | None:
        """``IMPL.x`` where ``IMPL`` is an oslo.db backend proxy: the mapped module's function ``x``."""
        if recv[0] != "n":
            return None
        fn = self.p.functions.get(scope)
        module = fn.module if fn else scope.rsplit(".", 1)[0]
        for target in self._proxy_modules(module, recv[1]):
            if f"{target}.{method}" in self.p.functions:
                return f"{target}.{method}"
        return None

    def _proxy_modules(self, module: str, name: str) -> tuple[str, ...]:
        key = (module, name)
        if key not in self._proxies:
            self._proxies[key] = ()
            out: list[str] = []
            for value, where in self.v.bound(name, f"{module}.{MODULE_BODY}"):
                if value[0] == "c" and any(v[0] in ("ext", "exti") and v[1].startswith("oslo_db.")
                                           for v in self.v.eval(value[1], where)):
                    out += self._mapped(value, where)
            self._proxies[key] = tuple(sorted(set(out)))
        return self._proxies[key]

    def _mapped(self, call: tuple, scope: str) -> list[str]:
        out: list[str] = []
        for key, value in call[3]:
            if key != "backend_mapping":
                continue
            tables = [(value, scope)] if value[0] == "d" else self.v.bound(value[1], scope) if value[0] == "n" else []
            for table, where in tables:
                for _, path in table[1] if table[0] == "d" else ():
                    out += [v[1] for v in self.v.eval(path, where) if v[0] == "str" and v[1] in self.p.modules]
        return out


def _chain_names(expr: tuple) -> set[str]:
    """The attribute names along a call chain (``ctxt_mgr.writer.using`` -> {writer, using})."""
    out: set[str] = set()
    while expr[0] in ("a", "c"):
        if expr[0] == "a":
            out.add(expr[2])
        expr = expr[1]
    return out
