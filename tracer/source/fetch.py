"""source: released distributions, fetched with pip into the tree cache.

Stage: source. The only network I/O of the tool, and all of it goes through
``python -m pip download`` so the user's index settings and mirrors apply
(no index host is named here). A wheel is preferred; without one the sdist
of that project alone is fetched (``--no-binary PROJECT``: with ``:all:``
pip would also build the sdist's build backend from source, twice as slow).
Must not import libcst, networkx or any other tracer stage.
"""

from __future__ import annotations

import subprocess
import sys
from functools import partial
from pathlib import Path

from tracer.source.archives import archive_kind, extract_archive
from tracer.source.cache import cached_tree, scratch_space, trees_dir
from tracer.source.local import require_packages
from tracer.source.model import ProgressFn, SourceError, SourceTree, say
from tracer.source.series import series_major

PIP_TIMEOUT_S = 900
NO_MATCH = "no matching distribution"


class NoSuchRelease(SourceError):
    """pip found nothing matching the requirement on the index."""


def pip_download(requirement: str, project: str, dest: Path, *, wheel: bool) -> subprocess.CompletedProcess[str]:
    """Run ``pip download --no-deps`` for one requirement into ``dest``."""
    only = ["--only-binary", ":all:"] if wheel else ["--no-binary", project]
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input",
               "--disable-pip-version-check", *only, "-d", str(dest), requirement]
    try:
        return subprocess.run(command, capture_output=True, text=True, check=False, timeout=PIP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise SourceError(f"{requirement}: pip download took longer than {PIP_TIMEOUT_S} s; gave up") from exc


def pip_said(stderr: str) -> str:
    """pip's last ``ERROR:`` line (else its last line), without the prefix."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    last = (errors or lines or ["(no output)"])[-1]
    return last.removeprefix("ERROR:").strip()


def download(requirement: str, project: str, dest: Path, progress: ProgressFn | None) -> Path:
    """Download a wheel (else the sdist) for ``requirement``; return the file."""
    say(progress, f"downloading {requirement}")
    result = pip_download(requirement, project, dest, wheel=True)
    if result.returncode != 0 and NO_MATCH in result.stderr.lower():
        say(progress, f"no wheel for {requirement}; downloading the sdist")
        result = pip_download(requirement, project, dest, wheel=False)
    if result.returncode == 0:
        return downloaded_file(dest, requirement)
    said = pip_said(result.stderr)
    if NO_MATCH in result.stderr.lower():
        raise NoSuchRelease(f"{requirement}: no such release on the package index (pip said: {said})")
    raise SourceError(f"{requirement}: pip download failed (pip said: {said})")


def downloaded_file(dest: Path, requirement: str) -> Path:
    """The one archive pip left in ``dest``."""
    files = sorted(p for p in dest.iterdir() if p.is_file())
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
    requirement = f"{project}=={version}"
    target = trees_dir(cache_dir) / f"{project}-{version}"
    root, kind = cached_tree(target, partial(_fill_release, requirement, project, archive, progress))
    return SourceTree(project, version, f"{requirement} ({kind}{why})", root, require_packages(root, requirement))


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
    with scratch_space(trees_dir(cache_dir)) as scratch:
        try:
            archive = download(requirement, project, scratch, progress)
        except NoSuchRelease as exc:
            raise SourceError(f"{project}@{series}: no {project} {major}.x release on the package index "
                              f"for the {entry.label} series ({exc})") from exc
        version = version_from_filename(archive.name)
        why = f", newest of the {entry.name} series"
        return fetch_release(project, version, cache_dir, progress, archive=archive, why=why)
