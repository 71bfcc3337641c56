"""The interpreter core's own Python: values stored under a key of an instance's dict attribute."""
from __future__ import annotations

from tests.models.snippets import edges, link

ITEMS = {
    "app/drivers.py": """
        class Glance:
            def pull(self):
                pass

        class Docker:
            def pull(self):
                pass

        def load(name):
            return {'glance': Glance, 'docker': Docker}[name]()

        class Host:
            def __init__(self):
                self.drivers = {}
                for name in ('glance', 'docker'):
                    self.drivers[name] = Glance() if name == 'glance' else Docker()

            def pull(self, name):
                driver = self.drivers[name]
                driver.pull()
        """,
}


def test_an_item_of_a_dict_attribute_is_what_the_class_stores_under_any_key():
    assert edges(link(ITEMS), "app.drivers.Host.pull") == {
        ("call", "app.drivers.Glance.pull"), ("call", "app.drivers.Docker.pull")}


REGISTRY = {
    "app/reg.py": """
        import itertools

        class Info:
            def __init__(self, name, plugin):
                self.plugin = plugin

            def resolved(self):
                return self

        class Registry:
            def __init__(self):
                self._registry = {'resources': {}}

            def _register_info(self, path, info):
                registry = self._registry
                for key in path[:-1]:
                    registry = registry[key]
                registry[path[-1]] = info

            def register(self, name, plugin):
                self._register_info(['resources', name], Info(name, plugin))

            def iterable_by(self, name):
                impl = self._registry.get(name)
                if impl:
                    yield impl

            def get_plugin(self, name):
                infos = sorted(itertools.chain(self.iterable_by(name), []))
                return infos[0].resolved().plugin if infos else None
        """,
    "app/env.py": """
        from app import reg

        class Compute:
            def create(self):
                pass

        _environment = None

        def global_env():
            global _environment
            if _environment is None:
                initialize()
            return _environment

        def initialize():
            global _environment
            env = reg.Registry()
            env.register('compute', Compute)
            _environment = env

        def load():
            return global_env().get_plugin('compute'), None

        def run():
            plugin, _ = load()
            plugin().create()
        """,
}


def test_a_global_statement_binds_the_module_name_and_a_local_alias_fills_the_dict():
    lk = link(REGISTRY)
    # global_env() is what initialize() stored under ``global``; the registry's items come from the writes
    # made through ``registry = self._registry`` (walked down by ``registry = registry[key]``); ``return
    # self`` of a method gives the receiver; ``a, b = f()`` follows f's ``return g(...)``
    assert ("call", "app.reg.Registry.get_plugin") in edges(lk, "app.env.load")
    assert ("call", "app.env.Compute.create") in edges(lk, "app.env.run")
    assert lk.r.returns("app.env.global_env") == frozenset({("ext", "builtins.None"), ("inst", "app.reg.Registry")})


def test_an_assignment_without_global_stays_local():
    lk = link({"app/m.py": """
        _x = None

        class A:
            def go(self):
                pass

        def set_local():
            _x = A()

        def use():
            _x.go()
        """})
    assert edges(lk, "app.m.use") == set()


def test_new_returning_another_class_makes_its_instances():
    lk = link({"app/b.py": """
        class OpenStackClients:
            def client(self, name):
                pass

        class ClientBackend:
            def __new__(cls, context):
                return OpenStackClients()

        def use(context):
            ClientBackend(context).client('nova')
        """})
    assert ("call", "app.b.OpenStackClients.client") in edges(lk, "app.b.use")


def test_none_has_no_attributes():
    lk = link({"app/n.py": """
        class A:
            def __init__(self):
                self.defn = None

            def t(self):
                return self.defn.t
        """})
    assert lk.r.returns("app.n.A.t") == frozenset()


def test_a_class_stored_in_a_class_attribute_is_constructed_by_its_subclass_copy():
    lk = link({"app/c.py": """
        class Resource:
            def __init__(self, manager, info):
                self.manager = manager

        class Server(Resource):
            def suspend(self):
                self.manager.suspend(self)

        class Manager:
            resource_class = None

            def _get(self, url):
                return self.resource_class(self, {})

        class ServerManager(Manager):
            resource_class = Server

            def get(self, ident):
                return self._get('/servers/%s' % ident)

            def suspend(self, server):
                pass

        def use(m):
            ServerManager().get('x').suspend()
        """})
    # ServerManager gets its own copy of _get (its resource_class differs), which builds a Server; the
    # Server's manager is what that call passes (a constructor is also called through the attribute)
    assert ("call", "app.c.Server.suspend") in edges(lk, "app.c.use")
    assert ("call", "app.c.ServerManager.suspend") in edges(lk, "app.c.Server.suspend")


def test_a_lambda_called_through_a_parameter_gives_its_body():
    lk = link({"app/l.py": """
        class Flow:
            def run(self):
                pass

        def retry(func):
            return func()

        class Executor:
            def _get_flow(self):
                return Flow()

            def _run(self):
                flow = retry(lambda: self._get_flow())
                flow.run()
        """})
    assert ("call", "app.l.Flow.run") in edges(lk, "app.l.Executor._run")


def test_a_property_read_in_a_branch_test_runs_its_getter():
    lk = link({"app/h.py": """
        class Host:
            @property
            def supports_sev(self):
                return True

            def slots(self):
                if not self.supports_sev:
                    return 0
                while self.supports_sev and 1:
                    break
                return 1
        """})
    # (the line is the scan's nearest known one: tests have no call of their own to place them)
    assert {(e.kind, e.target, dict(e.meta).get("access")) for e in lk.edges("app.h.Host.slots")} == {
        ("call", "app.h.Host.supports_sev", "read")}


def test_a_class_decorator_that_appends_to_a_module_list_registers_the_classes():
    """cinder's ``@interface.volumedriver``: the decorator's parameter is each class it decorates, and the
    module-level list it appends to holds them (``[DriverInfo(x) for x in interface._volume_register]``)."""
    lk = link({
        "app/interface.py": """
            _register = []

            def driver(cls):
                _register.append(cls)
                return cls
            """,
        "app/drivers.py": """
            from app import interface

            @interface.driver
            class A:
                @staticmethod
                def options():
                    return []

            @interface.driver
            class B:
                @staticmethod
                def options():
                    return []

            class C:
                @staticmethod
                def options():
                    return []
            """,
        "app/util.py": """
            from app import interface

            class Info:
                def __init__(self, cls):
                    self.opts = cls.options()

            def all_drivers():
                return [Info(x) for x in interface._register]
            """,
    })
    assert edges(lk, "app.util.Info.__init__") == {("call", "app.drivers.A.options"), ("call", "app.drivers.B.options")}
