"""The oslo.config model: an attribute no object of the program has is the option's default."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/conf.py": """
        from oslo_config import cfg

        opts = [cfg.StrOpt('backend', default='app.store.Disk')]
        CONF = cfg.CONF

        def where():
            return CONF.backend
        """,
}


def test_conf_attribute_is_the_declared_default():
    lk = link(FILES)
    assert ("cfg", "app.store.Disk") in lk.r.returns("app.conf.where")
    assert lk.models["oslo_config"].string_defaults("backend") == ["app.store.Disk"]
    assert lk.models["oslo_config"].string_defaults("nothing") == []
