"""source: unpack wheels, sdists and ``git archive`` tarballs safely.

Stage: source. Members that would land outside the destination (absolute
names, ``..``, links pointing out) are skipped rather than failing the whole
tree. Must not import libcst, networkx or any other tracer stage.
"""

from __future__ import annotations

import errno
import tarfile
import zipfile
from pathlib import Path

from tracer.source.model import SourceError

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar")
ZIP_SUFFIXES = (".whl", ".zip")
# The destination's fault, not the archive's: passed on for the cache to say (``cache.cache_write_error``).
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES})


def archive_kind(archive: Path) -> str:
    """``wheel`` or ``sdist``, from the file name."""
    return "wheel" if archive.name.endswith(".whl") else "sdist"


def extract_archive(archive: Path, dest: Path) -> Path:
    """Unpack ``archive`` into ``dest``; return the directory holding the tree.

    A wheel's tree is ``dest`` itself; an sdist's is its single top directory.
    """
    dest.mkdir(parents=True, exist_ok=True)
    name = archive.name.lower()
    if name.endswith(ZIP_SUFFIXES):
        extract_zip(archive, dest)
    elif name.endswith(TAR_SUFFIXES):
        extract_tar(archive, dest)
    else:
        raise SourceError(f"{archive.name}: unknown archive format")
    return dest if archive_kind(archive) == "wheel" else inner_top(dest)


def extract_zip(archive: Path, dest: Path) -> None:
    """Unpack a zip/wheel (zipfile already drops absolute and ``..`` parts)."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(dest)
    except (zipfile.BadZipFile, OSError) as exc:
        _raise_unpack_error(archive, exc)


def extract_tar(archive: Path, dest: Path) -> None:
    """Unpack a tarball, skipping members that would escape ``dest``."""
    try:
        with tarfile.open(archive) as bundle:
            _extract_members(bundle, dest)
    except (tarfile.TarError, OSError) as exc:
        _raise_unpack_error(archive, exc)


def _raise_unpack_error(archive: Path, exc: Exception) -> None:
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        raise exc
    raise SourceError(f"{archive.name}: cannot unpack ({exc})") from exc


def _extract_members(bundle: tarfile.TarFile, dest: Path) -> None:
    if hasattr(tarfile, "data_filter"):
        bundle.extractall(dest, filter=_skip_unsafe)
    else:  # Python without extraction filters (< 3.10.12)
        bundle.extractall(dest, members=[m for m in bundle.getmembers() if _plain_member(m)])


def _skip_unsafe(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


def _plain_member(member: tarfile.TarInfo) -> bool:
    parts = Path(member.name).parts
    return not member.name.startswith("/") and ".." not in parts and (member.isfile() or member.isdir())


def inner_top(dest: Path) -> Path:
    """The single top directory of an sdist, or ``dest`` if there is not exactly one."""
    entries = [p for p in dest.iterdir() if not p.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest
