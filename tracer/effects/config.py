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
from typing import NamedTuple

from tracer.effects.view import LinkView
from tracer.link.exprs import render
from tracer.link.program import MODULE_BODY

REGISTERS = ("register_opts", "register_opt", "register_cli_opts", "register_cli_opt")
DEFAULT = "DEFAULT"
BACKEND = "<backend>"
CONF_OBJECTS = ("cfg.CONF", "cfg.ConfigOpts")
DYNAMIC = ("import_object", "import_object_ns", "import_class")
MAX_DEPTH = 6
MAX_FLOW_SITES = 40


class Decl(NamedTuple):
    module: str
    name: str
    type: str
    default: str | None
    help: str
    site: str  # path:line of the declaration


class Config:
    def __init__(self, view: LinkView) -> None:
        self.v = view
        self.p = view.p
        self._kind: dict[tuple, str | None] = {}
        self._proxy: dict[str, bool] = {}

    # -- declarations and registrations -------------------------------------------
    def decls(self, name: str, group: str | None = None) -> list[Decl]:
        """Declarations of option ``name``: those registered in ``group`` when any is, else those registered
        nowhere the trees say (a declaration registered in another group is another option)."""
        found = [self._decl(m, o) for m, o in self.p.options.get(name, ())]
        if group and group != BACKEND:
            exact = [d for d in found if group in self.groups.get((d.module, d.name), ())]
            found = exact or [d for d in found if not self.groups.get((d.module, d.name))]
        return sorted(set(found), key=lambda d: (d.module, d.site))

    def _decl(self, module: str, o) -> Decl:
        path = self.p.modules[module].path
        return Decl(module, o.name, o.type, literal(o.default), getattr(o, "help", "") or "", f"{path}:{o.line}")

    @cached_property
    def groups(self) -> dict[tuple[str, str], set[str]]:
        """(declaring module, option) -> the groups it is registered in."""
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for name in REGISTERS:
            for fq, site in self.v.sites_named(name):
                opts = site.args[0] if site.args else next((v for k, v in site.kwargs if k in ("opts", "opt")), None)
                if opts is None:
                    continue
                group = next((v for k, v in site.kwargs if k == "group"), site.args[1] if len(site.args) > 1 else None)
                where = self.group_name(group, fq) if group is not None else DEFAULT
                for key in self.option_list(opts, fq, 0):
                    out[key].add(where)
        return out

    @cached_property
    def group_names(self) -> frozenset[str]:
        return frozenset(g for groups in self.groups.values() for g in groups) - {DEFAULT}

    def option_list(self, expr: tuple, scope: str, depth: int) -> set[tuple[str, str]]:
        """(module, name) of every option declaration an option list expression holds."""
        if depth > MAX_DEPTH:
            return set()
        tag = expr[0]
        if tag == "c" and _declares(expr):
            return {(self._module(scope), expr[2][0][1])}
        if tag in ("l", "c"):
            items = expr[1] if tag == "l" else list(expr[2])
            return set().union(*(self.option_list(e, scope, depth + 1) for e in items)) if items else set()
        if tag in ("*", "it"):
            return self.option_list(expr[1], scope, depth + 1)
        if tag == "+":
            return self.option_list(expr[1], scope, depth + 1) | self.option_list(expr[2], scope, depth + 1)
        if tag == "n":
            return set().union(set(), *(self.option_list(e, w, depth + 1) for e, w in self.v.bound(expr[1], scope)))
        if tag == "a":
            out: set = set()
            for v in self.v.eval(expr[1], scope):
                if v[0] == "mod" and f"{v[1]}.{MODULE_BODY}" in self.p.functions:
                    body = f"{v[1]}.{MODULE_BODY}"
                    for e, w in self.v.bound(expr[2], body):
                        out |= self.option_list(e, w, depth + 1)
            return out
        return set()

    def group_name(self, expr: tuple, scope: str, depth: int = 0) -> str:
        tag = expr[0]
        if tag == "s":
            return expr[1]
        if tag == "n" and expr[1] == "None":
            return DEFAULT
        if tag == "c" and (last := _last(expr[1])) and last.endswith("OptGroup"):
            name = next((v for k, v in expr[3] if k == "name"), expr[2][0] if expr[2] else None)
            return name[1] if name and name[0] == "s" else "{" + render(expr) + "}"
        if tag == "a" and expr[2] == "name":
            return self.group_name(expr[1], scope, depth + 1)
        if tag in ("n", "a") and depth < MAX_DEPTH:
            names = {self.group_name(e, w, depth + 1) for e, w in self._bound(expr, scope)}
            if len(names) == 1:
                return names.pop()
        strings = sorted({v[1] for v in self.v.eval(expr, scope) if v[0] == "str"})
        return strings[0] if len(strings) == 1 else "{" + render(expr) + "}"

    def _bound(self, expr: tuple, scope: str) -> list[tuple[tuple, str]]:
        if expr[0] == "n":
            return self.v.bound(expr[1], scope)
        out = []
        for v in self.v.eval(expr[1], scope):
            if v[0] == "mod" and f"{v[1]}.{MODULE_BODY}" in self.p.functions:
                out += self.v.bound(expr[2], f"{v[1]}.{MODULE_BODY}")
        return out

    def _module(self, scope: str) -> str:
        fn = self.p.functions.get(scope)
        return fn.module if fn else scope.rsplit(".", 1)[0]

    # -- reads ----------------------------------------------------------------------
    def option_read(self, expr: tuple, scope: str) -> tuple[str, str] | None:
        """(group, option) read by an attribute chain, or None when the chain is no option read."""
        chain = _chain(expr)
        if chain is None:
            return None
        for i in range(1, len(chain)):
            kind = self.kind(_expr(chain[:i]), scope)
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
                    out[o.default[1]].append(self._decl(module, o))
        return out


def literal(expr: tuple | None) -> str | None:
    """An option default as the declaration writes it."""
    if expr is None:
        return None
    if expr[0] in ("s", "i"):
        return expr[1]
    if expr[0] == "l":
        return "[" + ", ".join(literal(e) or "" for e in expr[1]) + "]"
    return render(expr)


def _declares(expr: tuple) -> bool:
    last = _last(expr[1])
    return bool(last and last.endswith("Opt") and expr[2] and expr[2][0][0] == "s")


def _last(expr: tuple) -> str | None:
    return expr[1] if expr[0] == "n" else expr[2] if expr[0] == "a" else None


def _chain(expr: tuple) -> list[str] | None:
    parts = []
    while expr[0] == "a":
        parts.append(expr[2])
        expr = expr[1]
    if expr[0] != "n":
        return None
    parts.append(expr[1])
    return parts[::-1]


def _expr(parts: list[str]) -> tuple:
    expr: tuple = ("n", parts[0])
    for p in parts[1:]:
        expr = ("a", expr, p)
    return expr


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
