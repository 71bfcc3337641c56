"""link models: WSGI (PEP 3333): the environ dict every middleware and the application share.

Stage: link.  Must not import libcst or render.

One environ dict travels with a request through every middleware into the application (webob's
``Request.environ`` is it), so a value one piece of the program stores under a literal key
(``req.environ['cinder.context'] = ctx`` in an auth middleware) is what another reads under that key
(``context = req.environ['cinder.context']`` in a controller): the entries are keyed by their literal,
program-wide, within the projects whose code can run together.

webob's ``wsgify`` decorator makes a WSGI application of a function of a request: it builds
``RequestClass(environ)`` and hands it to the function (``Resource.__call__(self, request)``).
"""
from __future__ import annotations

from collections import defaultdict

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.values import Values

ENVIRON = "environ"
WSGIFY = "webob.dec.wsgify"


class Wsgi(Model):
    name = "wsgi"
    tables = (ENVIRON,)
    calls = (WSGIFY,)

    def decorated_param(self, fn, decorator: tuple, position: int, scope: str) -> Values:
        """``@webob.dec.wsgify(RequestClass=X)``: the function is called with ``X(environ)`` (a
        ``webob.Request`` by default) as its first argument after ``self``."""
        if position != 0:
            return EMPTY
        kind = dict((k, v) for k, v in decorator[3] if k) if decorator[0] == "c" else {}
        if "RequestClass" not in kind:
            return frozenset({("exti", "webob.request.Request")})
        return frozenset(("inst", v[1]) if v[0] == "cls" else ("exti", v[1])
                         for v in self.r.eval(kind["RequestClass"], scope) if v[0] in ("cls", "ext"))

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._stores: dict[str, list[tuple[tuple, str]]] | None = None

    def table(self, attr: str, keys: list[str], scope: str) -> Values:
        """``x.environ[key]`` (or ``environ[key]``) read in ``scope``: what the program stores under ``key``."""
        if attr != ENVIRON or not keys:
            return EMPTY
        linked = self.p.projects_linked(self.p.functions[scope].project)
        out: set = set()
        for key in keys:
            for value, where in self.stores.get(key, ()):
                if self.p.functions[where].project in linked:
                    out |= self.r.eval(value, where)
        return frozenset(out)

    @property
    def stores(self) -> dict[str, list[tuple[tuple, str]]]:
        """Literal key -> (value, function) of every ``<...>.environ['key'] = value`` of the program."""
        if self._stores is None:
            found: dict[str, list[tuple[tuple, str]]] = defaultdict(list)
            for fq in sorted(self.p.functions):
                for a in self.p.functions[fq].assigns():
                    t = a.target
                    if t[0] == "k" and t[2][0] == "s" and _names_environ(t[1]):
                        found[t[2][1]].append((a.value, fq))
            self._stores = dict(found)
        return self._stores


def _names_environ(expr: tuple) -> bool:
    return (expr[0] == "a" and expr[2] == ENVIRON) or expr == ("n", ENVIRON)
