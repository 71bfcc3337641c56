"""source: classify a ``--source`` spec string into one of four forms.

Stage: source. Pure string/path inspection, no network and no git. Must not
import libcst, networkx or any other tracer stage.

Order of the checks (it decides the ambiguous cases):

1. the whole spec is an existing directory  -> ``LocalSpec``   (form 3)
2. ``PROJECT==VERSION``                      -> ``ReleaseSpec`` (form 1)
3. split on the last ``@``; the left part is an existing directory
                                             -> ``GitSpec``     (form 4)
4. ``NAME@NAME`` with no path characters     -> ``SeriesSpec``  (form 2)
5. anything else                             -> ``SourceError``
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tracer.source.model import SourceError

_NAME = r"[A-Za-z0-9_.-]+"
_RELEASE = re.compile(rf"^({_NAME})==([A-Za-z0-9_.!+-]+)$")
_SERIES = re.compile(rf"^({_NAME})@({_NAME})$")

FORMS = """accepted source forms:
  PROJECT==VERSION  a released distribution, e.g. cinder==14.0.0
  PROJECT@SERIES    newest release of an OpenStack series, e.g. nova@stein, nova@2024.1
  DIR               a local source tree as it is, e.g. . or ~/src/nova
  DIR@GITREF        a tag or branch of a local git checkout, e.g. ~/src/nova@stable/stein"""


@dataclass(frozen=True, slots=True)
class ReleaseSpec:
    """Form 1: ``PROJECT==VERSION``."""

    project: str
    version: str


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """Form 2: ``PROJECT@SERIES`` (series lower-cased)."""

    project: str
    series: str


@dataclass(frozen=True, slots=True)
class LocalSpec:
    """Form 3: a directory, taken as it is (absolute path)."""

    path: Path


@dataclass(frozen=True, slots=True)
class GitSpec:
    """Form 4: ``DIR@GITREF`` (absolute path of the checkout)."""

    path: Path
    ref: str


Spec = ReleaseSpec | SeriesSpec | LocalSpec | GitSpec


def classify(spec: str) -> Spec:
    """Return the form of ``spec``, or raise ``SourceError`` naming the forms."""
    text = spec.strip()
    if not text:
        raise SourceError(f"empty source spec\n{FORMS}")
    if _as_path(text).is_dir():
        return LocalSpec(_as_path(text).resolve())
    if match := _RELEASE.match(text):
        return ReleaseSpec(match[1].lower(), match[2])
    if "@" in text:
        return _classify_at(text)
    raise _not_understood(text)


def _classify_at(text: str) -> Spec:
    left, _, ref = text.rpartition("@")
    if left and ref and _as_path(left).is_dir():
        return GitSpec(_as_path(left).resolve(), ref)
    if match := _SERIES.match(text):
        return SeriesSpec(match[1].lower(), match[2].lower())
    raise _not_understood(left if _looks_like_path(left) else text)


def _as_path(text: str) -> Path:
    return Path(text).expanduser()


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.startswith((".", "~"))


def _not_understood(text: str) -> SourceError:
    path = _as_path(text)
    if path.exists():
        return SourceError(f"not a directory: {text}\n{FORMS}")
    if _looks_like_path(text):
        return SourceError(f"no such directory: {text}")
    return SourceError(f"cannot understand source {text!r} (and no such directory)\n{FORMS}")
