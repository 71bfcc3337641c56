"""source: released distributions, fetched with pip into the tree cache, never run.

Stage: source. The only network I/O of the tool, and all of it goes through
pip, so the user's index settings and mirrors apply (no index host is named
here). A wheel is preferred (``pip download --only-binary :all:``: a wheel is
unpacked, never built). Without one, the sdist is fetched as a file by pip's
package finder (``sdist.py``): ``pip download`` of an sdist would prepare its
metadata, which runs its ``setup.py``. Either archive is unpacked here, by
``archives.py``. Nothing fetched is imported or executed.

``PROJECT==VERSION`` is matched as the index matches it (``14.0`` is
``14.0.0``): a cached tree of an equal version is used, and a new one is named
by the version of the file fetched. A series (``nova@stein``) that cannot be
looked up (offline) falls back to its newest cached release, and says so.
Must not import libcst, networkx or any other tracer stage.
"""

from __future__ import annotations

import re
import subprocess
import sys
from functools import partial
from pathlib import Path

from tracer.source.archives import archive_kind, extract_archive
from tracer.source.cache import cached_tree, read_marker, scratch_space, trees_dir, verified
from tracer.source.local import require_packages
from tracer.source.model import ProgressFn, SourceError, SourceTree, say
from tracer.source.series import series_major

PIP_TIMEOUT_S = 900
NO_MATCH = "no matching distribution"
# What pip prints (as warnings, before its "no matching distribution") when the index is not reached.
_UNREACHABLE = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
                "Network is unreachable", "ConnectTimeoutError", "ProxyError")
_NO_MATCH_FOR = re.compile(r"no matching distribution found for ([A-Za-z0-9._-]+)", re.IGNORECASE)


class NoSuchRelease(SourceError):
    """pip found nothing matching the requirement on the index."""


def pip_download(requirement: str, project: str, dest: Path, *, wheel: bool) -> subprocess.CompletedProcess[str]:
    """Fetch one wheel (``pip download --only-binary``) or one sdist file (``sdist.py``) into ``dest``."""
    if wheel:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input",
                   "--disable-pip-version-check", "--only-binary", ":all:", "-d", str(dest), requirement]
    else:
        command = [sys.executable, "-m", "tracer.source.sdist", requirement, str(dest)]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"{requirement}: pip download took longer than {PIP_TIMEOUT_S} s; gave up") from exc


def pip_said(stderr: str) -> str:
    """pip's last ``ERROR:`` line (else its last line), without the prefix.

    When that line only announces a traceback (``ERROR: Exception:``), the
    traceback's last line says what went wrong (``OSError: [Errno 28] ...``).
    """
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    last = (errors or lines or ["(no output)"])[-1].removeprefix("ERROR:").strip()
    if last.rstrip(":") in ("Exception", "") and lines:
        return lines[-1].removeprefix("ERROR:").strip()
    return last


def _no_match(stderr: str, project: str) -> bool:
    """pip found no distribution of ``project`` itself (not of a build dependency it needed)."""
    return any(_normal(name) == _normal(project) for name in _NO_MATCH_FOR.findall(stderr))


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", name, maxsplit=1)[0]).lower()


def download(requirement: str, project: str, dest: Path, progress: ProgressFn | None) -> Path:
    """Download a wheel (else the sdist, as a file) for ``requirement``; return the file."""
    say(progress, f"downloading {requirement}")
    result = pip_download(requirement, project, dest, wheel=True)
    if result.returncode != 0 and _no_match(result.stderr, project):
        say(progress, f"no wheel for {requirement}; downloading the sdist")
        result = pip_download(requirement, project, dest, wheel=False)
    if result.returncode == 0:
        return downloaded_file(dest, requirement)
    said = pip_said(result.stderr)
    if any(sign in result.stderr for sign in _UNREACHABLE):
        raise SourceError(f"{requirement}: cannot reach the package index (pip said: {said})")
    if _no_match(result.stderr, project):
        raise NoSuchRelease(f"{requirement}: no such release on the package index (pip said: {said})")
    hint = "; free some space in the cache directory" if "errno 28" in said.lower() else ""
    raise SourceError(f"{requirement}: pip download failed (pip said: {said}){hint}")


def downloaded_file(dest: Path, requirement: str) -> Path:
    """The one archive pip left in ``dest``."""
    files = sorted(p for p in dest.iterdir() if p.is_file() and not p.name.startswith("."))
    if len(files) != 1:
        raise SourceError(f"{requirement}: expected one downloaded file in {dest}, found {len(files)}")
    return files[0]


