"""The linked-program cache on a real release: every output is byte-identical with and without it."""
from __future__ import annotations


import pytest

from tracer import api
from tracer.facts.model import SCHEMA_VERSION
from tracer.graph.records import TraceOptions
from tracer.render import render
from tracer.render.text import print_trace

pytestmark = pytest.mark.real

STEIN = ["nova==19.0.0", "cinder==14.0.0"]
ENTRIES = [
    ("create_volume", TraceOptions()),
    ("POST /servers/{server_id}/os-volume_attachments", TraceOptions(drivers=("libvirt",))),
    ("POST /servers/{server_id}/action reboot", TraceOptions(full=True, depth=6)),
]


def _outputs(ws: api.Workspace) -> list:
    from io import StringIO

    from rich.console import Console

    out = []
    for entry, opts in ENTRIES:
        t = api.trace(ws, entry, opts)
        text = StringIO()
        print_trace(t, Console(file=text, width=300, no_color=True))
        out += [api.trace_json(t), text.getvalue(), render(t, "mermaid", api.definition_sites(ws, t)),
                render(t, "sequence")]
    return out


@pytest.fixture(scope="module")
def live(real_cache):
    return _outputs(api.load(STEIN, cache_dir=real_cache, linked_cache=False))


def test_cached_answers_equal_a_live_linker(real_cache, live, tmp_path):
    linked = tmp_path / "cache"
    linked.mkdir()
    facts = next(p.name for p in real_cache.iterdir() if p.name.startswith(f"facts-v{SCHEMA_VERSION}-"))
    for name in ("trees", facts):
        (linked / name).symlink_to(real_cache / name)
    first = api.load(STEIN, cache_dir=linked)  # links and saves the program part and its answers
    assert first._snap is None
    assert _outputs(first) == live
    warm = api.load(STEIN, cache_dir=linked)
    assert warm._snap is not None
    assert _outputs(warm) == live
    assert warm._linked is None  # every answer came from the cache: no fact was read
    # the program part alone: every answer is resolved again by a live linker, loaded on demand
    for segment in (linked / "linked-v1").glob("*/answers-*"):
        segment.unlink()
    partial = api.load(STEIN, cache_dir=linked)
    assert partial._snap is not None and not partial._snap.answers
    assert _outputs(partial) == live
    assert partial._linked is not None
