"""link: the frozen program index, built once from the facts of every file of every source.

Stage: link.  Reads ``tracer.facts`` records; must not import libcst or render.

``build_program`` is the only way in.  It runs in three steps whose order is
stated here and nowhere else: (1) symbols (modules, functions, classes, options)
from the facts; (2) base classes, read by an interpreter over those symbols
(a base is a name, an import or a module attribute: no hierarchy is needed to
read it); (3) the hierarchy (MRO, subclasses), the inherited copies of template
methods and the call-site indexes.  The result is never changed afterwards;
the passes read it.  (The transitive-subclass and overridden-method memos are
caches of pure queries, not state.)

Node ids are ``module.qualname`` (Python's ``__qualname__``).  Stein keeps
several same-name defs in one class (microversion overloads): they share one
id, and their call sites are merged.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, NamedTuple

from tracer.facts.model import ClassFacts, FunctionFacts, ModuleFacts

MODULE_BODY = "<module>"


class Function(NamedTuple):
    fq: str
    module: str
    project: str
    path: str
    defs: tuple[FunctionFacts, ...]
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

    def is_self(self, expr: tuple) -> bool:
        """Whether ``expr`` is the method's own first parameter (``self``, ``cls``), by name."""
        params = self.facts.params
        return self.cls is not None and bool(params) and expr == ("n", params[0].name)

    def calls(self):
        for d in self.defs:
            yield from d.calls

    def assigns(self):
        for d in self.defs:
            yield from d.assigns


class Klass(NamedTuple):
    fq: str
    module: str
    project: str
    path: str
    facts: ClassFacts
    methods: Mapping[str, str]  # name -> function fq
    attrs: Mapping[str, tuple]  # class-level name -> (Expr, ...)


@dataclass(frozen=True)
class Program:
    entry_points: Mapping[str, Mapping[str, str]]  # group -> name -> "module:attr"
    client_projects: frozenset[str]  # client libraries read for their HTTP requests only
    modules: Mapping[str, ModuleFacts]
    module_project: Mapping[str, str]
    functions: Mapping[str, Function]
    classes: Mapping[str, Klass]
    by_name: Mapping[str, tuple[str, ...]]  # short name -> function fqs
    options: Mapping[str, tuple]  # option name -> ((module, OptionFacts), ...)
    _bases: Mapping[str, tuple[str, ...]]
    subclasses: Mapping[str, frozenset[str]]
    _mro: Mapping[str, tuple[str, ...]]
    _sites: dict = field(default_factory=dict, compare=False, repr=False)  # "name"/"keyword" -> site index
    _reach: dict = field(default_factory=dict, compare=False, repr=False)  # project -> projects values flow with
    _subclass_memo: dict = field(default_factory=dict, compare=False, repr=False)

    def module_body(self, module: str) -> Function:
        return self.functions[f"{module}.{MODULE_BODY}"]

    # -- hierarchy ---------------------------------------------------------
    def bases(self, cls: str) -> tuple[str, ...]:
        return self._bases.get(cls, ())

    def mro(self, cls: str) -> tuple[str, ...]:
        """Left-to-right depth-first linearisation without repeats (C3 for the usual cases)."""
        return self._mro.get(cls) or (cls,)

    def lookup_method(self, cls: str, name: str, after: str | None = None) -> str | None:
        mro = self.mro(cls)
        if after is not None and after in mro:
            mro = mro[mro.index(after) + 1:]
        for k in mro:
            klass = self.classes.get(k)
            if klass and name in klass.methods:
                return klass.methods[name]
        return None

    def methods_of(self, cls: str) -> dict[str, str]:
        """Every method an instance of ``cls`` has, by name: its own and its bases' (the nearest wins)."""
        out: dict[str, str] = {}
        for k in reversed(self.mro(cls)):
            klass = self.classes.get(k)
            if klass:
                out.update(klass.methods)
        return out

    def all_subclasses(self, cls: str) -> list[str]:
        hit = self._subclass_memo.get(cls)
        if hit is None:
            hit = self._subclass_memo[cls] = _closure(self.subclasses, cls)
        return list(hit)

    def projects_linked(self, project: str) -> frozenset[str]:
        """The projects whose code ``project``'s code can call, or be called by: those one reaches from the
        other along imports (a value crosses projects only where one imports the other, directly or
        through a third).  Two services that both import a client library are not linked by it: they
        never run in one process."""
        if not self._reach:
            self._reach.update(_linked_projects(self.modules, self.module_project))
        return self._reach.get(project) or frozenset({project})

    # -- call-site indexes -------------------------------------------------
    def sites_named(self, name: str) -> tuple:
        """(function fq, call site) of every call whose callee's last name is ``name``."""
        return self._site_index()[0].get(name, ())

    def sites_with_keyword(self, keyword: str) -> tuple:
        """(function fq, call site) of every call passing ``keyword=...``, in function then source order.
        The keywords the models declare are indexed with the rest; another is looked up on first use."""
        indexed = self._site_index()[1]
        hit = indexed.get(keyword)
        if hit is None and self._sites.get("keywords") is not None and keyword not in self._sites["keywords"]:
            hit = self._sites.setdefault(("keyword", keyword), _keyword_sites(self.functions, keyword))
        return hit or ()

    def sites_passing(self, name: str) -> tuple:
        """(function fq, call site, position) of every call passing a name or attribute ``name`` positionally
        (``spawn(self._run, ctx)``: what hands a function to another call)."""
        return self._site_index()[2].get(name, ())

    def _site_index(self) -> tuple[Mapping, Mapping, Mapping]:
        hit = self._sites.get("index")
        if hit is None:  # built with the index; only the bases-reading view asks late (it seldom asks)
            hit = self._sites["index"] = _index_sites(self.functions, self.by_name, self._sites.get("keywords"))
        return hit


