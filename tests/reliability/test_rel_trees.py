"""Extracted trees: a file deleted, added or changed, or a bad manifest, is noticed and the tree fetched again."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from reliability_helpers import FakeIndex
from tracer import api
from tracer.source import resolve
from tracer.source.cache import MARKER, trees_dir
from tracer.source.manifest import MANIFEST


def trace_json(cache: Path, messages: list[str] | None = None) -> dict:
    ws = api.load(["proj==1.0.0"], cache_dir=cache, message=messages.append if messages is not None else None)
    return api.trace_json(api.trace(ws, "create_thing"))


def test_deleted_file_is_noticed_and_fetched_again(tmp_path: Path, fake_index: FakeIndex) -> None:
    clean = trace_json(tmp_path)
    assert len(clean["hops"]) > 3
    tree = trees_dir(tmp_path) / "proj-1.0.0"
    (tree / "proj" / "worker" / "manager.py").unlink()
    messages: list[str] = []
    assert trace_json(tmp_path, messages) == clean
    assert len(fake_index.calls) == 2
    assert any("proj/worker/manager.py is missing" in m for m in messages), messages


def test_half_the_tree_gone_is_noticed(tmp_path: Path, fake_index: FakeIndex) -> None:
    first = api.load(["proj==1.0.0"], cache_dir=tmp_path)
    routes = len(first.routes.routes)
    tree = trees_dir(tmp_path) / "proj-1.0.0"
    shutil.rmtree(tree / "proj" / "api")
    shutil.rmtree(tree / "proj" / "worker")
    again = api.load(["proj==1.0.0"], cache_dir=tmp_path)
    assert routes > 0 and len(again.routes.routes) == routes and len(fake_index.calls) == 2


def test_changed_file_is_noticed(tmp_path: Path, fake_index: FakeIndex) -> None:
    clean = trace_json(tmp_path)
    target = trees_dir(tmp_path) / "proj-1.0.0" / "proj" / "api" / "things.py"
    target.write_text(target.read_text().replace("build_thing", "build_thinG"))  # same size, other content
    assert trace_json(tmp_path) == clean and len(fake_index.calls) == 2


def test_tampered_or_foreign_manifest_is_refused(tmp_path: Path, fake_index: FakeIndex) -> None:
    one, two = resolve("proj==1.0.0", tmp_path), resolve("proj==2.0.0", tmp_path)
    shutil.copyfile(two.root / MANIFEST, one.root / MANIFEST)  # another release's manifest
    messages: list[str] = []
    resolve("proj==1.0.0", tmp_path, progress=messages.append)
    assert len(fake_index.calls) == 3 and any("manifest is refused: foreign" in m for m in messages)
    blob = bytearray((one.root / MANIFEST).read_bytes())
    blob[-5] ^= 1
    (one.root / MANIFEST).write_bytes(bytes(blob))
    resolve("proj==1.0.0", tmp_path, progress=messages.append)
    assert len(fake_index.calls) == 4 and any("manifest is refused: tampered" in m for m in messages)


def test_tree_from_before_manifests_gets_one(tmp_path: Path, fake_index: FakeIndex) -> None:
    tree = resolve("proj==1.0.0", tmp_path)
    (tree.root / MANIFEST).unlink()  # as an older version left it: the marker alone
    resolve("proj==1.0.0", tmp_path)
    assert (tree.root / MANIFEST).is_file() and (tree.root / MARKER).is_file() and len(fake_index.calls) == 1
    (tree.root / "proj" / "image.py").unlink()
    resolve("proj==1.0.0", tmp_path)
    assert len(fake_index.calls) == 2 and (tree.root / "proj" / "image.py").is_file()


def test_manifest_lists_every_file_with_size_and_hash(tmp_path: Path, fake_index: FakeIndex) -> None:
    tree = resolve("proj==1.0.0", tmp_path)
    payload = json.loads((tree.root / MANIFEST).read_bytes().partition(b"\n")[2])
    files = {rel: (size, sha) for rel, size, sha, _ in payload["files"]}
    assert payload["note"] == "wheel" and files["proj/api/things.py"][0] == (tree.root / "proj/api/things.py").stat().st_size
    assert "proj-1.0.0.dist-info/METADATA" in files and MARKER not in files and all(len(h) == 64 for _, h in files.values())


def test_check_hashes_only_what_looks_changed(tmp_path: Path, fake_index: FakeIndex, monkeypatch) -> None:
    from tracer.source import manifest

    tree = resolve("proj==1.0.0", tmp_path)
    hashed: list[str] = []
    real = manifest.file_entry
    monkeypatch.setattr(manifest, "file_entry", lambda rel, path: hashed.append(rel) or real(rel, path))
    resolve("proj==1.0.0", tmp_path)
    assert hashed == []  # sizes and times agree: nothing read
    target = tree.root / "proj" / "image.py"
    target.write_bytes(target.read_bytes())  # touched, same bytes: hashed, and accepted
    resolve("proj==1.0.0", tmp_path)
    assert hashed == ["proj/image.py"] and len(fake_index.calls) == 1
