"""Fixtures for the reliability suite: a fake release of the fixture project, tmpfs mounts, CLI runs."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

from reliability_helpers import FakeIndex, mount_tmpfs
from tracer.source import fetch


@pytest.fixture
def fake_index(monkeypatch: pytest.MonkeyPatch) -> FakeIndex:
    """``pip_download`` answered from wheels made of the fixture project (no network)."""
    index = FakeIndex()
    monkeypatch.setattr(fetch, "pip_download", index)
    return index


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Mount a small tmpfs (read-only or tiny) for a real EROFS / ENOSPC; skipped where mounting is not allowed."""
    mounted: list[Path] = []

    def make(name: str, size: str = "1m", readonly: bool = False) -> Path:
        point = tmp_path / name
        point.mkdir()
        if not mount_tmpfs(point, size, readonly):
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(point)
        return point

    yield make
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False, capture_output=True)


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture project, to break at will."""
    from tests.conftest import FIXTURE

    return Path(shutil.copytree(FIXTURE, tmp_path / "proj-copy", symlinks=True))
