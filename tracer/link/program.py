"""link: an index over the facts of every file of every source.

Stage: link.  Reads ``tracer.facts`` records; must not import libcst or render.

Node ids are ``module.qualname`` (Python's ``__qualname__``).  Stein keeps
several same-name defs in one class (microversion overloads): they share one
id, and their call sites are merged.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tracer.facts.model import ClassFacts, FunctionFacts, ModuleFacts

MODULE_BODY = "<module>"


@dataclass
class Function:
    fq: str
    module: str
    project: str
    path: str
    defs: list[FunctionFacts]
    cls: str | None  # fq of the class whose body defines it
    parent: str | None  # fq of the enclosing function

    @property
    def facts(self) -> FunctionFacts:
        return self.defs[0]

    @property
    def name(self) -> str:
        return self.fq.rsplit(".", 1)[-1]

    @property
    def line(self) -> int:
        return self.defs[0].line

    def calls(self):
        for d in self.defs:
            yield from d.calls

    def assigns(self):
        for d in self.defs:
            yield from d.assigns


@dataclass
class Klass:
    fq: str
    module: str
    project: str
    path: str
    facts: ClassFacts
    methods: dict[str, str] = field(default_factory=dict)  # name -> function fq
    attrs: dict[str, list] = field(default_factory=dict)  # class-level name -> [Expr]


class Program:
    def __init__(self, modules: list[tuple[str, ModuleFacts]], entry_points: dict | None = None) -> None:
        self.entry_points: dict[str, dict[str, str]] = entry_points or {}  # group -> name -> "module:attr"
        self.client_projects: set[str] = set()  # client libraries read for their HTTP requests only
        self.modules: dict[str, ModuleFacts] = {}
        self.module_project: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Klass] = {}
        self.by_name: dict[str, list[str]] = defaultdict(list)  # short name -> function fqs
        self.options: dict[str, list] = defaultdict(list)  # option name -> [(module, OptionFacts)]
        for project, facts in modules:
            if facts.module not in self.modules:
                self._add_module(project, facts)
        self._mro: dict[str, tuple[str, ...]] = {}
        self.subclasses: dict[str, set[str]] = defaultdict(set)

    # -- building ----------------------------------------------------------
    def _add_module(self, project: str, facts: ModuleFacts) -> None:
        m = facts.module
        self.modules[m] = facts
        self.module_project[m] = project
        for c in facts.classes:
            fq = f"{m}.{c.qualname}"
            if fq not in self.classes:
                self.classes[fq] = Klass(fq, m, project, facts.path, c)
            for a in c.assigns:
                if a.target[0] == "n":
                    self.classes[fq].attrs.setdefault(a.target[1], []).append(a.value)
        for f in facts.functions:
            fq = f"{m}.{f.qualname}"
            if fq in self.functions:
                self.functions[fq].defs.append(f)
                continue
            cls = f"{m}.{f.cls}" if f.cls else None
            parent = f"{m}.{f.parent}" if f.parent else None
            self.functions[fq] = Function(fq, m, project, facts.path, [f], cls, parent)
            if cls in self.classes:
                self.classes[cls].methods.setdefault(f.qualname.rsplit(".", 1)[1], fq)
            if f.qualname != MODULE_BODY:
                self.by_name[f.qualname.rsplit(".", 1)[-1]].append(fq)
        for o in facts.options:
            self.options[o.name].append((m, o))

    def module_body(self, module: str) -> Function:
        return self.functions[f"{module}.{MODULE_BODY}"]

    # -- hierarchy ---------------------------------------------------------
    def set_bases(self, bases: dict[str, tuple[str, ...]]) -> None:
        """Called by the resolver once base expressions are evaluated."""
        self._bases = bases
        for cls, parents in bases.items():
            for p in parents:
                self.subclasses[p].add(cls)

    def bases(self, cls: str) -> tuple[str, ...]:
        return self._bases.get(cls, ())

    def mro(self, cls: str) -> tuple[str, ...]:
        """Left-to-right depth-first linearisation without repeats (C3 for the usual cases)."""
        hit = self._mro.get(cls)
        if hit is not None:
            return hit
        self._mro[cls] = (cls,)  # cycle guard
        order: list[str] = [cls]
        for base in self.bases(cls):
            for k in self.mro(base) if base in self.classes else (base,):
                if k in order:
                    order.remove(k)
                order.append(k)
        result = tuple(order)
        self._mro[cls] = result
        return result

    def lookup_method(self, cls: str, name: str, after: str | None = None) -> str | None:
        mro = self.mro(cls)
        if after is not None and after in mro:
            mro = mro[mro.index(after) + 1:]
        for k in mro:
            klass = self.classes.get(k)
            if klass and name in klass.methods:
                return klass.methods[name]
        return None

    def all_subclasses(self, cls: str) -> list[str]:
        seen: set[str] = set()
        todo = [cls]
        while todo:
            for sub in self.subclasses.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return sorted(seen)
