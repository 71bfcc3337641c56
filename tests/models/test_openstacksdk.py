"""The openstacksdk model: a connection's service attribute is its proxy; a proxy's resource helper sends the
resource's request.  The SDK here is a small stand-in with the shapes of the real one (``openstack/``)."""
from __future__ import annotations

from tests.models.snippets import link

SDK = {
    "openstack/service_description.py": """
        class ServiceDescription:
            supported_versions = {}

            def __init__(self, service_type, supported_versions=None):
                self.service_type = service_type

            def __get__(self, instance, owner):
                if instance is None:
                    return self
                return instance._proxies[self.service_type]
    """,
    "openstack/proxy.py": """
        class Proxy:
            def _get_resource(self, resource_type, value):
                return resource_type.new(id=value)

            def _create(self, resource_type, base_path=None, **attrs):
                res = resource_type.new(**attrs)
                return res.create(self, base_path=base_path)

            def _delete(self, resource_type, value, ignore_missing=True):
                res = self._get_resource(resource_type, value)
                return res.delete(self)
    """,
    "openstack/resource.py": """
        class Resource(dict):
            base_path = ''
            create_method = 'POST'
            commit_method = 'PUT'

            @classmethod
            def new(cls, **kwargs):
                return cls(**kwargs)

            def create(self, session, base_path=None):
                return session.post(self.base_path % {}, json={})

            def delete(self, session):
                return session.delete('/everything/%s' % self.id)
    """,
    "openstack/compute/v2/server.py": """
        from openstack import resource

        class Server(resource.Resource):
            base_path = '/servers'
    """,
    "openstack/compute/v2/volume_attachment.py": """
        from openstack import resource

        class VolumeAttachment(resource.Resource):
            base_path = '/servers/%(server_id)s/os-volume_attachments'
            create_method = 'POST'
    """,
    "openstack/compute/v2/_proxy.py": """
        from openstack import proxy
        from openstack.compute.v2 import server as _server
        from openstack.compute.v2 import volume_attachment as _volume_attachment

        class Proxy(proxy.Proxy):
            def create_server(self, **attrs):
                return self._create(_server.Server, **attrs)

            def delete_server(self, server, ignore_missing=True):
                self._delete(_server.Server, server, ignore_missing=ignore_missing)

            def create_volume_attachment(self, server, **attrs):
                return self._create(_volume_attachment.VolumeAttachment, server_id=server, **attrs)
    """,
    "openstack/compute/compute_service.py": """
        from openstack.compute.v2 import _proxy
        from openstack import service_description

        class ComputeService(service_description.ServiceDescription):
            supported_versions = {'2': _proxy.Proxy}
    """,
    "openstack/_services_mixin.py": """
        from openstack.compute import compute_service

        class ServicesMixin:
            compute = compute_service.ComputeService(service_type='compute')
    """,
    "openstack/connection.py": """
        from openstack import _services_mixin

        class Connection(_services_mixin.ServicesMixin):
            def __init__(self, **kwargs):
                self._proxies = {}
    """,
}

CALLER = {
    "app/driver.py": """
        from openstack import connection

        class NovaClient:
            def __init__(self, params):
                self.conn = connection.Connection(**params)

            def server_create(self, **attrs):
                return self.conn.compute.create_server(**attrs)

            def server_delete(self, server):
                return self.conn.compute.delete_server(server)

            def attach(self, server, volume):
                return self.conn.compute.create_volume_attachment(server, volume_id=volume)
    """,
}


def _rest(lk, fq: str) -> list[tuple[str, tuple]]:
    return sorted((e.target, e.meta) for e in lk.edges(fq) if e.kind == "rest")


def test_a_connection_service_attribute_is_its_proxy_and_a_resource_helper_sends_the_resource_request():
    lk = link(SDK | CALLER, clients=("openstack",))
    got = {name: [t for t, _ in _rest(lk, f"app.driver.NovaClient.{name}")]
           for name in ("server_create", "server_delete", "attach")}
    # the service type written where the description is made names the service (compute -> nova);
    # a path placeholder of the resource's base_path is a part filled in at run time
    assert got == {"server_create": ["nova-api POST /servers"],
                   "server_delete": ["nova-api DELETE /servers/{}"],
                   "attach": ["nova-api POST /servers/{}/os-volume_attachments"]}
    meta = dict(_rest(lk, "app.driver.NovaClient.server_create")[0][1])
    assert meta["service_type"] == "compute" and meta["client"] == "openstack.compute.v2._proxy.Proxy.create_server"


def test_the_sdk_machinery_is_not_walked_for_requests():
    # Resource.delete's own request ('/everything/...') is what the helper stands for, read at the helper
    lk = link(SDK | CALLER, clients=("openstack",))
    targets = [t for t, _ in _rest(lk, "app.driver.NovaClient.server_delete")]
    assert not any("everything" in t for t in targets)


def test_a_descriptor_of_the_program_gives_what_its_get_returns():
    lk = link({"app/desc.py": """
        class Thing:
            def run(self):
                pass

        class Lazy:
            def __get__(self, instance, owner):
                return Thing()

        class Holder:
            thing = Lazy()

            def go(self):
                self.thing.run()
    """})
    assert ("call", "app.desc.Thing.run") in {(e.kind, e.target) for e in lk.edges("app.desc.Holder.go")}


def test_a_request_the_sdk_sends_without_a_service_type_is_no_hop():
    # the SDK's cloud layer calling its session directly: no proxy, no service type, nothing to name
    lk = link(SDK | CALLER | {
        "openstack/cloud.py": """
            class CloudMixin:
                def get_object(self, name):
                    return self.session.get('/quotas/%s' % name)
        """,
        "app/cloud_user.py": """
            from openstack import cloud

            def fetch(name):
                return cloud.CloudMixin().get_object(name)
        """}, clients=("openstack",))
    assert _rest(lk, "app.cloud_user.fetch") == []