BaseReader = Callable[[Program], Mapping[str, tuple[str, ...]]]


def build_program(modules: Iterable[tuple[str, ModuleFacts]], entry_points: Mapping | None,
                  client_projects: Iterable[str], read_bases: BaseReader,
                  keywords: Iterable[str] | None = None) -> Program:
    """The index: symbols, then the bases ``read_bases`` finds in them, then hierarchy and indexes
    (``keywords``: the call keywords to index up front, None for all)."""
    symbols = _Symbols()
    for project, facts in modules:
        if facts.module not in symbols.modules:
            symbols.add_module(project, facts)
    entry_points = {g: dict(t) for g, t in (entry_points or {}).items()}
    flat = symbols.freeze(entry_points, frozenset(client_projects), {}, index=False)
    bases = dict(read_bases(flat))
    symbols.add_inherited_copies(flat, _hierarchy(flat, bases))
    return symbols.freeze(entry_points, frozenset(client_projects), bases, index=True,
                          keywords=None if keywords is None else frozenset(keywords))


class _Symbols:
    """The mutable side of the build: what the facts define, before any hierarchy."""

    def __init__(self) -> None:
        self.modules: dict[str, ModuleFacts] = {}
        self.module_project: dict[str, str] = {}
        self.functions: dict[str, Function] = {}
        self.classes: dict[str, Klass] = {}  # methods and attrs still grow here (dicts of lists)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.options: dict[str, list] = defaultdict(list)

    def add_module(self, project: str, facts: ModuleFacts) -> None:
        m = facts.module
        self.modules[m] = facts
        self.module_project[m] = project
        for c in facts.classes:
            fq = f"{m}.{c.qualname}"
            if fq not in self.classes:
                self.classes[fq] = Klass(fq, m, project, facts.path, c, {}, {})
            for a in c.assigns:
                if a.target[0] == "n":
                    self.classes[fq].attrs.setdefault(a.target[1], []).append(a.value)
        for f in facts.functions:
            self._add_function(m, project, facts.path, f)
        for o in facts.options:
            self.options[o.name].append((m, o))

    def _add_function(self, m: str, project: str, path: str, f: FunctionFacts) -> None:
        fq = f"{m}.{f.qualname}"
        known = self.functions.get(fq)
        if known is not None:  # a same-name overload: one node, the defs merged
            self.functions[fq] = known._replace(defs=known.defs + (f,))
            return
        cls = f"{m}.{f.cls}" if f.cls else None
        parent = f"{m}.{f.parent}" if f.parent else None
        self.functions[fq] = Function(fq, m, project, path, (f,), cls, parent)
        if cls in self.classes:
            self.classes[cls].methods.setdefault(f.qualname.rsplit(".", 1)[1], fq)
        if f.qualname != MODULE_BODY:
            self.by_name[f.qualname.rsplit(".", 1)[-1]].append(fq)

    def add_inherited_copies(self, flat: Program, hier: Program) -> None:
        """A template method: ``Base.execute`` calls ``self._execute()``, which the subclass overrides.

        Python runs ``Base.execute``'s body with ``self`` the subclass, so ``self._execute`` is the
        subclass's.  For every subclass that inherits a method whose ``self.x()`` calls it would
        dispatch differently, the subclass gets its own node ``Sub.execute`` with the same body
        (``inherited_from`` names the def), typed by the subclass.  Only those pairs: a subclass
        whose dispatch is the same shares the base's node.
        """
        copies = []
        for cls in sorted(hier.subclasses):  # a class nothing subclasses has no copies to make
            subs = hier.all_subclasses(cls) if cls in hier.classes else ()
            for name, method in sorted(hier.classes[cls].methods.items()) if subs else ():
                called = _self_calls(hier.functions[method])
                if not called:
                    continue
                for sub in subs:
                    if hier.lookup_method(sub, name) != method:
                        continue  # overridden on the way down
                    if any(_served_by(hier, sub, x) != _served_by(hier, cls, x) for x in called):
                        copies.append((sub, name, hier.functions[method]))
        for sub, name, fn in copies:  # registered after the search: lookups above saw only real defs
            fq = f"{sub}.{name}"
            if fq in self.functions:
                continue
            self.functions[fq] = Function(fq, fn.module, fn.project, fn.path, fn.defs, sub, None, fn.fq)
            self.classes[sub].methods[name] = fq
            self.by_name[name].append(fq)

    def freeze(self, entry_points: dict, client_projects: frozenset, bases: dict, index: bool,
               keywords: frozenset[str] | None = None) -> Program:
        functions = dict(self.functions)
        classes = {fq: Klass(fq, k.module, k.project, k.path, k.facts, MappingProxyType(dict(k.methods)),
                             MappingProxyType({a: tuple(v) for a, v in k.attrs.items()}))
                   for fq, k in self.classes.items()}
        subclasses: dict[str, set[str]] = defaultdict(set)
        for cls, parents in bases.items():
            for p in parents:
                subclasses[p].add(cls)
        program = Program(
            MappingProxyType({g: MappingProxyType(t) for g, t in entry_points.items()}), client_projects,
            MappingProxyType(dict(self.modules)), MappingProxyType(dict(self.module_project)),
            MappingProxyType(functions), MappingProxyType(classes),
            MappingProxyType({k: tuple(v) for k, v in self.by_name.items()}),
            MappingProxyType({k: tuple(v) for k, v in self.options.items()}),
            MappingProxyType(bases), MappingProxyType({k: frozenset(v) for k, v in subclasses.items()}),
            MappingProxyType(_all_mros(classes, bases)),
        )
        program._sites["keywords"] = keywords
        if index:
            program._sites["index"] = _index_sites(program.functions, program.by_name, keywords)
        return program


