"""link model: flask.  Routes declared by decorators on a Blueprint or an app.

Stage: link.  Must not import libcst or render.

``bp = flask.Blueprint('v1', __name__, url_prefix='/v1')`` (or an instance of a
program subclass of ``flask.Blueprint``/``flask.Flask``) and ``@bp.route('/leases',
methods=['POST'])`` or flask's shortcuts ``@bp.post('/leases')`` (``get``, ``put``,
``patch``, ``delete``: a subclass that overrides them keeps their meaning) route
that method and path to the decorated function.  The path is the blueprint's
``url_prefix`` followed by the rule, flask's ``<name>``/``<int:name>`` written
``{name}``.
"""
from __future__ import annotations

import re
from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.program import MODULE_BODY
from tracer.link.records import Route
from tracer.link.values import ordered, strings

APPS = ("flask.Blueprint", "flask.Flask", "flask.blueprints.Blueprint", "flask.app.Flask")
SHORTCUTS = {"get": "GET", "post": "POST", "put": "PUT", "patch": "PATCH", "delete": "DELETE"}
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_HTTP = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})


class Flask(Model):
    name = "flask"

    def routes(self) -> list[Route]:
        return self._routes

    @cached_property
    def _routes(self) -> list[Route]:
        out: list[Route] = []
        for fq, fn in sorted(self.p.functions.items()):
            for d in fn.facts.decorators:
                if d[0] == "c" and d[1][0] == "a" and (d[1][2] in SHORTCUTS or d[1][2] == "route"):
                    out += self._declared(fn, d)
        return sorted(set(out))

    def _declared(self, fn, decorator: tuple) -> list[Route]:
        scope = fn.parent or f"{fn.module}.{MODULE_BODY}"
        app = decorator[1][1]
        if not self._is_app(app, scope):
            return []
        kwargs = {k: v for k, v in decorator[3] if k}
        rule = decorator[2][0] if decorator[2] else kwargs.get("rule")
        if rule is None:
            return []
        verb = decorator[1][2]
        if verb == "route":
            verbs = sorted({m.upper() for m in strings(self.r.eval(kwargs["methods"], scope))} & _HTTP) \
                if "methods" in kwargs else ["GET"]
        else:
            verbs = [SHORTCUTS[verb]]
        where = f"{fn.path}:{fn.line}"
        return [Route(v, _VARIABLE.sub(r"{\1}", f"{prefix}{path}") or "/", None, fn.fq, fn.project, where)
                for prefix in self._prefixes(app, scope) for path in strings(self.r.eval(rule, scope)) for v in verbs]

    def _is_app(self, expr: tuple, scope: str) -> bool:
        for v in ordered(self.r.eval(expr, scope)):
            if v[0] == "inst" and self.r.is_subclass(v[1], APPS):
                return True
            if v[0] == "exti" and any(v[1] == a or v[1].endswith("." + a) for a in APPS):
                return True
        return False

    def _prefixes(self, expr: tuple, scope: str) -> list[str]:
        """The ``url_prefix=`` the blueprint was made with (where the name is bound), else none."""
        made = [e for e, _ in self.r.bound_exprs(expr[1], scope)] if expr[0] == "n" else []
        found: set[str] = set()
        for e in made:
            if e[0] == "c":
                for k, v in e[3]:
                    if k == "url_prefix":
                        found |= {t.rstrip("/") for t in strings(self.r.eval(v, scope))}
        return sorted(found) or [""]
