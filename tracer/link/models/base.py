"""link models: the interface every library model implements, and the registry that dispatches to them.

Stage: link.  Must not import libcst or render, nor any model module (models import this).

A model is what the tool knows of one library, said in four parts (the shape of
mypy's plugin hooks and of LibCST's metadata providers):

- **values**: what calling one of the library's callables produces (``calls``,
  matched as dotted-name suffixes: ``"oslo_messaging.RPCClient"``), what an
  attribute of such a value is, and what calling the value gives.  A value is a
  tagged tuple whose tag the model declares in ``kinds`` (see ``tracer.link.values``).
- **edges**: which edges a call site makes when its callee evaluates to one of
  the model's values (an RPC cast, a flow's tasks, a driver method), and why a
  site that made none is unresolved.
- **program-wide facts**: what it learns once from the whole program (services,
  routes, backend modules), computed lazily on first use and never changed after.
- **needs**: the other models it reads (``requires``, instantiated first and the
  only ones ``self.model(name)`` hands out) and the call-site indexes it reads
  (``reads_sites`` by callee name, ``reads_keywords`` by keyword).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, ClassVar

from tracer.link.memo import EMPTY
from tracer.link.records import Edge, Route
from tracer.link.values import Values, ext_matches

if TYPE_CHECKING:
    from tracer.link.resolve import Resolver


class Model:
    name: ClassVar[str] = ""
    requires: ClassVar[tuple[str, ...]] = ()  # models whose answers this one reads
    kinds: ClassVar[tuple[str, ...]] = ()  # value tags this model makes
    settled: ClassVar[tuple[str, ...]] = ()  # of those, the ones that are a program's object (CONF.x is not read)
    external: ClassVar[tuple[str, ...]] = ()  # of those, the ones whose call is library code (counted, no edge)
    calls: ClassVar[tuple[str, ...]] = ()  # dotted suffixes of the library callables it answers
    attributes: ClassVar[tuple[str, ...]] = ()  # library names whose attributes it answers (``pecan.request``)
    attributes_of: ClassVar[tuple[str, ...]] = ()  # core value kinds whose attributes it answers ("str": ``x.lower``)
    reads_sites: ClassVar[tuple[str, ...]] = ()  # call-site names it looks up in the program index
    reads_keywords: ClassVar[tuple[str, ...]] = ()  # call-site keywords it looks up
    sees_calls: ClassVar[bool] = False  # asked for edges at every call of a program function too
    specializes: ClassVar[tuple[str, ...]] = ()  # kinds of its values that stand for what a call passes
    tables: ClassVar[tuple[str, ...]] = ()  # attribute names whose keyed entries are one table program-wide
    inert: ClassVar[tuple[str, ...]] = ()  # library callables that never call a function handed to them
    descriptors: ClassVar[tuple[str, ...]] = ()  # dotted suffixes of the library's descriptor classes it reads

    def __init__(self, core: Resolver, registry: Registry) -> None:
        self.r = core
        self.p = core.p
        self._registry = registry

    def model(self, name: str) -> Model:
        """Another model's answers; only a declared requirement."""
        if name not in self.requires:
            raise LookupError(f"model {self.name!r} reads {name!r} without declaring it in requires")
        return self._registry[name]

    def sites_named(self, name: str) -> tuple:
        if name not in self.reads_sites:
            raise LookupError(f"model {self.name!r} reads sites named {name!r} without declaring it")
        return self.p.sites_named(name)

    def sites_with_keyword(self, keyword: str) -> tuple:
        if keyword not in self.reads_keywords:
            raise LookupError(f"model {self.name!r} reads keyword {keyword!r} without declaring it")
        return self.p.sites_with_keyword(keyword)

    # -- values --------------------------------------------------------------
    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        """Calling the library callable ``dotted`` (one of ``calls``) with the recorded call ``expr``."""
        return frozenset({("exti", dotted)})

    def attribute(self, v: tuple, attr: str) -> Values:
        """``v.attr`` for a value of one of ``kinds``."""
        return EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        """``v(...)`` for a value of one of ``kinds``."""
        return EMPTY

    def specialize(self, v: tuple, callee: tuple, expr: tuple, scope: str) -> Values:
        """A value of ``specializes`` returned by ``callee``, read at the call ``expr`` in ``scope``."""
        return frozenset({v})

    def narrow(self, values: Values, callee: tuple, expr: tuple, scope: str) -> Values:
        """What the call ``expr`` of the program function ``callee`` gives, of the
        ``values`` it may return (a plugin looked up by a name the configuration gives is that plugin)."""
        return values

    def calls_into(self, fq: str) -> list[tuple[str, object, int]]:
        """(caller fq, call site, positional offset) of the library's own calls of the program function
        ``fq`` (a plugin class built on load): the core binds ``fq``'s parameters from them."""
        return []

    def decorated_param(self, fn, decorator: tuple, position: int, scope: str) -> Values:
        """The value parameter ``position`` (``self`` not counted) of ``fn`` gets from ``decorator``, a call
        or name that evaluates to one of the model's ``calls`` (evaluated in ``scope``), if the library says."""
        return EMPTY

    def subscript(self, v: tuple, keys: list[str]) -> Values:
        """``v[key]`` for a value of one of ``kinds`` (``keys``: the key's texts, empty when unknown)."""
        return EMPTY

    def table(self, attr: str, keys: list[str], scope: str) -> Values:
        """``x.attr[key]`` read in ``scope`` for an ``attr`` of ``tables`` (the WSGI environ), whatever ``x``."""
        return EMPTY

    def descriptor(self, v: tuple) -> Values:
        """What reading a class attribute through an instance gives when the attribute holds ``v``, an
        instance of one of ``descriptors`` (a class of a library read as code, whose ``__get__`` the core
        cannot follow: openstacksdk's service descriptions)."""
        return EMPTY

    def ext_attribute(self, dotted: str, attr: str) -> Values:
        """``name.attr`` for a library name in ``attributes``."""
        return frozenset({("ext", f"{dotted}.{attr}")})

    def fallback_attribute(self, attr: str, base: tuple | None = None, scope: str = "") -> Values:
        """What ``x.attr`` is when ``x`` is no object of the program (``CONF.x``: an option's default);
        ``base`` is the expression ``x`` as written (``CONF.group``, ``CONF['group']``), read in ``scope``."""
        return EMPTY

    def module_attribute(self, module: str, name: str) -> Values:
        """``module.name`` for a name no statement of the module binds, set by the library at run time
        (oslo.versionedobjects' registry ``setattr``s each registered class on a package)."""
        return EMPTY

    # -- edges ---------------------------------------------------------------
    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        """The edges a call site makes whose callee is ``v`` (of ``kinds``, or ``("ext", one of calls)``,
        or with ``sees_calls`` a program function ``("fn", fq)`` / ``("bound", fq, cls)``);
        ``confidence`` is ``exact`` when the callee has one value, else ``possible``."""
        return []

    def unresolved(self, fq: str, site, values: Values) -> tuple[str, tuple] | None:
        """(reason, detail) for a site whose callee holds the model's values but made no edge."""
        return None

    def unresolved_beside(self, fq: str, site, values: Values, made: list[Edge]) -> tuple[str, tuple] | None:
        """With ``sees_calls``: (reason, detail) for what a call of a program function should have made
        but did not, beside the call edge it made (a wrapper's send whose literal no server receives)."""
        return None

    def rewrite(self, fq: str, fn, site, made: list[Edge]) -> list[Edge]:
        """The site's edges once every value made its own (a REST request replaces the client plumbing)."""
        return made

    # -- program-wide ----------------------------------------------------------
    def routes(self) -> list[Route]:
        """The HTTP routes the library's declarations give (the registry unites every model's)."""
        return []

    def all_routes(self) -> list[Route]:
        """Every model's routes: what a request may land on."""
        return self._registry.routes()

    def is_database(self, fq: str) -> bool:
        """Whether the program function ``fq`` is database access by the library's conventions."""
        return False

    def database_modules(self) -> frozenset[str]:
        """Modules that are the database by the library's conventions (an oslo.db backend's)."""
        return frozenset()


