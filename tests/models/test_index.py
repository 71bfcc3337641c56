"""The program index: built once, frozen, with the hierarchy and inherited copies in it."""
from __future__ import annotations

import pytest

from tests.models.snippets import link

FILES = {
    "app/base.py": """
        class Root:
            def run(self):
                return self.step()

            def step(self):
                pass
        """,
    "app/impl.py": """
        from app import base as b

        class Impl(b.Root):
            def step(self):
                pass
        """,
}


def test_hierarchy_and_copies_are_in_the_index_when_it_is_built():
    p = link(FILES).p
    assert p.bases("app.impl.Impl") == ("app.base.Root",)
    assert p.mro("app.impl.Impl") == ("app.impl.Impl", "app.base.Root")
    assert p.subclasses["app.base.Root"] == frozenset({"app.impl.Impl"})
    copy = p.functions["app.impl.Impl.run"]  # Root.run dispatches self.step() differently in Impl
    assert copy.inherited_from == "app.base.Root.run" and copy.cls == "app.impl.Impl"
    assert [fq for fq, _ in p.sites_named("step")] == ["app.base.Root.run", "app.impl.Impl.run"]


def test_the_index_cannot_be_changed():
    p = link(FILES).p
    with pytest.raises((AttributeError, TypeError)):
        p.functions["x"] = None  # type: ignore[index]
    with pytest.raises((AttributeError, TypeError)):
        p.classes["app.impl.Impl"].methods["x"] = "y"  # type: ignore[index]
    with pytest.raises(AttributeError):
        p.client_projects = frozenset()  # type: ignore[misc]


def test_two_linkers_over_one_index_agree():
    first = link(FILES)
    from tracer.link.edges import Linker

    second = Linker(first.p)
    assert first.edges("app.impl.Impl.run") == second.edges("app.impl.Impl.run")
    assert {(e.kind, e.target) for e in second.edges("app.impl.Impl.run")} == {("call", "app.impl.Impl.step")}
