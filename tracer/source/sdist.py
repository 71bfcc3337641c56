"""source: fetch a release's sdist as a file, with pip's index machinery, never running it.

Stage: source.  Must not import libcst, networkx or any other tracer stage.

``pip download`` of an sdist prepares its metadata, which runs the package's ``setup.py`` (or its
build backend): code from the index, executed.  This module is run as a child process
(``python -m tracer.source.sdist REQUIREMENT DEST``) so pip reads the user's configuration, index
settings and mirrors exactly as ``pip download`` would; it asks pip's package finder for the
newest sdist the requirement allows and downloads that one file, checking the hash the index
gives for it.  Nothing is unpacked, built or imported here.

Exit status: 0 and the file's path on stdout; 3 when the index has no such sdist; 1 otherwise,
with one ``ERROR:`` line on stderr.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
NO_SDIST = 3


def best_sdist(finder, requirement):  # pip objects: PackageFinder, Requirement -> InstallationCandidate
    """The newest candidate that is an sdist and that ``requirement`` allows (pre-releases only if named)."""
    found = [c for c in finder.find_all_candidates(requirement.name)
             if c.link.filename.lower().endswith(SDIST_SUFFIXES)
             and requirement.specifier.contains(c.version, prereleases=bool(requirement.specifier.prereleases))]
    return max(found, key=lambda c: c.version) if found else None


def check_hash(path: Path, link) -> None:
    """Compare the file with the hash the index published for it, if it did."""
    name, expected = getattr(link, "hash_name", None), getattr(link, "hash", None)
    if not (name and expected) or name not in hashlib.algorithms_available:
        return
    actual = hashlib.new(name, path.read_bytes()).hexdigest()
    if actual != expected:
        path.unlink()
        raise RuntimeError(f"{link.filename}: {name} {actual} does not match the index's {expected}")


def fetch(requirement_text: str, dest: Path) -> Path | None:
    """Download the sdist into ``dest``; ``None`` when there is none."""
    from pip._internal.commands.download import DownloadCommand
    from pip._internal.network.download import Downloader
    from pip._vendor.packaging.requirements import Requirement

    command = DownloadCommand("download", "fetch an sdist as a file")
    options, _ = command.parse_args(["--no-deps", "--no-input", "-d", str(dest), requirement_text])
    requirement = Requirement(requirement_text)
    with command.main_context():
        session = command.get_default_session(options)
        finder = command._build_package_finder(options=options, session=session, ignore_requires_python=True)
        candidate = best_sdist(finder, requirement)
        if candidate is None:
            return None
        path, _ = Downloader(session, progress_bar="off")(candidate.link, str(dest))
    check_hash(Path(path), candidate.link)
    return Path(path)


def main(argv: list[str]) -> int:
    requirement, dest = argv
    try:
        path = fetch(requirement, Path(dest))
    except (ImportError, AttributeError, TypeError) as exc:  # a pip whose internals moved
        print(f"ERROR: this pip's package finder is not the one tracer knows ({exc}); the sdist is not fetched, "
              f"since pip download would run its setup.py", file=sys.stderr)
        return 1
    except Exception as exc:  # pip's own errors, the network, the disk: one line for the parent
        print(f"ERROR: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if path is None:
        print(f"ERROR: No matching distribution found for {requirement} (no sdist)", file=sys.stderr)
        return NO_SDIST
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
