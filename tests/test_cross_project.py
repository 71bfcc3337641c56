"""Cross-project REST on three tiny trees: a service with routes, its client library, and a caller."""
from __future__ import annotations

from pathlib import Path

import pytest

from tracer import api

XPROJ = Path(__file__).parent / "fixtures" / "xproj"


@pytest.fixture()
def xproj(tmp_path: Path) -> api.Workspace:
    return api.load([str(XPROJ / name / name) for name in ("svc", "svcclient", "caller")], cache_dir=tmp_path / "cache")


def test_action_request_through_the_client_lands_on_the_action_handler(xproj):
    rest = [e for e in xproj.linker.edges("caller.use.reserve") if e.kind == "rest"]
    assert [(e.target, e.line) for e in rest] == [("svc.api.things.ThingController._reserve", 5)]
    meta = dict(rest[0].meta)
    assert meta["http"] == "POST /things/{id}/action" and meta["action"] == "os-reserve"
    assert meta["client"] == "svcclient.v2.things.ThingManager._action"
    # the client method at that site is plumbing, not a hop of its own (the factory call beside it stays)
    assert not [e for e in xproj.linker.edges("caller.use.reserve") if e.target.startswith("svcclient.v2.")]


def test_plain_request_with_an_fstring_url_lands_on_the_collection_handler(xproj):
    rest = [e for e in xproj.linker.edges("caller.use.create") if e.kind == "rest"]
    assert [e.target for e in rest] == ["svc.api.things.ThingController.create"]


def test_answers_do_not_depend_on_query_order(tmp_path: Path):
    specs = [str(XPROJ / name / name) for name in ("svc", "svcclient", "caller")]
    one = api.load(specs, cache_dir=tmp_path / "c1")
    two = api.load(specs, cache_dir=tmp_path / "c2")
    names = sorted(one.program.functions)
    first = {fq: one.linker.edges(fq) for fq in names}
    second = {fq: two.linker.edges(fq) for fq in reversed(names)}
    assert first == second
