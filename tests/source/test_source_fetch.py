"""PROJECT==VERSION with a fake pip: download, fallback, errors, and the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from source_helpers import make_sdist, make_wheel
from tracer.source import SourceError, cache_root, resolve
from tracer.source.cache import MARKER, cached_tree
from tracer.source.fetch import pip_said, version_from_filename

NO_MATCH = "ERROR: Could not find a version\nERROR: No matching distribution found for {req}\n"


def test_wheel_is_extracted_with_packages_only(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip()
    messages: list[str] = []
    tree = resolve("cinder==14.0.0", tmp_path, progress=messages.append)
    assert pip.calls == [("cinder==14.0.0", True)]
    assert tree.root == tmp_path.resolve() / "trees" / "cinder-14.0.0"
    assert (tree.project, tree.version, tree.origin) == ("cinder", "14.0.0", "cinder==14.0.0 (wheel)")
    assert tree.packages == ("cinder",) and (tree.root / "cinder" / "volume" / "manager.py").is_file()
    assert messages[0] == "downloading cinder==14.0.0" and messages[-1].startswith("extracting ")


def test_second_resolve_uses_the_cache(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip()
    resolve("cinder==14.0.0", tmp_path)
    again = resolve("cinder==14.0.0", tmp_path)
    assert len(pip.calls) == 1 and (again.root / "cinder" / "volume" / "manager.py").is_file()


def test_a_file_added_to_a_cached_tree_means_refetch(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip()
    messages: list[str] = []
    first = resolve("cinder==14.0.0", tmp_path)
    (first.root / "cinder" / "tampered.py").write_text("")
    again = resolve("cinder==14.0.0", tmp_path, progress=messages.append)
    assert len(pip.calls) == 2 and not (again.root / "cinder" / "tampered.py").exists()
    assert any("cinder/tampered.py is not in the manifest" in m for m in messages)


def test_missing_marker_means_refetch(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip()
    first = resolve("cinder==14.0.0", tmp_path)
    (first.root / MARKER).unlink()
    (first.root / "cinder" / "volume" / "manager.py").unlink()
    again = resolve("cinder==14.0.0", tmp_path)
    assert len(pip.calls) == 2
    assert (again.root / "cinder" / "volume" / "manager.py").is_file() and (again.root / MARKER).is_file()


def test_half_extracted_leftover_is_replaced(tmp_path: Path, fake_pip) -> None:
    fake_pip()
    leftover = tmp_path / "trees" / "cinder-14.0.0"
    (leftover / "cinder").mkdir(parents=True)
    (leftover / "cinder" / "junk.py").write_text("")
    tree = resolve("cinder==14.0.0", tmp_path)
    assert not (tree.root / "cinder" / "junk.py").exists()
    assert (tree.root / "cinder" / "volume" / "manager.py").is_file()
    assert sorted(p.name for p in (tmp_path / "trees").iterdir()) == ["cinder-14.0.0"]


def test_tree_published_meanwhile_by_another_run_is_used(tmp_path: Path) -> None:
    target = tmp_path / "trees" / "t"
    target.parent.mkdir()

    def fill(scratch: Path) -> tuple[Path, str]:
        (target / "theirs").mkdir(parents=True)
        (target / MARKER).write_text("theirs\n")
        (scratch / "mine").mkdir()
        return scratch / "mine", "mine"

    assert cached_tree(target, fill) == (target, "theirs")
    assert (target / "theirs").is_dir() and [p.name for p in target.parent.iterdir()] == ["t"]


def test_failed_fill_leaves_nothing_behind(tmp_path: Path, fake_pip) -> None:
    fake_pip(lambda req, dest, wheel: (1, NO_MATCH.format(req=req)))
    with pytest.raises(SourceError):
        resolve("cinder==99.0.0", tmp_path)
    assert list((tmp_path / "trees").iterdir()) == []


def test_unknown_release(tmp_path: Path, fake_pip) -> None:
    pip = fake_pip(lambda req, dest, wheel: (1, NO_MATCH.format(req=req)))
    with pytest.raises(SourceError) as caught:
        resolve("cinder==99.0.0", tmp_path)
    assert str(caught.value) == ("cinder==99.0.0: no such release on the package index "
                                 "(pip said: No matching distribution found for cinder==99.0.0)")
    assert pip.calls == [("cinder==99.0.0", True), ("cinder==99.0.0", False)]


def test_sdist_fallback_uses_the_inner_directory(tmp_path: Path, fake_pip) -> None:
    def behave(req: str, dest: Path, wheel: bool) -> tuple[int, str]:
        if wheel:
            return 1, NO_MATCH.format(req=req)
        make_sdist(dest, "cinder-13.0.1", {"setup.cfg": "[metadata]\nname = cinder\n", "cinder/__init__.py": "",
                                           "cinder/volume/manager.py": ""})
        return 0, ""

    pip = fake_pip(behave)
    messages: list[str] = []
    tree = resolve("cinder==13.0.1", tmp_path, progress=messages.append)
    assert pip.calls == [("cinder==13.0.1", True), ("cinder==13.0.1", False)]
    assert "no wheel for cinder==13.0.1; downloading the sdist" in messages
    assert tree.origin == "cinder==13.0.1 (sdist)" and tree.root.name == "cinder-13.0.1"
    assert (tree.root / "setup.cfg").is_file() and (tree.root / "cinder" / "volume" / "manager.py").is_file()


def test_other_pip_failures_are_reported(tmp_path: Path, fake_pip) -> None:
    fake_pip(lambda req, dest, wheel: (2, "WARNING: Retrying\nERROR: Could not connect to the index\n"))
    with pytest.raises(SourceError, match=r"pip download failed \(pip said: Could not connect to the index\)"):
        resolve("cinder==14.0.0", tmp_path)


@pytest.mark.parametrize(("name", "version"), [("cinder-14.3.1-py3-none-any.whl", "14.3.1"),
                                               ("nova-19.0.0-py2.py3-none-any.whl", "19.0.0"),
                                               ("cinder-13.0.1.tar.gz", "13.0.1"),
                                               ("python-novaclient-1.0.zip", "1.0")])
def test_version_from_filename(name: str, version: str) -> None:
    assert version_from_filename(name) == version


def test_pip_said_prefers_the_last_error_line() -> None:
    assert pip_said("Collecting x\nERROR: first\nERROR: second\nnoise\n") == "second"
    assert pip_said("only this\n") == "only this" and pip_said("") == "(no output)"


def test_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.delenv("TRACER_CACHE_DIR")
    assert cache_root() == Path.home() / ".cache" / "tracer"


def test_unsafe_archive_members_are_skipped(tmp_path: Path, fake_pip) -> None:
    files = {"cinder/__init__.py": "", "../escape.py": "", "/abs.py": ""}

    def behave(req: str, dest: Path, wheel: bool) -> tuple[int, str]:
        make_wheel(dest, "cinder-1.0-py3-none-any.whl", files)
        return 0, ""

    fake_pip(behave)
    tree = resolve("cinder==1.0", tmp_path)
    assert tree.packages == ("cinder",) and not (tmp_path / "trees" / "escape.py").exists()
