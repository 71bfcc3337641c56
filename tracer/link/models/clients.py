"""link model: the OpenStack client libraries (python-<service>client, keystoneauth adapters): the HTTP
requests a call sends, and the REST routes of the indexed trees that answer them.

Stage: link.  Must not import libcst or render.

A site that sends a request some indexed route answers makes a ``rest`` edge to
that route's controller method; one that no route answers is an external hop to
``"<service>-api METHOD /path"``.  The calls into the client library at that site
are its plumbing and are dropped.

A client library ends each method in an HTTP verb call on a URL template:
python-cinderclient's ``volumes.reserve(v)`` calls ``self._action('os-reserve', v)``,
which builds ``url = '/volumes/%s/action' % base.getid(volume)`` and
``body = {action: info}`` and calls ``self.api.client.post(url, body=body)``.
From a call site, the finder follows the calls into another project's code
with the arguments that site passes (bound by name for this walk, never merged
over every caller of the library function) until a verb call whose URL is a
path; that gives (HTTP method, path template, action key).  A verb call made
directly on a path (``self.get("/allocation_candidates?%s" % qs)``) counts too.
The request is then matched against the routes learned from the trees
(``tracer.link.routes``): path tail and action key, newest API version first; a client library's request
only against the routes of the project it serves (python-neutronclient's ``GET /extensions`` is neutron's,
never the caller's own ``GET /extensions``), when the service-types registry knows that project.
"""
from __future__ import annotations

import re
from functools import cached_property
from typing import NamedTuple

from tracer.link.models import service_types
from tracer.link.models.base import Model
from tracer.link.records import Edge, Route
from tracer.link.models.bound import Bound, Env
from tracer.link.models.microversions import Microversions
from tracer.link.models.openstacksdk import OpenStackSDK
from tracer.link.resolve import Resolver, last_name
from tracer.link.routes import api_service
from tracer.link.values import BOUND_KINDS, WILD

VERBS = frozenset({"get", "post", "put", "patch", "delete", "head"})
MAX_DEPTH = 5  # calls followed inside the client library
MAX_NAME_HOPS = 6
_VERSION = re.compile(r"^v\d+(?:\.\d+)?$")
_SERVICE_TYPE = re.compile(r"^[a-z][a-z0-9_-]*$")  # how service types are spelled ('placement', 'block-storage')


class Request(NamedTuple):
    method: str  # GET, POST, ...
    path: str  # "/volumes/{}/action": "{}" marks a part the client fills in at run time
    action: str | None  # the single key of the body, when there is one
    client: str  # the function whose verb call sends it
    service: str | None = None  # the service type named where the HTTP client was made ("placement")


