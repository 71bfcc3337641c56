"""link model: openstacksdk, read as code (a client library a tree requires): which proxy a connection's
service attribute is, and which HTTP request a proxy's resource call sends.

Stage: link.  Must not import libcst or render.

``conn.compute`` reads ``compute = compute_service.ComputeService(service_type='compute')``, a class
attribute of the connection's ``ServicesMixin``.  That object is a ``ServiceDescription``: a descriptor whose
``__get__`` builds, per connection, a proxy of one of the classes its ``supported_versions`` maps API
versions to (``{'2': _proxy.Proxy}``).  So the attribute is an instance of each of those proxy classes,
and the service type written where the description is made is the service the proxy talks to.

A proxy method sends its request through one of the base ``Proxy``'s resource helpers, handed the resource
class: ``self._create(_server.Server, **attrs)``.  The resource's ``base_path`` (``'/servers'``) is the
path; ``_create`` sends the resource's ``create_method`` (``POST`` unless it says otherwise), ``_update`` its
``commit_method`` (``PUT``), ``_get``/``_head``/``_delete``/``_find`` address one resource
(``/servers/{}``) and ``_list`` the collection.
"""
from __future__ import annotations

import re
from functools import cached_property

from tracer.link.models.base import Model
from tracer.link.values import WILD, Values, ext_matches, ordered, strings

PACKAGE = "openstack"  # the SDK's top package
DESCRIPTION = "openstack.service_description.ServiceDescription"
PROXY = "openstack.proxy.Proxy"
RESOURCE = "openstack.resource.Resource"
# helper -> (the HTTP method, or the resource's class attribute that names it; whether one resource is addressed)
HELPERS = {
    "_create": ("create_method", False), "_bulk_create": ("create_method", False),
    "_update": ("commit_method", True), "_get": ("GET", True), "_head": ("HEAD", True),
    "_delete": ("DELETE", True), "_find": ("GET", True), "_list": ("GET", False),
}
MACHINERY = frozenset({PROXY.rpartition(".")[0], RESOURCE.rpartition(".")[0]})
_PLACEHOLDER = re.compile(r"%\([^)]*\)s")  # base_path = '/servers/%(server_id)s/os-volume_attachments'


class OpenStackSDK(Model):
    name = "openstacksdk"
    descriptors = (DESCRIPTION,)

    def descriptor(self, v: tuple) -> Values:
        """A service description read on a connection: an instance of each proxy class it supports."""
        return frozenset(("inst", proxy) for proxy in self._proxies(v[1]))

    def _proxies(self, description: str) -> list[str]:
        for k in self.p.mro(description):
            klass = self.p.classes.get(k)
            if klass is None or "supported_versions" not in klass.attrs:
                continue
            scope = self.r.class_scope(k)
            found = set()
            for expr in klass.attrs["supported_versions"]:
                for _, value in expr[1] if expr[0] == "d" else ():
                    found |= {v[1] for v in self.r.eval(value, scope) if v[0] == "cls"}
            return sorted(found)
        return []

    @cached_property
    def service_types(self) -> dict[str, str]:
        """Proxy class -> the service type written where its description is made (``service_type='compute'``)."""
        out: dict[str, str] = {}
        for cls in sorted(self.p.classes):
            klass = self.p.classes[cls]
            if not self._is_sdk(klass.module):
                continue
            scope = self.r.class_scope(cls)
            for exprs in klass.attrs.values():
                for expr in exprs:
                    kind = dict(expr[3]).get("service_type") if expr[0] == "c" else None
                    if kind is None or kind[0] != "s":
                        continue
                    for made in ordered(self.r.eval(expr[1], scope)):
                        if made[0] == "cls" and self._described(made[1]):
                            for proxy in self._proxies(made[1]):
                                out.setdefault(proxy, kind[1])
        return out

    def owns(self, fq: str) -> bool:
        """A function of the SDK's own code."""
        return self._is_sdk(self.p.functions[fq].module)

    def _is_sdk(self, module: str) -> bool:
        return module.split(".", 1)[0] == PACKAGE

    def _described(self, cls: str) -> bool:
        return any(ext_matches(k, (DESCRIPTION,)) for k in self.p.mro(cls))

    # -- what a proxy method sends --------------------------------------------------
    def plumbing(self, fq: str) -> bool:
        """A function of the SDK's proxy and resource machinery (``Proxy._get_resource``, ``Resource.create``),
        or a method of a resource: what a helper call sends is read at the call.  Walked, the machinery builds
        its URL from ``self.base_path`` of every resource class at once.  (A proxy method that calls its
        resource's own method, heat's ``Stack.update``, is not read.)"""
        fn = self.p.functions[fq]
        if fn.module in MACHINERY:
            return True
        return fn.cls is not None and self._is_sdk(fn.module) and any(
            ext_matches(k, (RESOURCE,)) for k in self.p.mro(fn.cls))

    def resource_request(self, fq: str, site) -> list[tuple[str, str, str | None]]:
        """(HTTP method, path template, service type) of a proxy's resource helper call, else nothing."""
        func = site.func
        if func[0] != "a" or func[2] not in HELPERS or func[1] != ("n", "self") or not site.args:
            return []
        fn = self.p.functions[fq]
        if fn.cls is None or not any(ext_matches(k, (PROXY,)) for k in self.p.mro(fn.cls)):
            return []
        verb, one = HELPERS[func[2]]
        out = []
        for v in sorted(self.r.eval(site.args[0], fq)):
            if v[0] != "cls" or not any(ext_matches(k, (RESOURCE,)) for k in self.p.mro(v[1])):
                continue
            method = verb if verb.isupper() else next(iter(strings(self.r.class_level(v[1], verb))), "")
            for base in strings(self.r.class_level(v[1], "base_path")):
                path = _PLACEHOLDER.sub(WILD, base).rstrip("/") + ("/" + WILD if one else "")
                if method:
                    out.append((method.upper(), path, self.service_types.get(fn.cls)))
        return out


__all__ = ["OpenStackSDK"]
