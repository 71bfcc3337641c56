"""Four concurrent cold runs on one empty cache, then a fifth warm one: nothing is lost, nothing differs."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from reliability_helpers import TRACER, env_with
from tests.conftest import FIXTURE

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false",
       "-c", "tag.gpgsign=false"]


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    """The fixture project committed and tagged, so its tree goes through the tree cache (git archive)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = Path(shutil.copytree(FIXTURE, tmp_path / "repo"))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "fixture"], ["tag", "v1"]):
        subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def test_four_cold_runs_and_a_warm_one_agree(tmp_path: Path, fixture_repo: Path) -> None:
    cache = tmp_path / "cache"
    spec = f"{fixture_repo}@v1"
    env = env_with(cache, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=str(tmp_path / "no-gitconfig"))
    runs = [subprocess.Popen([*TRACER, "export", "-s", spec, "-o", str(tmp_path / f"cold{n}.json")], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(4)]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    assert all(code == 0 for code, _ in results), results
    assert not any("Traceback" in err for _, err in results)
    warm = subprocess.run([*TRACER, "index", "-s", spec, "-f", "json"], env=env, capture_output=True, text=True,
                          check=True)
    files = json.loads(warm.stdout)["files"]
    assert files["scanned"] == 0 and files["corrupt_cache_entries_rebuilt"] == 0 and files["cached"] > 20
    subprocess.run([*TRACER, "export", "-s", spec, "-o", str(tmp_path / "warm.json")], env=env, check=True,
                   capture_output=True)
    exports = {(tmp_path / f"cold{n}.json").read_bytes() for n in range(4)} | {(tmp_path / "warm.json").read_bytes()}
    assert len(exports) == 1
    graph = json.loads(exports.pop())
    assert {"call", "rpc-cast", "flow-task", "driver"} <= {e["kind"] for e in graph["edges"]}
    trees = cache / "trees"
    assert [p.name for p in trees.iterdir()] == [next(trees.glob("git-*")).name]  # one tree, no scratch left
    assert not list((cache).rglob(".tmp-*"))