class Requests:
    def __init__(self, resolver: Resolver, routes: list[Route], sdk: OpenStackSDK) -> None:
        self.r = resolver
        self.sdk = sdk
        self.p = resolver.p
        self.routes = routes
        self.bound = Bound(resolver)
        self._memo: dict[tuple, frozenset[Request]] = {}

    # -- requests ------------------------------------------------------------
    def at_site(self, fq: str, site) -> list[Request]:
        """What the call ``site`` in ``fq`` sends: itself a verb call on a path, or through another project's code."""
        direct = self._verb_call(fq, site, ())
        if direct:
            hint = self.service_hint(fq, site)
            return sorted(r._replace(service=hint) for r in direct)
        project = self.p.functions[fq].project
        out: set[Request] = set()
        for callee, offset in self._callees(fq, site):
            if self.p.functions[callee].project != project:
                out |= self._walk(callee, self.bound.bind(callee, site, fq, (), offset), 1, frozenset({callee}))
        # the SDK's requests go through a proxy made for a service type; one without (its cloud layer's URL
        # built from every resource's path at once) names no service and is not a hop
        out = {r for r in out if r.service or not self.sdk.owns(r.client)}
        if any(r.service for r in out):  # SDK proxies of several services answer the method's name: the one
            hint = self.service_hint(fq, site)  # the client was made for (get_sdk_adapter('shared-file-system'))
            wanted = service_types.named(hint).service_type if hint else None
            if wanted:
                out = {r for r in out if not r.service or service_types.named(r.service).service_type == wanted}
        return sorted(out)

    def _callees(self, scope: str, site) -> list[tuple[str, int]]:
        out = []
        for v in sorted(self.r.eval(site.func, scope)):
            if v[0] == "fn" and v[1] in self.p.functions:
                out.append((v[1], 0))
            elif v[0] in BOUND_KINDS and v[1] in self.p.functions:
                out.append((v[1], 1))
        return out

    def _walk(self, fq: str, env: Env, depth: int, stack: frozenset) -> frozenset[Request]:
        key = (fq, env)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        out: set[Request] = set()
        for site in self.p.functions[fq].calls():
            if env and self.bound.ruled_out(site, env):
                continue
            found = self._verb_call(fq, site, env) or self._resource_call(fq, site)
            if found:
                out |= found
            elif depth < MAX_DEPTH:
                for callee, offset in self._callees(fq, site):
                    if callee not in stack and not self.sdk.plumbing(callee):
                        out |= self._walk(callee, self.bound.bind(callee, site, fq, env, offset), depth + 1, stack | {callee})
        result = frozenset(out)
        self._memo[key] = result
        return result

    def _verb_call(self, fq: str, site, env: Env) -> set[Request]:
        verb = last_name(site.func)
        if verb not in VERBS or site.func[0] != "a":
            return set()
        kwargs = {k: v for k, v in site.kwargs if k}
        url = site.args[0] if site.args else kwargs.get("url")
        if url is None:
            return set()
        paths = sorted({p for p in (_path(t) for t in self.bound.texts(url, fq, env) if t.startswith("/")) if _named(p)})
        if not paths:
            return set()
        body = kwargs.get("body", kwargs.get("json"))
        actions = self._action_keys(body, fq, env) if body is not None else []
        return {Request(verb.upper(), path, action, fq) for path in paths for action in actions or [None]}

    def _resource_call(self, fq: str, site) -> set[Request]:
        """An SDK proxy's resource helper (``self._create(_server.Server, ...)``): the request it sends."""
        return {Request(method, _path(path), None, fq, service)
                for method, path, service in self.sdk.resource_request(fq, site)}

    # -- which service a direct request goes to ---------------------------------
    def service_hint(self, fq: str, site, depth: int = 0) -> str | None:
        """The service type written where the receiver's HTTP client was made.

        ``self.get(url)`` -> ``SchedulerReportClient.get`` -> ``self._client.get(url)``, and
        ``self._client = self._create_client()`` returns ``utils.get_sdk_adapter("placement", ...)``:
        the first string argument (or ``service_type=``) of the call that made the client.
        """
        if site.func[0] != "a" or depth > 2:
            return None
        kwargs = {k: v for k, v in site.kwargs if k}
        for given in ("service_type", "endpoint_filter"):  # keystoneauth: the request names its service
            hint = self._made_with(kwargs[given], fq, 0) if given in kwargs else None
            if hint:
                return hint
        hint = self._made_with(site.func[1], fq, 0)
        if hint:
            return hint
        verb = site.func[2]
        for callee, _ in self._callees(fq, site):  # an in-project wrapper: look at its own verb call
            for inner in self.p.functions[callee].calls():
                if last_name(inner.func) == verb:
                    hint = self.service_hint(callee, inner, depth + 1)
                    if hint:
                        return hint
        return None

    def _made_with(self, expr: tuple, scope: str, depth: int) -> str | None:
        if depth > MAX_NAME_HOPS:
            return None
        tag = expr[0]
        if tag == "s":
            return expr[1] if _SERVICE_TYPE.match(expr[1]) else None
        if tag == "d":  # endpoint_filter={'service_type': 'placement', ...}
            given = next((v for k, v in expr[1] if k == ("s", "service_type")), None)
            return self._made_with(given, scope, depth + 1) if given is not None else None
        if tag == "t":  # client, ks_filter = clients.placement(): that element of what it returns
            return self._element_made_with(expr, scope, depth)
        if tag == "c":
            kwargs = dict((k, v) for k, v in expr[3] if k)
            first = kwargs.get("service_type", expr[2][0] if expr[2] else None)
            if first is not None and first[0] == "s" and _SERVICE_TYPE.match(first[1]):
                return first[1]
            hint = self._star_service_type(expr, scope, depth)
            if hint:
                return hint
            for v in sorted(self.r.eval(expr[1], scope)):
                fn = self.p.functions.get(v[1]) if v[0] in ("fn", "bound") else None
                for ret in dict.fromkeys(fn.facts.returns) if fn else ():
                    hint = self._made_with(ret, fn.fq, depth + 1)
                    if hint:
                        return hint
            return None
        if tag == "u":
            return next((h for e in expr[1] if (h := self._made_with(e, scope, depth + 1))), None)
        if tag == "n" and not self.r.is_parameter(expr[1], scope):
            return next((h for e, where in self.r.bound_exprs(expr[1], scope)
                         if (h := self._made_with(e, where, depth + 1))), None)
        if tag == "a" and expr[1][0] == "n":
            owner = self.r.owner_class(self.p.functions.get(scope))
            if owner and self.r.is_parameter(expr[1][1], scope):  # self.x: what the class assigns to it
                for k in self.p.mro(owner):
                    for method, value in self.r.self_assigns(k).get(expr[2], ()):
                        hint = self._made_with(value, method, depth + 1)
                        if hint:
                            return hint
        return None

    def _element_made_with(self, expr: tuple, scope: str, depth: int) -> str | None:
        value, index = expr[1], expr[2]
        if value[0] != "c":
            return None
        for v in sorted(self.r.eval(value[1], scope)):
            fn = self.p.functions.get(v[1]) if v[0] in ("fn", "bound") else None
            for ret in dict.fromkeys(fn.facts.returns) if fn else ():
                if ret[0] == "l" and len(ret[1]) > index:
                    hint = self._made_with(ret[1][index], fn.fq, depth + 1)
                    if hint:
                        return hint
        return None

    def _star_service_type(self, expr: tuple, scope: str, depth: int) -> str | None:
        """``Adapter(sess, **kwargs)`` after ``kwargs.setdefault('service_type', 'placement')``."""
        star = next((v for k, v in expr[3] if k is None and v[0] == "n"), None)
        fn = self.p.functions.get(scope)
        if star is None or fn is None:
            return None
        for site in fn.calls():
            f = site.func
            if f[0] == "a" and f[1] == star and f[2] == "setdefault" and len(site.args) == 2 \
                    and site.args[0] == ("s", "service_type"):
                hint = self._made_with(site.args[1], scope, depth + 1)
                if hint:
                    return hint
        for a in fn.assigns():
            if a.target == ("k", star, ("s", "service_type")):
                return self._made_with(a.value, scope, depth + 1)
        return None

    def _action_keys(self, expr: tuple, scope: str, env: Env) -> list[str]:
        """The key of a one-key body dict (``{'os-reserve': None}``, ``{action: info}``)."""
        out: set[str] = set()
        for e, where, en in self.bound.exprs(expr, scope, env):
            if e[0] == "d" and len(e[1]) == 1:
                out |= {t for t in self.bound.texts(e[1][0][0], where, en) if WILD not in t}
        return sorted(out)

    # -- routes ----------------------------------------------------------------
    def route_for(self, request: Request) -> list[Route]:
        """The routes that answer ``request``: the action key's own route first, newest API version."""
        want = [s for s in request.path.strip("/").split("/") if s]
        served = self._served_by(request)
        fits = []
        for route in self.routes:
            if route.method != request.method or (served and served not in self._projects_of(route)):
                continue
            prefix = _prefix_len(route.path, want)
            if prefix is not None:
                fits.append((route, prefix))
        if not fits:
            return []
        keyed = [f for f in fits if f[0].action == request.action and request.action]
        fits = keyed or [f for f in fits if f[0].action is None]
        if not fits:
            return []
        best = max(_version_key(route.path, prefix) for route, prefix in fits)
        return sorted({route for route, prefix in fits if _version_key(route.path, prefix) == best})

    def _served_by(self, request: Request) -> str | None:
        """The project another project's client library sends to (python-neutronclient: neutron; an SDK
        proxy: the project of the service type it was made for), if the registry says."""
        client = self.p.functions[request.client]
        if request.service and client.project in self.p.client_projects:
            named = service_types.named(request.service)
            return named.project if named else None
        return service_types.served_by(client.project) if client.project in self.p.client_projects else None

    def _projects_of(self, route: Route) -> tuple[str, str]:
        """The names a route's project goes by: its distribution's and its top package's (openstack-heat, heat)."""
        return route.project, self.p.functions[route.handler].module.split(".", 1)[0]


