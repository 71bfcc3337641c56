"""Composing summaries along a trace: holes filled by the calls on the way, child hops not followed twice,
error paths only with --errors, summaries kept in (and read back from) the linked-program cache."""
from __future__ import annotations

import pytest

from tracer import api
from tracer.effects.source import Summaries
from tracer.effects.summary import Binding, decode, encode, expand
from tracer.facts.store import BlobStore
from tracer.graph.records import TraceOptions

NOTIFY = '''
import oslo_messaging as messaging

NOTIFIER = messaging.Notifier(None)


def notify(context, suffix):
    NOTIFIER.prepare(publisher_id='x').info(context, 'volume.%s' % suffix, {})


def relay(context, what):
    notify(context, what)


def create(context, volume):
    relay(context, 'create.start')
    try:
        volume.go()
    except Exception:
        notify(context, 'create.error')
'''


@pytest.fixture()
def ws(snippet):
    return snippet({"proj/api.py": NOTIFY}).ws


def test_hole_filled_two_calls_up_the_trace(ws):
    t = api.trace(ws, "proj.api.create", TraceOptions(full=True), effects=True)
    [relay] = [h for h in t.hops if h.callee == "proj.api.relay"]
    [below] = [h for h in t.hops if h.caller == "proj.api.relay"]
    assert [e.name for e in below.effects] == ["volume.create.start"]
    assert relay.effects == ()  # its call of notify is a hop of its own
    assert t.entry_effects == () and t.with_effects


def test_error_path_only_with_errors(ws):
    t = api.trace(ws, "proj.api.create", TraceOptions(full=True, errors=True), effects=True)
    names = sorted(e.name for h in t.hops for e in h.effects)
    assert names == ["volume.create.error", "volume.create.start"]
    quiet = Summaries(lambda: ws.linker, None, "", ws.program.functions.__contains__).view(errors=False)
    assert sorted(e.name for e in quiet.effects("proj.api.create")) == ["volume.create.start"]


def test_json_carries_effects_per_hop_and_the_summary(ws):
    data = api.trace_json(api.trace(ws, "proj.api.create", TraceOptions(full=True), effects=True))
    hop = next(h for h in data["hops"] if h["caller"] == "proj.api.relay")
    assert hop["effects"][0] == {"kind": "notification", "name": "volume.create.start", "action": "legacy",
                                 "site": "proj/api.py:7", "service": "proj", "via": [], "detail": {"priority": "info"}}
    # the full view holds the except handler's call too
    assert data["effects"]["summary"]["notification"] == {"legacy": ["volume.create.error", "volume.create.start"]}
    plain = api.trace_json(api.trace(ws, "proj.api.create", TraceOptions(full=True)))
    assert "effects" not in plain and "effects" not in plain["hops"][0]


def test_expand_fills_holes_and_falls_back():
    text = (("volume.", ("p", "suffix", ("a", "b"))),)
    assert expand(text) == ("volume.a", "volume.b")
    assert expand(text, Binding((("suffix", ("create.end",)),))) == ("volume.create.end",)
    assert expand(((("p", "x", ()),),)) == ("{x}",)


def test_summaries_are_saved_and_read_back_without_the_linker(ws, tmp_path):
    store = BlobStore(tmp_path / "linked")
    live = Summaries(lambda: ws.linker, store, "k", ws.program.functions.__contains__)
    first = live.view().effects("proj.api.create")
    live.save()

    def no_linker():
        raise AssertionError("the cache should have answered")

    cached = Summaries(no_linker, store, "k", ws.program.functions.__contains__)
    assert cached.view().effects("proj.api.create") == first
    assert decode(encode(live.summary("proj.api.notify"))) == live.summary("proj.api.notify")


def test_a_tampered_segment_is_rejected_and_recomputed(ws, tmp_path):
    store = BlobStore(tmp_path / "linked")
    live = Summaries(lambda: ws.linker, store, "k", ws.program.functions.__contains__)
    expected = live.view().effects("proj.api.create")
    live.save()
    [name] = store.list("k/effects-")
    path = store.root / name
    blob = bytearray(path.read_bytes())
    blob[-5] ^= 0xFF
    path.write_bytes(bytes(blob))
    again = Summaries(lambda: ws.linker, store, "k", ws.program.functions.__contains__)
    assert store.rejected == 1
    assert again.view().effects("proj.api.create") == expected


BRANCHY = '''
import oslo_messaging as messaging

NOTIFIER = messaging.Notifier(None)


def notify(context, suffix):
    NOTIFIER.info(context, 'volume.%s' % suffix, {})


def delete(context, volume, unmanage_only=False):
    if unmanage_only:
        notify(context, 'unmanage.start')
    else:
        notify(context, 'delete.start')
    if volume.size > 10:
        NOTIFIER.info(context, 'volume.big', {})
        notify(context, 'usage')
    notify(context, 'usage')
'''


def test_effects_reached_through_a_guarded_call_carry_its_branch(snippet):
    """Alternatives are qualified by the branch each runs under; an ``if`` with no ``else`` makes the effect
    conditional; an effect also made plainly is plain."""
    s = snippet({"proj/api.py": BRANCHY})
    found = {e.name: e for e in s.effects("proj.api.delete")}
    assert found["volume.unmanage.start"].get("guard") == ("if unmanage_only",)
    assert found["volume.delete.start"].get("guard") == ("else (not unmanage_only)",)
    assert not found["volume.delete.start"].get("conditional")  # one arm of if/else runs: not optional
    big = found["volume.big"]  # the hop's own call, under an if with no else
    assert big.get("guard") == ("if volume.size > 10",) and big.get("conditional") is True
    assert found["volume.usage"].get("guard") is None  # also sent unconditionally
