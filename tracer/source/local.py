"""source: a directory on disk, taken as it is (and tree metadata).

Stage: source. Reads ``setup.cfg``, ``pyproject.toml`` and ``PKG-INFO`` for
the project's name and version and finds the top-level import packages.
Also used on trees extracted from wheels, sdists and git. Must not import
libcst, networkx or any other tracer stage.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from tracer.source.model import SourceError, SourceTree

try:
    import tomllib
except ImportError:  # Python 3.10: pyproject names are then not read
    tomllib = None  # type: ignore[assignment]

LOCAL_VERSION = "local"
NOT_PACKAGES = (".dist-info", ".data", ".egg-info")


@dataclass(frozen=True, slots=True)
class Metadata:
    """What a tree says about itself; ``None`` where it says nothing."""

    name: str | None = None
    version: str | None = None


def local_tree(path: Path) -> SourceTree:
    """The tree at ``path``: a project directory or a package directory itself."""
    path = path.expanduser().resolve()
    if not path.is_dir():
        raise SourceError(f"no such directory: {path}")
    if (path / "__init__.py").is_file():
        return _package_dir_tree(path)
    meta = project_metadata(path)
    packages = require_packages(path, str(path))
    name = meta.name or (packages[0] if len(packages) == 1 else path.name)
    return SourceTree(name, meta.version or LOCAL_VERSION, str(path), path, packages)


def _package_dir_tree(path: Path) -> SourceTree:
    meta = project_metadata(path.parent)
    return SourceTree(meta.name or path.name, meta.version or LOCAL_VERSION, str(path), path.parent, (path.name,))


def project_metadata(root: Path) -> Metadata:
    """Name and version from setup.cfg, else pyproject.toml, else PKG-INFO."""
    cfg, pyproject, pkg_info = _setup_cfg(root), _pyproject(root), _pkg_info(root)
    return Metadata(
        name=cfg.name or pyproject.name or pkg_info.name,
        version=cfg.version or pyproject.version or pkg_info.version,
    )


def read_setup_cfg(root: Path) -> configparser.ConfigParser | None:
    """``root/setup.cfg`` parsed, or ``None`` if absent or unreadable."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        found = parser.read(root / "setup.cfg", encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return None
    return parser if found else None


def _setup_cfg(root: Path) -> Metadata:
    parser = read_setup_cfg(root)
    if parser is None or not parser.has_section("metadata"):
        return Metadata()
    section = parser["metadata"]
    return Metadata(section.get("name") or None, section.get("version") or None)


def _pyproject(root: Path) -> Metadata:
    if tomllib is None:
        return Metadata()
    try:
        project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Metadata()
    version = project.get("version")
    return Metadata(project.get("name") or None, version if isinstance(version, str) else None)


def _pkg_info(root: Path) -> Metadata:
    try:
        headers = HeaderParser().parsestr((root / "PKG-INFO").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return Metadata()
    return Metadata(headers.get("Name") or None, headers.get("Version") or None)


def find_packages(root: Path) -> tuple[str, ...]:
    """Top-level import packages in ``root``.

    Those listed in setup.cfg ``[files] packages`` (pbr) when present, else
    every top-level directory holding ``__init__.py`` (never the
    ``*.dist-info`` / ``*.data`` directories of a wheel).
    """
    declared = tuple(name for name in _declared_packages(root)
                     if _within(root / name, root) and (root / name / "__init__.py").is_file())
    return declared or tuple(sorted(d.name for d in root.iterdir() if _is_package_dir(d)))


def require_packages(root: Path, origin: str) -> tuple[str, ...]:
    """``find_packages(root)``, or a ``SourceError`` if there are none."""
    packages = find_packages(root)
    if not packages:
        raise SourceError(f"{origin}: no Python package (a directory with __init__.py) in {root}")
    return packages


def _declared_packages(root: Path) -> list[str]:
    parser = read_setup_cfg(root)
    if parser is None or not parser.has_option("files", "packages"):
        return []
    return sorted(set(parser.get("files", "packages").split()))


def _is_package_dir(path: Path) -> bool:
    hidden = path.name.startswith(".")
    if hidden or path.name.endswith(NOT_PACKAGES) or not _within(path, path.parent):
        return False
    return path.is_dir() and (path / "__init__.py").is_file()


def _within(path: Path, root: Path) -> bool:
    """False for a symlink leading outside ``root`` (or looping): a tree reads only its own files."""
    if not path.is_symlink():
        return True
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (RuntimeError, OSError):
        return False


def openstack_project_name(path: Path) -> str | None:
    """The project's name if ``path`` has setup.cfg ``[metadata] name`` and a package dir of that name."""
    name = _setup_cfg(path).name
    if not name:
        return None
    candidates = {name, name.replace("-", "_")}
    return name if any((path / c / "__init__.py").is_file() for c in candidates) else None
