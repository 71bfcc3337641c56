"""Spec classification: which of the four forms a --source string is."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.source import SourceError, resolve
from tracer.source.spec import GitSpec, LocalSpec, ReleaseSpec, SeriesSpec, classify


def test_release_form() -> None:
    assert classify("Cinder==14.0.0") == ReleaseSpec("cinder", "14.0.0")


@pytest.mark.parametrize("text", ["nova@stein", "NOVA@Stein", "nova@2026.2"])
def test_series_form_is_lower_cased(text: str) -> None:
    assert classify(text) == SeriesSpec("nova", text.split("@")[1].lower())


def test_existing_directory_is_local(tmp_path: Path) -> None:
    assert classify(str(tmp_path)) == LocalSpec(tmp_path.resolve())


def test_relative_directory_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nova").mkdir()
    assert classify(".") == LocalSpec(tmp_path.resolve())
    assert classify("nova") == LocalSpec((tmp_path / "nova").resolve())


def test_directory_at_ref_is_git(tmp_path: Path) -> None:
    assert classify(f"{tmp_path}@stable/stein") == GitSpec(tmp_path.resolve(), "stable/stein")


def test_split_is_on_the_last_at(tmp_path: Path) -> None:
    odd = tmp_path / "a@b"
    odd.mkdir()
    assert classify(f"{odd}@1.0") == GitSpec(odd.resolve(), "1.0")


def test_whole_spec_directory_wins_over_at_split(tmp_path: Path) -> None:
    odd = tmp_path / "nova@stein"
    odd.mkdir()
    assert classify(str(odd)) == LocalSpec(odd.resolve())


def test_name_at_name_without_directory_is_series(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert classify("nova@19.0.0") == SeriesSpec("nova", "19.0.0")


def test_missing_path_at_ref_names_the_directory() -> None:
    with pytest.raises(SourceError, match=r"no such directory: \.\./no-such-nova$"):
        classify("../no-such-nova@19.0.0")


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such directory: .*missing"):
        resolve(str(tmp_path / "missing"), tmp_path / "cache")


@pytest.mark.parametrize("text", ["", "cinder", "cinder==", "a b c", "cinder>=14"])
def test_anything_else_explains_the_forms(text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError, match="accepted source forms") as caught:
        classify(text)
    assert "PROJECT==VERSION" in str(caught.value) and "DIR@GITREF" in str(caught.value)


def test_a_file_is_not_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "setup.py"
    path.write_text("")
    with pytest.raises(SourceError, match="not a directory"):
        classify(str(path))
