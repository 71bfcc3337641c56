"""Local directory trees: project name, version, packages, default specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from source_helpers import write_files
from tracer.source import SourceError, default_specs, resolve

NOVA_CFG = "[metadata]\nname = nova\nsummary = Cloud\n\n[files]\npackages =\n    nova\n"


def test_project_dir_named_by_setup_cfg(tmp_path: Path) -> None:
    root = write_files(tmp_path / "checkout", {"setup.cfg": NOVA_CFG, "nova/__init__.py": "",
                                                "tools/__init__.py": "", "doc/conf.py": ""})
    tree = resolve(str(root), tmp_path / "cache")
    assert (tree.project, tree.version, tree.origin) == ("nova", "local", str(root))
    assert tree.root == root and tree.packages == ("nova",)


def test_package_dir_itself_is_the_path(tmp_path: Path) -> None:
    root = write_files(tmp_path / "checkout", {"setup.cfg": NOVA_CFG, "nova/__init__.py": ""})
    tree = resolve(str(root / "nova"), tmp_path / "cache")
    assert tree.root == root and tree.packages == ("nova",) and tree.project == "nova"


def test_package_dir_without_metadata_is_named_by_the_dir(tmp_path: Path) -> None:
    pkg = write_files(tmp_path / "cinder", {"__init__.py": ""})
    tree = resolve(str(pkg), tmp_path / "cache")
    assert (tree.project, tree.root, tree.packages) == ("cinder", tmp_path, ("cinder",))


def test_version_from_setup_cfg_or_pkg_info(tmp_path: Path) -> None:
    cfg = write_files(tmp_path / "a", {"setup.cfg": "[metadata]\nname = a\nversion = 1.2\n", "a/__init__.py": ""})
    sdist = write_files(tmp_path / "b", {"PKG-INFO": "Metadata-Version: 2.1\nName: bee\nVersion: 3.4.5\n",
                                         "b/__init__.py": ""})
    assert resolve(str(cfg), tmp_path).version == "1.2"
    assert (resolve(str(sdist), tmp_path).project, resolve(str(sdist), tmp_path).version) == ("bee", "3.4.5")


def test_name_from_pyproject(tmp_path: Path) -> None:
    root = write_files(tmp_path / "x", {"pyproject.toml": '[project]\nname = "manila"\n', "manila/__init__.py": ""})
    assert resolve(str(root), tmp_path).project == "manila"


def test_name_from_the_single_package_dir(tmp_path: Path) -> None:
    root = write_files(tmp_path / "checkout", {"octavia/__init__.py": "", "README": ""})
    assert resolve(str(root), tmp_path).project == "octavia"


def test_packages_are_dirs_with_init_sorted(tmp_path: Path) -> None:
    root = write_files(tmp_path / "r", {"b/__init__.py": "", "a/__init__.py": "", "notpkg/x.py": "",
                                        ".hidden/__init__.py": ""})
    assert resolve(str(root), tmp_path).packages == ("a", "b")


def test_tree_without_packages_is_an_error(tmp_path: Path) -> None:
    root = write_files(tmp_path / "empty", {"README": ""})
    with pytest.raises(SourceError, match="no Python package"):
        resolve(str(root), tmp_path)


def test_default_specs_in_an_openstack_tree(tmp_path: Path) -> None:
    write_files(tmp_path, {"setup.cfg": NOVA_CFG, "nova/__init__.py": ""})
    assert default_specs(tmp_path) == ([str(tmp_path)], "using the tree in the current directory (nova)")


@pytest.mark.parametrize("files", [{}, {"setup.cfg": NOVA_CFG}, {"nova/__init__.py": ""},
                                   {"setup.cfg": "[bad", "nova/__init__.py": ""}])
def test_default_specs_elsewhere_are_stein(tmp_path: Path, files: dict[str, str]) -> None:
    write_files(tmp_path, files)
    specs, why = default_specs(tmp_path)
    assert specs == ["nova==19.0.0", "cinder==14.0.0"]
    assert why.startswith("no --source given") and "Stein" in why
