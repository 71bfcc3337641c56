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


def test_method_not_literal_is_unresolved_with_its_reason():
    _, unresolved = link(FILES).resolve("app.rpcapi.WorkerAPI.get")
    assert [(u.reason, dict(u.detail)["verb"]) for u in unresolved] == [("rpc-method-not-literal", ("call",))]
