"""Snippet trees for the effects analysis: a few modules written to a temporary project, loaded for real."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tracer import api
from tracer.effects.source import Summaries


class Snippet:
    """A loaded snippet project: the effects of a function, composed as a trace would."""

    def __init__(self, ws: api.Workspace) -> None:
        self.ws = ws
        self.summaries = Summaries(lambda: ws.linker, None, "", ws.program.functions.__contains__)

    def effects(self, fq: str, errors: bool = False):
        return self.summaries.view(errors).effects(fq)

    def names(self, fq: str, kind: str) -> set[tuple[str, str]]:
        return {(e.name, e.action) for e in self.effects(fq) if e.kind == kind}

    def one(self, fq: str, kind: str, name: str):
        found = [e for e in self.effects(fq) if e.kind == kind and e.name == name]
        assert found, f"no {kind} effect {name!r} in {fq}: {sorted((e.kind, e.name) for e in self.effects(fq))}"
        return found[0]


@pytest.fixture()
def snippet(tmp_path: Path):
    def make(files: dict[str, str]) -> Snippet:
        root = tmp_path / "proj"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip())
        for folder in {p.parent for p in root.rglob("*.py")}:
            while folder != root:
                (folder / "__init__.py").touch()
                folder = folder.parent
        (root / "setup.cfg").write_text("[metadata]\nname = proj\nversion = 1.0.0\n")
        ws = api.load([str(root)], cache_dir=tmp_path / "cache", clients=False, linked_cache=False)
        return Snippet(ws)

    return make
