"""source: the on-disk cache of extracted source trees.

Stage: source. Every fetched tree lives in ``<cache>/trees/<key>/`` and holds
a marker file (``.tracer-complete``) written *last*, inside a scratch
directory, before the scratch directory is renamed into place in one atomic
step. So a tree without its marker is a leftover of an interrupted or older
run and is rebuilt; two concurrent runs each build their own scratch copy and
the loser of the rename simply uses the winner's tree. Must not import
libcst, networkx or any other tracer stage.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

MARKER = ".tracer-complete"
CACHE_ENV = "TRACER_CACHE_DIR"

# fill(scratch) builds a tree somewhere under scratch and returns
# (that directory, a one-line note to keep in the marker, e.g. "wheel").
FillFn = Callable[[Path], tuple[Path, str]]


def cache_root() -> Path:
    """``$TRACER_CACHE_DIR`` if set, else ``~/.cache/tracer``."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "tracer"


def trees_dir(cache_dir: Path) -> Path:
    """``<cache>/trees``, created if needed."""
    path = cache_dir.expanduser() / "trees"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


@contextmanager
def scratch_space(parent: Path) -> Iterator[Path]:
    """A fresh private directory in ``parent`` (same file system), removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
    try:
        yield scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_marker(tree: Path) -> str | None:
    """The marker's note if ``tree`` is complete, else ``None``."""
    try:
        return (tree / MARKER).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def cached_tree(target: Path, fill: FillFn) -> tuple[Path, str]:
    """Return ``(target, note)``, building the tree with ``fill`` if needed."""
    note = read_marker(target)
    if note is not None:
        return target, note
    discard(target)
    with scratch_space(target.parent) as scratch:
        built, note = fill(scratch)
        (built / MARKER).write_text(note + "\n", encoding="utf-8")
        publish(built, target)
    return target, read_marker(target) or note


def publish(built: Path, target: Path) -> None:
    """Rename ``built`` to ``target``; if another run got there first, keep theirs."""
    try:
        os.rename(built, target)
    except OSError:
        if read_marker(target) is not None:
            return
        discard(target)
        os.rename(built, target)


def discard(target: Path) -> None:
    """Remove an incomplete tree at ``target``, if there is one.

    It is moved aside first, so no reader sees it half-deleted. If the moved
    directory turns out complete (another run published it in between), it
    is put back instead.
    """
    if read_marker(target) is not None:
        return
    aside = target.with_name(f".stale-{target.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(target, aside)
    except FileNotFoundError:
        return
    if read_marker(aside) is not None:
        restore(aside, target)
    else:
        shutil.rmtree(aside, ignore_errors=True)


def restore(aside: Path, target: Path) -> None:
    """Put a complete tree back in place, unless a newer one took its place."""
    try:
        os.rename(aside, target)
    except OSError:
        shutil.rmtree(aside, ignore_errors=True)
