"""The python model: super(), functools.partial, built-ins that hand back their arguments."""
from __future__ import annotations

from tests.models.snippets import edges, link

FILES = {
    "app/m.py": """
        import functools

        class Base:
            def go(self):
                pass

        class Sub(Base):
            def go(self):
                super().go()

        def work(a, b):
            pass

        def start():
            f = functools.partial(work, 'first')
            f('second')
            for g in list([work]):
                g(1, 2)
        """,
}


def test_super_call_continues_after_the_class():
    assert edges(link(FILES), "app.m.Sub.go") == {("call", "app.m.Base.go")}


def test_partial_and_pass_through_reach_the_function():
    found = edges(link(FILES), "app.m.start")
    assert ("call", "app.m.work") in found
    # partial(work, 1) hands work on (a callback at 16); f(2) at 17 and g(1, 2) at 19 call it
    assert {(e.line, e.confidence) for e in link(FILES).edges("app.m.start") if e.target == "app.m.work"} == {
        (16, "callback"), (17, "exact"), (19, "exact")}


def test_partial_binds_later_arguments_to_the_right_parameters():
    lk = link(FILES)
    assert lk.r.param("app.m.work", (0, 0)) == frozenset({("str", "first")})


DISPATCH = {
    "app/d.py": """
        class Handler:
            def do_create(self):
                pass

            def do_delete(self):
                pass

            def other(self):
                pass

            def run(self, action):
                name = 'create'
                if action:
                    name = 'delete'
                getattr(self, '_x_' + name, None)
                return getattr(self, 'do_' + action)()

            def by_literal(self):
                getattr(self, 'other')()
        """,
}


def test_getattr_with_a_literal_or_a_pattern_names_the_methods():
    lk = link(DISPATCH)
    assert edges(lk, "app.d.Handler.by_literal") == {("call", "app.d.Handler.other")}
    # 'do_' + an unknown part: every method that fits, nothing else
    assert {t for k, t in edges(lk, "app.d.Handler.run")} == {"app.d.Handler.do_create", "app.d.Handler.do_delete"}


PROXY = {
    "app/p.py": """
        import functools

        class LazyProxy:
            def __init__(self, klass):
                self.klass = klass
                self.instance = None

            def __getattr__(self, name):
                return functools.partial(self.__run, name)

            def __run(self, __name, *args):
                if self.instance is None:
                    self.instance = self.klass()
                return getattr(self.instance, __name)(*args)

        class Service:
            def create(self):
                pass

        _api = LazyProxy(Service)

        def handler():
            _api.create()
        """,
}


def test_getattr_hook_handing_on_through_a_partial():
    assert ("call", "app.p.Service.create") in edges(link(PROXY), "app.p.handler")


HANDED = {
    "app/t.py": """
        class Worker:
            def start(self, func, *args):
                spawn(self._with_trace, None, func, *args)

            def _with_trace(self, ctx, func, *args):
                return func(*args)

        def job(action_id):
            pass

        def launch(w):
            w = Worker()
            w.start(job, 'a1')
        """,
}


def test_a_function_handed_to_a_spawn_is_called_with_the_arguments_after_it():
    lk = link(HANDED)
    found = {(e.target, e.confidence) for e in lk.edges("app.t.Worker._with_trace")}
    assert found == {("app.t.job", "callback")}


LOCAL_METHOD = {
    "app/lb.py": """
        class Provider:
            def create(self, lb):
                pass

        def get_driver():
            return Provider()

        def call_provider(name, method, *args):
            return method(*args)

        def post(lb):
            driver = get_driver()
            call_provider('amphora', driver.create, lb)
        """,
}


def test_a_method_of_a_local_object_handed_on_is_a_callback_of_the_site_that_hands_it():
    found = {(e.target, e.confidence) for e in link(LOCAL_METHOD).edges("app.lb.post")}
    assert ("app.lb.Provider.create", "callback") in found


NAMES_FROM_DATA = {
    "app/actions.py": """
        CLUSTER_CREATE = 'CLUSTER_CREATE'
        CLUSTER_DELETE = 'CLUSTER_DELETE'

        class Action:
            def __init__(self, action):
                self.action = action

            def execute(self):
                method_name = self.action.lower().replace('cluster', 'do')
                method = getattr(self, method_name, None)
                method()

            def do_create(self):
                pass

            def do_delete(self):
                pass

            def do_other(self):
                pass

        def start():
            Action(CLUSTER_CREATE).execute()
            Action(CLUSTER_DELETE).execute()
        """,
    "app/api.py": """
        class Controller:
            ACTIONS = (SUSPEND, RESUME) = ('suspend', 'resume')

            def action(self, req, body):
                ac = next(iter(body.keys()))
                if ac not in self.ACTIONS:
                    raise ValueError(ac)
                do_action = getattr(self, ac, None)
                do_action(req)

            def by_prefix(self, req, body):
                name = "_do_" + list(body.keys())[0]
                getattr(self, name)(req)

            def suspend(self, req):
                pass

            def resume(self, req):
                pass

            def _do_scale(self, req):
                pass

            def delete(self, req):
                pass
        """,
}


def test_getattr_on_a_name_computed_by_string_methods_names_those_methods():
    assert edges(link(NAMES_FROM_DATA), "app.actions.Action.execute") == {
        ("call", "app.actions.Action.do_create"), ("call", "app.actions.Action.do_delete")}


