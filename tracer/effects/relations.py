"""effects: SQLAlchemy relationships, the tables a query's loader options read beside its own.

Stage: effects.  Must not import libcst, networkx or render.

A model's ``relationship(Target, backref=...)`` (``relation``) declares an attribute on the model that
leads to ``Target`` (a class, or its name as a string, which the declarative registry resolves), and
its backref one on ``Target`` that leads back.  A loader option of ``sqlalchemy.orm`` on a query
(``joinedload('volume_type.extra_specs')``, ``joinedload_all('security_groups.rules')``, ``subqueryload``,
``selectinload``, ``joinedload(models.Volume.volume_type)``) loads the rows of every model on its path: a
read of their tables.  A path held in a variable counts with the strings it may take.
"""
from __future__ import annotations

from functools import cached_property
from typing import Callable

from tracer.effects.view import LinkView

LOADERS = frozenset({"joinedload", "joinedload_all", "subqueryload", "subqueryload_all", "selectinload",
                     "immediateload", "contains_eager"})
RELATIONSHIP = ("relationship", "relation")
MAX_LOADED = 8  # paths a loader's argument may take


class Relations:
    def __init__(self, view: LinkView, table: Callable[[str], str | None]) -> None:
        self.v = view
        self.p = view.p
        self.table = table

    def loader(self, arg: tuple, base: frozenset[str], scope: str) -> set[str]:
        """The models a loader option ``arg`` on a query of the models ``base`` loads (none if it is none)."""
        if arg[0] != "c" or arg[1][0] not in ("n", "a") or _last(arg[1]) not in LOADERS:
            return set()
        if not any(v[0] in ("ext", "exti") and v[1].startswith("sqlalchemy.") for v in self.v.eval(arg[1], scope)):
            return set()
        out: set[str] = set()
        for given in arg[2][:1]:
            if given[0] == "a":  # joinedload(models.Volume.volume_type)
                owners = {v[1] for v in self.v.eval(given[1], scope) if v[0] == "cls" and self.table(v[1])}
                if owners:
                    out |= self._along(owners, [given[2]])
                    continue
            paths = [given[1]] if given[0] == "s" else sorted(
                {v[1] for v in self.v.eval(given, scope) if v[0] == "str"})[:MAX_LOADED]
            for path in paths:
                out |= self._along(set(base), path.split("."))
        return out

    def _along(self, models: set[str], names: list[str]) -> set[str]:
        out: set[str] = set()
        for name in names:
            models = {t for m in sorted(models) for t in self.relationships.get((m, name), ())}
            out |= models
        return out

    @cached_property
    def relationships(self) -> dict[tuple[str, str], frozenset[str]]:
        """(model, attribute) -> the models a ``relationship(...)`` of it, or a backref onto it, leads to."""
        found: dict[tuple[str, str], set[str]] = {}
        for fq in sorted(self.p.classes):
            attrs = self.p.classes[fq].attrs
            if not any(_is_relationship(e) for exprs in attrs.values() for e in exprs) or self.table(fq) is None:
                continue
            for attr in sorted(attrs):
                for expr in attrs[attr]:
                    if not _is_relationship(expr):
                        continue
                    back = _backref(expr)
                    for target in self._model_named(expr[2][0], fq):
                        found.setdefault((fq, attr), set()).add(target)
                        if back:
                            found.setdefault((target, back), set()).add(fq)
        return {k: frozenset(v) for k, v in found.items()}

    def _model_named(self, expr: tuple, cls: str) -> set[str]:
        if expr[0] == "s":
            name = expr[1].rsplit(".", 1)[-1]
            same = f"{self.p.classes[cls].module}.{name}"
            if same in self.p.classes and self.table(same):
                return {same}
            return set(self._models_by_name.get(name, ()))
        return {v[1] for v in self.v.eval(expr, self.v.class_scope(cls)) if v[0] == "cls" and self.table(v[1])}

    @cached_property
    def _models_by_name(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for fq in sorted(self.p.classes):
            if "__tablename__" in self.p.classes[fq].attrs:
                out.setdefault(fq.rsplit(".", 1)[-1], []).append(fq)
        return {k: tuple(v) for k, v in out.items()}


def _is_relationship(expr: tuple) -> bool:
    return expr[0] == "c" and bool(expr[2]) and _last(expr[1]) in RELATIONSHIP


def _last(expr: tuple) -> str | None:
    return expr[1] if expr[0] == "n" else expr[2] if expr[0] == "a" else None


def _backref(relationship: tuple) -> str | None:
    """``backref='volumes'`` or ``backref=backref('volume_type', uselist=False)``: the name it adds on the target."""
    given = next((v for k, v in relationship[3] if k == "backref"), None)
    if given is None:
        return None
    if given[0] == "s":
        return given[1]
    if given[0] == "c" and given[2] and given[2][0][0] == "s":
        return given[2][0][1]
    return None
