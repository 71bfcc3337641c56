"""link model: oslo.utils' importutils.  A class loaded by its import path; when the path is an option's
default, the object is the configured *driver* and calls on it are driver hops.  ``import_module``, ``try_import`` (and
importlib's) of a string or an option default is that module (cinder's ``import_module(CONF.db_driver)``).

Stage: link.  Must not import libcst or render.

    ("drv", fq)         an instance chosen by configuration (``import_object(CONF.volume_driver)``)
    ("drvcls", fq)      a class chosen by configuration (``import_class``); calling it gives a ``drv``
    ("drvm", fq, cls)   a method bound to a ``drv``: calling it is a ``driver`` edge to the configured
                        class's method, and ``candidate`` edges to the other implementations

Stevedore's configured plugins are ``drv`` values too (``tracer.link.models.stevedore``).
"""
from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from tracer.link.drivers import candidates
from tracer.link.exprs import sites_in_order
from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.records import Edge
from tracer.link.values import WILD, Values, ext_matches, ordered

IMPORT_OBJECT = ("import_object", "import_object_ns")
IMPORT_CLASS = ("import_class",)
IMPORT_MODULE = ("importutils.import_module", "importutils.try_import", "importlib.import_module")  # (importlib's is the standard one)


class OsloUtils(Model):
    name = "oslo_utils"
    requires = ("stevedore",)
    kinds = ("drv", "drvcls", "drvm")
    settled = ("drv", "drvm")
    calls = IMPORT_OBJECT + IMPORT_CLASS + IMPORT_MODULE
    reads_sites = IMPORT_OBJECT

    def calls_into(self, fq: str) -> list[tuple[str, object, int]]:
        """``import_object(path, *args, **kwargs)`` builds the class with the arguments after the path (after
        the namespace and the path for ``import_object_ns``): a call of its ``__init__``."""
        fn = self.p.functions[fq]
        if fn.name != "__init__" or fn.cls is None:
            return []
        return self._builders.get(fq, [])

    @cached_property
    def _builders(self) -> dict[str, list]:
        out: dict[str, list] = {}
        for name in IMPORT_OBJECT:
            skip = 2 if name == "import_object_ns" else 1
            for fq, site in sites_in_order(self.sites_named(name)):
                if len(site.args) < skip or not any(ext_matches(v[1], (name,)) for v in self.r.eval(site.func, fq)
                                                    if v[0] == "ext"):
                    continue
                expr = ("c", site.func, site.args, site.kwargs)
                built = {v[1] for v in self._import_by_name(("c", site.func, site.args[skip - 1:], site.kwargs), fq,
                                                            "drv") if v[0] in ("drv", "inst")} if expr else set()
                call = _Built(site.args[skip:], site.kwargs, site.line, site.col, site.func)
                for cls in sorted(built):
                    init = self.p.lookup_method(cls, "__init__")
                    if init is not None:
                        out.setdefault(init, []).append((fq, call, 1))
        return out

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if ext_matches(dotted, IMPORT_MODULE):  # a module named by a string or an option default
            if not expr[2]:
                return frozenset({("exti", dotted)})
            return frozenset(("mod", v[1]) for v in self.r.eval(expr[2][0], scope)
                             if v[0] in ("str", "cfg") and v[1] in self.p.modules)
        return self._import_by_name(expr, scope, "drv" if ext_matches(dotted, IMPORT_OBJECT) else "drvcls")

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] == "drvcls":  # the configured class's own attribute (a classmethod called on the class)
            return self.r.attribute(("cls", v[1]), attr)
        return self.r.instance_attr(v, attr, bound="drvm") if v[0] == "drv" else EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        if v[0] == "drvm":
            return self.r.returns(v[1])
        return frozenset({("drv", v[1])}) if v[0] == "drvcls" else EMPTY

    def _import_by_name(self, expr: tuple, scope: str, kind: str) -> Values:
        """``import_object(path)``: a driver when the path is a configuration default, else a plain class.

        When the path cannot be read (no default: the deployment must set it), an
        ``isinstance(x, Base)`` check in the same function names the interface.
        """
        args = expr[2]
        if not args:
            return EMPTY
        out: set = set()
        plain = "inst" if kind == "drv" else "cls"
        for v in ordered(self.r.eval(args[0], scope)):
            if v[0] not in ("str", "cfg"):
                continue
            if WILD in v[1]:  # "pkg.v%s.client.Client" % major: every class the pattern names
                out |= {(plain, cls) for cls in self.r.classes_matching(v[1])}
                continue
            cls = self.r.class_by_path(v[1])
            if cls:
                out.add((kind if v[0] == "cfg" else plain, cls))
        if not out:
            out |= {(kind, base) for base in self._isinstance_bases(scope)}
        return frozenset(out)

    def _isinstance_bases(self, scope: str) -> list[str]:
        fn = self.p.functions.get(scope)
        found = []
        for site in fn.calls() if fn else ():
            if site.func == ("n", "isinstance") and len(site.args) == 2:
                found += [v[1] for v in self.r.eval(site.args[1], scope) if v[0] == "cls"]
        return sorted(set(found))

    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] == "drvcls":  # building the class the configuration names (cinder's group_api.API()): its __init__
            init = self.p.lookup_method(v[1], "__init__")
            return [Edge(fq, init, "call", path, site.line, confidence, (("loaded_from", v[1]),))] if init else []
        if v[0] != "drvm":
            return []
        method, cls = v[1], v[2]
        name = method.rsplit(".", 1)[1]
        others = [m for m in candidates(self.p, cls, name) if m != method]
        if not others:  # the other entry points of its group, if a plugin: what a deployment may choose instead
            others = self.model("stevedore").siblings(cls, name)
        if others is None:  # loaded by name but with nothing to choose from: a plain call
            return [Edge(fq, method, "call", path, site.line, "exact", (("loaded_from", cls),))]
        meta = (("configured", cls),)
        out = [Edge(fq, method, "driver", path, site.line, "configured", meta)]
        out += [Edge(fq, other, "driver", path, site.line, "candidate", meta) for other in others]
        return out

    def rewrite(self, fq: str, fn, site, made: list[Edge]) -> list[Edge]:
        """Several configured drivers at one site (plugins enabled by configuration, chosen by data): a
        class configured there is not also a candidate of the others."""
        configured = {e.target for e in made if e.kind == "driver" and e.confidence == "configured"}
        if len(configured) < 2:
            return made
        return [e for e in made if not (e.kind == "driver" and e.confidence == "candidate" and e.target in configured)]


class _Built(NamedTuple):
    """The call ``import_object`` makes of the class it loads: the arguments after the path."""

    args: tuple
    kwargs: tuple
    line: int
    col: int
    func: tuple
