"""link model helper: the API microversion a client request is sent with, where the code writes it.

Stage: link.  Must not import libcst or render.  Part of the clients model (``tracer.link.models.clients``),
which records it as the REST edge's ``microversion`` meta.

A keystoneauth request names it (``client.post(url, json=data, microversion=microversion)``, maybe in
the project's own wrapper, whose default is a module constant); or the client object was made with it:
python-novaclient's ``Client(api_versions.APIVersion('2.53'), ...)``, python-cinderclient's
``Client('3.44', ...)``, a project helper ``cinderclient(context, microversion='3.44')`` (a parameter
named ``microversion``, ``api_version`` or ``version``).  Only a literal counts (``"2.53"``, ``1.29``),
followed through names and defaults; a version the deployment negotiates is not one.
"""
from __future__ import annotations

import re

from tracer.link.exprs import argument, last_name
from tracer.link.models.bound import Bound, Env

VERSION_NAMES = ("microversion", "api_version", "version")
_VERSION = re.compile(r"^\d+\.\d+$")
MAX_HOPS = 6


class Microversions:
    def __init__(self, resolver) -> None:
        self.r = resolver
        self.p = resolver.p
        self.bound = Bound(resolver)

    def at_site(self, fq: str, site, callees) -> str | None:
        """The microversion the request sent from ``site`` carries; ``callees`` (fq, offset) are the
        site's in-project wrappers, whose own verb call may name it."""
        found = self._keyword(site, fq, ())
        if found:
            return found
        if site.func[0] == "a":
            found = self._made_with(site.func[1], fq, 0)
            if found:
                return found
        verb = last_name(site.func)
        for callee, offset in callees:  # self.post(url, data) -> client.post(url, microversion=microversion)
            env = self.bound.bind(callee, site, fq, (), offset)
            for inner in self.p.functions[callee].calls():
                if last_name(inner.func) == verb:
                    found = self._keyword(inner, callee, env)
                    if found:
                        return found
        return None

    def _keyword(self, site, scope: str, env: Env) -> str | None:
        given = dict((k, v) for k, v in site.kwargs if k).get("microversion")
        return self.literal(given, scope, env) if given is not None else None

    def literal(self, expr: tuple, scope: str, env: Env, hops: int = 0) -> str | None:
        """A version written in the code: a string or number, or ``APIVersion('2.53')`` of one."""
        if hops > MAX_HOPS:
            return None
        for e, s, en in self.bound.exprs(expr, scope, env):
            if e[0] in ("s", "i") and _VERSION.match(e[1]):
                return e[1]
            if e[0] == "c" and e[2] and "version" in (last_name(e[1]) or "").lower():  # APIVersion("2.53")
                found = self.literal(e[2][0], s, en, hops + 1)
                if found:
                    return found
        return None

    def _made_with(self, expr: tuple, scope: str, depth: int) -> str | None:
        """The version given where the receiver was made (the call at the root of ``x.servers``)."""
        if depth > MAX_HOPS:
            return None
        tag = expr[0]
        if tag == "a" and expr[1][0] in ("a", "c", "n"):
            return self._made_with(expr[1], scope, depth + 1)
        if tag == "n" and not self.r.is_parameter(expr[1], scope):
            return next((v for e, where in self.r.bound_exprs(expr[1], scope)
                         if (v := self._made_with(e, where, depth + 1))), None)
        if tag != "c":
            return None
        return self._from_call(expr, scope, depth)

    def _from_call(self, expr: tuple, scope: str, depth: int) -> str | None:
        kwargs = dict((k, v) for k, v in expr[3] if k)
        for v in sorted(self.r.eval(expr[1], scope)):
            fn = self.p.functions.get(v[1]) if v[0] in ("fn", "bound", "cls") else None
            if v[0] == "cls":
                init = self.p.lookup_method(v[1], "__init__")
                fn = self.p.functions.get(init) if init else None
            if fn is None:
                if v[0] in ("ext", "exti"):  # a client library's Client(version, ...)
                    given = next((kwargs[n] for n in VERSION_NAMES if n in kwargs), expr[2][0] if expr[2] else None)
                    found = self.literal(given, scope, ()) if given is not None else None
                    if found:
                        return found
                continue
            offset = 1 if v[0] in ("bound", "cls") else 0
            params = [p.name for p in fn.facts.params]
            for name in VERSION_NAMES:  # cinderclient(context, microversion='3.44')
                if name in params:
                    arg = argument(_Call(expr), name, params.index(name) - offset)
                    found = self.literal(arg, scope, ()) if arg is not None else None
                    if found:
                        return found
            for ret in dict.fromkeys(fn.facts.returns):
                found = self._made_with(ret, fn.fq, depth + 1)
                if found:
                    return found
        return None


class _Call:
    def __init__(self, expr: tuple) -> None:
        self.args, self.kwargs = expr[2], expr[3]
