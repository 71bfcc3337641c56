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
    cls: str | None  # fq of the class whose body defines it (for an inherited copy: the inheriting class)
    parent: str | None  # fq of the enclosing function
    inherited_from: str | None = None  # an inherited copy: the method whose body this is

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
        self._bases: dict[str, tuple[str, ...]] = {}
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
        if bases == self._bases:
            return  # a second linker over the same program: the hierarchy and its copies stand
        self._bases = bases
        for cls, parents in bases.items():
            for p in parents:
                self.subclasses[p].add(cls)
        self._add_inherited_copies()

    def _add_inherited_copies(self) -> None:
        """A template method: ``Base.execute`` calls ``self._execute()``, which the subclass overrides.

        Python runs ``Base.execute``'s body with ``self`` the subclass, so ``self._execute`` is the
        subclass's.  For every subclass that inherits a method whose ``self.x()`` calls it would
        dispatch differently, the subclass gets its own node ``Sub.execute`` with the same body
        (``inherited_from`` names the def), typed by the subclass.  Only those pairs: a subclass
        whose dispatch is the same shares the base's node.
        """
        copies = []
        for cls in sorted(self.classes):
            for name, method in sorted(self.classes[cls].methods.items()):
                fn = self.functions[method]
                called = _self_calls(fn)
                if not called:
                    continue
                for sub in self.all_subclasses(cls):
                    if self.lookup_method(sub, name) != method:
                        continue  # overridden on the way down
                    if any(self.lookup_method(sub, x) != self.lookup_method(cls, x) for x in called):
                        copies.append((sub, name, fn))
        for sub, name, fn in copies:  # registered after the search: lookups above saw only real defs
            fq = f"{sub}.{name}"
            if fq in self.functions:
                continue
            klass = self.classes[sub]
            self.functions[fq] = Function(fq, fn.module, fn.project, fn.path, fn.defs, sub, None, fn.fq)
            klass.methods[name] = fq
            self.by_name[name].append(fq)

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


def _self_calls(fn: Function) -> set[str]:
    """Names ``x`` of the ``self.x(...)`` calls in a method's own body."""
    params = fn.facts.params
    if not params or any(d in (("n", "staticmethod"), ("n", "classmethod")) for d in fn.facts.decorators):
        return set()
    me = ("n", params[0].name)
    return {site.func[2] for site in fn.calls() if site.func[0] == "a" and site.func[1] == me}
