"""source: the manifest of an extracted tree (relative path, size and sha256 of every file).

Stage: source.  Must not import libcst, networkx or any other tracer stage (``tracer.envelope``
is stage-free).

Written last when a tree is built, sealed (``tracer.envelope``) with what the tree was made from,
and checked on every load: a file missing, added, resized or changed, or a manifest that fails its
own checksum, makes the tree a miss, and it is built again.  The check reads what a scan reads
anyway; its cost is measured in the README (warm trace).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from tracer.envelope import Mismatch, digest, read_sealed, write_sealed

MANIFEST = ".tracer-manifest"
KIND = "tree"
_OWN = frozenset({MANIFEST, ".tracer-complete"})

Entry = tuple[str, int, str]  # relative path ('/'-separated), size in bytes, sha256


def tree_files(root: Path) -> list[tuple[str, Path]]:
    """Every regular file and symlink under ``root`` (links not followed), sorted; the cache's own files left out."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        names = filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        for name in names:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if rel not in _OWN:
                found.append((rel, path))
    return sorted(found)


def file_entry(rel: str, path: Path) -> Entry:
    """What the manifest records for one file (a symlink by its target text)."""
    if path.is_symlink():
        data = os.readlink(path).encode()
        return rel, -1, digest(data)
    data = path.read_bytes()
    return rel, len(data), digest(data)


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
        return str(data["note"]), [(str(r), int(s), str(h)) for r, s, h in data["files"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise Mismatch("format", f"manifest content: {exc}") from exc


def check_tree(root: Path, entries: list[Entry]) -> str | None:
    """The first difference between ``root`` and its manifest, or ``None`` when they agree."""
    recorded = {rel: (size, sha) for rel, size, sha in entries}
    present = tree_files(root)
    extra = [rel for rel, _ in present if rel not in recorded]
    if extra:
        return f"{extra[0]} is not in the manifest ({len(extra)} extra file(s))"
    if len(present) != len(recorded):
        gone = sorted(set(recorded) - {rel for rel, _ in present})
        return f"{gone[0]} is missing ({len(gone)} file(s) gone)"
    for rel, path in present:
        try:
            _, size, sha = file_entry(rel, path)
        except OSError as exc:
            return f"{rel}: {exc.strerror or exc}"
        if (size, sha) != recorded[rel]:
            return f"{rel} changed ({size} bytes, manifest says {recorded[rel][0]})"
    return None
