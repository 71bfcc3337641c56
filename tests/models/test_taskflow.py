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
