"""link model: oslo.db.  A ``DBAPI.from_config(backend_mapping={'sqlalchemy': 'pkg.db.sqlalchemy.api'})``
proxy stands for those modules; a function decorated ``@<enginefacade context>.reader`` / ``.writer``
opens a transaction.  Both are the database, where a trace's way to storage ends.

Stage: link.  Must not import libcst or render.
"""
from __future__ import annotations

from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.values import Values, ext_matches, strings

BACKEND_PROXIES = ("DBAPI.from_config",)
TRANSACTIONS = ("reader", "writer")


class OsloDb(Model):
    name = "oslo_db"
    calls = BACKEND_PROXIES
    reads_sites = ("from_config",)

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        return self._modules(expr[3], scope) or frozenset({("exti", dotted)})

    def _modules(self, kwargs: tuple, scope: str) -> Values:
        out: set = set()
        for key, value in kwargs:
            if key != "backend_mapping":
                continue
            tables = [(value, scope)] if value[0] == "d" else self.r.bound_exprs(value[1], scope) if value[0] == "n" else []
            for table, where in tables:
                for _, path in table[1] if table[0] == "d" else ():
                    out |= {("mod", t) for t in strings(self.r.eval(path, where)) if t in self.p.modules}
        return frozenset(out)

    @cached_property
    def backend_modules(self) -> frozenset[str]:
        """Every module a backend proxy of the program stands for."""
        out: set[str] = set()
        for fq, site in self.sites_named("from_config"):
            if any(v[0] == "ext" and ext_matches(v[1], BACKEND_PROXIES) for v in self.r.eval(site.func, fq)):
                out |= {v[1] for v in self._modules(site.kwargs, fq)}
        return frozenset(out)

    def database_modules(self) -> frozenset[str]:
        return self.backend_modules

    def is_database(self, fq: str) -> bool:
        return fq.rsplit(".", 1)[0] in self.backend_modules or opens_transaction(self.p, fq)


def opens_transaction(program, fq: str) -> bool:
    """Whether function ``fq`` opens an enginefacade transaction: decorated ``@<context>.reader`` /
    ``.writer``, or entering ``<context>.writer.using(ctx)`` in a ``with``, directly or through a helper of
    its module that returns one (``with session_for_write() as session``, glance's and senlin's)."""
    fn = program.functions.get(fq)
    if fn is None:
        return False
    if any(d[0] == "a" and d[2] in TRANSACTIONS for d in fn.facts.decorators):
        return True
    for a in fn.assigns():
        value = a.value
        if value[0] != "w" or value[1][0] != "c":
            continue
        entered = value[1]
        if _is_using(entered, {}):
            return True
        if entered[1][0] == "n":  # a helper of the same module
            helper = program.functions.get(f"{fn.module}.{entered[1][1]}")
            if helper is not None and _returns_using(helper):
                return True
    return False


def _returns_using(helper) -> bool:
    """``return _wrap_session(writer.using(ctx))`` with ``writer = <context>.writer`` (or inline)."""
    local = {a.target[1]: a.value for a in helper.assigns() if a.target[0] == "n"}
    return any(_is_using(e, local) for d in helper.defs for e in d.returns)


def _is_using(expr: tuple, local: dict, depth: int = 0) -> bool:
    """``X.reader.using(...)`` / ``X.writer.using(...)``, possibly passed to a wrapper call."""
    if depth > 3 or expr[0] != "c":
        return False
    func = expr[1]
    if func[0] == "a" and func[2] == "using":
        holder = func[1]
        if holder[0] == "n":
            holder = local.get(holder[1], holder)
        if holder[0] == "a" and holder[2] in TRANSACTIONS:
            return True
    return any(_is_using(arg, local, depth + 1) for arg in expr[2] if isinstance(arg, tuple))
