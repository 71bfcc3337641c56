"""source: a tag or branch of a local git checkout, read without touching it.

Stage: source. The only git I/O of the tool: ``git rev-parse`` to pin the
ref to a commit and ``git archive`` to export that commit into
``<cache>/trees/git-<sha>/`` (reused afterwards); the checkout's work tree,
index and HEAD are never changed. Must not import libcst, networkx or any
other tracer stage.
"""

from __future__ import annotations

import subprocess
from functools import partial
from pathlib import Path

from tracer.source.archives import extract_tar
from tracer.source.cache import cached_tree, trees_dir
from tracer.source.local import project_metadata, require_packages
from tracer.source.model import ProgressFn, SourceError, SourceTree, say

GIT_TIMEOUT_S = 600
SHOWN_REFS = 12


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo ARGS`` and capture its output."""
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                              check=False, timeout=GIT_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise SourceError("git is not installed (needed for DIR@GITREF sources)") from exc


def require_checkout(repo: Path) -> None:
    """Raise unless ``repo`` is inside a git checkout."""
    result = git(repo, "rev-parse", "--git-dir")
    if result.returncode != 0:
        raise SourceError(f"{repo} is not a git checkout (git said: {_last_line(result.stderr)})")


def toplevel(repo: Path) -> Path:
    """The checkout's top directory (``repo`` itself for a bare repository).

    ``git archive`` run in a subdirectory would export only that subdirectory.
    """
    result = git(repo, "rev-parse", "--show-toplevel")
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else repo


def list_refs(repo: Path, limit: int = SHOWN_REFS) -> list[str]:
    """Some tags and branches of ``repo``, newest first."""
    result = git(repo, "for-each-ref", "--sort=-creatordate", f"--count={limit}",
                 "--format=%(refname:short)", "refs/tags", "refs/heads", "refs/remotes")
    return result.stdout.split()


def resolve_commit(repo: Path, ref: str) -> str:
    """The full commit sha ``ref`` names (also tried as ``<remote>/<ref>``)."""
    require_checkout(repo)
    for candidate in (ref, *(f"{remote}/{ref}" for remote in _remotes(repo))):
        result = git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{candidate}^{{commit}}")
        if result.returncode == 0:
            return result.stdout.strip()
    refs = ", ".join(list_refs(repo)) or "(none)"
    raise SourceError(f"{repo}@{ref}: no such tag, branch or commit; some refs there: {refs}")


def _remotes(repo: Path) -> list[str]:
    return git(repo, "remote").stdout.split()


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def export_ref(repo: Path, ref: str, cache_dir: Path, progress: ProgressFn | None = None) -> SourceTree:
    """``DIR@GITREF``: the committed tree of ``ref``, exported into the cache."""
    repo = repo.expanduser().resolve()
    sha = resolve_commit(repo, ref)
    target = trees_dir(cache_dir) / f"git-{sha}"
    root, _ = cached_tree(target, partial(_fill_from_git, repo, sha, progress))
    origin = f"{repo}@{ref} ({sha[:12]})"
    project = project_metadata(root).name or repo.name
    return SourceTree(project, ref, origin, root, require_packages(root, origin))


def _fill_from_git(repo: Path, sha: str, progress: ProgressFn | None, scratch: Path) -> tuple[Path, str]:
    say(progress, f"exporting {repo} at {sha[:12]}")
    tarball, tree = scratch / "tree.tar", scratch / "tree"
    result = git(toplevel(repo), "archive", "--format=tar", f"--output={tarball}", sha)
    if result.returncode != 0:
        raise SourceError(f"{repo}: git archive {sha[:12]} failed (git said: {_last_line(result.stderr)})")
    say(progress, f"extracting {repo.name} at {sha[:12]}")
    tree.mkdir()
    extract_tar(tarball, tree)
    tarball.unlink()
    return tree, sha
