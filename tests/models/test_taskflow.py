"""The taskflow model: tasks added to a flow, run in order by the engine loaded over it."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/flow.py": """
        import taskflow.engines
        from taskflow import task
        from taskflow.patterns import linear_flow

        class First(task.Task):
            def execute(self):
                pass

            def revert(self, result):
                pass

        class Second(task.Task):
            def execute(self):
                pass

        def get_flow():
            flow = linear_flow.Flow('make')
            flow.add(First(), Second())
            return taskflow.engines.load(flow)

        def run_it():
            engine = get_flow()
            engine.run()

        def run_direct():
            flow = linear_flow.Flow('x')
            flow.add(Second())
            taskflow.engines.run(flow)
        """,
}


def test_engine_run_executes_the_tasks_in_order_and_reverts_on_error():
    lk = link(FILES)
    tasks = [(e.target, dict(e.meta)["order"], ("on_error", True) in e.meta)
             for e in lk.edges("app.flow.run_it") if e.kind == "flow-task"]
    assert tasks == [("app.flow.First.execute", 1, False), ("app.flow.Second.execute", 2, False),
                     ("app.flow.First.revert", 1, True)]
    assert lk.builds_flow("app.flow.get_flow")


def test_engines_run_on_a_flow():
    lk = link(FILES)
    assert [e.target for e in lk.edges("app.flow.run_direct") if e.kind == "flow-task"] == ["app.flow.Second.execute"]
    assert lk.flows.all_flows() == ["app.flow.get_flow", "app.flow.run_direct"]


VARIANTS = {
    "app/conf.py": """
        from oslo_config import cfg

        cfg.DictOpt('recovery', default={'pre': ['stop_task'], 'post': ['start_task']})
        """,
    "app/tasks.py": """
        from taskflow import task

        class Stop(task.Task):
            def execute(self):
                pass

        class Start(task.Task):
            def execute(self):
                pass

        class Check(task.Task):
            def execute(self):
                pass
        """,
    "app/flows.py": """
        import taskflow.engines
        from oslo_config import cfg
        from stevedore import named
        from taskflow.patterns import linear_flow, unordered_flow
        from app.tasks import Check

        def plugins(names, **kwargs):
            mgr = named.NamedExtensionManager('app.tasks', names=names, invoke_on_load=True, invoke_kwds=kwargs)
            for extension in mgr.extensions:
                yield extension.obj

        def load(flow):
            return taskflow.engines.load(flow, store={})

        def checks():
            return unordered_flow.Flow('checks').add(Check())

        def get_flow():
            names = cfg.CONF.recovery
            top = linear_flow.Flow('top')
            pre = linear_flow.Flow('pre')
            for plugin in plugins(names['pre']):
                pre.add(plugin)
            post = linear_flow.Flow('post')
            for plugin in plugins(names['post']):
                post.add(plugin)
            top.add(pre, post)
            top.add(*[checks()])
            return load(top)

        def run():
            get_flow().run()
        """,
}
PLUGINS = {"app.tasks": {"stop_task": "app.tasks:Stop", "start_task": "app.tasks:Start"}}


def test_plugins_by_configured_name_sub_flows_and_a_helper_that_loads_the_engine():
    lk = link(VARIANTS, PLUGINS)
    tasks = [e.target for e in lk.edges("app.flows.run") if e.kind == "flow-task"]
    # the pre flow's plugin, the post flow's plugin, then the factory's sub-flow: in the order they run
    assert tasks == ["app.tasks.Stop.execute", "app.tasks.Start.execute", "app.tasks.Check.execute"]


BUILDER_PASSED = {
    "app/worker.py": """
        import taskflow.engines
        from taskflow import task
        from taskflow.patterns import linear_flow

        class Create(task.Task):
            def execute(self):
                pass

        class Plug(task.Task):
            def execute(self):
                pass

        class Delete(task.Task):
            def execute(self):
                pass

        def _plug_subflow():
            sub = linear_flow.Flow('plug')
            sub.add(Plug())
            return sub

        def get_create_flow():
            flow = linear_flow.Flow('create')
            flow.add(Create())
            flow.add(_plug_subflow())
            return flow

        def get_delete_flow():
            flow = linear_flow.Flow('delete')
            flow.add(Delete())
            return flow

        class Engines:
            def load(self, flow):
                return taskflow.engines.load(flow)

        class Worker:
            def __init__(self):
                self.engines = Engines()

            def run_flow(self, func, *args):
                engine = self.engines.load(func(*args))
                engine.run()

            def create(self):
                self.run_flow(get_create_flow)

            def delete(self):
                self.run_flow(get_delete_flow)
        """,
}


def test_a_flow_built_by_the_builder_a_caller_passes_runs_only_below_that_caller():
    lk = link(BUILDER_PASSED)  # (a trace follows an edge with passed_by only below one of those callers)
    tasks = [(e.target, dict(e.meta)["order"], dict(e.meta)["passed_by"])
             for e in lk.edges("app.worker.Worker.run_flow") if e.kind == "flow-task"]
    assert tasks == [
        ("app.worker.Create.execute", 1, ("app.worker.Worker.create",)),
        ("app.worker.Plug.execute", 2, ("app.worker.Worker.create",)),
        ("app.worker.Delete.execute", 1, ("app.worker.Worker.delete",)),
    ]
