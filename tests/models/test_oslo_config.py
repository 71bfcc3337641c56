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


def test_dict_and_list_defaults_are_read_by_key():
    lk = link({
        "app/c.py": """
            from oslo_config import cfg

            cfg.DictOpt('tasks', default={'pre': ['a', 'b'], 'post': ['c']})
            cfg.ListOpt('names', default=['x', 'y'])
            CONF = cfg.CONF

            def pre():
                return CONF.tasks['pre']

            def names():
                return CONF.names
            """,
    })
    assert {v for v in lk.r.returns("app.c.pre") if v[0] == "cfg"} == {("cfg", "a"), ("cfg", "b")}
    assert {v for v in lk.r.returns("app.c.names") if v[0] == "cfg"} == {("cfg", "x"), ("cfg", "y")}


def test_an_option_read_through_its_group_is_the_one_registered_there():
    lk = link({
        "app/a.py": """
            from oslo_config import cfg

            cfg.CONF.register_opts([cfg.StrOpt('driver', default='app.a.Disk')], group='store')
            """,
        "app/b.py": """
            from oslo_config import cfg

            cfg.CONF.register_opts([cfg.StrOpt('driver', default='app.b.Tape')], group='backup')
            """,
        "app/use.py": """
            from oslo_config import cfg

            CONF = cfg.CONF

            def store():
                return CONF.store.driver

            def backup():
                return CONF['backup'].driver

            def any_group(conf_group):
                return conf_group.driver
            """,
    })
    strings = lambda fq: sorted(v[1] for v in lk.r.returns(fq) if v[0] == "cfg")  # noqa: E731
    assert strings("app.use.store") == ["app.a.Disk"]
    assert strings("app.use.backup") == ["app.b.Tape"]
    assert strings("app.use.any_group") == ["app.a.Disk", "app.b.Tape"]  # no group written: either