def version_from_filename(name: str) -> str:
    """``cinder-14.3.1-py3-none-any.whl`` or ``cinder-14.3.1.tar.gz`` -> ``14.3.1``."""
    if name.endswith(".whl"):
        return name.split("-")[1]
    stem = name.removesuffix(".zip").removesuffix(".tgz")
    stem = stem.rsplit(".tar", 1)[0] if ".tar" in stem else stem
    return stem.rsplit("-", 1)[1]


def fetch_release(project: str, version: str, cache_dir: Path, progress: ProgressFn | None = None,
                  *, archive: Path | None = None, why: str = "") -> SourceTree:
    """``PROJECT==VERSION`` from the cache, fetching it once (or using ``archive``).

    ``why`` is appended to the origin, e.g. ``", newest of the stein series"``.
    """
    trees = trees_dir(cache_dir)
    version = cached_version(trees, project, version) or version
    target = trees / f"{project}-{version}"
    if archive is None and read_marker(target) is None:  # fetch first: the file names the real version
        with scratch_space(trees) as scratch:
            archive = download(f"{project}=={version}", project, scratch, progress)
            real = version_from_filename(archive.name)
            return _release_tree(project, real, trees, archive, progress, why)
    return _release_tree(project, version, trees, archive, progress, why)


def _release_tree(project: str, version: str, trees: Path, archive: Path | None, progress: ProgressFn | None,
                  why: str) -> SourceTree:
    requirement = f"{project}=={version}"
    fill = partial(_fill_release, requirement, project, archive, progress)
    root, kind = cached_tree(trees / f"{project}-{version}", fill, f"release {requirement}", progress)
    return SourceTree(project, version, f"{requirement} ({kind}{why})", root, require_packages(root, requirement))


def release_key(version: str) -> tuple:
    """``14.0`` and ``14.0.0`` alike (the index compares release numbers padded with zeros)."""
    parts = version.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return tuple(parts)


def cached_versions(trees: Path, project: str) -> list[str]:
    """Versions of ``project`` with a complete tree in the cache."""
    prefix = f"{project}-"
    return [p.name[len(prefix):] for p in trees.glob(f"{prefix}*")
            if p.name[len(prefix):][:1].isdigit() and read_marker(p) is not None]


def cached_version(trees: Path, project: str, version: str) -> str | None:
    """The cached version equal to ``version`` (``14.0.0`` for ``14.0``), if any."""
    if read_marker(trees / f"{project}-{version}") is not None:
        return version  # the usual case, without listing every cached release of the project
    same = [v for v in cached_versions(trees, project) if release_key(v) == release_key(version)]
    return version if version in same else (sorted(same)[0] if same else None)


def _fill_release(requirement: str, project: str, archive: Path | None, progress: ProgressFn | None,
                  scratch: Path) -> tuple[Path, str]:
    if archive is None:
        (scratch / "download").mkdir()
        archive = download(requirement, project, scratch / "download", progress)
    say(progress, f"extracting {archive.name}")
    return extract_archive(archive, scratch / "tree"), archive_kind(archive)


def fetch_series(project: str, series: str, cache_dir: Path, progress: ProgressFn | None = None) -> SourceTree:
    """The newest point release of ``project`` in an OpenStack ``series``."""
    entry, major = series_major(project, series)
    requirement = f"{project}>={major},<{major + 1}"
    say(progress, f"finding the newest {project} release of the {entry.label} series")
    why = f", newest of the {entry.name} series"
    with scratch_space(trees_dir(cache_dir)) as scratch:
        try:
            archive = download(requirement, project, scratch, progress)
        except SourceError as exc:
            cached = newest_cached(trees_dir(cache_dir), project, major)
            if cached is None:
                raise _series_error(project, series, major, entry.label, exc) from exc
            say(progress, f"cannot ask the package index ({exc}); using the newest cached {project} {cached}")
            return fetch_release(project, cached, cache_dir, progress, why=f"{why} cached, index not reached")
        version = version_from_filename(archive.name)
        return fetch_release(project, version, cache_dir, progress, archive=archive, why=why)


def newest_cached(trees: Path, project: str, major: int) -> str | None:
    """The highest cached ``major.*`` release of ``project`` whose tree passes its check."""
    versions = [v for v in cached_versions(trees, project) if v.split(".")[0] == str(major)]
    for version in sorted(versions, key=_numeric, reverse=True):
        if verified(trees / f"{project}-{version}", f"release {project}=={version}")[0] is not None:
            return version
    return None


def _numeric(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def _series_error(project: str, series: str, major: int, label: str, exc: SourceError) -> SourceError:
    if isinstance(exc, NoSuchRelease):
        return SourceError(f"{project}@{series}: no {project} {major}.x release on the package index "
                           f"for the {label} series ({exc})")
    return SourceError(f"{project}@{series}: {exc}; and no {project} {major}.x release is cached")
