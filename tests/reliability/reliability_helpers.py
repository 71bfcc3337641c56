"""Helpers for the reliability suite: a fake package index, CLI runs, tmpfs mounts, processes."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import FIXTURE, REPO
from tracer.cli import app

TRACER = [sys.executable, "-m", "tracer.cli"]


def fixture_files() -> dict[str, bytes]:
    """The fixture project's package files, as a wheel would hold them."""
    root = FIXTURE
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}


class FakeIndex:
    """Stands in for ``fetch.pip_download``: every ``NAME==V`` is a wheel of the fixture project (package proj)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.fail: str | None = None  # pip's stderr, to fail every call with
        self.newest = "1.3.2"  # what a range requirement (a series) finds

    def __call__(self, requirement: str, project: str, dest: Path, *, wheel: bool) -> subprocess.CompletedProcess:
        self.calls.append((requirement, wheel))
        if self.fail is not None:
            return subprocess.CompletedProcess(["pip"], 1, "", self.fail)
        version = requirement.split("==")[1] if "==" in requirement else self.newest
        version = version if version.count(".") >= 2 else version + ".0"
        files = dict(fixture_files())
        files[f"{project}-{version}.dist-info/METADATA"] = f"Name: {project}\nVersion: {version}\n".encode()
        with zipfile.ZipFile(dest / f"{project}-{version}-py3-none-any.whl", "w") as bundle:
            for rel, data in files.items():
                bundle.writestr(rel, data)
        return subprocess.CompletedProcess(["pip"], 0, "", "")


def cli(*args: str, cache: Path) -> object:
    """Run the CLI in-process; ``.stdout`` and ``.stderr`` apart."""
    return CliRunner().invoke(app, list(args), env={"TRACER_CACHE_DIR": str(cache)})


def one_error_line(stderr: str) -> str:
    """The run's one error line (and nothing like a traceback)."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def mount_tmpfs(point: Path, size: str, readonly: bool) -> bool:
    options = f"size={size}" + (",ro" if readonly else "")
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                          capture_output=True, check=False).returncode == 0


def env_with(cache: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, TRACER_CACHE_DIR=str(cache), PYTHONPATH=str(REPO), **extra)


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)
