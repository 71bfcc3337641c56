"""Messages that say what happened: offline series, pip's real error, skipped lines, old grammars, trees' edges."""
from __future__ import annotations

from pathlib import Path

import pytest

from reliability_helpers import FakeIndex, cli
from tracer import api
from tracer.scan.collect import scan_source
from tracer.source import SourceError, resolve
from tracer.source.local import find_packages

OFFLINE = ("WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError'\n"
           "ERROR: Could not find a version that satisfies the requirement cinder<15,>=14 (from versions: none)\n"
           "ERROR: No matching distribution found for cinder<15,>=14\n")
DISK_FULL = ("ERROR: Exception:\nTraceback (most recent call last):\n  File \"pip/_internal/cli/base_command.py\", "
             "line 180, in exc_logging_wrapper\n    status = run_func(*args)\nOSError: [Errno 28] No space left on device\n")
BUILD_DEP = ("ERROR: Could not find a version that satisfies the requirement setuptools>=40.8.0 (from versions: none)\n"
             "ERROR: No matching distribution found for setuptools>=40.8.0\n")


def test_series_offline_uses_the_newest_cached_release(tmp_path: Path, fake_index: FakeIndex) -> None:
    resolve("cinder==14.0.0", tmp_path)
    resolve("cinder==14.3.1", tmp_path)
    resolve("cinder==15.0.0", tmp_path)
    fake_index.fail = OFFLINE
    messages: list[str] = []
    tree = resolve("cinder@stein", tmp_path, progress=messages.append)
    assert tree.version == "14.3.1" and "cached, index not reached" in tree.origin
    assert any("using the newest cached cinder 14.3.1" in m for m in messages)


def test_series_offline_with_nothing_cached_says_both(tmp_path: Path, fake_index: FakeIndex) -> None:
    fake_index.fail = OFFLINE
    with pytest.raises(SourceError) as caught:
        resolve("cinder@stein", tmp_path)
    assert str(caught.value).startswith("cinder@stein: cinder>=14,<15: cannot reach the package index (pip said: No ")
    assert str(caught.value).endswith("; and no cinder 14.x release is cached")


def test_release_that_is_not_there_is_no_such_release(tmp_path: Path, fake_index: FakeIndex) -> None:
    fake_index.fail = OFFLINE.split("\n", 1)[1].replace("cinder<15,>=14", "cinder==99.0.0")
    with pytest.raises(SourceError, match=r"^cinder==99.0.0: no such release on the package index"):
        resolve("cinder==99.0.0", tmp_path)


def test_disk_full_under_pip_says_so(tmp_path: Path, fake_index: FakeIndex) -> None:
    fake_index.fail = DISK_FULL
    with pytest.raises(SourceError) as caught:
        resolve("cinder==14.0.0", tmp_path)
    assert str(caught.value) == ("cinder==14.0.0: pip download failed (pip said: OSError: [Errno 28] No space left "
                                 "on device); free some space in the cache directory")


def test_missing_build_dependency_is_not_a_missing_release(tmp_path: Path, fake_index: FakeIndex) -> None:
    fake_index.fail = BUILD_DEP
    with pytest.raises(SourceError) as caught:
        resolve("cinder==14.0.0", tmp_path)
    assert "no such release" not in str(caught.value)
    assert "pip download failed (pip said: No matching distribution found for setuptools>=40.8.0)" in str(caught.value)


@pytest.mark.parametrize(("text", "line"), [(b"a = 1\nb = 2\nprint 'x'\nc = 3\n", 3),
                                            (b"def f():\n    return (\n\n", 2),
                                            (b"x = 1\ny = 2\nz = 3\nexec 'code'\n", 4)])
def test_syntax_skip_names_the_right_line(text: bytes, line: int) -> None:
    failure = scan_source("pkg/old.py", text)
    assert failure.reason == "syntax" and failure.detail.startswith(f"line {line}:")


@pytest.mark.parametrize("text", [b"x = '\xff\xfe'\n", b"\xff\xfe\x00\x00", b"# -*- coding: nosuch -*-\nx = 1\n"])
def test_undecodable_file_is_a_decode_skip(text: bytes) -> None:
    assert scan_source("pkg/bad.py", text).reason == "decode"


def test_async_as_a_name_parses_with_the_old_grammar() -> None:
    text = (b"from eventlet import greenthread\n\n\nclass API(object):\n"
            b"    def reboot(self, ctxt, async=False):\n        return self.rpc.cast(ctxt, 'reboot', async=async)\n")
    facts = scan_source("nova/compute/api.py", text)
    assert type(facts).__name__ == "ModuleFacts"
    [reboot] = [f for f in facts.functions if f.qualname == "API.reboot"]
    assert [p.name for p in reboot.params] == ["self", "ctxt", "async"] and reboot.line == 5
    assert [(c.line, dict(c.kwargs).keys() >= {"async"}) for c in reboot.calls] == [(6, True)]


def test_await_as_a_name_too() -> None:
    assert type(scan_source("m.py", b"await = 1\ndef f(await):\n    return await\n")).__name__ == "ModuleFacts"


def test_trace_through_a_skipped_file_says_so(tmp_path: Path, tree_copy: Path) -> None:
    rpcapi = tree_copy / "proj" / "worker" / "rpcapi.py"
    rpcapi.write_text(rpcapi.read_text() + "\n\ndef legacy():\n    print 'old'\n")
    result = cli("trace", "create_thing", "-s", str(tree_copy), cache=tmp_path)
    assert result.exit_code == 0
    assert "note: code on this trace imports proj/worker/rpcapi.py, which was skipped (syntax: line " in result.stderr


def test_trace_through_no_skipped_file_says_nothing(tmp_path: Path, tree_copy: Path) -> None:
    result = cli("trace", "create_thing", "-s", str(tree_copy), cache=tmp_path)
    assert result.exit_code == 0 and "note:" not in result.stderr  # proj/legacy.py is skipped, but off the path


def test_package_symlinked_outside_a_local_tree_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "evil"
    outside.mkdir(parents=True)
    (outside / "__init__.py").write_text("def planted():\n    pass\n")
    tree = tmp_path / "tree"
    (tree / "good").mkdir(parents=True)
    (tree / "good" / "__init__.py").write_text("def fine():\n    pass\n")
    (tree / "evil").symlink_to(outside, target_is_directory=True)
    (tree / "inside").symlink_to(tree / "good", target_is_directory=True)
    assert find_packages(tree) == ("good", "inside")
    ws = api.load([str(tree)], cache_dir=tmp_path / "cache")
    assert "good.fine" in ws.program.functions and not any(f.startswith("evil.") for f in ws.program.functions)
