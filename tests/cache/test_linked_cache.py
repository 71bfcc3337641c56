"""The linked-program cache: a hit needs no facts, a bad entry is rebuilt, answers equal a live run."""
from __future__ import annotations

import marshal
from pathlib import Path

from tests.conftest import FIXTURE
from tracer import api
from tracer import envelope
from tracer.facts.store import KIND, BlobStore
from tracer.graph.records import TraceOptions
from tracer.graph.snapshot import FORMAT

ENTRY = "create_thing"


def _load(cache: Path, **kw) -> api.Workspace:
    return api.load([str(FIXTURE)], cache_dir=cache, **kw)


def _entry_dir(cache: Path) -> Path:
    (entry,) = (cache / f"linked-v{FORMAT}").iterdir()
    return entry


def test_second_run_answers_from_the_cache_without_facts(tmp_path):
    first = api.trace(_load(tmp_path), ENTRY)
    ws = _load(tmp_path)
    assert ws._snap is not None
    second = api.trace(ws, ENTRY)
    assert ws._linked is None  # no fact file was read, nothing was linked
    assert second == first


def test_answers_equal_a_live_run_in_every_view(tmp_path):
    for opts in (TraceOptions(), TraceOptions(full=True), TraceOptions(drivers=("other",)), TraceOptions(errors=True)):
        live = api.trace(_load(tmp_path / "live", linked_cache=False), ENTRY, opts)
        api.trace(_load(tmp_path / "c"), ENTRY, opts)
        assert api.trace(_load(tmp_path / "c"), ENTRY, opts) == live


def test_a_hit_is_proven_by_a_forged_answer(tmp_path):
    """Re-sign an answers segment with one edge removed: a run that reads the cache loses that hop."""
    before = api.trace(_load(tmp_path), ENTRY)
    entry = _entry_dir(tmp_path)
    store = BlobStore(entry.parent)
    (segment,) = [p for p in entry.iterdir() if p.name.startswith("answers-")]
    answers = marshal.loads(store.get(f"{entry.name}/{segment.name}", entry.name))
    edges, guards, engine, uses = marshal.loads(answers[before.entry])
    answers[before.entry] = marshal.dumps((edges[1:], guards[1:], engine, uses[1:]))
    store.put(f"{entry.name}/{segment.name}", entry.name, marshal.dumps(answers))
    after = api.trace(_load(tmp_path), ENTRY)
    assert len(after.hops) < len(before.hops)


def test_a_tampered_entry_is_rebuilt_not_trusted(tmp_path):
    before = api.trace(_load(tmp_path), ENTRY)
    program = _entry_dir(tmp_path) / "program"
    raw = bytearray(program.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one byte inside the payload: the checksum no longer matches
    program.write_bytes(bytes(raw))
    notes: list[str] = []
    ws = api.load([str(FIXTURE)], cache_dir=tmp_path, message=notes.append)
    assert ws._snap is None and any("did not check out" in n for n in notes)
    assert api.trace(ws, ENTRY) == before
    assert _load(tmp_path)._snap is not None  # written again


def test_an_entry_copied_from_another_key_is_refused(tmp_path):
    api.trace(_load(tmp_path), ENTRY)
    entry = _entry_dir(tmp_path)
    head, _, payload = (entry / "program").read_bytes().partition(b"\n")
    assert envelope.unseal(head + b"\n" + payload, KIND, entry.name) == payload
    (entry / "program").write_bytes(envelope.seal(KIND, "0" * 64, payload))  # sound, but another key's
    assert _load(tmp_path)._snap is None


def test_a_changed_file_is_a_new_program(tmp_path):
    tree = tmp_path / "tree"
    import shutil

    shutil.copytree(FIXTURE, tree)
    api.trace(api.load([str(tree)], cache_dir=tmp_path / "c"), ENTRY)
    target = next(tree.rglob("*.py"))
    target.write_text(target.read_text() + "\n\ndef added():\n    pass\n")
    assert api.load([str(tree)], cache_dir=tmp_path / "c")._snap is None


def test_index_fills_every_answer(tmp_path):
    ws = _load(tmp_path)
    ws.remember(everything=True)
    again = _load(tmp_path)
    assert set(again._snap.answers) == set(ws.program.functions)


def test_segments_are_merged_past_the_limit(tmp_path):
    from tracer.graph import snapshot

    ws = _load(tmp_path)
    api.trace(ws, ENTRY)
    store, key = ws._cache.store, ws._key
    saved = set(snapshot.SnapshotCache(store).load(key).answers)
    fns = [fq for fq in sorted(ws.program.functions) if fq not in saved][: snapshot.MAX_SEGMENTS + 2]
    assert len(fns) == snapshot.MAX_SEGMENTS + 2
    for fq in fns:  # each a run of its own that answered one more function
        run = snapshot.SnapshotCache(store)
        run.load(key)
        run.save_answers(key, {fq: ws.index.answer(fq)})
    names = store.list(f"{key}/answers-")
    assert len(names) <= snapshot.MAX_SEGMENTS
    assert set(fns) | saved <= set(snapshot.SnapshotCache(store).load(key).answers)


def test_runs_side_by_side_that_save_the_same_answers_write_one_segment(tmp_path):
    # two first runs after a change both find no snapshot, link, and save every answer: one file, not two
    # that every later run reads
    first, second = _load(tmp_path), _load(tmp_path, linked_cache=True)
    assert first._snap is None and second._snap is None
    first.remember(everything=True)
    second.remember(everything=True)
    assert len(first._cache.store.list(f"{first._key}/answers-")) == 1


def test_a_run_that_traces_again_saves_only_what_it_had_not_saved(tmp_path):
    ws = _load(tmp_path)
    api.trace(ws, ENTRY)
    before = ws._cache.store.list(f"{ws._key}/answers-")
    api.trace(ws, ENTRY)  # nothing new answered: nothing written (a sphinx build, a test session)
    assert ws._cache.store.list(f"{ws._key}/answers-") == before
