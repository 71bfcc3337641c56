"""Options that would be accepted and mean nothing are refused, with what would have made sense."""
from __future__ import annotations

from pathlib import Path

from reliability_helpers import FakeIndex, cli, one_error_line
from tests.conftest import FIXTURE


def test_driver_that_names_nothing_lists_the_known_classes(tmp_path: Path) -> None:
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "--driver", "fkae", cache=tmp_path)
    line = one_error_line(result.stderr)
    assert result.exit_code == 2 and line.startswith("error: --driver fkae names no driver class met on this trace")
    assert "did you mean fake?" in line and "known driver classes (5): base.BaseDriver, fake.FakeDriver" in line


def test_driver_that_names_a_class_is_accepted(tmp_path: Path) -> None:
    plain = cli("trace", "create_thing", "-s", str(FIXTURE), cache=tmp_path)
    named = cli("trace", "create_thing", "-s", str(FIXTURE), "--driver", "other", cache=tmp_path)
    assert named.exit_code == 0 and "OtherDriver" in named.stdout and named.stdout != plain.stdout


def test_driver_on_a_trace_without_driver_calls_is_said(tmp_path: Path) -> None:
    result = cli("trace", "ThingController.index", "-s", str(FIXTURE), "--driver", "other", cache=tmp_path)
    assert result.exit_code == 0 and "no driver call on this trace; --driver other changes nothing" in result.stderr


def test_negative_depth_is_refused(tmp_path: Path) -> None:
    result = cli("trace", "create_thing", "-s", str(FIXTURE), "--depth", "-1", cache=tmp_path)
    assert result.exit_code == 2 and "--depth" in result.output and "Traceback" not in result.output


def test_aggregate_without_a_diagram_is_refused(tmp_path: Path) -> None:
    for fmt in ("text", "json"):
        result = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", fmt, "--aggregate", "class", cache=tmp_path)
        assert result.exit_code == 2 and "--aggregate draws diagrams" in one_error_line(result.stderr)
    bad = cli("trace", "create_thing", "-s", str(FIXTURE), "-f", "svg", "--aggregate", "klass", cache=tmp_path)
    assert bad.exit_code == 2 and "'class'" in bad.output


def test_two_releases_of_one_project_are_refused(tmp_path: Path, fake_index: FakeIndex) -> None:
    result = cli("index", "-s", "proj==1.0.0", "-s", "proj==2.0.0", cache=tmp_path)
    line = one_error_line(result.stderr)
    assert result.exit_code == 2
    assert "proj is given twice (proj==1.0.0 (wheel) and proj==2.0.0 (wheel))" in line and "run of its own" in line


def test_two_local_trees_of_one_project_are_refused(tmp_path: Path, tree_copy: Path) -> None:
    result = cli("index", "-s", str(FIXTURE), "-s", str(tree_copy), cache=tmp_path)
    assert result.exit_code == 2 and "proj is given twice" in one_error_line(result.stderr)


def test_version_is_matched_as_the_index_matches_it(tmp_path: Path, fake_index: FakeIndex) -> None:
    short = cli("index", "-s", "proj==2.0", cache=tmp_path)
    assert short.exit_code == 0 and "source  proj 2.0.0  (proj==2.0.0 (wheel))" in short.stdout
    again = cli("index", "-s", "proj==2.0.0", cache=tmp_path)
    shorter = cli("index", "-s", "proj==2", cache=tmp_path)
    assert again.exit_code == shorter.exit_code == 0 and len(fake_index.calls) == 1
    assert sorted(p.name for p in (tmp_path / "trees").iterdir()) == ["proj-2.0.0"]
