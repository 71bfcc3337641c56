"""The oslo.messaging model: a client's cast bound to the method of the service that serves its topic."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/rpcapi.py": """
        import oslo_messaging as messaging

        class WorkerAPI:
            def __init__(self):
                target = messaging.Target(topic='app-worker', version='1.0')
                self.client = messaging.RPCClient(None, target)

            def build(self, ctxt, name):
                cctxt = self.client.prepare(version='1.1')
                cctxt.cast(ctxt, 'build', name=name)

            def get(self, ctxt, method):
                return self.client.call(ctxt, method)
        """,
    "app/manager.py": """
        class WorkerManager:
            def build(self, ctxt, name):
                pass
        """,
    "app/cmd.py": """
        from app import service

        def main():
            server = service.Service.create(binary='app-worker', manager='app.manager.WorkerManager')
        """,
    "app/service.py": """
        class Service:
            @classmethod
            def create(cls, binary=None, manager=None):
                return cls()
        """,
}


def test_cast_binds_to_the_manager_of_the_binary():
    lk = link(FILES)
    rpc = [e for e in lk.edges("app.rpcapi.WorkerAPI.build") if e.kind == "rpc-cast"]
    assert [(e.target, dict(e.meta)["topic"], dict(e.meta)["service"]) for e in rpc] == [
        ("app.manager.WorkerManager.build", "app-worker", "app-worker")]
    assert [(s.binary, s.topic, s.manager) for s in lk.rpc.services] == [
        ("app-worker", "app-worker", "app.manager.WorkerManager")]


def test_a_wrapper_nothing_calls_is_unresolved_with_its_reason():
    _, unresolved = link(FILES).resolve("app.rpcapi.WorkerAPI.get")
    assert [(u.reason, dict(u.detail)["verb"]) for u in unresolved] == [("rpc-wrapper-not-called", ("call",))]


WRAPPED = dict(FILES)
WRAPPED["app/rpcapi.py"] = FILES["app/rpcapi.py"] + """
        class Caller:
            def go(self, ctxt):
                WorkerAPI().get(ctxt, 'build')

            def unknown(self, ctxt):
                WorkerAPI().get(ctxt, self.what)

            def nowhere(self, ctxt):
                WorkerAPI().get(ctxt, 'no_such_method')
