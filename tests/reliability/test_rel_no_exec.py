"""Nothing fetched is executed: an sdist whose setup.py would leave a mark is fetched, unpacked and read, no mark.

A package index in a directory (PEP 503 pages on file://), with pip's user and site configuration
switched off, so the real pip runs and no network is used.
"""
from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tracer import api
from tracer.source import resolve

SETUP_PY = """import pathlib
pathlib.Path({mark!r}).write_text("setup.py ran")
from setuptools import setup
setup(name="markpkg", version="1.0", packages=["markpkg"])
"""


def make_index(root: Path, mark: Path) -> Path:
    """``root/simple/markpkg/`` listing one sdist, with its sha256, as an index page does."""
    files = {
        "markpkg-1.0/setup.py": SETUP_PY.format(mark=str(mark)),
        "markpkg-1.0/setup.cfg": "[metadata]\nname = markpkg\nversion = 1.0\n",
        "markpkg-1.0/PKG-INFO": "Metadata-Version: 1.1\nName: markpkg\nVersion: 1.0\n",
        "markpkg-1.0/markpkg/__init__.py": "def hello():\n    return helper()\n\n\ndef helper():\n    return 1\n",
    }
    (root / "files").mkdir(parents=True)
    sdist = root / "files" / "markpkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as bundle:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            bundle.addfile(info, io.BytesIO(data))
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    page = root / "simple" / "markpkg" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(f'<html><body><a href="../../files/markpkg-1.0.tar.gz#sha256={sha}">markpkg-1.0.tar.gz</a></body></html>')
    return root / "simple"


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    mark = tmp_path / "MARK"
    simple = make_index(tmp_path / "index", mark)
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")  # no user/site pip configuration
    monkeypatch.setenv("PIP_INDEX_URL", simple.as_uri())
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)
    return simple, mark


def test_sdist_is_fetched_and_read_without_running_setup_py(tmp_path: Path, local_index: tuple[Path, Path]) -> None:
    _, mark = local_index
    messages: list[str] = []
    tree = resolve("markpkg==1.0", tmp_path / "cache", progress=messages.append)
    assert tree.origin == "markpkg==1.0 (sdist)" and (tree.root / "markpkg" / "__init__.py").is_file()
    assert "no wheel for markpkg==1.0; downloading the sdist" in messages
    ws = api.load(["markpkg==1.0"], cache_dir=tmp_path / "cache")
    assert {e.target for e in ws.linker.edges("markpkg.hello")} == {"markpkg.helper"}
    assert not mark.exists(), "setup.py of a fetched sdist ran"


def test_sdist_whose_hash_does_not_match_the_index_is_refused(tmp_path: Path, local_index: tuple[Path, Path]) -> None:
    simple, mark = local_index
    page = simple / "markpkg" / "index.html"
    page.write_text(page.read_text().replace("sha256=", "sha256=0"))
    with pytest.raises(Exception, match="does not match the index"):
        resolve("markpkg==1.0", tmp_path / "cache")
    assert not mark.exists()


def test_control_pip_download_of_the_sdist_would_run_it(tmp_path: Path, local_index: tuple[Path, Path]) -> None:
    """The mark is real: ``pip download`` of the same sdist prepares its metadata and runs setup.py."""
    _, mark = local_index
    result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                             "--no-build-isolation", "-d", str(tmp_path / "dl"), "markpkg==1.0"],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0 and not mark.exists():
        pytest.skip(f"pip cannot prepare the sdist here: {result.stderr.strip().splitlines()[-1:]}")
    assert mark.exists()
