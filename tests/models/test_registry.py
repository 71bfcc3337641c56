"""The model interface: declared requirements, owned value kinds, dispatch by library name."""
from __future__ import annotations

import pytest

from tests.models.snippets import link
from tracer.link.models.all import MODELS
from tracer.link.models.base import Model, Registry


class _Stub:
    p = None


def test_every_value_kind_has_one_owner_and_calls_dispatch_by_suffix():
    models = link({"app/__init__.py": ""}).models
    assert models.by_kind["rpc"].name == "oslo_messaging"
    assert models.by_kind["flow"].name == "taskflow"
    assert models.for_call("oslo_messaging.rpc.client.RPCClient").name == "oslo_messaging"
    assert models.for_call("taskflow.patterns.linear_flow.Flow").name == "taskflow"
    assert models.for_call("somelib.Flow") is None  # the suffix must match as whole dotted parts


def test_a_model_reads_only_what_it_declares():
    models = link({"app/__init__.py": ""}).models
    with pytest.raises(LookupError):
        models["taskflow"].model("oslo_config")
    with pytest.raises(LookupError):
        models["taskflow"].sites_named("resource")
    assert models["oslo_messaging"].model("oslo_config") is models["oslo_config"]


def test_requirements_come_first_and_cycles_or_clashes_are_refused():
    class A(Model):
        name = "a"
        requires = ("b",)

    class B(Model):
        name = "b"
        kinds = ("x",)

    class C(Model):
        name = "c"
        kinds = ("x",)

    class D(Model):
        name = "d"
        requires = ("e",)

    class E(Model):
        name = "e"
        requires = ("d",)

    core = _Stub()
    assert [m.name for m in Registry(core, (A, B))] == ["b", "a"]
    with pytest.raises(ValueError, match="made by"):
        Registry(core, (B, C))
    with pytest.raises(ValueError, match="cycle"):
        Registry(core, (D, E))
    assert len({m.name for m in MODELS}) == len(MODELS)
