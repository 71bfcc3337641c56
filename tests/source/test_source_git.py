"""DIR@GITREF: export a committed tree without touching the checkout."""

from __future__ import annotations

from pathlib import Path

import pytest

from source_helpers import git
from tracer.source import SourceError, python_files, resolve


def test_tag_is_exported_into_the_cache(git_repo: Path, tmp_path: Path) -> None:
    sha = git(git_repo, "rev-parse", "1.0^{commit}")
    tree = resolve(f"{git_repo}@1.0", tmp_path / "cache")
    assert tree.root == (tmp_path / "cache").resolve() / "trees" / f"git-{sha}"
    assert (tree.project, tree.version, tree.packages) == ("nova", "1.0", ("nova",))
    assert tree.origin == f"{git_repo}@1.0 ({sha[:12]})"
    assert (tree.root / "nova" / "manager.py").read_text() == "VERSION = 1\n"
    assert [rel for rel, _ in python_files(tree)] == ["nova/__init__.py", "nova/manager.py"]


def test_work_tree_is_untouched(git_repo: Path, tmp_path: Path) -> None:
    (git_repo / "nova" / "manager.py").write_text("VERSION = 'dirty'\n")
    head = git(git_repo, "rev-parse", "HEAD")
    resolve(f"{git_repo}@1.0", tmp_path / "cache")
    assert git(git_repo, "rev-parse", "HEAD") == head
    assert git(git_repo, "status", "--porcelain") == "M nova/manager.py"
    assert (git_repo / "nova" / "manager.py").read_text() == "VERSION = 'dirty'\n"


def test_branch_and_subdirectory(git_repo: Path, tmp_path: Path) -> None:
    tree = resolve(f"{git_repo / 'nova'}@main", tmp_path / "cache")
    assert (tree.root / "nova" / "manager.py").read_text() == "VERSION = 2\n"


def test_remote_branch_is_found_without_a_local_branch(git_repo: Path, tmp_path: Path) -> None:
    git(git_repo, "branch", "stable/stein", "1.0")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(git_repo), str(clone))
    tree = resolve(f"{clone}@stable/stein", tmp_path / "cache")
    assert (tree.root / "nova" / "manager.py").read_text() == "VERSION = 1\n"


def test_exported_tree_is_reused(git_repo: Path, tmp_path: Path) -> None:
    first = resolve(f"{git_repo}@1.0", tmp_path / "cache")
    built = (first.root / ".tracer-manifest").stat().st_ino
    again = resolve(f"{git_repo}@1.0", tmp_path / "cache")
    assert (again.root / ".tracer-manifest").stat().st_ino == built  # the same export, not a new one


def test_exported_tree_that_changed_is_exported_again(git_repo: Path, tmp_path: Path) -> None:
    first = resolve(f"{git_repo}@1.0", tmp_path / "cache")
    (first.root / "nova" / "tampered.py").write_text("")
    again = resolve(f"{git_repo}@1.0", tmp_path / "cache")
    assert not (again.root / "nova" / "tampered.py").exists() and (again.root / "nova" / "manager.py").is_file()


def test_bad_ref_lists_available_refs(git_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such tag, branch or commit") as caught:
        resolve(f"{git_repo}@2.0", tmp_path / "cache")
    assert "1.0" in str(caught.value) and "main" in str(caught.value)


def test_option_like_ref_is_not_an_option(git_repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such tag"):
        resolve(f"{git_repo}@--output=x", tmp_path / "cache")


def test_not_a_checkout(tmp_path: Path, git_repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(SourceError, match="is not a git checkout"):
        resolve(f"{plain}@1.0", tmp_path / "cache")
