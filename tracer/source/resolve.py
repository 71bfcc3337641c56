"""source: turn a ``--source`` spec into a ``SourceTree``.

Stage: source. Dispatches on the spec's form (see ``spec.py``) to the local
directory, git ref, release or series fetchers, and picks the default specs
when none are given. Must not import libcst, networkx or any other tracer
stage.
"""

from __future__ import annotations

from pathlib import Path

from tracer.source.fetch import fetch_release, fetch_series
from tracer.source.gitref import export_ref
from tracer.source.local import local_tree, openstack_project_name
from tracer.source.model import ProgressFn, SourceError, SourceTree
from tracer.source.spec import GitSpec, LocalSpec, ReleaseSpec, SeriesSpec, classify

DEFAULT_SPECS = ("nova==19.0.0", "cinder==14.0.0")
DEFAULT_WHY = "no --source given: using nova and cinder of the Stein release (nova==19.0.0, cinder==14.0.0)"


def resolve(spec: str, cache_dir: Path, *, progress: ProgressFn | None = None) -> SourceTree:
    """The source tree ``spec`` names, fetching it into ``cache_dir`` if needed.

    Raises ``SourceError`` with one user-facing message on any failure.
    """
    match classify(spec):
        case LocalSpec(path):
            return local_tree(path)
        case GitSpec(path, ref):
            return export_ref(path, ref, cache_dir, progress)
        case ReleaseSpec(project, version):
            return fetch_release(project, version, cache_dir, progress)
        case SeriesSpec(project, series):
            return fetch_series(project, series, cache_dir, progress)
    raise AssertionError(f"unhandled spec form for {spec!r}")


def default_specs(cwd: Path) -> tuple[list[str], str]:
    """Specs to use when none are given, and a one-line explanation why."""
    name = openstack_project_name(cwd)
    if name:
        return [str(cwd)], f"using the tree in the current directory ({name})"
    return list(DEFAULT_SPECS), DEFAULT_WHY


def one_release_each(trees: list[SourceTree]) -> None:
    """Refuse two trees of one project: their modules share names, and only the first of each would be read."""
    seen: dict[str, SourceTree] = {}
    for tree in trees:
        first = seen.setdefault(tree.project.lower(), tree)
        if first is not tree:
            raise SourceError(
                f"{tree.project} is given twice ({first.origin} and {tree.origin}): one run reads one release of "
                f"each project, since their modules share names; trace each release in a run of its own")
