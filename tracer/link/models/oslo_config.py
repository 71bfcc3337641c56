"""link model: oslo.config.  ``CONF.x`` (or ``self.configuration.x``) is the declared default of option ``x``.

Stage: link.  Must not import libcst or render.

Options are the program index's ``cfg.XxxOpt('name', default=...)`` declarations.
A default that is a string comes back as a ``("cfg", text)`` value: a string the
deployment may change (an import path read from it names a configured driver).
A list default is its strings; a dict default is ``("cfgmap", module, option)``,
read by key (``CONF.x['pre']``: that entry's strings).  ``CONF.get(name)`` reads the option so named.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import cached_property
from typing import NamedTuple

from tracer.facts.model import chain_expr
from tracer.link.exprs import NOT_LITERAL, literal_value, render
from tracer.link.models.base import Model
from tracer.link.program import MODULE_BODY
from tracer.link.values import WILD, Values, ordered, templates

MAX_FITTING = 6  # options a name with an unknown part may stand for
REGISTERS = ("register_opts", "register_opt", "register_cli_opts", "register_cli_opt")
OVERRIDES = ("set_default", "set_override", "set_defaults")  # the code changes the default: not the declared one
DEFAULT = "DEFAULT"
BACKEND = "<backend>"
MAX_DEPTH = 6
CONF_OBJECTS = ("cfg.CONF", "cfg.ConfigOpts")  # the configuration object's names


class Decl(NamedTuple):
    module: str
    name: str
    type: str
    default: str | None
    help: str
    site: str  # path:line of the declaration


class OsloConfig(Model):
    name = "oslo_config"
    kinds = ("cfgmap",)
    calls = ("cfg.CONF.get",)
    reads_sites = REGISTERS + OVERRIDES

    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        """``CONF.get(name)``: the option ``name``'s default; a name built around an unknown part
        (``'%s_manager' % subtopic``) is each option it fits, when few do."""
        if not expr[2]:
            return frozenset({("exti", dotted)})
        out: set = set()
        for text in templates(self.r.eval(expr[2][0], scope)):
            names = [text] if WILD not in text else self._fitting(text)
            for name in names:
                out |= self.fallback_attribute(name)
        return frozenset(out) or frozenset({("exti", dotted)})

    def _fitting(self, pattern: str) -> list[str]:
        regex = re.compile("[^.]*".join(re.escape(part) for part in pattern.split(WILD)) + "$")
        found = sorted(name for name in self.p.options if regex.match(name))
        return found if len(found) <= MAX_FITTING else []

    def fallback_attribute(self, attr: str, base: tuple | None = None, scope: str = "") -> Values:
        """The option's default; read through a group (``CONF.group.x``, ``CONF['group'].x``), the default
        of the option registered in that group (designate's three ``topic`` options, one per service)."""
        options = self.p.options.get(attr, ())
        ambiguous = len({m for m, _ in options}) > 1  # declared once: nothing for the group to pick
        group = self._group_read(base, scope) if base is not None and ambiguous else None
        if group is not None:
            declared = {d.module for d in self.decls(attr, group)}
            options = tuple((m, o) for m, o in options if m in declared) or options
        out = {("cfg", o.default[1]) for _, o in options if o.default and o.default[0] == "s"}
        for module, o in options:
            if o.default and o.default[0] == "l":
                out |= self._texts(o.default, module)
            elif o.default and o.default[0] == "d":
                out.add(("cfgmap", module, attr))
        return frozenset(out)

    def _group_read(self, base: tuple, scope: str) -> str | None:
        """The registered group ``base`` reads of the configuration object, if it reads one."""
        if base[0] == "a":
            inner, group = base[1], base[2]
        elif base[0] == "k" and base[2][0] == "s":
            inner, group = base[1], base[2][1]
        else:
            return None
        if group not in self.group_names:
            return None
        values = self.r.eval(inner, scope)
        return group if any(v[0] in ("ext", "exti") and v[1].endswith(CONF_OBJECTS) for v in values) else None

    def subscript(self, v: tuple, keys: list[str]) -> Values:
        out: set = set()
        for module, o in self.p.options.get(v[2], ()):
            if module == v[1] and o.default and o.default[0] == "d":
                for key, value in o.default[1]:
                    if key[0] == "s" and (not keys or key[1] in keys):
                        out |= self._texts(value, module)
        return frozenset(out)

    def _texts(self, expr: tuple, module: str) -> set:
        """The strings of a default (a list's elements), as values the deployment may change."""
        values = self.r.eval(expr, f"{module}.{MODULE_BODY}")
        return {("cfg", v[1]) for v in values if v[0] in ("str", "cfg")}

    def string_defaults(self, option: str) -> list[str]:
        """The string defaults declared for the option ``option``, in declaration order."""
        return [o.default[1] for _, o in self.p.options.get(option, ()) if o.default and o.default[0] == "s"]

    # -- an option's default as a value (which way a branch goes: ``tracer.link.branches``) --
    def option_value(self, expr: tuple, scope: str) -> tuple[bool, object]:
        """(True, the declared default) when ``expr`` reads one option of the configuration object
        (``CONF.opt``, ``CONF.group.opt``) whose declarations agree on it; else (False, None)."""
        chain = attribute_chain(expr)
        if chain is None or len(chain) < 2:
            return False, None
        for i in range(1, len(chain)):
            values = self.r.eval(chain_expr(chain[:i]), scope)
            if any(v[0] in ("ext", "exti") and v[1].endswith(CONF_OBJECTS) for v in values):
                rest = chain[i:]
                if len(rest) > 2:
                    return False, None
                group, name = (rest[0], rest[1]) if len(rest) == 2 else (DEFAULT, rest[0])
                if name in self._overridden:
                    return False, None
                declared = {d.module for d in self.decls(name, group)}
                found = {_constant(o.default) for m, o in self.p.options.get(name, ()) if m in declared}
                if len(found) == 1 and (value := found.pop()) is not NOT_LITERAL:
                    return True, value
                return False, None
        return False, None

    @cached_property
    def _overridden(self) -> frozenset[str]:
        """Options the code sets a default or an override for (``CONF.set_default('web', ...)``,
        ``cfg.set_defaults(opts, connection=...)``): their declared default is not what runs."""
        out = set()
        for name in OVERRIDES:
            for _, site in self.sites_named(name):
                out |= {a[1] for a in site.args[:1] if a[0] == "s"}
                out |= {k for k, _ in site.kwargs if name == "set_defaults"}
        return frozenset(out)

    # -- declarations and registrations (read by the effects too) -------------------
    def decls(self, name: str, group: str | None = None) -> list[Decl]:
        """Declarations of option ``name``: those registered in ``group`` when any is, else those registered
        nowhere the trees say (a declaration registered in another group is another option)."""
        found = [self.decl(m, o) for m, o in self.p.options.get(name, ())]
        if group and group != BACKEND:
            exact = [d for d in found if group in self.groups.get((d.module, d.name), ())]
            found = exact or [d for d in found if not self.groups.get((d.module, d.name))]
        return sorted(set(found), key=lambda d: (d.module, d.site))

    def decl(self, module: str, o) -> Decl:
        path = self.p.modules[module].path
        return Decl(module, o.name, o.type, literal(o.default), getattr(o, "help", "") or "", f"{path}:{o.line}")

    @cached_property
    def groups(self) -> dict[tuple[str, str], set[str]]:
        """(declaring module, option) -> the groups it is registered in."""
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for name in REGISTERS:
            for fq, site in self.sites_named(name):
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
            return set().union(set(), *(self.option_list(e, w, depth + 1) for e, w in self.r.bound_exprs(expr[1], scope)))
        if tag == "a":
            out: set = set()
            for v in ordered(self.r.eval(expr[1], scope)):
                if v[0] == "mod" and f"{v[1]}.{MODULE_BODY}" in self.p.functions:
                    body = f"{v[1]}.{MODULE_BODY}"
                    for e, w in self.r.bound_exprs(expr[2], body):
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
        strings = sorted({v[1] for v in self.r.eval(expr, scope) if v[0] == "str"})
        return strings[0] if len(strings) == 1 else "{" + render(expr) + "}"

    def _bound(self, expr: tuple, scope: str) -> list[tuple[tuple, str]]:
        if expr[0] == "n":
            return self.r.bound_exprs(expr[1], scope)
        out = []
        for v in ordered(self.r.eval(expr[1], scope)):
            if v[0] == "mod" and f"{v[1]}.{MODULE_BODY}" in self.p.functions:
                out += self.r.bound_exprs(expr[2], f"{v[1]}.{MODULE_BODY}")
        return out

    def _module(self, scope: str) -> str:
        fn = self.p.functions.get(scope)
        return fn.module if fn else scope.rsplit(".", 1)[0]


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


def _constant(default: tuple | None):
    """A declared default as a Python value (no default is None, as oslo.config has it; a deployment sets
    some of those, a database connection: ``--any-config`` follows them); ``NOT_LITERAL`` when computed."""
    return None if default is None else literal_value(default)


def attribute_chain(expr: tuple) -> list[str] | None:
    parts = []
    while expr[0] == "a":
        parts.append(expr[2])
        expr = expr[1]
    if expr[0] != "n":
        return None
    parts.append(expr[1])
    return parts[::-1]