def _hierarchy(flat: Program, bases: dict) -> Program:
    """``flat`` with its hierarchy: the view the inherited-copy search needs."""
    subclasses: dict[str, set[str]] = defaultdict(set)
    for cls, parents in bases.items():
        for p in parents:
            subclasses[p].add(cls)
    return Program(flat.entry_points, flat.client_projects, flat.modules, flat.module_project, flat.functions,
                   flat.classes, flat.by_name, flat.options, bases, {k: frozenset(v) for k, v in subclasses.items()},
                   _all_mros(flat.classes, bases))


def _all_mros(classes: Mapping[str, Klass], bases: Mapping[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}

    def mro(cls: str) -> tuple[str, ...]:
        hit = out.get(cls)
        if hit is not None:
            return hit
        out[cls] = (cls,)  # cycle guard
        order: list[str] = [cls]
        for base in bases.get(cls, ()):
            for k in mro(base) if base in classes else (base,):
                if k in order:
                    order.remove(k)
                order.append(k)
        out[cls] = tuple(order)
        return out[cls]

    for cls in classes:
        mro(cls)
    return out


def _linked_projects(modules: Mapping[str, ModuleFacts], module_project: Mapping[str, str]) -> dict[str, frozenset[str]]:
    imports: dict[str, set[str]] = defaultdict(set)  # project -> projects it imports
    imported: dict[str, set[str]] = defaultdict(set)
    for m, facts in modules.items():
        here = module_project[m]
        for imp in _all_imports(facts):
            target = _module_of_import(imp, modules)
            other = module_project.get(target) if target else None
            if other is not None and other != here:
                imports[here].add(other)
                imported[other].add(here)
    down = {k: frozenset(v) for k, v in imports.items()}
    up = {k: frozenset(v) for k, v in imported.items()}
    return {p: frozenset({p, *_closure(down, p), *_closure(up, p)}) for p in set(module_project.values())}


def _all_imports(facts: ModuleFacts):
    yield from facts.imports
    for f in facts.functions:
        yield from f.imports


def _module_of_import(imp, modules: Mapping[str, ModuleFacts]) -> str | None:
    """The indexed module an import reads (``from a.b import c``: ``a.b.c`` if a module, else ``a.b``)."""
    if imp.name and f"{imp.module}.{imp.name}" in modules:
        return f"{imp.module}.{imp.name}"
    return imp.module if imp.module in modules else None


def _closure(children: Mapping[str, frozenset[str]], cls: str) -> tuple[str, ...]:
    seen: set[str] = set()
    todo = [cls]
    while todo:
        for sub in children.get(todo.pop(), ()):
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return tuple(sorted(seen))


def _index_sites(functions: Mapping[str, Function], functions_named: Mapping,
                 wanted: frozenset[str] | None) -> tuple[Mapping, Mapping, Mapping]:
    """One walk over every call site of the program; the passes that look for a name ask here.

    By callee name; by keyword (the ``wanted`` ones, or all); and the sites handing a name of a program
    function on positionally with arguments after it.  The hottest loop of a load: fields are read by
    position (a CallSite is func, args, kwargs, ...)."""
    index: dict[str, list] = defaultdict(list)
    keywords: dict[str, list] = defaultdict(list)
    passing: dict[str, list] = defaultdict(list)
    for fq, fn in functions.items():
        for d in fn.defs:
            for site in d.calls:
                func, args, kwargs = site[0], site[1], site[2]
                tag = func[0]
                if tag == "a":
                    short = func[2]
                elif tag == "n":
                    short = func[1]
                else:
                    short = None
                if short:
                    index[short].append((fq, site))
                    if short == "partial" and args and args[0][0] in ("n", "a"):
                        first = args[0]
                        index[first[1] if first[0] == "n" else first[2]].append((fq, site))
                if kwargs:
                    for key, _ in kwargs:
                        if key and (wanted is None or key in wanted):
                            keywords[key].append((fq, site))
                    handed = args
                elif len(args) > 1:
                    handed = args[:-1]
                else:
                    continue
                for i, arg in enumerate(handed):  # a function handed on with arguments after it
                    tag = arg[0]
                    name = arg[2] if tag == "a" else arg[1] if tag == "n" else None
                    if name in functions_named:
                        passing[name].append((fq, site, i))
    ordered = {k: tuple(sorted(v, key=_fq_line_col)) for k, v in keywords.items()}
    return (MappingProxyType({k: tuple(v) for k, v in index.items()}), MappingProxyType(ordered),
            MappingProxyType({k: tuple(v) for k, v in passing.items()}))


def _keyword_sites(functions: Mapping[str, Function], keyword: str) -> tuple:
    found = [(fq, site) for fq, fn in functions.items() for d in fn.defs for site in d.calls
             if any(key == keyword for key, _ in site[2])]
    return tuple(sorted(found, key=_fq_line_col))


def _fq_line_col(item: tuple) -> tuple:
    return item[0], item[1].line, item[1].col


def _served_by(hier: Program, cls: str, name: str) -> str | None:
    """What ``self.name(...)`` calls on a ``cls``: its method, or the class whose class-level attribute of
    that name comes first in the MRO (``resource_class = Server``, set by each manager subclass)."""
    for k in hier.mro(cls):
        klass = hier.classes.get(k)
        if klass is None:
            continue
        if name in klass.methods:
            return klass.methods[name]
        if name in klass.attrs:
            return f"{k}.{name}"
    return None


def _self_calls(fn: Function) -> set[str]:
    """Names ``x`` of the ``self.x(...)`` calls in a method's own body (``cls.x(...)`` in a classmethod:
    cinder's ``CinderPersistentObject.get_by_id`` asks ``cls._get_expected_attrs`` of ``Volume``)."""
    params = fn.facts.params
    if not params or ("n", "staticmethod") in fn.facts.decorators:
        return set()
    me = ("n", params[0].name)
    return {site.func[2] for site in fn.calls() if site.func[0] == "a" and site.func[1] == me}
