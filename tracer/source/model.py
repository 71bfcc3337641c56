"""source: the values this stage hands to the rest of the pipeline.

Stage: source. ``SourceTree`` says where one project's Python source lives;
``SourceError`` carries one user-facing message. Must not import libcst,
networkx or any other tracer stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ProgressFn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SourceTree:
    """One project's source at one version, ready to be scanned.

    ``root`` is the directory that *contains* the top-level package
    directories named in ``packages`` (``root / "cinder" / "__init__.py"``).
    """

    project: str
    version: str
    origin: str
    root: Path
    packages: tuple[str, ...]


class SourceError(Exception):
    """One clear, user-facing message (no traceback needed)."""


def say(progress: ProgressFn | None, message: str) -> None:
    """Report a long step to the caller, if it asked to hear about them."""
    if progress is not None:
        progress(message)
