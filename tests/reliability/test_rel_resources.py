"""Resources: a size cap per file, pool workers that die with their parent, scratch of killed runs removed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reliability_helpers import FakeIndex, alive, children, cli, env_with
from tracer import api
from tracer.source.cache import OWNER, scratch_space, trees_dir

SCAN_MANY = """
import sys
from pathlib import Path
from tracer.facts.cache import FactCache
from tracer.scan.runner import scan_files
root = Path(sys.argv[1])
files = [(p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.py"))]
print("scanning", flush=True)
scan_files(files, FactCache(Path(sys.argv[2])), workers=2)
"""

HOLD_SCRATCH = """
import sys, time
from pathlib import Path
from tracer.source.cache import scratch_space
with scratch_space(Path(sys.argv[1])) as scratch:
    (scratch / "tree").mkdir()
    print(scratch, flush=True)
    time.sleep(60)
"""


def test_file_over_the_size_cap_is_skipped_and_counted(tmp_path: Path, tree_copy: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    big = tree_copy / "proj" / "generated.py"
    big.write_text("".join(f"def f{i}():\n    return {i}\n" for i in range(400)))
    monkeypatch.setenv("TRACER_MAX_FILE_BYTES", str(big.stat().st_size - 1))
    ws = api.load([str(tree_copy)], cache_dir=tmp_path)
    assert ws.report.skipped_by_reason() == {"syntax": 1, "too-large": 1}
    [failure] = [f for f in ws.report.failures if f.reason == "too-large"]
    assert failure.path == "proj/generated.py" and f"{big.stat().st_size} bytes" in failure.detail
    assert "proj.generated.f1" not in ws.program.functions and "proj.api.things.ThingController.create" in ws.program.functions


def test_default_cap_lets_every_real_core_file_through() -> None:
    from tracer.scan.runner import MAX_FILE_BYTES

    assert MAX_FILE_BYTES >= 1_000_000  # nova's compute/manager.py, the largest, is about 0.45 MB


def _many_files(root: Path, count: int = 240) -> None:
    body = "".join(f"def f{i}(a, b):\n    return g(a, b, [x for x in range({i})])\n\n" for i in range(300))
    for n in range(count):
        path = root / f"m{n}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {n}\n{body}")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_the_main_process_leaves_no_worker(tmp_path: Path, sig: signal.Signals) -> None:
    _many_files(tmp_path / "src")
    main = subprocess.Popen([sys.executable, "-c", SCAN_MANY, str(tmp_path / "src"), str(tmp_path / "cache")],
                            env=env_with(tmp_path / "cache"), stdout=subprocess.PIPE, text=True)
    assert main.stdout and main.stdout.readline().strip() == "scanning"
    workers = _wait_for(lambda: [c for c in children(main.pid) if alive(c)] if len(children(main.pid)) >= 2 else [])
    assert len(workers) >= 2, "the pool never started"
    main.send_signal(sig)
    main.wait(timeout=10)
    assert _wait_for(lambda: not any(alive(w) for w in workers), timeout=5), "a pool worker outlived its parent"


def _wait_for(check, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    return check()


def test_scratch_of_a_killed_extraction_is_removed_next_run(tmp_path: Path, fake_index: FakeIndex) -> None:
    trees = trees_dir(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_SCRATCH, str(trees)], env=env_with(tmp_path),
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout
    scratch = Path(holder.stdout.readline().strip())
    trees_dir(tmp_path)
    assert scratch.is_dir(), "the scratch of a live run was removed"
    holder.kill()
    holder.wait()
    os.utime(scratch, (time.time() - 10, time.time() - 10))
    tree = cli("index", "-s", "proj==1.0.0", cache=tmp_path)
    assert tree.exit_code == 0 and not scratch.exists()
    assert sorted(p.name for p in trees.iterdir()) == ["proj-1.0.0"]


def test_scratch_of_an_older_version_goes_after_an_hour(tmp_path: Path) -> None:
    trees = trees_dir(tmp_path)
    young, old = trees / ".tmp-young", trees / ".tmp-old"
    for path in (young, old):
        (path / "tree").mkdir(parents=True)  # no owner lock: made by a version before locks
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    trees_dir(tmp_path)
    assert young.is_dir() and not old.exists()


def test_scratch_lock_is_held_while_in_use(tmp_path: Path) -> None:
    import fcntl

    with scratch_space(tmp_path) as scratch:
        probe = os.open(scratch / OWNER, os.O_RDONLY)
        with pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.close(probe)
    assert not scratch.exists()
