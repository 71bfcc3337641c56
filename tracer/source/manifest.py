"""source: the manifest of an extracted tree (relative path, size and sha256 of every file).

Stage: source.  Must not import libcst, networkx or any other tracer stage (``tracer.envelope``
is stage-free).

Written last when a tree is built, sealed (``tracer.envelope``) with what the tree was made from,
and checked on every load: a file missing, added, resized or changed, or a manifest that fails its
own checksum, makes the tree a miss, and it is built again.

The check must be cheap (a warm trace loads nine trees, some 7,000 files): every file is listed and
``lstat``-ed, and only a file whose size or modification time differs from the manifest's is read
and hashed (``git status`` does the same with its index).  A file rewritten with its size and time
put back is not noticed here; the facts are still those of its bytes (they are keyed by content).
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

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


def write_manifest(root: Path, made_from: str, note: str) -> None:
    """Record every file of ``root``; ``note`` (``wheel``, ``sdist``, a sha) is kept with it."""
    payload = json.dumps({"note": note, "files": build_manifest(root)}, separators=(",", ":")).encode()
    write_sealed(root / MANIFEST, KIND, made_from, payload)


def read_manifest(root: Path, made_from: str) -> tuple[str, list[Entry]] | None:
    """``(note, entries)``; ``None`` if the tree has no manifest; ``Mismatch`` if it has a bad one."""
    try:
        payload = read_sealed(root / MANIFEST, KIND, made_from)
    except OSError as exc:
        raise Mismatch("unreadable", f"{root / MANIFEST}: {exc.strerror or exc}") from exc
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        return str(data["note"]), [_entry(*row) for row in data["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise Mismatch("format", f"manifest content: {exc}") from exc


def _entry(rel: str, size: int, sha: str, mtime: int = UNKNOWN_TIME) -> Entry:
    return str(rel), int(size), str(sha), int(mtime)


def check_tree(root: Path, entries: list[Entry]) -> str | None:
    """The first difference between ``root`` and its manifest, or ``None`` when they agree."""
    recorded = {rel: (size, sha, mtime) for rel, size, sha, mtime in entries}
    present = tree_files(root)
    extra = [rel for rel, _ in present if rel not in recorded]
    if extra:
        return f"{extra[0]} is not in the manifest ({len(extra)} extra file(s))"
    if len(present) != len(recorded):
        gone = sorted(set(recorded) - {rel for rel, _ in present})
        return f"{gone[0]} is missing ({len(gone)} file(s) gone)"
    for rel, path in present:
        size, sha, mtime = recorded[rel]
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
