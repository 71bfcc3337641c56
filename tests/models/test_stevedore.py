"""The stevedore model: a DriverManager loads the entry point of a group, by literal or by option."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/plugins.py": """
        class Fast:
            def pick(self):
                pass
        """,
    "app/use.py": """
        from oslo_config import cfg
        from stevedore import driver

        cfg.StrOpt('picker', default='fast')

        def by_literal():
            mgr = driver.DriverManager('app.pickers', 'fast', invoke_on_load=True)
            mgr.driver.pick()

        def by_option():
            mgr = driver.DriverManager(namespace='app.pickers', name=cfg.CONF.picker)
            mgr.driver.pick()
        """,
}
ENTRY_POINTS = {"app.pickers": {"fast": "app.plugins:Fast"}}


def test_plugin_by_literal_is_a_call_and_by_option_a_driver():
    lk = link(FILES, ENTRY_POINTS)
    assert {(e.kind, e.target) for e in lk.edges("app.use.by_literal")} >= {("call", "app.plugins.Fast.pick")}
    by_option = [e for e in lk.edges("app.use.by_option") if e.target == "app.plugins.Fast.pick"]
    assert [dict(e.meta).get("loaded_from") for e in by_option] == ["app.plugins.Fast"]


def test_unknown_entry_point_gives_nothing():
    lk = link(FILES, {})
    assert not [e for e in lk.edges("app.use.by_literal") if e.target == "app.plugins.Fast.pick"]
