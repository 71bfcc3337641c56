"""source: the on-disk cache of extracted source trees.

Stage: source. Every fetched tree lives in ``<cache>/trees/<key>/`` and holds
a marker file (``.tracer-complete``) written *last*, inside a scratch
directory, before the scratch directory is renamed into place in one atomic
step. So a tree without its marker is a leftover of an interrupted or older
run and is rebuilt; two concurrent runs each build their own scratch copy and
the loser of the rename simply uses the winner's tree. Must not import
libcst, networkx or any other tracer stage.

Before the marker, a sealed manifest (``manifest.py``) records every file;
each load checks it, and a tree that fails the check (a file deleted, added
or changed) is said, moved aside and built again. A complete tree from before
manifests gets one on its first load. Every scratch directory is locked by
its run (``flock``, released by the kernel however the run ends), so the next
run removes the scratch of a killed one; unlocked leftovers of older versions
go after an hour. A cache that cannot be written is one ``SourceError``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from tracer.envelope import Mismatch
from tracer.source.archives import DISK_ERRNOS
from tracer.source.manifest import UNKNOWN_TIME, check_tree, read_manifest, write_manifest
from tracer.source.model import ProgressFn, SourceError, say

MARKER = ".tracer-complete"
CACHE_ENV = "TRACER_CACHE_DIR"
OWNER = ".owner"  # locked by the run that made a scratch directory, for as long as it lives
UNLOCKED_STALE_S = 3600  # a scratch directory without an owner lock (older versions) is stale after this

# fill(scratch) builds a tree somewhere under scratch and returns
# (that directory, a one-line note to keep in the marker, e.g. "wheel").
FillFn = Callable[[Path], tuple[Path, str]]


def cache_root() -> Path:
    """``$TRACER_CACHE_DIR`` if set, else ``~/.cache/tracer``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "tracer"


def cache_write_error(path: Path, exc: OSError) -> SourceError:
    """The one-line message for a cache directory that cannot be written."""
    why = exc.strerror or str(exc)
    return SourceError(f"cannot write the cache at {path} ({why}): free some space there or set "
                       f"{CACHE_ENV} to a writable directory")


def trees_dir(cache_dir: Path) -> Path:
    """``<cache>/trees``, created if needed; scratch left by killed runs is removed."""
    path = cache_dir.expanduser() / "trees"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cache_write_error(path, exc) from exc
    remove_stale_scratch(path)
    return path.resolve()


@contextmanager
def scratch_space(parent: Path) -> Iterator[Path]:
    """A fresh private directory in ``parent`` (same file system), locked while in use, removed afterwards."""
    try:
        scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
        owner = os.open(scratch / OWNER, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        raise cache_write_error(parent, exc) from exc
    fcntl.flock(owner, fcntl.LOCK_EX)
    try:
        yield scratch
    except OSError as exc:
        if exc.errno in DISK_ERRNOS:  # the tree could not be written out
            raise cache_write_error(parent, exc) from exc
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        os.close(owner)


def remove_stale_scratch(parent: Path) -> None:
    """Remove ``.tmp-*`` directories whose run is gone, and ``.stale-*`` ones a killed run left."""
    try:
        leftovers = [p for p in parent.iterdir() if p.name.startswith((".tmp-", ".stale-"))]
    except OSError:
        return
    for path in leftovers:
        if _abandoned(path):
            shutil.rmtree(path, ignore_errors=True)


def _abandoned(path: Path) -> bool:
    try:
        owner = os.open(path / OWNER, os.O_RDONLY)
    except OSError:  # no lock to ask (a .stale-* or an older version's scratch): go by age
        return _age_s(path) > UNLOCKED_STALE_S or (path.name.startswith(".stale-") and _age_s(path) > 60)
    try:
        fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return _age_s(path) > 2  # nobody holds it: its run has ended (or has not taken the lock yet, if younger)
    except OSError:
        return False
    finally:
        os.close(owner)


def _age_s(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return 0.0


def read_marker(tree: Path) -> str | None:
    """The marker's note if ``tree`` is complete, else ``None``."""
    try:
        return (tree / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def cached_tree(target: Path, fill: FillFn, made_from: str | None = None,
                progress: ProgressFn | None = None) -> tuple[Path, str]:
    """Return ``(target, note)``, building the tree with ``fill`` if it is absent or fails its manifest.

    ``made_from`` says what the tree is (``release cinder==14.0.0``); a manifest made from
    anything else is refused.
    """
    made_from = made_from or f"tree {target.name}"
    note, problem = verified(target, made_from)
    if note is not None:
        return target, note
    if problem:
        say(progress, f"the cached tree {target} failed its check ({problem}); building it again")
    discard(target, force=bool(problem))
    with scratch_space(target.parent) as scratch:
        built, note = fill(scratch)
        write_manifest(built, made_from, note)
        (built / MARKER).write_text(note + "\n", encoding="utf-8")
        publish(built, target)
    return target, read_marker(target) or note


def verified(target: Path, made_from: str) -> tuple[str | None, str | None]:
    """``(note, None)`` for a sound tree, ``(None, why)`` for a damaged one, ``(None, None)`` if there is none."""
    note = read_marker(target)
    if note is None:
        return None, None
    try:
        found = read_manifest(target, made_from)
    except Mismatch as exc:
        return None, f"its manifest is refused: {exc}"
    if found is None:  # complete before manifests existed: record what it holds now
        _record(target, note, made_from)
        return note, None
    problem = check_tree(target, found)
    if problem is None and (found.dirs is None or any(e[3] == UNKNOWN_TIME for e in found.files)):
        _record(target, found.note, made_from)  # checked in full once: keep the times, so the next check is cheap
    return (None, problem) if problem else (found.note, None)


def _record(target: Path, note: str, made_from: str) -> None:
    try:
        write_manifest(target, made_from, note)
    except OSError:  # a read-only cache: it is used as it is
        pass


def publish(built: Path, target: Path) -> None:
    """Rename ``built`` to ``target``; if another run got there first, keep theirs."""
    try:
        os.rename(built, target)
    except OSError:
        if read_marker(target) is not None:
            return
        discard(target)
        os.rename(built, target)


def discard(target: Path, *, force: bool = False) -> None:
    """Remove an incomplete (or, with ``force``, a damaged) tree at ``target``, if there is one.

    It is moved aside first, so no reader sees it half-deleted. If an incomplete
    directory turns out complete once moved (another run published it in
    between), it is put back instead.
    """
    if read_marker(target) is not None and not force:
        return
    aside = target.with_name(f".stale-{target.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(target, aside)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise cache_write_error(target.parent, exc) from exc
    if read_marker(aside) is not None and not force:
        restore(aside, target)
    else:
        shutil.rmtree(aside, ignore_errors=True)


def restore(aside: Path, target: Path) -> None:
    """Put a complete tree back in place, unless a newer one took its place."""
    try:
        os.rename(aside, target)
    except OSError:
        shutil.rmtree(aside, ignore_errors=True)
