"""The oslo.utils model: import_object of an option's default is the configured driver."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/drivers.py": """
        class Base:
            def make(self):
                raise NotImplementedError

        class Disk(Base):
            def make(self):
                pass

        class Tape(Base):
            def make(self):
                pass
        """,
    "app/manager.py": """
        from oslo_config import cfg
        from oslo_utils import importutils

        cfg.StrOpt('driver', default='app.drivers.Disk')
        CONF = cfg.CONF

        class Manager:
            def __init__(self):
                self.driver = importutils.import_object(CONF.driver)
                self.helper = importutils.import_object('app.drivers.Tape')

            def go(self):
                self.driver.make()
                self.helper.make()
        """,
}


def test_configured_driver_and_candidates():
    found = {(e.kind, e.target, e.confidence) for e in link(FILES).edges("app.manager.Manager.go")}
    assert ("driver", "app.drivers.Disk.make", "configured") in found
    assert ("driver", "app.drivers.Tape.make", "candidate") in found
    assert ("driver", "app.drivers.Base.make", "candidate") in found
    # a literal path is a plain class, not a configured one
    assert ("call", "app.drivers.Tape.make", "exact") in found
