"""The oslo.versionedobjects model: a remotable method called in a service with an indirection API."""
from __future__ import annotations

from tests.models.snippets import edges, link

FILES = {
    "app/objects/base.py": """
        from oslo_versionedobjects import base as ovoo_base

        remotable = ovoo_base.remotable

        class AppObject(ovoo_base.VersionedObject):
            indirection_api = None
        """,
    "app/objects/thing.py": """
        from app.objects import base

        class Thing(base.AppObject):
            @base.remotable
            def save(self):
                pass
        """,
    "app/conductor/rpcapi.py": """
        import oslo_messaging as messaging

        class ConductorAPI:
            def __init__(self):
                self.client = messaging.RPCClient(None, messaging.Target(topic='conductor'))

            def object_action(self, context, objinst, objmethod, args, kwargs):
                return self.client.prepare().call(context, 'object_action', objinst=objinst, objmethod=objmethod)
        """,
    "app/conductor/manager.py": """
        class ConductorManager:
            def object_action(self, context, objinst, objmethod, args, kwargs):
                pass
        """,
    "app/cmd/conductor.py": """
        from app import service

        def main():
            service.Service.create(binary='app-conductor', topic='conductor', manager='app.conductor.manager.ConductorManager')
        """,
    "app/service.py": """
        class Service:
            @classmethod
            def create(cls, binary=None, topic=None, manager=None):
                return cls()
        """,
    "app/cmd/worker.py": """
        from app.objects import base
        from app.conductor import rpcapi

        def main():
            base.AppObject.indirection_api = rpcapi.ConductorAPI()
        """,
    "app/worker.py": """
        from app.objects import thing

        def work():
            t = thing.Thing()
            t.save()
        """,
}
ENTRY_POINTS = {"console_scripts": {"app-worker": "app.cmd.worker:main", "app-conductor": "app.cmd.conductor:main"}}


def test_remotable_call_is_an_rpc_to_object_action_in_the_service_that_sets_the_api():
    lk = link(FILES, ENTRY_POINTS)
    rpc = [e for e in lk.edges("app.worker.work") if e.kind == "rpc-call"]
    assert [(e.target, dict(e.meta)["in_service"], dict(e.meta)["remotable"]) for e in rpc] == [
        ("app.conductor.manager.ConductorManager.object_action", "app-worker", "app.objects.thing.Thing.save")]
    assert ("call", "app.objects.thing.Thing.save") in {(e.kind, e.target) for e in lk.edges("app.worker.work")}


REGISTRY = {
    "app/objects/__init__.py": """
        def register_all():
            __import__('app.objects.volume')
        """,
    "app/objects/base.py": """
        from oslo_versionedobjects import base as ovoo_base
        from app import objects

        class AppObjectRegistry(ovoo_base.VersionedObjectRegistry):
            def registration_hook(self, cls, index):
                setattr(objects, cls.obj_name(), cls)
        """,
    "app/objects/volume.py": """
        from app.objects import base

        @base.AppObjectRegistry.register
        class Volume(object):
            @classmethod
            def get_by_id(cls, context, id):
                return cls()

        @base.AppObjectRegistry.register_if(False)
        class VolumeBase(object):
            @classmethod
            def get_by_id(cls, context, id):
                return cls()
        """,
    "app/api.py": """
        from app import objects

        def get(context, id):
            return objects.Volume.get_by_id(context, id)

        def base(context, id):
            return objects.VolumeBase.get_by_id(context, id)
        """,
}


def test_a_registered_class_is_an_attribute_of_the_package_its_registration_hook_fills():
    """``objects.Volume`` is the class ``@AppObjectRegistry.register`` put there with ``setattr`` (Stein's
    nova, masakari, ironic: no import says so); ``register_if(False)`` keeps a class out."""
    lk = link(REGISTRY)
    assert edges(lk, "app.api.get") == {("call", "app.objects.volume.Volume.get_by_id")}
    assert edges(lk, "app.api.base") == set()
    spaces = lk.models["oslo_versionedobjects"].namespaces
    assert spaces == {"app.objects": {"Volume": ["app.objects.volume.Volume"]}}
