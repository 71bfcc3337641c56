"""Fixtures for the source-stage tests: a fake pip and a tiny git checkout."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from source_helpers import FakePip, git, wheel_pip, write_files
from tracer.source import fetch


@pytest.fixture
def fake_pip(monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakePip]:
    """Install a ``FakePip`` with the given behaviour (default: one cinder wheel)."""
    def install(behave: Callable[[str, Path, bool], tuple[int, str]] | None = None) -> FakePip:
        pip = FakePip(behave or wheel_pip())
        monkeypatch.setattr(fetch, "pip_download", pip)
        return pip
    return install


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with tag 1.0 (manager v1) and branch main one commit later (v2)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "nova"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, {"setup.cfg": "[metadata]\nname = nova\n", "nova/__init__.py": "",
                       "nova/manager.py": "VERSION = 1\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    git(repo, "tag", "1.0")
    write_files(repo, {"nova/manager.py": "VERSION = 2\n"})
    git(repo, "commit", "-q", "-am", "two")
    return repo
