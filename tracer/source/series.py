"""source: the OpenStack release-series table (``series.json``).

Stage: source. Maps a series, by name (``stein``, ``hibiscus``) or year form
(``2026.2``), case-insensitively, to the major version each project released
in it. Reads only the packaged JSON file. Must not import libcst, networkx or
any other tracer stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from tracer.source.model import SourceError

TABLE_FILE = "series.json"


@dataclass(frozen=True, slots=True)
class Series:
    """One release series and the major version of each project in it."""

    name: str
    year: str | None
    majors: tuple[tuple[str, int], ...]

    @property
    def label(self) -> str:
        """``stein`` or ``2026.2 (hibiscus)``."""
        return f"{self.year} ({self.name})" if self.year else self.name

    def major(self, project: str) -> int | None:
        """The major version of ``project`` in this series, if known."""
        return dict(self.majors).get(project)


def parse_table(data: dict[str, Any]) -> tuple[Series, ...]:
    """Turn the decoded JSON table into ``Series`` records, oldest first."""
    return tuple(
        Series(
            name=str(row["name"]).lower(),
            year=str(row["year"]) if row.get("year") else None,
            majors=tuple(sorted((str(p).lower(), int(v)) for p, v in row["majors"].items())),
        )
        for row in data["series"]
    )


@cache
def load_table() -> tuple[Series, ...]:
    """The packaged table, read once."""
    text = resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return parse_table(json.loads(text))


def find_series(name: str, table: tuple[Series, ...] | None = None) -> Series | None:
    """The series called ``name`` (name or year form, any case), if any."""
    wanted = name.strip().lower()
    for series in table if table is not None else load_table():
        if wanted in (series.name, series.year):
            return series
    return None


def known_series(table: tuple[Series, ...] | None = None) -> str:
    """All series as one comma-separated line, oldest first."""
    return ", ".join(s.label for s in (table if table is not None else load_table()))


def known_projects(table: tuple[Series, ...] | None = None) -> list[str]:
    """Projects that have at least one entry in the table, sorted."""
    rows = table if table is not None else load_table()
    return sorted({project for s in rows for project, _ in s.majors})


def series_major(project: str, name: str, table: tuple[Series, ...] | None = None) -> tuple[Series, int]:
    """The series called ``name`` and ``project``'s major version in it.

    Raises ``SourceError`` listing the known series (and projects) otherwise.
    """
    rows = table if table is not None else load_table()
    series = find_series(name, rows)
    if series is None:
        raise SourceError(f"{project}@{name}: unknown release series {name!r}; known series: {known_series(rows)}")
    major = series.major(project.lower())
    if major is None:
        raise SourceError(_unknown_project(project, series, rows))
    return series, major


def _unknown_project(project: str, series: Series, rows: tuple[Series, ...]) -> str:
    projects = ", ".join(known_projects(rows))
    return (
        f"{project}@{series.name}: no version of {project!r} is known for the {series.label} series; "
        f"projects in the series table: {projects}; known series: {known_series(rows)}"
    )
