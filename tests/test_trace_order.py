"""The order and grouping of the edges a trace follows out of one function (a hand-made index)."""
from __future__ import annotations

from tracer.graph.index import Answer
from tracer.graph.records import TraceOptions
from tracer.graph.trace import Tracer
from tracer.link.records import Edge


class _Index:
    def __init__(self, edges: list[Edge]) -> None:
        self.edges = tuple(edges)

    def answer(self, fq: str) -> Answer:
        return Answer(self.edges, tuple(() for _ in self.edges), False)


def _task(flow: str, order: int, name: str) -> Edge:
    return Edge("m.run", f"m.{name}.execute", "flow-task", "m.py", 9, "exact",
                (("flow", f"m.{flow}"), ("order", order)))


def test_the_tasks_of_several_flows_at_one_site_are_drawn_flow_by_flow():
    edges = [_task("b_flow", 1, "B1"), _task("a_flow", 2, "A2"), _task("b_flow", 2, "B2"), _task("a_flow", 1, "A1")]
    chosen = Tracer(_Index(edges)).chosen_edges("m.run", TraceOptions())
    assert [e.target for e, _ in chosen] == ["m.A1.execute", "m.A2.execute", "m.B1.execute", "m.B2.execute"]


def _hook(name: str, cls: str) -> Edge:
    return Edge("m.Base.act", f"m.{cls}.{name}", "driver", "m.py", 5, "candidate", (("dispatch", "handle_*"),))


def test_a_dispatch_over_few_names_is_a_call_per_name_and_over_many_one_call():
    few = [_hook("handle_create", "A"), _hook("handle_create", "B"), _hook("handle_delete", "A")]
    chosen = Tracer(_Index(few)).chosen_edges("m.Base.act", TraceOptions())
    assert sorted(e.target for e, _ in chosen) == ["m.A.handle_create", "m.A.handle_delete"]
    many = [_hook(f"list_{i:02d}", "C") for i in range(30)]
    assert len(Tracer(_Index(many)).chosen_edges("m.Base.act", TraceOptions())) == 1


def test_under_a_driver_hop_its_packages_helpers_are_shown():
    """zun's ``DockerDriver.create -> docker_utils.docker_client()``: a plain function of the driver's own
    package is one of its steps; a function of another package, with no hop below, is not."""
    from tracer.graph.index import FunctionInfo

    edges = {
        "m.entry": [Edge("m.entry", "pkg.drv.Driver.create", "driver", "m.py", 3, "configured", ())],
        "pkg.drv.Driver.create": [Edge("pkg.drv.Driver.create", "pkg.utils.client", "call", "pkg/drv.py", 5, "exact", ()),
                                  Edge("pkg.drv.Driver.create", "other.utils.log", "call", "pkg/drv.py", 6, "exact", ())],
    }

    class Index(_Index):
        def answer(self, fq: str) -> Answer:
            mine = tuple(edges.get(fq, ()))
            return Answer(mine, tuple(() for _ in mine), False)

        def function(self, fq: str):
            module, _, name = fq.rpartition(".")
            cls = "pkg.drv.Driver" if fq.startswith("pkg.drv.Driver.") else None
            module = "pkg.drv" if cls else module
            return FunctionInfo("p", module, module.replace(".", "/") + ".py", 1, cls, None, False)

        def service_of(self, fq: str) -> str:
            return "svc"

        def is_database(self, fq: str) -> bool:
            return False

    t = Tracer(Index([])).trace("m.entry", TraceOptions())
    assert [h.callee for h in t.hops] == ["pkg.drv.Driver.create", "pkg.utils.client"]
