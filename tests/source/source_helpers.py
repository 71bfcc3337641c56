"""Helpers for the source-stage tests: fake pip, fake wheels/sdists, git, trees."""

from __future__ import annotations

import io
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Callable

WHEEL_FILES = {
    "cinder/__init__.py": "",
    "cinder/volume/__init__.py": "",
    "cinder/volume/manager.py": "class VolumeManager:\n    pass\n",
    "cinder/tests/__init__.py": "",
    "cinder-14.0.0.dist-info/METADATA": "Name: cinder\nVersion: 14.0.0\n",
    "cinder-14.0.0.data/scripts/cinder-volume": "#!/bin/sh\n",
}


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Create ``files`` (relpath -> text) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def make_wheel(dest: Path, name: str, files: dict[str, str] = WHEEL_FILES) -> Path:
    """A zip named like a wheel holding ``files``."""
    path = dest / name
    with zipfile.ZipFile(path, "w") as bundle:
        for rel, text in files.items():
            bundle.writestr(rel, text)
    return path


def make_sdist(dest: Path, top: str, files: dict[str, str]) -> Path:
    """A .tar.gz with every file under the single directory ``top``."""
    path = dest / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as bundle:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{rel}")
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    return path


class FakePip:
    """Stands in for ``fetch.pip_download``; records every call."""

    def __init__(self, behave: Callable[[str, Path, bool], tuple[int, str]]) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.behave = behave

    def __call__(self, requirement: str, project: str, dest: Path, *, wheel: bool) -> subprocess.CompletedProcess[str]:
        self.calls.append((requirement, wheel))
        code, stderr = self.behave(requirement, dest, wheel)
        return subprocess.CompletedProcess(["pip"], code, "", stderr)


def wheel_pip(name: str = "cinder-14.0.0-py3-none-any.whl") -> Callable[[str, Path, bool], tuple[int, str]]:
    """A pip that always finds the wheel ``name``."""
    def behave(requirement: str, dest: Path, wheel: bool) -> tuple[int, str]:
        make_wheel(dest, name)
        return 0, ""
    return behave


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity; return stdout."""
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid",
               "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-C", str(repo), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()
