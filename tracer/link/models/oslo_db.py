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
        if fq.rsplit(".", 1)[0] in self.backend_modules:
            return True
        fn = self.p.functions.get(fq)
        return fn is not None and any(d[0] == "a" and d[2] in TRANSACTIONS for d in fn.facts.decorators)
