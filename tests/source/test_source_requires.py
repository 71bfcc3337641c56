"""Which requirements of a tree are client libraries of the other services (fetched beside it)."""
from __future__ import annotations

from tracer.source.model import SourceTree
from tracer.source.requires import client_specs


def _tree(tmp_path, project: str, requires: list[str]) -> SourceTree:
    info = tmp_path / project / f"{project}-1.0.dist-info"
    info.mkdir(parents=True)
    info.joinpath("METADATA").write_text("".join(f"Requires-Dist: {r}\n" for r in requires))
    return SourceTree(project, "1.0", "test", tmp_path / project, (project,))


def test_python_clients_and_the_sdk_are_clients_at_the_lowest_version_allowed(tmp_path):
    tree = _tree(tmp_path, "senlin", [
        "openstacksdk>=0.99.0", "python-novaclient (>=9.1.0)", "oslo.config>=6.8.0",
        'python-glanceclient>=2.0; extra == "test"', "python-senlinclient>=1.0",
    ])
    got = dict(client_specs([tree]))
    # an extra's requirement is not one; the project's own client serves no other service
    assert got == {"openstacksdk==0.99.0": "senlin's client for every service",
                   "python-novaclient==9.1.0": "senlin's client for nova"}


def test_one_version_per_client_the_highest_lower_bound(tmp_path):
    trees = [_tree(tmp_path, "nova", ["openstacksdk>=4.4.0"]), _tree(tmp_path, "heat", ["openstacksdk>=0.28.0"])]
    assert client_specs(trees) == [("openstacksdk==4.4.0", "heat and nova's client for every service")]
