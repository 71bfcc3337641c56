"""The skeleton shows the calls whose result the path goes on with, when they reach the database: the data a
hop carries (masakari's notification, read before the RPC call it is handed to), the test before one (senlin's
``if not res: return``), and what a function an RPC call waits on hands back.  Other database reads stay out."""
from __future__ import annotations

from tests.models.snippets import link
from tracer.graph.index import LiveIndex
from tracer.graph.records import TraceOptions
from tracer.graph.trace import Tracer
from tracer.link.uses import RETURNED, result_uses

FILES = {
    "app/conf.py": """
        from oslo_config import cfg

        cfg.StrOpt('backend', default='app.drivers.Fast')
        """,
    "app/drivers.py": """
        class Base:
            def boot(self, thing):
                raise NotImplementedError()

        class Fast(Base):
            def boot(self, thing):
                pass

        class Slow(Base):
            def boot(self, thing):
                pass
        """,
    "app/db.py": """
        from oslo_db.sqlalchemy import enginefacade

        main = enginefacade.transaction_context()

        @main.reader
        def thing_get(context, thing_id):
            pass

        @main.writer
        def thing_mark(context, thing_id):
            pass
        """,
    "app/objects.py": """
        from app import db

        class Thing:
            @classmethod
            def get(cls, context, thing_id):
                return db.thing_get(context, thing_id)

            @classmethod
            def mark(cls, context, thing_id):
                return db.thing_mark(context, thing_id)

        def describe(thing):
            return str(thing)
        """,
    "app/api.py": """
        from oslo_config import cfg
        from oslo_utils import importutils
        from app import objects

        class API:
            def __init__(self):
                self.driver = importutils.import_object(cfg.CONF.backend)

            def boot(self, context, thing_id):
                thing = objects.Thing.get(context, thing_id)
                other = objects.Thing.get(context, 'spare')
                text = objects.describe(thing)
                self.driver.boot(thing)
                return other, text

            def check(self, context, thing_id):
                marked = objects.Thing.mark(context, thing_id)
                if not marked:
                    return None
                self.driver.boot(thing_id)
        """,
}


def test_the_calls_that_go_on_with_a_result_are_read_from_the_facts():
    lk = link(FILES)
    uses = result_uses(lk.p.functions["app.api.API.boot"])
    assert uses[11] == (RETURNED, 13, 14)  # thing: described (the text is returned), and handed to the driver
    assert uses[12] == (RETURNED,)  # other: only returned
    assert uses[13] == (RETURNED,)
    assert result_uses(lk.p.functions["app.api.API.check"])[18] == (21,)  # marked: tested before the call


def test_the_skeleton_shows_a_database_read_the_hop_is_handed_and_a_write_tested_before_it():
    lk = link(FILES)
    tracer = Tracer(LiveIndex(lk, lambda fq: "app"))
    boot = [(h.callee, h.site) for h in tracer.trace("app.api.API.boot", TraceOptions()).hops]
    assert ("app.objects.Thing.get", "app/api.py:11") in boot
    # read but not handed on (returned by a function no RPC call waits on), or handed on without the database
    assert ("app.objects.Thing.get", "app/api.py:12") not in boot
    assert not [c for c, _ in boot if c == "app.objects.describe"]
    assert ("app.drivers.Fast.boot", "app/api.py:14") in boot
    check = [(h.callee, h.site) for h in tracer.trace("app.api.API.check", TraceOptions()).hops]
    assert ("app.objects.Thing.mark", "app/api.py:18") in check