class Registry:
    """The models of one interpreter, instantiated in dependency order, and the dispatch tables."""

    def __init__(self, core: Resolver, classes: tuple[type[Model], ...]) -> None:
        self._models: dict[str, Model] = {}
        for cls in _dependency_order(classes):
            self._models[cls.name] = cls(core, self)
        self.by_kind: dict[str, Model] = {}
        self.ext_attributes: dict[str, Model] = {}
        self.attributes_of: dict[str, Model] = {}
        self.tables: dict[str, Model] = {}
        self._calls: dict[str, list[tuple[str, Model]]] = defaultdict(list)
        for model in self._models.values():
            for kind in model.kinds:
                if kind in self.by_kind:
                    raise ValueError(f"value kind {kind!r} is made by {self.by_kind[kind].name} and {model.name}")
                self.by_kind[kind] = model
            for suffix in model.calls:
                self._calls[suffix.rpartition(".")[2]].append((suffix, model))
            for dotted in model.attributes:
                self.ext_attributes[dotted] = model
            for kind in model.attributes_of:
                self.attributes_of[kind] = model
            for attr in model.tables:
                self.tables[attr] = model
        self.inert = tuple(sorted({d for m in self._models.values() for d in m.inert}))
        self.inert_names = frozenset(d.rpartition(".")[2] for d in self.inert)  # a cheap test before evaluating
        self.settled = frozenset(k for m in self._models.values() for k in m.settled)
        self.external = frozenset(k for m in self._models.values() for k in m.external)
        self._routes: list[Route] | None = None

    def __getitem__(self, name: str) -> Model:
        return self._models[name]

    def __iter__(self):
        return iter(self._models.values())

    def routes(self) -> list[Route]:
        """Every model's routes, sorted: what an HTTP request may land on."""
        if self._routes is None:
            self._routes = sorted({r for model in self for r in model.routes()})
        return self._routes

    def for_descriptor(self, mro: tuple[str, ...]) -> Model | None:
        """The model that says what an instance of a class with this MRO gives as a class attribute, if any."""
        for model in self._models.values():
            if model.descriptors and any(ext_matches(k, model.descriptors) for k in mro):
                return model
        return None

    def for_call(self, dotted: str) -> Model | None:
        """The model that answers calls to the library name ``dotted``, if any."""
        for suffix, model in self._calls.get(dotted.rpartition(".")[2], ()):
            if ext_matches(dotted, (suffix,)):
                return model
        return None


def _dependency_order(classes: tuple[type[Model], ...]) -> list[type[Model]]:
    by_name = {c.name: c for c in classes}
    out: list[type[Model]] = []
    state: dict[str, int] = {}

    def visit(name: str) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise ValueError(f"models require each other in a cycle through {name!r}")
        if name not in by_name:
            raise ValueError(f"a model requires {name!r}, which is not registered")
        state[name] = 1
        for dep in by_name[name].requires:
            visit(dep)
        state[name] = 2
        out.append(by_name[name])

    for cls in classes:
        visit(cls.name)
    return out
