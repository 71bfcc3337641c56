"""Facts entries: tampered, foreign and truncated entries are refused, counted, rebuilt; the export equals a clean run."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import FIXTURE
from tracer import api, envelope
from tracer.facts.cache import FactCache, content_key


def entry_of(cache: Path, relpath: str, tree: Path | None = None) -> Path:
    """The cache entry made from ``relpath`` (of ``tree``: the cache holds one per content seen)."""
    if tree is not None:
        key = content_key(relpath, (tree / relpath).read_bytes())
        return FactCache(cache).dir / key[:2] / key
    for entry in FactCache(cache).dir.rglob("*"):
        if entry.is_file() and entry.read_bytes().partition(b"\n")[0].split(b"\0")[1].startswith(f"{relpath} ".encode()):
            return entry
    raise AssertionError(f"no entry for {relpath}")


def load_and_export(specs: list[str], cache: Path, **kw) -> tuple[api.Workspace, str]:
    ws = api.load(specs, cache_dir=cache, **kw)
    return ws, json.dumps(api.export(ws), sort_keys=True)


def flip(entry: Path, old: bytes, new: bytes) -> None:
    """A one-byte change inside the payload, the header (and its checksum) left as they were."""
    head, _, payload = entry.read_bytes().partition(b"\n")
    assert old in payload and len(old) == len(new)
    entry.write_bytes(head + b"\n" + payload.replace(old, new, 1))


def test_one_byte_changed_in_an_entry_is_rebuilt(tmp_path: Path) -> None:
    _, clean = load_and_export([str(FIXTURE)], tmp_path)
    flip(entry_of(tmp_path, "proj/api/things.py"), b"create", b"cXeate")
    ws, again = load_and_export([str(FIXTURE)], tmp_path)
    assert (ws.report.corrupt_by_reason, ws.report.scanned) == ({"tampered": 1}, 1)
    assert again == clean
    assert "proj.api.things.ThingController.create" in ws.program.functions


def test_another_files_entry_copied_over_is_rebuilt(tmp_path: Path) -> None:
    _, clean = load_and_export([str(FIXTURE)], tmp_path)
    shutil.copyfile(entry_of(tmp_path, "proj/image.py"), entry_of(tmp_path, "proj/api/things.py"))
    ws, again = load_and_export([str(FIXTURE)], tmp_path)
    assert (ws.report.corrupt_by_reason, ws.report.scanned) == ({"foreign": 1}, 1) and again == clean


def test_another_files_content_sealed_as_this_one_is_rebuilt(tmp_path: Path) -> None:
    """Even a forged header with a good checksum: the facts inside name the file they were made from."""
    _, clean = load_and_export([str(FIXTURE)], tmp_path)
    donor, victim = entry_of(tmp_path, "proj/image.py"), entry_of(tmp_path, "proj/api/things.py")
    made_from = victim.read_bytes().partition(b"\n")[0].split(b"\0")[1].decode()
    payload = donor.read_bytes().partition(b"\n")[2]
    envelope.write_sealed(victim, "facts", made_from, payload)
    ws, again = load_and_export([str(FIXTURE)], tmp_path)
    assert ws.report.corrupt == 1 and again == clean


@pytest.mark.parametrize(("keep", "reason"), [(0, "format"), (10, "format"), (0.5, "truncated")])
def test_truncated_entry_is_rebuilt(tmp_path: Path, keep: float, reason: str) -> None:
    _, clean = load_and_export([str(FIXTURE)], tmp_path)
    entry = entry_of(tmp_path, "proj/worker/manager.py")
    blob = entry.read_bytes()
    entry.write_bytes(blob[: int(len(blob) * keep) if isinstance(keep, float) else keep])
    ws, again = load_and_export([str(FIXTURE)], tmp_path)
    assert (ws.report.corrupt_by_reason, ws.report.scanned) == ({reason: 1}, 1) and again == clean


def test_rebuilt_entry_is_trusted_next_time(tmp_path: Path) -> None:
    load_and_export([str(FIXTURE)], tmp_path)
    flip(entry_of(tmp_path, "proj/api/things.py"), b"create", b"cXeate")
    load_and_export([str(FIXTURE)], tmp_path)
    third = api.load([str(FIXTURE)], cache_dir=tmp_path)
    assert (third.report.corrupt, third.report.scanned) == (0, 0)


def test_unsealed_blob_of_an_older_format_is_a_miss(tmp_path: Path) -> None:
    load_and_export([str(FIXTURE)], tmp_path)
    entry = entry_of(tmp_path, "proj/api/things.py")
    entry.write_bytes(entry.read_bytes().partition(b"\n")[2])  # the marshal blob alone, as before sealing
    ws = api.load([str(FIXTURE)], cache_dir=tmp_path)
    assert ws.report.corrupt_by_reason == {"format": 1}


@pytest.mark.real
def test_stein_cinder_volume_api_entry_tampered(real_cache: Path, tmp_path: Path) -> None:
    """The issue's case: create_volume -> cXeate_volume in cinder/volume/api.py's entry; the export must not change."""
    api.load(["cinder==14.0.0"], cache_dir=real_cache)  # warm the shared cache once
    private = tmp_path / "cache"
    private.mkdir()
    (private / "trees").symlink_to(real_cache / "trees")
    shutil.copytree(FactCache(real_cache).dir, FactCache(private).dir)
    ws, clean = load_and_export(["cinder==14.0.0"], private)
    flip(entry_of(private, "cinder/volume/api.py", ws.trees[0].root), b"create_volume", b"cXeate_volume")
    ws, again = load_and_export(["cinder==14.0.0"], private)
    assert (ws.report.corrupt, ws.report.scanned) == (1, 1)
    assert again == clean and "cinder.volume.api.API.create" in ws.program.functions


def test_index_says_what_it_rebuilt(tmp_path: Path) -> None:
    from reliability_helpers import cli

    assert cli("index", "-s", str(FIXTURE), cache=tmp_path).exit_code == 0
    flip(entry_of(tmp_path, "proj/api/things.py"), b"create", b"cXeate")
    result = cli("index", "-s", str(FIXTURE), cache=tmp_path)
    assert "rebuilt 1 cache entries that did not check out {'tampered': 1}" in result.stdout
    data = json.loads(cli("index", "-s", str(FIXTURE), "-f", "json", cache=tmp_path).stdout)
    assert data["files"]["corrupt_by_reason"] == {} and data["files"]["scanned"] == 0
