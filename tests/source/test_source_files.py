"""python_files: which files of a tree are listed, and in what order."""

from __future__ import annotations

import os
from pathlib import Path

from source_helpers import write_files
from tracer.source import SourceTree, python_files

FILES = {
    "nova/__init__.py": "", "nova/z.py": "", "nova/a.py": "", "nova/README.txt": "",
    "nova/compute/__init__.py": "", "nova/compute/manager.py": "",
    "nova/tests/__init__.py": "", "nova/tests/unit/test_x.py": "",
    "nova/virt/test/fake.py": "", "nova/__pycache__/a.cpython-311.py": "",
    "nova-19.0.0.dist-info/x.py": "", "other/__init__.py": "",
}


def tree_of(root: Path, packages: tuple[str, ...] = ("nova",)) -> SourceTree:
    return SourceTree("nova", "local", str(root), root, packages)


def test_sorted_relpaths_without_tests(tmp_path: Path) -> None:
    root = write_files(tmp_path, FILES)
    listed = python_files(tree_of(root))
    assert [rel for rel, _ in listed] == ["nova/__init__.py", "nova/a.py", "nova/compute/__init__.py",
                                          "nova/compute/manager.py", "nova/z.py"]
    assert all(path == root / rel and path.is_absolute() for rel, path in listed)


def test_include_tests(tmp_path: Path) -> None:
    rels = [rel for rel, _ in python_files(tree_of(write_files(tmp_path, FILES)), include_tests=True)]
    assert "nova/tests/unit/test_x.py" in rels and "nova/virt/test/fake.py" in rels
    assert rels == sorted(rels)


def test_only_the_tree_packages_are_walked(tmp_path: Path) -> None:
    root = write_files(tmp_path, FILES)
    rels = [rel for rel, _ in python_files(tree_of(root, ("nova", "other")))]
    assert "other/__init__.py" in rels and not any("dist-info" in rel for rel in rels)


def test_a_top_level_tests_package_is_skipped_by_default(tmp_path: Path) -> None:
    root = write_files(tmp_path, {"tests/__init__.py": "", "nova/__init__.py": ""})
    assert [rel for rel, _ in python_files(tree_of(root, ("nova", "tests")))] == ["nova/__init__.py"]


def test_symlinks_outside_the_root_are_skipped(tmp_path: Path) -> None:
    outside = write_files(tmp_path / "outside", {"secret.py": "", "pkg/mod.py": ""})
    root = write_files(tmp_path / "root", {"nova/__init__.py": "", "nova/real.py": ""})
    os.symlink(outside / "secret.py", root / "nova" / "leak.py")
    os.symlink(outside / "pkg", root / "nova" / "linkdir")
    os.symlink(root / "nova" / "real.py", root / "nova" / "alias.py")
    rels = [rel for rel, _ in python_files(tree_of(root))]
    assert rels == ["nova/__init__.py", "nova/alias.py", "nova/real.py"]