"""


def test_a_wrappers_send_is_made_at_each_call_of_the_wrapper_not_at_its_own_site():
    lk = link(WRAPPED)
    assert [(e.kind, e.target) for e in lk.edges("app.rpcapi.Caller.go") if e.kind.startswith("rpc")] == [
        ("rpc-call", "app.manager.WorkerManager.build")]
    edges, unresolved = lk.resolve("app.rpcapi.WorkerAPI.get")
    assert not [e for e in edges if e.kind.startswith("rpc")]
    assert [(u.reason, dict(u.detail)["method"]) for u in unresolved] == [
        ("rpc-sent-by-callers", ("build", "no_such_method"))]
    # a call of the wrapper that sends nothing says why, beside its call edge
    for fq, reason in (("unknown", "rpc-method-not-literal"), ("nowhere", "rpc-unbound")):
        _, unresolved = lk.resolve(f"app.rpcapi.Caller.{fq}")
        assert [u.reason for u in unresolved] == [reason]


DISPATCHED = {
    "app/rpcapi.py": """
        import oslo_messaging as messaging

        class HostAPI:
            def __init__(self):
                self.client = messaging.RPCClient(None, messaging.Target(topic='app-manager'))

            def create_host(self, ctxt):
                return self.client.call(ctxt, 'physical:host:create_host')
        """,
    "app/plugins.py": """
        class Base:
            resource_type = 'none'

        class HostPlugin(Base):
            resource_type = 'physical:host'

            def create_host(self):
                pass

        class VMPlugin(Base):
            resource_type = 'virtual:vm'

            def create_host(self):
                pass
        """,
    "app/service.py": """
        import oslo_messaging as messaging
        from app import plugins

        class ManagerService:
            def __init__(self):
                self.plugins = self._get_plugins()
                target = messaging.Target(topic='app-manager')
                self.server = messaging.get_rpc_server(None, target, [self])

            def _get_plugins(self):
                found = {}
                for plugin_obj in (plugins.HostPlugin(), plugins.VMPlugin()):
                    found[plugin_obj.resource_type] = plugin_obj
                return found

            def __getattr__(self, name):
                resource_type, method = name.rsplit(':', 1)
                return getattr(self.plugins[resource_type], method)

        def main():
            ManagerService()
        """,
}


def test_a_server_whose_getattr_dispatches_by_the_method_name_binds_to_the_plugin_under_that_key():
    lk = link(DISPATCHED, entry_points={"console_scripts": {"app-manager": "app.service:main"}})
    assert [(e.kind, e.target) for e in lk.edges("app.rpcapi.HostAPI.create_host") if e.kind.startswith("rpc")] == [
        ("rpc-call", "app.plugins.HostPlugin.create_host")]


LOADED = {
    "app/rpcapi.py": """
        import oslo_messaging as messaging
        from app import local

        class WorkerAPI:
            def __init__(self, conf):
                if conf.local:
                    self.client = local.Client()
                else:
                    self.client = messaging.get_rpc_client(None, messaging.Target(topic='app.worker'))

            def build(self, ctxt, name):
                cctxt = self.client.prepare(version='1.1')
                return cctxt.call(ctxt, 'build', name=name)

            def nowhere(self, ctxt):
                return self.client.prepare().call(ctxt, 'no_such_method')
        """,
    "app/local.py": """
        class Context:
            def call(self, ctxt, method, **kwargs):
                pass

        class Client:
            def prepare(self, version=None):
                return Context()
        """,
    "app/manager.py": """
        class WorkerManager:
            topic = 'app.worker'

            def __init__(self, host):
                self.host = host

            def build(self, ctxt, name):
                pass
        """,
    "app/service.py": """
        import oslo_messaging as messaging
        from oslo_utils import importutils

        class RPCService:
            def __init__(self, host, manager_module, manager_class):
                manager_module = importutils.try_import(manager_module)
                manager_class = getattr(manager_module, manager_class)
                self.manager = manager_class(host)
                self.topic = self.manager.topic

            def start(self):
                target = messaging.Target(topic=self.topic, server='h')
                self.server = messaging.get_rpc_server(None, target, [self.manager])

        def main():
            RPCService('h', 'app.manager', 'WorkerManager').start()
        """,
}


def test_a_manager_loaded_by_try_import_serves_and_a_send_beside_a_local_call_still_says_its_miss():
    lk = link(LOADED, entry_points={"console_scripts": {"app-worker": "app.service:main"}})
    assert [(s.binary, s.topic, s.manager) for s in lk.rpc.services] == [
        ("app-worker", "app.worker", "app.manager.WorkerManager")]
    edges = {(e.kind, e.target) for e in lk.edges("app.rpcapi.WorkerAPI.build")}
    assert {("rpc-call", "app.manager.WorkerManager.build"), ("call", "app.local.Context.call")} <= edges
    edges, unresolved = lk.resolve("app.rpcapi.WorkerAPI.nowhere")
    assert ("call", "app.local.Context.call") in {(e.kind, e.target) for e in edges}
    assert [(u.reason, dict(u.detail)["method"]) for u in unresolved] == [("rpc-unbound", ("no_such_method",))]


SHARED_START = {
    "app/conf/__init__.py": """
        from oslo_config import cfg

        CONF = cfg.CONF
        """,
    "app/conf/central.py": """
        from oslo_config import cfg

        cfg.CONF.register_opts([cfg.StrOpt('topic', default='central')], group='service:central')
        """,
    "app/conf/worker.py": """
        from oslo_config import cfg

        cfg.CONF.register_opts([cfg.StrOpt('topic', default='worker')], group='service:worker')
        """,
    "app/service.py": """
        import oslo_messaging as messaging

        class RPCService:
            def __init__(self, name, rpc_topic):
                self.name = name
                self.rpc_topic = rpc_topic

            def start(self):
                target = messaging.Target(topic=self.rpc_topic)
                self.server = messaging.get_rpc_server(None, target, [self])
        """,
    "app/central.py": """
        from app import service
        from app.conf import CONF

        class Central(service.RPCService):
            def __init__(self):
                super().__init__('central', CONF['service:central'].topic)

            def create_zone(self, ctxt):
                pass

        def main():
            Central().start()
        """,
    "app/worker.py": """
        from app import service
        from app.conf import CONF

        class Worker(service.RPCService):
            def __init__(self):
                super().__init__('worker', CONF['service:worker'].topic)

            def create_zone(self, ctxt):
                pass

        def main():
            Worker().start()
        """,
    "app/rpcapi.py": """
        import oslo_messaging as messaging
        from app.conf import CONF

        class WorkerAPI:
            def __init__(self):
                target = messaging.Target(topic=CONF['service:worker'].topic)
                self.client = messaging.get_rpc_client(None, target)

            def create_zone(self, ctxt):
                return self.client.cast(ctxt, 'create_zone')
        """,
}


def test_each_service_a_shared_base_starts_serves_its_own_topic_in_its_own_binary():
    # one base class's start() serves every service; each subclass gives its own topic, read from the
    # option registered in its own group, and each console script builds one of them
    lk = link(SHARED_START, entry_points={"console_scripts": {"app-central": "app.central:main",
                                                              "app-worker": "app.worker:main"}})
    services = sorted((s.binary, s.topic, tuple(c for c, _ in s.endpoints)) for s in lk.r.models["oslo_messaging"].services)
    assert services == [("app-central", "central", ("app.central.Central",)),
                        ("app-worker", "worker", ("app.worker.Worker",))]
    assert [(e.kind, e.target) for e in lk.edges("app.rpcapi.WorkerAPI.create_zone") if e.kind.startswith("rpc")] == [
        ("rpc-cast", "app.worker.Worker.create_zone")]
