"""source: the manifest of an extracted tree (relative path, size and sha256 of every file).

Stage: source.  Must not import libcst, networkx or any other tracer stage (``tracer.envelope``
is stage-free).

Written last when a tree is built, sealed (``tracer.envelope``) with what the tree was made from,
and checked on every load: a file missing, added, resized or changed, or a manifest that fails its
own checksum, makes the tree a miss, and it is built again.

The check must be cheap (a warm trace loads nine trees, some 7,000 files): every file is
``lstat``-ed, and only a file whose size or modification time differs from the manifest's is read
and hashed (``git status`` does the same with its index).  A directory is listed only when its own
modification time changed (a file added, removed or renamed in it changes it); the top directory,
where the manifest itself is written, is always listed.  A file rewritten with its size and time put
back is not noticed here; the facts are still those of its bytes (they are keyed by content).
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import NamedTuple

from tracer.envelope import Mismatch, digest, read_sealed, write_sealed

MANIFEST = ".tracer-manifest"
KIND = "tree"
_OWN = frozenset({MANIFEST, ".tracer-complete"})

UNKNOWN_TIME = -1  # manifests of the first format kept no times: every file is hashed, then it is rewritten
Entry = tuple[str, int, str, int]  # relative path ('/'-separated), size in bytes (-1: a symlink), sha256, mtime_ns


def tree_files(root: Path) -> list[tuple[str, str]]:
    """``(relative path, absolute path)`` of every file and symlink under ``root`` (links not followed), sorted."""
    found = []
    prefix = len(str(root)) + 1
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        names = filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in names:
            path = os.path.join(dirpath, name)
            rel = path[prefix:].replace(os.sep, "/")
            if rel not in _OWN:
                found.append((rel, path))
    return sorted(found)


def file_entry(rel: str, path: str) -> Entry:
    """What the manifest records for one file (a symlink by its target text)."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return rel, -1, digest(os.readlink(path).encode()), info.st_mtime_ns
    with open(path, "rb") as handle:
        data = handle.read()
    return rel, len(data), digest(data), info.st_mtime_ns


def build_manifest(root: Path) -> list[Entry]:
    return [file_entry(rel, path) for rel, path in tree_files(root)]


def tree_dirs(root: Path) -> list[tuple[str, int]]:
    """``(relative path, mtime_ns)`` of every directory below ``root`` (not ``root`` itself), sorted."""
    prefix = len(str(root)) + 1
    out = []
    for dirpath, dirnames, _ in os.walk(root, followlinks=False):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                out.append((path[prefix:].replace(os.sep, "/"), os.lstat(path).st_mtime_ns))
    return sorted(out)


def write_manifest(root: Path, made_from: str, note: str) -> None:
    """Record every file and directory of ``root``; ``note`` (``wheel``, ``sdist``, a sha) is kept with it."""
    record = {"note": note, "files": build_manifest(root), "dirs": tree_dirs(root)}
    write_sealed(root / MANIFEST, KIND, made_from, json.dumps(record, separators=(",", ":")).encode())


class Manifest(NamedTuple):
    note: str
    files: list[Entry]
    dirs: list[tuple[str, int]] | None  # None in manifests of the first format: every directory is listed


def read_manifest(root: Path, made_from: str) -> Manifest | None:
    """The tree's manifest; ``None`` if it has none; ``Mismatch`` if it has a bad one."""
    try:
        payload = read_sealed(root / MANIFEST, KIND, made_from)
    except OSError as exc:
        raise Mismatch("unreadable", f"{root / MANIFEST}: {exc.strerror or exc}") from exc
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        dirs = [(str(d), int(t)) for d, t in data["dirs"]] if "dirs" in data else None
        return Manifest(str(data["note"]), [_entry(*row) for row in data["files"]], dirs)
    except (ValueError, KeyError, TypeError) as exc:
        raise Mismatch("format", f"manifest content: {exc}") from exc


def _entry(rel: str, size: int, sha: str, mtime: int = UNKNOWN_TIME) -> Entry:
    return str(rel), int(size), str(sha), int(mtime)


def check_tree(root: Path, manifest: Manifest) -> str | None:
    """The first difference between ``root`` and its manifest, or ``None`` when they agree."""
    recorded = {rel: (size, sha, mtime) for rel, size, sha, mtime in manifest.files}
    problem = _listing_problem(root, manifest, recorded)
    if problem:
        return problem
    base = str(root)
    for rel, (size, sha, mtime) in recorded.items():
        path = os.path.join(base, rel)
        try:
            info = os.lstat(path)
            if (-1 if stat.S_ISLNK(info.st_mode) else info.st_size, info.st_mtime_ns) == (size, mtime):
                continue  # unchanged since the manifest was written
            _, now_size, now_sha, _ = file_entry(rel, path)
        except OSError as exc:
            return f"{rel}: {exc.strerror or exc}"
        if (now_size, now_sha) != (size, sha):
            return f"{rel} changed ({now_size} bytes, manifest says {size})"
    return None


def _listing_problem(root: Path, manifest: Manifest, recorded: dict) -> str | None:
    """A file or directory added or gone, seen by listing the directories whose time changed."""
    if manifest.dirs is None:
        present = {rel for rel, _ in tree_files(root)}
        return _difference(present, set(recorded))
    dirs = dict(manifest.dirs)
    changed = [""]  # the top, where the manifest is written, is always listed
    for rel, mtime in manifest.dirs:
        try:
            if os.lstat(os.path.join(root, rel)).st_mtime_ns != mtime:
                changed.append(rel)
        except OSError:
            return f"{rel}/ is missing"
    for rel in changed:
        problem = _dir_problem(root, rel, recorded, dirs)
        if problem:
            return problem
    return None


def _dir_problem(root: Path, rel: str, recorded: dict, dirs: dict) -> str | None:
    prefix = f"{rel}/" if rel else ""
    try:
        with os.scandir(os.path.join(root, rel)) as listing:
            present = {prefix + e.name for e in listing if not (e.is_dir(follow_symlinks=False) and prefix + e.name in dirs)}
    except OSError as exc:
        return f"{rel or '.'}: {exc.strerror or exc}"
    present -= _OWN if not rel else set()
    expected = {f for f in recorded if f.startswith(prefix) and "/" not in f[len(prefix):]}
    listed_dirs = {d for d in dirs if d.startswith(prefix) and "/" not in d[len(prefix):]}
    missing_dirs = [d for d in listed_dirs if not os.path.isdir(os.path.join(root, d))]
    if missing_dirs:
        return f"{missing_dirs[0]}/ is missing"
    return _difference(present, expected)


def _difference(present: set[str], expected: set[str]) -> str | None:
    extra, gone = sorted(present - expected), sorted(expected - present)
    if extra:
        return f"{extra[0]} is not in the manifest ({len(extra)} extra file(s))"
    if gone:
        return f"{gone[0]} is missing ({len(gone)} file(s) gone)"
    return None
