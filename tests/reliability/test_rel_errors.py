"""Ordinary faults give one line and a non-zero exit, never a traceback; a fault in one file never stops a run."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reliability_helpers import FakeIndex, cli, one_error_line
from tests.conftest import FIXTURE


def test_symlink_loop_in_a_local_tree_is_a_counted_skip(tmp_path: Path, tree_copy: Path) -> None:
    (tree_copy / "proj" / "loop.py").symlink_to("loop.py")
    (tree_copy / "proj" / "api" / "cycle").symlink_to("..", target_is_directory=True)
    index = cli("index", "-s", str(tree_copy), cache=tmp_path)
    assert index.exit_code == 0 and "Traceback" not in index.output
    assert "skipped proj/loop.py: io (Too many levels of symbolic links)" in index.stdout
    trace = cli("trace", "create_thing", "-s", str(tree_copy), "-f", "json", cache=tmp_path)
    assert trace.exit_code == 0 and "rpc-cast" in {h["kind"] for h in json.loads(trace.stdout)["hops"]}


def test_read_only_cache_cannot_fetch_one_line(tmpfs, fake_index: FakeIndex) -> None:
    cache = tmpfs("ro", readonly=True)
    result = cli("trace", "create_thing", "-s", "proj==1.0.0", cache=cache)
    line = one_error_line(result.stderr)
    assert result.exit_code == 2 and f"cannot write the cache at {cache}/trees (Read-only file system)" in line
    assert "TRACER_CACHE_DIR" in line


def test_warm_cache_made_read_only_still_serves(tmpfs, fake_index: FakeIndex) -> None:
    cache = tmpfs("warm")
    first = cli("trace", "create_thing", "-s", "proj==1.0.0", "-f", "json", cache=cache)
    assert first.exit_code == 0
    subprocess.run(["mount", "-o", "remount,ro", str(cache)], check=True)
    again = cli("trace", "create_thing", "-s", "proj==1.0.0", "-f", "json", cache=cache)
    assert again.exit_code == 0 and again.stdout == first.stdout and len(fake_index.calls) == 1


def test_full_cache_cannot_fetch_one_line(tmpfs, fake_index: FakeIndex) -> None:
    cache = tmpfs("full", size="24k")
    result = cli("trace", "create_thing", "-s", "proj==1.0.0", cache=cache)
    line = one_error_line(result.stderr)
    assert result.exit_code == 2 and "(No space left on device)" in line and "free some space" in line
    assert [p.name for p in (cache / "trees").iterdir()] == []  # no scratch left behind


def test_full_cache_for_facts_warns_and_answers(tmpfs, tmp_path: Path) -> None:
    cache = tmpfs("facts-full", size="12k")
    clean = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", "json", cache=tmp_path / "roomy")
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", "json", cache=cache)
    assert result.exit_code == 0 and result.stdout == clean.stdout and "Traceback" not in result.output
    assert "cannot write the fact cache" in result.stderr and "No space left on device" in result.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "svg", "mermaid"])
def test_output_into_a_read_only_directory(tmpfs, tmp_path: Path, fmt: str) -> None:
    place = tmpfs(f"out-{fmt}", readonly=True)
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", fmt, "-o", str(place / "t.out"), cache=tmp_path)
    line = one_error_line(result.stderr)
    assert result.exit_code == 2 and line == f"error: {place}/t.out: Read-only file system; write it elsewhere"


@pytest.mark.parametrize("command", [["trace", "create_thing"], ["export"]])
def test_output_onto_a_directory(tmp_path: Path, command: list[str]) -> None:
    result = cli(*command, "-s", str(FIXTURE), "-o", str(tmp_path), cache=tmp_path / "cache")
    line = one_error_line(result.stderr)
    assert result.exit_code == 2 and line == f"error: {tmp_path}: Is a directory; give a file name, not a directory"


@pytest.mark.parametrize("fmt", ["text", "json", "svg"])
def test_output_under_a_missing_parent_is_made(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "new" / "dir" / f"t.{fmt}"
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", fmt, "-o", str(target), cache=tmp_path / "c")
    assert result.exit_code == 0 and target.stat().st_size > 100


def test_output_under_a_file_one_line(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "-o", str(tmp_path / "plain" / "t.txt"), cache=tmp_path)
    assert result.exit_code == 2 and "Not a directory" in one_error_line(result.stderr)


def test_debug_shows_the_traceback(tmpfs, tmp_path: Path) -> None:
    place = tmpfs("dbg", readonly=True)
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "-o", str(place / "t"), "--debug", cache=tmp_path)
    assert result.exit_code != 0 and isinstance(result.exception, OSError)
