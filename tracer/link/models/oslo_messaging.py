"""link model: oslo.messaging.  RPC clients, their casts and calls, bound to the server methods that
receive them (the servers are found by ``tracer.link.models.rpc_services``).

Stage: link.  Must not import libcst or render.

    ("target", topic, ns)     ``Target(topic=..., namespace=...)`` (``ns`` is "" when none is given)
    ("rpc"[, targets[, prepared]])   an RPC client (``RPCClient``/``get_rpc_client``, or a prepared context);
                              ``targets`` ((topic, ns), ...) when its ``Target`` is known; ``prepared``
                              when ``prepare(topic=...)`` chose them
    ("prep"[, targets])       ``client.prepare`` / ``router.client`` bound
    ("verb", "cast"|"call"[, targets])   an RPC send method

A send is keyed on its method *literal*, and on the topic and namespace of the
client's ``Target(topic=..., namespace=...)``, found in the sending class's own
or its bases' methods and class bodies, evaluated with ``self`` bound to the
concrete class (so ``topic=self.TOPIC`` reads the subclass constant); for a
client made outside such a class (a module function), the target the client
value carries.  A *sender* is a function whose send takes the method name from
one of its parameters (``def _cast(self, server, method, **kw): cctxt.cast(ctx,
method, **kw)``): each call of it is a send of the literal passed there.
"""
from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

from tracer.link.memo import EMPTY
from tracer.link.models.base import Model
from tracer.link.models.rpc_services import Binding, RpcServices, Service
from tracer.link.models.targets import target_pairs
from tracer.link.records import Edge
from tracer.link.resolve import argument, last_name
from tracer.link.values import Values, ordered, strings

RPC_CLIENT_FACTORIES = ("RPCClient", "get_rpc_client")
TARGETS = ("Target",)
MAX_TARGETS = 8  # targets a client value carries; more means a factory shared by every client: not known


