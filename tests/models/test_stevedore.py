"""The stevedore model: a DriverManager loads the entry point of a group, by literal or by option."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/plugins.py": """
        class Fast:
            def pick(self):
                pass
        """,
    "app/use.py": """
        from oslo_config import cfg
        from stevedore import driver

        cfg.StrOpt('picker', default='fast')

        def by_literal():
            mgr = driver.DriverManager('app.pickers', 'fast', invoke_on_load=True)
            mgr.driver.pick()

        def by_option():
            mgr = driver.DriverManager(namespace='app.pickers', name=cfg.CONF.picker)
            mgr.driver.pick()
        """,
}
ENTRY_POINTS = {"app.pickers": {"fast": "app.plugins:Fast"}}


def test_plugin_by_literal_is_a_call_and_by_option_a_driver():
    lk = link(FILES, ENTRY_POINTS)
    assert {(e.kind, e.target) for e in lk.edges("app.use.by_literal")} >= {("call", "app.plugins.Fast.pick")}
    by_option = [e for e in lk.edges("app.use.by_option") if e.target == "app.plugins.Fast.pick"]
    assert [dict(e.meta).get("loaded_from") for e in by_option] == ["app.plugins.Fast"]


def test_unknown_entry_point_gives_nothing():
    lk = link(FILES, {})
    assert not [e for e in lk.edges("app.use.by_literal") if e.target == "app.plugins.Fast.pick"]


LOADED = {
    "app/tasks.py": """
        class Base:
            def __init__(self, context, client, **kwargs):
                self.client = client

        class Stop(Base):
            def __init__(self, context, client, **kwargs):
                super().__init__(context, client, **kwargs)

            def execute(self):
                self.client.stop()
        """,
    "app/client.py": """
        class Nova:
            def stop(self):
                pass
        """,
    "app/flows.py": """
        from stevedore import named
        from app import client

        def plugins(names, **kwargs):
            return named.NamedExtensionManager('app.tasks', names=names, invoke_on_load=True, invoke_kwds=kwargs)

        def build():
            plugins(['stop'], context=None, client=client.Nova())
        """,
}


def test_invoke_on_load_builds_the_plugin_with_the_keywords_its_caller_forwards():
    lk = link(LOADED, {"app.tasks": {"stop": "app.tasks:Stop"}})
    assert ("call", "app.client.Nova.stop") in {(e.kind, e.target) for e in lk.edges("app.tasks.Stop.execute")}


ENABLED = {
    "app/plugins.py": """
        class Base:
            def reserve(self):
                pass

        class Host(Base):
            resource_type = 'host'

            def reserve(self):
                pass

        class Vm(Base):
            resource_type = 'vm'

            def reserve(self):
                pass
        """,
    "app/service.py": """
        from stevedore import enabled

        class Manager:
            def __init__(self, wanted):
                self.plugins = self._get_plugins(wanted)

            def _get_plugins(self, wanted):
                plugins = {}
                mgr = enabled.EnabledExtensionManager(check_func=lambda ext: ext.name in wanted,
                                                      namespace='app.plugins', invoke_on_load=False)
                for ext in mgr.extensions:
                    plugin_obj = ext.plugin()
                    plugins[plugin_obj.resource_type] = plugin_obj
                return plugins

            def reserve(self, kind):
                self.plugins[kind].reserve()

            def reserve_by_get(self, kind):
                plugin = self.plugins.get(kind)
                plugin.reserve()
        """,
}


def test_plugins_the_deployment_enables_are_drivers_chosen_by_data_each_configured():
    lk = link(ENABLED, {"app.plugins": {"host": "app.plugins:Host", "vm": "app.plugins:Vm"}})
    for fq in ("app.service.Manager.reserve", "app.service.Manager.reserve_by_get"):
        got = {(e.target, e.confidence) for e in lk.edges(fq) if e.kind == "driver"}
        # each enabled plugin is a configured driver; the interface is the only other candidate
        assert got == {("app.plugins.Host.reserve", "configured"), ("app.plugins.Vm.reserve", "configured"),
                       ("app.plugins.Base.reserve", "candidate")}


ANNOTATED = {
    "app/__init__.py": "",
    "app/net/__init__.py": "",
    "app/net/base.py": """
        import abc

        class AbstractNet(metaclass=abc.ABCMeta):
            @abc.abstractmethod
            def get_port(self, port_id):
                pass
        """,
    "app/net/real.py": """
        from app.net import base

        class RealNet(base.AbstractNet):
            def get_port(self, port_id):
                return {'id': port_id}

        class NoopNet(base.AbstractNet):
            def get_port(self, port_id):
                return None
        """,
    "app/use.py": """
        from oslo_config import cfg
        from stevedore import driver
        from app.net import base

        cfg.StrOpt('network_driver', default='real')

        def get_network_driver() -> 'base.AbstractNet':
            return driver.DriverManager(namespace='app.net', name=cfg.CONF.network_driver).driver

        def port_exists(port_id):
            net = get_network_driver()
            net.get_port(port_id)
        """,
}


def test_a_configured_driver_typed_by_its_abstract_base_is_one_driver_hop_not_two():
    lk = link(ANNOTATED, {"app.net": {"real": "app.net.real:RealNet", "noop": "app.net.real:NoopNet"}})
    drivers = [e for e in lk.edges("app.use.port_exists") if e.kind == "driver"]
    assert {e.meta[0][0] for e in drivers} == {"configured"}
    assert "app.net.real.RealNet.get_port" in {e.target for e in drivers}


MAPPED = {
    "app/backends/os/__init__.py": """
        from app.backends.os import nova
        compute = nova.NovaClient
        """,
    "app/backends/os/nova.py": """
        class NovaClient:
            def server_create(self):
                pass
        """,
    "app/env.py": """
        from stevedore import extension

        def mapping(namespace):
            mgr = extension.ExtensionManager(namespace=namespace, invoke_on_load=False)
            return [[name, mgr[name].plugin] for name in mgr.names()]

        def run():
            for name, backend in mapping('app.backends'):
                backend.compute().server_create()
        """,
}


def test_an_extension_read_by_name_and_an_entry_point_naming_a_module():
    # mgr[name] is one of the manager's extensions; its plugin is what the entry point names, here a
    # module; ``for name, backend in rows`` takes element 1 of each row the helper's comprehension makes
    lk = link(MAPPED, {"app.backends": {"openstack": "app.backends.os"}})
    assert ("call", "app.backends.os.nova.NovaClient.server_create") in {
        (e.kind, e.target) for e in lk.edges("app.env.run")}


FLOW_PLUGINS = {
    "app/flows/create.py": """
        from taskflow.patterns import linear_flow

        def get_flow(**kwargs):
            return linear_flow.Flow('create')
        """,
    "app/run.py": """
        from stevedore import driver

        def by_type(task):
            return driver.DriverManager('app.flows', task.type, invoke_on_load=True).driver

        def by_literal():
            return driver.DriverManager('app.flows', 'create').driver
        """,
}


def test_a_function_entry_point_and_a_name_the_data_gives():
    # invoke_on_load calls the function: .driver is what it returns; a name read from data may be any of
    # the group's entry points; without invoke_on_load .driver is the function itself
    lk = link(FLOW_PLUGINS, {"app.flows": {"create": "app.flows.create:get_flow"}})
    assert lk.r.returns("app.run.by_type") == frozenset({("flow", "app.flows.create.get_flow")})
    assert lk.r.returns("app.run.by_literal") == frozenset({("fn", "app.flows.create.get_flow")})


MODULE_DRIVERS = {
    "app/backends/sql.py": """
        def upgrade(version):
            pass
        """,
    "app/backends/files.py": """
        def upgrade(version):
            pass
        """,
    "app/conf.py": """
        from oslo_config import cfg

        cfg.StrOpt('backend', default='sql')
        """,
    "app/migration.py": """
        from oslo_config import cfg
        from stevedore import driver

        CONF = cfg.CONF
        IMPL = driver.DriverManager('app.backend', CONF.backend).driver

        def upgrade(version):
            return IMPL.upgrade(version)

        def by_data(name):
            return driver.DriverManager('app.backend', name).driver.upgrade(1)

        def by_row(row):
            return driver.DriverManager('app.backend', row.kind).driver.upgrade(1)
        """,
}


def test_a_driver_manager_whose_entry_point_names_a_module():
    # .driver is the module: by a configured name its default, by a name from data any of the group's
    backends = {"sql": "app.backends.sql", "files": "app.backends.files"}
    lk = link(MODULE_DRIVERS, {"app.backend": backends})
    assert {e.target for e in lk.edges("app.migration.upgrade")} == {"app.backends.sql.upgrade"}
    assert {e.target for e in lk.edges("app.migration.by_row")} == {"app.backends.sql.upgrade",
                                                                     "app.backends.files.upgrade"}
    assert not lk.edges("app.migration.by_data")  # a parameter: what its callers pass, here none


REGISTRY = {
    "app/conf.py": """
        from oslo_config import cfg

        cfg.StrOpt('backend', default='cloud')
        """,
    "app/registry.py": """
        from stevedore import extension

        class Info:
            def __init__(self, name, plugin):
                self.name = name
                self.plugin = plugin

        class Registry:
            def __init__(self):
                self._registry = {}

            def register(self, name, plugin):
                self._registry[name] = Info(name, plugin)

            def get(self, name):
                info = self._registry.get(name)
                return info.plugin if info else None

        _registry = None

        def global_registry():
            global _registry
            if _registry is None:
                _registry = Registry()
                for group in ('app.backends', 'app.profiles'):
                    mgr = extension.ExtensionManager(namespace=group, invoke_on_load=False)
                    for name in mgr.names():
                        _registry.register(name, mgr[name].plugin)
            return _registry
        """,
    "app/backends/__init__.py": "",
    "app/backends/cloud/__init__.py": """
        from app.backends.cloud import compute_v1

        compute = compute_v1.Compute
        """,
    "app/backends/cloud/compute_v1.py": """
        class Compute:
            def __init__(self, params):
                self.params = params

            def boot(self):
                pass

            @classmethod
            def credentials(cls):
                pass
        """,
    "app/backends/local/__init__.py": """
        from app.backends.local import compute_v1

        compute = compute_v1.Compute
        """,
    "app/backends/local/compute_v1.py": """
        class Compute:
            def __init__(self, params):
                self.params = params

            def boot(self):
                pass
        """,
    "app/profiles.py": """
        class Server:
            def compute(self):
                pass
        """,
    "app/use.py": """
        from oslo_config import cfg
        from app import registry

        def boot(params, kind):
            backend = registry.global_registry().get(cfg.CONF.backend)
            backend.compute(params).boot()
            backend.compute.credentials()
            registry.global_registry().get(kind).compute()
        """,
}
REGISTRY_EPS = {"app.backends": {"cloud": "app.backends.cloud", "local": "app.backends.local"},
                "app.profiles": {"server": "app.profiles:Server"}}


def test_a_plugin_looked_up_by_a_configured_name_is_the_configured_driver():
    lk = link(REGISTRY, REGISTRY_EPS)
    edges = {(e.kind, e.target, e.confidence) for e in lk.edges("app.use.boot")}
    # the configured backend's class serves the call; the other backend's is the alternative a deployment picks
    assert ("driver", "app.backends.cloud.compute_v1.Compute.boot", "configured") in edges
    assert ("driver", "app.backends.local.compute_v1.Compute.boot", "candidate") in edges
    # the configured name chose one plugin: no other group's plugin is called through ``backend``
    assert not {t for _, t, _ in edges if t.startswith("app.profiles")} - {"app.profiles.Server.compute"}
    at_boot = {t for k, t, _ in edges if k in ("call", "driver") and t.endswith(".boot")}
    assert at_boot == {"app.backends.cloud.compute_v1.Compute.boot", "app.backends.local.compute_v1.Compute.boot"}
    # a classmethod called on the configured class is that class's
    assert ("call", "app.backends.cloud.compute_v1.Compute.credentials", "exact") in edges
    # a name the data gives may be any plugin: left as it was
    assert ("call", "app.profiles.Server.compute", "possible") in edges
