"""Shared fixtures: the synthetic project and, for tests marked ``real``, released trees."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tracer import api

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "proj"
REPO = HERE.parent


@pytest.fixture(scope="session")
def real_cache() -> Path:
    """Released trees and their facts are cached between runs (override with TRACER_CACHE_DIR)."""
    path = Path(os.environ.get("TRACER_CACHE_DIR", REPO / ".tracer-cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def stein(real_cache: Path) -> api.Workspace:
    return api.load(["nova==19.0.0", "cinder==14.0.0"], cache_dir=real_cache)


@pytest.fixture(scope="session")
def newest(real_cache: Path) -> api.Workspace:
    return api.load(["nova==34.0.0", "cinder==29.0.0"], cache_dir=real_cache)


@pytest.fixture(scope="session")
def newest_placement(real_cache: Path) -> api.Workspace:
    """The newest releases with openstack-placement, which left the nova tree: its REST hops land there."""
    return api.load(["nova==34.0.0", "cinder==29.0.0", "openstack-placement==16.0.0"], cache_dir=real_cache)


@pytest.fixture(scope="session")
def seed_chains() -> dict:
    data = json.loads((HERE / "data" / "seed_paths.json").read_text())
    return {c["id"]: c for c in data["chains"]}


@pytest.fixture()
def proj(tmp_path: Path) -> api.Workspace:
    return api.load([str(FIXTURE)], cache_dir=tmp_path / "cache")
