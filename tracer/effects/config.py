"""effects: oslo.config, the options a function reads and where each is declared.

Stage: effects.  Must not import libcst, networkx or render.

An option is declared by ``cfg.XxxOpt('name', default=..., help=...)`` (the scanner's option facts) and
registered, often in another module, by ``conf.register_opts(opts, group=...)`` (``register_opt``,
``register_cli_opts``): the option list is followed through names, module attributes, ``+``,
``list(...)``/``itertools.chain(...)``, the group through ``cfg.OptGroup('libvirt', ...)`` or a literal;
no group is ``DEFAULT``.  nova's ``nova.conf.libvirt.register_opts(conf)`` is such a call like any other.

A read is an attribute chain on the configuration object: ``CONF.opt`` (DEFAULT), ``CONF.group.opt``,
where ``CONF`` evaluates to ``oslo_config.cfg.CONF`` (or a ``ConfigOpts()``).  A cinder backend reads
through a proxy, ``self.configuration.opt`` or ``.safe_get('opt')``: an instance of a class whose
``__getattr__`` hands back ``getattr(<the config object or a group of it, or another proxy>, name)``;
its options live in the backend's own section, written ``<backend>``.  A driver gets that proxy as
``configuration=`` of the dynamic construction that loads it (``import_object(path, configuration=...)``),
which reaches ``__init__(**kwargs)`` and ``self.configuration = kwargs.get('configuration')`` (or a
``configuration`` parameter of ``__init__``).
"""
from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from tracer.effects.view import LinkView
from tracer.facts.model import chain_expr
from tracer.link.models.oslo_config import BACKEND, CONF_OBJECTS, DEFAULT, Decl, attribute_chain

DYNAMIC = ("import_object", "import_object_ns", "import_class")
MAX_FLOW_SITES = 40


