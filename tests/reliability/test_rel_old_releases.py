"""Old releases keep their core files: nova 15-17 use ``async`` as a name, which today's grammar refuses."""
from __future__ import annotations

from pathlib import Path

import pytest

from tracer import api

CORE = ("nova/compute/api.py", "nova/conductor/api.py", "nova/db/sqlalchemy/api.py", "nova/compute/manager.py")


@pytest.fixture(scope="module")
def pike(real_cache: Path) -> api.Workspace:
    return api.load(["nova==16.1.6"], cache_dir=real_cache)


@pytest.mark.real
def test_nova_16_reads_its_core_files(pike: api.Workspace) -> None:
    assert [f.path for f in pike.skipped if f.path.startswith("nova/")] == []
    assert "nova.compute.api.API.create" in pike.program.functions
    assert "nova.db.sqlalchemy.api.instance_create" in pike.program.functions


@pytest.mark.real
def test_nova_16_boot_reaches_the_conductor(pike: api.Workspace) -> None:
    t = api.trace(pike, "POST /servers")
    callees = {h.callee for h in t.hops}
    assert t.entry == "nova.api.openstack.compute.servers.ServersController.create"
    assert "nova.compute.api.API.create" in callees
    assert any(h.kind.startswith("rpc-") and "conductor" in h.callee for h in t.hops)