def test_getattr_on_a_name_tested_against_a_collection_names_its_members():
    lk = link(NAMES_FROM_DATA)
    assert {t for k, t in edges(lk, "app.api.Controller.action") if k == "call"} == {
        "app.api.Controller.suspend", "app.api.Controller.resume"}
    # '_do_' + an unknown key: the methods the pattern names
    assert ("call", "app.api.Controller._do_scale") in edges(lk, "app.api.Controller.by_prefix")


HOOKS = {
    "app/h.py": """
        class Resource:
            def handle_delete(self):
                return 1

            def run(self, action):
                handler = getattr(self, 'handle_%s' % action.lower(), None)
                if callable(handler):
                    handler()

            def named(self, other):
                getattr(other, 'handle_%s' % other.kind)()

        class Server(Resource):
            def handle_create(self):
                return 2

            def handle_delete(self):
                return 3

            def other(self):
                pass

        class Volume(Resource):
            def handle_create(self):
                return 4

        class Keeps(Server):
            pass
        """,
}


def test_getattr_on_self_by_pattern_reaches_the_subclasses_hooks():
    lk = link(HOOKS)
    made = [e for e in lk.edges("app.h.Resource.run") if e.kind == "driver"]
    assert [(e.target, e.confidence, dict(e.meta)["dispatch"]) for e in made] == [
        ("app.h.Server.handle_create", "candidate", "handle_*"),
        ("app.h.Server.handle_delete", "candidate", "handle_*"),
        ("app.h.Volume.handle_create", "candidate", "handle_*")]
    # the class's own method stays a plain call; another object's getattr is not a base's hook dispatch
    assert ("call", "app.h.Resource.handle_delete") in edges(lk, "app.h.Resource.run")
    assert not [e for e in lk.edges("app.h.Resource.named") if e.kind == "driver"]


WEAKREF = {
    "app/w.py": """
        import weakref

        class Stack:
            def clients(self):
                pass

        class Resource:
            def __init__(self, stack):
                self.stack = stack

            @property
            def stack(self):
                return self._stackref()

            @stack.setter
            def stack(self, stack):
                self._stackref = weakref.ref(stack)

            def client(self):
                self.stack.clients()

        def make():
            Resource(Stack())
        """,
}


def test_a_weak_reference_called_gives_the_object_and_a_setter_gets_what_is_assigned():
    # weakref.ref(x)() is x; the setter's parameter is what ``self.stack = stack`` assigns
    assert ("call", "app.w.Stack.clients") in edges(link(WEAKREF), "app.w.Resource.client")


def test_a_base_method_reached_through_super_runs_with_the_subclass_self():
    lk = link({"app/s.py": """
        class Executor:
            def begin(self, task):
                self._run(task)

            def _run(self, task):
                pass

        class FlowExecutor(Executor):
            def begin(self, task):
                super(FlowExecutor, self).begin(task)

            def _run(self, task):
                pass
        """})
    # Python runs Executor.begin with self a FlowExecutor: self._run is the subclass's (and the base's
    # own, for an Executor)
    assert edges(lk, "app.s.Executor.begin") >= {("call", "app.s.FlowExecutor._run"), ("call", "app.s.Executor._run")}


def test_a_function_handed_to_hasattr_or_wraps_is_not_called():
    lk = link({"app/d.py": """
        import functools

        def deco(method):
            @functools.wraps(method)
            def wrapper(*args):
                return method(*args)
            if not hasattr(wrapper, 'schemas'):
                setattr(wrapper, 'schemas', [])
            run_later(wrapper)
            return wrapper

        def run_later(f):
            f()
        """})
    made = {(e.target, e.line) for e in lk.edges("app.d.deco") if e.confidence == "callback"}
    # wraps(method) and hasattr/setattr only look at it; run_later(wrapper) calls it
    assert made == {("app.d.deco.<locals>.wrapper", 10)}


DICT_WRITTEN = {
    "app/bdm.py": """
        class Proxy(dict):
            def __init__(self, obj):
                self.__dict__['_obj'] = obj
                self._obj.check()

            def __getattr__(self, name):
                return self[name]

            def __setattr__(self, name, value):
                self[name] = value

            def size(self):
                if self.size_gb:
                    self._obj.check()

        class Obj:
            def check(self):
                pass

        def make():
            return Proxy(Obj())
        """,
}


def test_an_attribute_written_into_self_dict_is_found_without_getattr():
    lk = link(DICT_WRITTEN)
    # self.__dict__['_obj'] = obj sets the attribute past __setattr__: reading it runs no __getattr__,
    # and it holds what was written
    assert edges(lk, "app.bdm.Proxy.__init__") >= {("call", "app.bdm.Obj.check")}
    assert ("call", "app.bdm.Proxy.__getattr__") not in edges(lk, "app.bdm.Proxy.__init__")
    assert ("call", "app.bdm.Proxy.__getattr__") in edges(lk, "app.bdm.Proxy.size")  # not stored: the hook


def test_an_objects_class_builds_another_of_its_kind():
    lk = link({"app/conn.py": """
        class Conn:
            def renewed(self):
                new = self.__class__()
                return new

            def ping(self):
                pass

        def use():
            Conn().renewed().ping()
    """})
    assert ("call", "app.conn.Conn.ping") in edges(lk, "app.conn.use")


def test_a_class_attribute_set_in_a_classmethod_is_read_on_the_class():
    lk = link({"app/single.py": """
        class Client:
            def get(self):
                pass

        class Auth:
            client = None

            @classmethod
            def get_client(cls):
                if not cls.client:
                    cls.client = Client()
                return cls.client

        def use():
            Auth.get_client().get()
    """})
    assert ("call", "app.single.Client.get") in edges(lk, "app.single.use")
