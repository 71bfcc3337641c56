"""The release-series table and PROJECT@SERIES resolution (with a fake pip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.source import SourceError, resolve
from tracer.source.series import find_series, known_series, load_table, parse_table, series_major

from source_helpers import wheel_pip


def test_table_is_ordered_and_covers_rocky_to_hibiscus() -> None:
    names = [s.name for s in load_table()]
    assert names[0] == "rocky" and names[-1] == "hibiscus"
    assert names.index("stein") < names.index("antelope") < names.index("gazpacho")


@pytest.mark.parametrize(("series", "nova"), [("stein", 19), ("train", 20), ("zed", 26), ("antelope", 27),
                                              ("2024.1", 29), ("epoxy", 31), ("2026.2", 34), ("HIBISCUS", 34)])
def test_nova_majors(series: str, nova: int) -> None:
    assert series_major("nova", series)[1] == nova


def test_cinder_is_nova_minus_five_everywhere() -> None:
    for series in load_table():
        assert series.major("cinder") == series.major("nova") - 5, series.name


def test_year_and_name_forms_are_the_same_series() -> None:
    assert find_series("2023.1") == find_series("Antelope")
    assert find_series("2023.1").label == "2023.1 (antelope)"


def test_unknown_series_lists_the_known_ones() -> None:
    with pytest.raises(SourceError, match="unknown release series 'folsom'") as caught:
        series_major("nova", "folsom")
    assert "stein" in str(caught.value) and "2026.2 (hibiscus)" in str(caught.value)


def test_unknown_project_lists_projects_and_series() -> None:
    with pytest.raises(SourceError, match="no version of 'keystone'") as caught:
        series_major("keystone", "stein")
    assert "cinder, glance" in str(caught.value) and "rocky" in str(caught.value)


def test_parse_table_of_a_synthetic_table() -> None:
    table = parse_table({"series": [{"name": "Alpha", "year": None, "majors": {"Nova": 1}},
                                    {"name": "beta", "year": "2030.1", "majors": {"nova": 2, "cinder": 9}}]})
    assert known_series(table) == "alpha, 2030.1 (beta)"
    assert series_major("nova", "ALPHA", table)[1] == 1
    assert series_major("cinder", "2030.1", table)[1] == 9


def test_series_spec_fetches_the_newest_point_release(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip(wheel_pip("cinder-14.3.1-py3-none-any.whl"))
    tree = resolve("cinder@Stein", tmp_path)
    assert pip.calls == [("cinder>=14,<15", True)]
    assert (tree.project, tree.version) == ("cinder", "14.3.1")
    assert tree.origin == "cinder==14.3.1 (wheel, newest of the stein series)"
    assert tree.root == tmp_path.resolve() / "trees" / "cinder-14.3.1"


def test_series_without_a_release_says_so(tmp_path: Path, fake_pip) -> None:
    fake_pip(lambda req, dest, wheel: (1, f"ERROR: No matching distribution found for {req}\n"))
    with pytest.raises(SourceError, match=r"cinder@hibiscus: no cinder 29\.x release"):
        resolve("cinder@hibiscus", tmp_path)