class Config:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self.p = view.p
        self._model = view.r.models["oslo_config"]
        self._kind: dict[tuple, str | None] = {}
        self._proxy: dict[str, bool] = {}

    # -- declarations and registrations (the oslo.config link model's) ------------------
    def decls(self, name: str, group: str | None = None) -> list[Decl]:
        return self._model.decls(name, group)

    @property
    def groups(self) -> dict[tuple[str, str], set[str]]:
        return self._model.groups

    @property
    def group_names(self) -> frozenset[str]:
        return self._model.group_names

    # -- reads ----------------------------------------------------------------------
    def option_read(self, expr: tuple, scope: str) -> tuple[str, str] | None:
        """(group, option) read by an attribute chain, or None when the chain is no option read."""
        chain = attribute_chain(expr)
        if chain is None:
            return None
        for i in range(1, len(chain)):
            kind = self.kind(chain_expr(chain[:i]), scope)
            if kind is None:
                continue
            rest = chain[i:]
            if kind == "proxy":
                return (BACKEND, rest[0]) if len(rest) == 1 else None
            if len(rest) == 2:
                return (rest[0], rest[1])
            if len(rest) == 1 and (rest[0] not in self.group_names or self.decls(rest[0], DEFAULT)):
                return (DEFAULT, rest[0])
            return None
        return None

    def kind(self, expr: tuple, scope: str) -> str | None:
        """``conf`` for the configuration object, ``proxy`` for a backend's configuration, else None."""
        key = (expr, scope)
        if key not in self._kind:
            self._kind[key] = None
            self._kind[key] = self._compute_kind(expr, scope)
        return self._kind[key]

    def _compute_kind(self, expr: tuple, scope: str) -> str | None:
        values = self.v.eval(expr, scope)
        if any(v[0] in ("ext", "exti") and v[1].endswith(CONF_OBJECTS) for v in values):
            return "conf"
        if any(v[0] in ("inst", "drv") and self.is_proxy(v[1]) for v in values):
            return "proxy"
        if all(v[0] in ("ext", "exti") and v[1].startswith("builtins.") for v in values) and expr[0] == "a" \
                and expr[1][0] == "n":  # nothing known (or only a default of None): what constructions pass
            owner = self._owner(scope)
            if owner and self.v.is_parameter(expr[1][1], scope):
                return self._passed_in(owner, expr[2])
        return None

    def _owner(self, scope: str) -> str | None:
        fn = self.p.functions.get(scope)
        return fn.cls if fn and fn.cls and fn.facts.params else None

    def is_proxy(self, cls: str) -> bool:
        if cls not in self._proxy:
            self._proxy[cls] = False
            self._proxy[cls] = self._delegates(cls)
        return self._proxy[cls]

    def _delegates(self, cls: str) -> bool:
        hook = self.p.lookup_method(cls, "__getattr__")
        fn = self.p.functions.get(hook) if hook else None
        if fn is None or len(fn.facts.params) < 2:
            return False
        name = ("n", fn.facts.params[1].name)
        for site in fn.calls():
            if site.func == ("n", "getattr") and len(site.args) >= 2 and site.args[1] == name:
                for target in self._unwrap(site.args[0], fn):
                    if self.kind(target, fn.fq) is not None or self._is_group(target, fn.fq):
                        return True
        return False

    def _unwrap(self, expr: tuple, fn) -> list[tuple]:
        """``conf`` bound to ``object.__getattribute__(self, 'conf')``: ``self.conf``."""
        exprs = [e for e, w in self.v.bound(expr[1], fn.fq) if w == fn.fq] if expr[0] == "n" else []
        out = []
        for e in exprs or [expr]:
            if e[0] == "c" and _last(e[1]) == "__getattribute__" and len(e[2]) == 2 and e[2][1][0] == "s":
                out.append(("a", e[2][0], e[2][1][1]))
            else:
                out.append(e)
        return out

    def _is_group(self, expr: tuple, scope: str) -> bool:
        """``CONF._get(group)`` / ``CONF.<group>``: a group of the configuration object."""
        return any(v[0] in ("ext", "exti") and ".cfg.CONF." in v[1] for v in self.v.eval(expr, scope))

    def _passed_in(self, cls: str, attr: str) -> str | None:
        """``self.attr = kwargs.get('key')``: what the dynamic constructions pass as ``key=``."""
        for value, method in self.v.self_assigns(cls, attr):
            key = _kwargs_key(value, self.p.functions[method])
            if key is None:
                continue
            checked = 0
            for caller, site in self.v.sites_with_keyword(key):
                if _last(site.func) not in DYNAMIC or checked >= MAX_FLOW_SITES:
                    continue
                checked += 1
                passed = next(v for k, v in site.kwargs if k == key)
                kind = self.kind(passed, caller)
                if kind is not None:
                    return kind
        return None

    # -- the configured driver ----------------------------------------------------------
    @cached_property
    def by_default(self) -> dict[str, list[Decl]]:
        """Options whose string default is a dotted path (the class a loader imports)."""
        out: dict[str, list[Decl]] = defaultdict(list)
        for name in sorted(self.p.options):
            for module, o in self.p.options[name]:
                if o.default and o.default[0] == "s" and "." in o.default[1]:
                    out[o.default[1]].append(self._model.decl(module, o))
        return out


def _last(expr: tuple) -> str | None:
    return expr[1] if expr[0] == "n" else expr[2] if expr[0] == "a" else None


def _kwargs_key(value: tuple, fn) -> str | None:
    """The keyword a construction passes this value as: ``kwargs.get('key', ...)`` or ``kwargs['key']`` on
    the method's ``**`` parameter, or a parameter itself (``def __init__(self, *, configuration)``)."""
    if value[0] == "n" and any(p.name == value[1] and p.kind in ("p", "k") for p in fn.facts.params[1:]):
        return value[1]
    star = next((p.name for p in fn.facts.params if p.kind == "**"), None)
    if star is None:
        return None
    if value[0] == "c" and value[1] == ("a", ("n", star), "get") and value[2] and value[2][0][0] == "s":
        return value[2][0][1]
    if value[0] == "k" and value[1] == ("n", star) and value[2][0] == "s":
        return value[2][1]
    return None
