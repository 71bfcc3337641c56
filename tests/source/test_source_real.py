"""A real release fetched with pip from the configured package index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracer.source import python_files, resolve


@pytest.mark.real
def test_cinder_14_0_0_from_the_index(tmp_path: Path) -> None:
    tree = resolve("cinder==14.0.0", tmp_path)
    assert (tree.root / "cinder" / "volume" / "manager.py").is_file()
    assert tree.packages == ("cinder",) and tree.origin == "cinder==14.0.0 (wheel)"
    assert ("cinder/volume/manager.py", tree.root / "cinder" / "volume" / "manager.py") in python_files(tree)
