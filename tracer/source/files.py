"""source: the Python files of a source tree, in a stable order.

Stage: source. Lists ``*.py`` files under each top-level package directory
(never a wheel's ``*.dist-info`` / ``*.data`` directories), sorted by their
``/``-separated path relative to the tree root. Must not import libcst,
networkx or any other tracer stage.

Decisions:

* Tests are left out by default: any file with a directory component named
  ``tests`` or ``test`` is skipped unless ``include_tests=True``. Unit and
  functional tests are mock-driven; indexing them would add edges from fakes
  and stubs that the running service never takes.
* Directory symlinks are not followed, and file symlinks that resolve to a
  place outside the tree root are skipped, so a tree cannot pull in
  arbitrary files from elsewhere on disk; nor is a top-level package that is
  a symlink to outside the root. A symlink that loops is listed: reading it
  fails, and the scan counts it as skipped with the reason.
* Hidden directories and ``__pycache__`` are skipped.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from tracer.source.model import SourceTree

TEST_DIRS = frozenset({"tests", "test"})


def python_files(tree: SourceTree, *, include_tests: bool = False) -> list[tuple[str, Path]]:
    """Sorted ``(relpath with '/', absolute path)`` of the tree's Python files."""
    root = tree.root.absolute()
    found: set[tuple[str, Path]] = set()
    for package in tree.packages:
        if (include_tests or package not in TEST_DIRS) and _inside(root / package, root.resolve()):
            found.update(_package_files(root, root / package, include_tests))
    return sorted(found)


def _package_files(root: Path, package_dir: Path, include_tests: bool) -> Iterator[tuple[str, Path]]:
    real_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(package_dir, followlinks=False):
        dirnames[:] = [d for d in dirnames if _keep_dir(d, include_tests)]
        for name in filenames:
            path = Path(dirpath) / name
            if name.endswith(".py") and _inside(path, real_root):
                yield path.relative_to(root).as_posix(), path


def _keep_dir(name: str, include_tests: bool) -> bool:
    if name.startswith(".") or name == "__pycache__":
        return False
    return include_tests or name not in TEST_DIRS


def _inside(path: Path, real_root: Path) -> bool:
    """True unless ``path`` is a symlink resolving outside the root."""
    if not path.is_symlink():
        return True
    try:
        return path.resolve().is_relative_to(real_root)
    except (RuntimeError, OSError):  # a loop: kept, so that the scan says why it cannot be read
        return True