class Clients(Model):
    name = "clients"
    requires = ("openstacksdk",)

    @cached_property
    def requests(self) -> Requests:
        return Requests(self.r, self.all_routes(), self.model("openstacksdk"))

    @cached_property
    def microversions(self) -> Microversions:
        return Microversions(self.r)

    def rewrite(self, fq: str, fn, site, made: list[Edge]) -> list[Edge]:
        """A site that sends an HTTP request a route of the indexed trees answers: a ``rest`` edge to the controller.

        The calls into the client library at that site are its plumbing and are dropped;
        calls within the caller's own project stay.
        """
        if fn.project in self.p.client_projects:  # a client library's own plumbing is not a hop
            return made
        if site.line < fn.line:  # written in a decorator (flask's @rest.post('/leases')): a route, not a request
            return made
        clients: dict = {}
        rest: list[Edge] = []
        for request in self.requests.at_site(fq, site):
            routes = self.requests.route_for(request)
            for route in routes:
                clients.setdefault(route, []).append(request.client)
            if not routes:
                rest.append(self._external(fq, fn, site, request))
        # several client versions may send the same request: keep one edge per target
        rest = list({e.target: e for e in sorted(rest, key=lambda e: dict(e.meta)["client"])}.values())
        for route, via in sorted(clients.items()):
            # several client versions (v2, v3) may send the same request: name the newest-sorting one
            meta = (("action", route.action), ("client", max(via)), ("http", f"{route.method} {route.path}"),
                    ("service", api_service(self.p, route.handler)))
            rest.append(Edge(fq, route.handler, "rest", fn.path, site.line, "exact", meta))
        if not rest:
            return made
        version = self.microversions.at_site(fq, site, self._own_callees(fq, fn, site))
        if version is not None:  # the API microversion the request is sent with, as the code writes it
            rest = [e._replace(meta=tuple(sorted(e.meta + (("microversion", version),)))) for e in rest]
        own = [e for e in made if e.target in self.p.functions and self.p.functions[e.target].project == fn.project]
        return own + rest

    def _own_callees(self, fq: str, fn, site) -> list[tuple[str, int]]:
        return [(c, o) for c, o in self.requests._callees(fq, site) if self.p.functions[c].project == fn.project]

    def _external(self, fq: str, fn, site, request: Request) -> Edge:
        """A request no indexed route answers: an edge to ``"<service>-api METHOD /path"`` (not a function).

        The service is the client library's project (python-neutronclient -> neutron) or the service
        type written where the HTTP client was made (``get_sdk_adapter("network")`` -> neutron), both
        named by the official service-types registry (``tracer.link.models.service_types``).
        """
        project = self.p.functions[request.client].project
        if project != fn.project and not (request.service and project in self.p.client_projects):
            name = service_types.by_project(project)
        else:  # the caller's own request, or an SDK proxy's: the service type named where it was made
            name = service_types.named(request.service) if request.service else None
        service = f"{name.project}-api" if name else "external"
        label = f"{request.method} {request.path}"
        meta = (("action", request.action), ("client", request.client), ("external", True), ("http", label),
                ("service", service), ("service_type", name.service_type if name else None))
        return Edge(fq, f"{service} {label}", "rest", fn.path, site.line, "external", meta)