class OsloMessaging(Model):
    name = "oslo_messaging"
    requires = ("oslo_config",)
    kinds = ("rpc", "prep", "verb", "target")
    settled = ("rpc", "target")
    external = ("prep",)  # client.prepare(...): the library's, no edge
    calls = RPC_CLIENT_FACTORIES + TARGETS
    reads_sites = ("get_server", "get_rpc_server", "cast", "call")
    reads_keywords = ("binary",)
    sees_calls = True  # a call of a sender is a send

    def __init__(self, core, registry) -> None:
        super().__init__(core, registry)
        self._targets: dict[str, tuple] = {}
        self._senders: dict[str, tuple] = {}

    # -- values --------------------------------------------------------------
    def call(self, dotted: str, expr: tuple, scope: str) -> Values:
        if not dotted.startswith("oslo_messaging"):
            return frozenset({("exti", dotted)})
        if dotted.endswith("Target"):
            return self._target(expr[3], scope)
        arg = dict((k, v) for k, v in expr[3] if k).get("target", expr[2][1] if len(expr[2]) > 1 else None)
        found = target_pairs(self.r.eval(arg, scope)) if arg is not None else ()
        return frozenset({("rpc", found) if 0 < len(found) <= MAX_TARGETS else ("rpc",)})

    def _target(self, kwargs: tuple, scope: str) -> Values:
        kw = dict((k, v) for k, v in kwargs if k)
        forwarded = [v for k, v in kwargs if k is None and v[0] == "n" and self.r.is_parameter(v[1], scope)]
        if "topic" not in kw and forwarded and scope in self.p.functions:
            # Target(**kwargs) in a helper: the keywords each caller gives the helper
            out: set = set()
            for caller, site, _ in self.r.callers(scope):
                out |= self._target(site.kwargs, caller)
            return frozenset(out)
        topics = strings(self.r.eval(kw["topic"], scope)) if "topic" in kw else []
        namespaces = strings(self.r.eval(kw["namespace"], scope)) if "namespace" in kw else [""]
        return frozenset(("target", t, n) for t in topics for n in namespaces or [""])

    def attribute(self, v: tuple, attr: str) -> Values:
        if v[0] != "rpc":
            return EMPTY
        if attr in ("cast", "call"):
            return frozenset({("verb", attr) + v[1:]})
        return frozenset({("prep",) + v[1:]}) if attr in ("prepare", "client") else EMPTY

    def call_value(self, v: tuple, expr: tuple, scope: str) -> Values:
        if v[0] != "prep":
            return EMPTY
        topic = dict((k, x) for k, x in expr[3] if k).get("topic")
        topics = strings(self.r.eval(topic, scope)) if topic is not None else []
        if topics:  # client.prepare(topic=...): this context sends there, whatever the client's target says
            namespaces = sorted({n for _, n in v[1]}) if len(v) > 1 else [""]
            return frozenset({("rpc", tuple((t, n) for t in topics for n in namespaces), True)})
        return frozenset({("rpc",) + v[1:]})

    # -- servers -------------------------------------------------------------
    @cached_property
    def _servers(self) -> RpcServices:
        return RpcServices(self)

    @property
    def services(self) -> list[Service]:
        return self._servers.services

    def bind(self, topic: str, namespace: str | None, method: str) -> list[Binding]:
        return self._servers.bind(topic, namespace, method)

    # -- edges ---------------------------------------------------------------
    def edges(self, fq: str, path: str, site, v: tuple, confidence: str) -> list[Edge]:
        if v[0] == "verb":
            owner = self.r.owner_class(self.p.functions[fq])
            if self._is_senders_own(fq, site):  # the method is the wrapper's parameter: see _relayed
                return self._relayed(fq, path, site, v, owner)
            return self._sends(fq, path, site, v, owner, self.method_literals(site, fq))
        if v[0] in ("fn", "bound"):
            return self._sender_call(fq, path, site, v)
        return []

    def _sends(self, fq: str, path: str, site, verb: tuple, owner: str | None, methods: list[str]) -> list[Edge]:
        """The server methods a send of ``methods`` reaches: the sending class's targets, else the client's."""
        prepared = len(verb) > 3 and verb[3]  # a topic given to prepare() wins over the class's target
        targets = self.client_targets(owner) if owner and not prepared else ()
        if not targets and len(verb) > 2:
            targets = tuple((t, n or None) for t, n in verb[2])
        out = []
        for topic, namespace in targets:
            for method in methods:
                for b in self.bind(topic, namespace, method):
                    meta = (("method", method), ("namespace", namespace), ("service", b.service), ("topic", topic))
                    out.append(Edge(fq, b.method, f"rpc-{verb[1]}", path, site.line, "exact", meta))
        return out

    def _sender_call(self, fq: str, path: str, site, v: tuple) -> list[Edge]:
        """A call of a sender with the method literal written here (``self._cast(host, 'create')``,
        ``self.call(ctxt, self.make_msg('create_stack'))``): the send, from this site."""
        out = []
        for index, element, verbs in self.senders(v[1]):
            param = self.p.functions[v[1]].facts.params[index]
            offset = 1 if v[0] == "bound" else 0
            arg = argument(site, param.name, index - offset)
            if arg is None or not _written_here(arg, element):
                continue  # a name handed on (notify(START_ACTION)): the wrapper's own send carries it
            methods = self._passed_names(arg, fq, element)
            owner = v[2] if v[0] == "bound" else self.r.owner_class(self.p.functions[fq])
            for verb in verbs:
                out += self._sends(fq, path, site, verb, owner, methods)
        return out

    def _relayed(self, fq: str, path: str, site, verb: tuple, owner: str | None) -> list[Edge]:
        """A wrapper's own send of what its callers pass as a name, not a literal written at the call
        (senlin's ``notify(START_ACTION, ...)``): edges from here, each with the callers that pass it
        (``passed_by``: a trace follows one only below them)."""
        by_method: dict[str, set[str]] = {}
        for index, element, _ in self.senders(fq):
            name = self.p.functions[fq].facts.params[index].name
            for caller, call, offset in self.r.callers(fq):
                arg = argument(call, name, index - offset)
                if arg is not None and not _written_here(arg, element):
                    for method in self._passed_names(arg, caller, element):
                        by_method.setdefault(method, set()).add(caller)
        out = []
        for method, callers in sorted(by_method.items()):
            extra = (("passed_by", tuple(sorted(callers))), ("via", f"parameter {_method_expr(site)[1]}"))
            out += [e._replace(meta=tuple(sorted(e.meta + extra)))
                    for e in self._sends(fq, path, site, verb, owner, [method])]
        return out

    def senders(self, fq: str) -> tuple:
        """((parameter index, verb values), ...): the sends in ``fq`` whose method is that parameter."""
        hit = self._senders.get(fq)
        if hit is None:
            hit = self._senders[fq] = self._find_senders(fq)
        return hit

    def _find_senders(self, fq: str) -> tuple:
        """((parameter index, element or None, verbs), ...).  The method is the parameter itself, or an
        element of it (``method, kwargs = msg``: heat's ``call(ctxt, self.make_msg('x', ...))``)."""
        fn = self.p.functions[fq]
        params = [p.name for p in fn.facts.params]
        unpacked = {a.target[1]: a.value for a in fn.assigns()
                    if a.target[0] == "n" and a.value[0] == "t" and a.value[1][0] == "n" and a.value[1][1] in params}
        out = []
        for site in fn.calls():
            if site.func[0] != "a" or site.func[2] not in ("cast", "call"):
                continue
            expr = _method_expr(site)
            if expr is None or expr[0] != "n":
                continue
            if expr[1] in params and self.r.is_parameter(expr[1], fq):
                where = (params.index(expr[1]), None)
            elif expr[1] in unpacked:
                where = (params.index(unpacked[expr[1]][1][1]), unpacked[expr[1]][2])
            else:
                continue
            verbs = tuple(sorted(v for v in self.r.eval(site.func, fq) if v[0] == "verb"))
            if verbs:
                out.append(where + (verbs,))
        return tuple(out)

    def _passed_names(self, arg: tuple, scope: str, element: int | None) -> list[str]:
        """The method names a sender's caller passes: the argument's strings, or element ``element`` of
        the tuple a helper builds from its own arguments (``make_msg(method, **kw): return method, kw``)."""
        if element is None or arg[0] != "c":
            return strings(self.r.eval(arg, scope)) if element is None else []
        out: set[str] = set()
        for v in ordered(self.r.eval(arg[1], scope)):
            fn = self.p.functions.get(v[1]) if v[0] in ("fn", "bound") else None
            for ret in fn.facts.returns if fn else ():
                if ret[0] != "l" or len(ret[1]) <= element:
                    continue
                part = ret[1][element]
                params = [p.name for p in fn.facts.params]
                if part[0] == "n" and part[1] in params and self.r.is_parameter(part[1], fn.fq):
                    offset = 1 if v[0] == "bound" else 0
                    given = argument(_Call(arg), part[1], params.index(part[1]) - offset)
                    out |= set(strings(self.r.eval(given, scope))) if given is not None else set()
                else:
                    out |= set(strings(self.r.eval(part, fn.fq)))
        return sorted(out)

    def method_literals(self, site, fq: str) -> list[str]:
        expr = _method_expr(site)
        if expr is None:
            return []
        return strings(self.r.eval(expr, fq))

    def unresolved(self, fq: str, site, values: Values) -> tuple[str, tuple] | None:
        verbs = sorted(v[1] for v in values if v[0] == "verb")
        if not verbs:
            return None
        methods = self.method_literals(site, fq)
        if self._is_senders_own(fq, site):  # not a miss: bound at each call of the wrapper
            return "rpc-sent-by-callers", (("method", tuple(methods)), ("verb", tuple(verbs)))
        if self._is_senders_own(fq, site, called=False):  # a wrapper the program never calls
            return "rpc-wrapper-not-called", (("method", ()), ("verb", tuple(verbs)))
        reason = "rpc-unbound" if methods else "rpc-method-not-literal"
        return reason, (("method", tuple(methods)), ("verb", tuple(verbs)))

    def unresolved_beside(self, fq: str, site, values: Values, made: list[Edge]) -> tuple[str, tuple] | None:
        """A call of a sender that sent nothing: the literal it writes reaches no server, or it hands the
        wrapper no literal at all (zun's ``self._cast('echo', message=message)``); a send that reached no
        server beside the calls the site makes to other values of its receiver (a context that may be an
        in-process object with a ``call`` method as well as an RPC client)."""
        if any(e.kind.startswith("rpc-") for e in made):
            return None
        if made and any(v[0] == "verb" for v in values):  # other receivers resolved (a local shortcut): still a miss
            return self.unresolved(fq, site, values)
        for v in sorted(values):
            if v[0] not in ("fn", "bound") or v[1] not in self.p.functions or not self.senders(v[1]):
                continue
            for index, element, verbs in self.senders(v[1]):
                name = self.p.functions[v[1]].facts.params[index].name
                arg = argument(site, name, index - (1 if v[0] == "bound" else 0))
                methods = self._passed_names(arg, fq, element) if arg is not None else []
                if methods and not _written_here(arg, element):
                    continue  # a name handed on (self.listener.SEND): the wrapper's own send makes it
                detail = (("method", tuple(methods)), ("verb", tuple(sorted({x[1] for x in verbs}))))
                return ("rpc-unbound" if methods else "rpc-method-not-literal"), detail
        return None

    def _is_senders_own(self, fq: str, site, called: bool = True) -> bool:
        """Whether ``site`` is a send whose method a wrapper's caller passes (``_cast(self, server, method)``);
        with ``called=False``, of a wrapper nothing calls."""
        expr = _method_expr(site)
        if expr is None or expr[0] != "n" or not self.senders(fq) or bool(self.r.callers(fq)) != called:
            return False
        fn = self.p.functions[fq]
        params = {p.name for p in fn.facts.params}
        unpacked = {a.target[1] for a in fn.assigns() if a.target[0] == "n" and a.value[0] == "t"
                    and a.value[1][0] == "n" and a.value[1][1] in params}
        return (expr[1] in params and self.r.is_parameter(expr[1], fq)) or expr[1] in unpacked

    # -- the server method's parameters ------------------------------------------
    def calls_into(self, fq: str) -> list[tuple[str, object, int]]:
        """A send of ``'m'`` is a call of the server method ``m`` it binds to: its keywords (and the
        context before the method name) are that method's arguments (``instance=instance``)."""
        fn = self.p.functions[fq]
        if fn.cls is None or fn.name.startswith("_"):
            return []
        out = []
        for caller, site in self._sends_named.get(fn.name, ()):
            for v in ordered(self.r.eval(site.func, caller)):
                if v[0] == "verb" and any(e.target == fq for e in self.edges(caller, "", site, v, "exact")):
                    out.append((caller, _Sent((site.args[0],) if site.args else (), site.kwargs, site.line, site.col), 1))
                    break
        return out

    @cached_property
    def _sends_named(self) -> dict[str, list]:
        """Send sites by the method literal they carry (written at the site)."""
        out: dict[str, list] = {}
        for verb in ("cast", "call"):
            for caller, site in self.sites_named(verb):
                expr = _method_expr(site) if site.func[0] == "a" else None
                if expr is not None and expr[0] == "s":
                    out.setdefault(expr[1], []).append((caller, site))
        return out

    # -- client side -----------------------------------------------------------
    def client_targets(self, cls: str) -> tuple[tuple[str, str | None], ...]:
        """(topic, namespace) pairs the rpcapi class ``cls`` sends to."""
        if cls not in self._targets:
            self._targets[cls] = self._find_targets(cls)
        return self._targets[cls]

    def _find_targets(self, cls: str) -> tuple:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            if klass is None:
                continue
            found = self._targets_in_methods(cls, klass) or self._targets_in_body(cls, k)
            if found:
                return found
        return ()

    def _targets_in_methods(self, cls: str, klass) -> tuple:
        out = []
        for method in klass.methods.values():
            for site in self.p.functions[method].calls():
                if last_name(site.func) == "Target":
                    out += self._target_pairs(site.kwargs, method, cls)
        return tuple(sorted(set(out), key=str))

    def _targets_in_body(self, cls: str, k: str) -> tuple:
        out = []
        for exprs in self.p.classes[k].attrs.values():
            for expr in exprs:
                if expr[0] == "c" and last_name(expr[1]) == "Target":
                    out += self._target_pairs(expr[3], self.r.class_scope(k), cls)
        return tuple(sorted(set(out), key=str))

    def _target_pairs(self, kwargs: tuple, scope: str, cls: str) -> list:
        kw = dict((k, v) for k, v in kwargs if k)
        if "topic" not in kw:
            return []
        topics = self._strings(kw["topic"], scope, cls)
        namespaces = self._strings(kw["namespace"], scope, cls) if "namespace" in kw else [None]
        return [(t, n) for t in topics for n in (namespaces or [None])]

    def _strings(self, expr: tuple, scope: str, cls: str) -> list:
        if expr[0] == "a" and expr[1] == ("n", "self"):
            values = self.r.attribute(("inst", cls), expr[2])
        else:
            values = self.r.eval(expr, scope)
        return strings(values)


class _Sent(NamedTuple):
    """A send read as a call of the server method: the context, then the keywords."""

    args: tuple
    kwargs: tuple
    line: int
    col: int
    func: tuple = ("n", "<rpc>")


class _Call:
    """A recorded call expression read like a call site (its ``args`` and ``kwargs``)."""

    def __init__(self, expr: tuple) -> None:
        self.args, self.kwargs = expr[2], expr[3]


def _method_expr(site) -> tuple | None:
    return site.args[1] if len(site.args) > 1 else dict((k, v) for k, v in site.kwargs if k).get("method")



def _written_here(arg: tuple, element: int | None) -> bool:
    """Whether a sender's caller writes the method literal in the call (or in the ``make_msg(...)`` it builds)."""
    return arg[0] == "s" if element is None else arg[0] == "c"