def _path(text: str) -> str:
    """The path part of a URL template, with unknown parts as ``{}``.

    An unknown part right after a name ("/volumes" + detail + query string) may hold more
    path or a query: the path stops at the name.
    """
    path = text.split("?", 1)[0]
    tail = re.match(r"^(/[^\x00]*?[A-Za-z0-9_-])\x00", path)
    if tail and not tail.group(1).endswith("/"):
        path = tail.group(1)
    path = path.rstrip("/") or "/"
    return re.sub(r"[^/]*\x00[^/]*", "{}", path)


def _named(path: str) -> bool:
    """A path with at least one literal segment (``/{}`` alone names nothing)."""
    return any(seg and seg != "{}" for seg in path.split("/"))


def _prefix_len(route_path: str, want: list[str]) -> int | None:
    """How many leading route segments (API version, ``{project_id}``) precede a match of ``want``; None if no match."""
    have = [s for s in route_path.strip("/").split("/") if s]
    extra = len(have) - len(want)
    if extra < 0 or extra > 2:
        return None
    for seg in have[:extra]:
        if not (_VERSION.match(seg) or seg.startswith("{")):
            return None
    for mine, theirs in zip(want, have[extra:]):
        if mine == "{}":
            if not theirs.startswith("{"):
                return None
        elif mine != theirs:
            return None
    return extra


def _version_key(route_path: str, prefix: int) -> tuple:
    segs = [s for s in route_path.strip("/").split("/") if s][:prefix]
    for seg in segs:
        if _VERSION.match(seg):
            return tuple(int(x) for x in seg[1:].split("."))
    return ()
