"""The oslo.db model: a backend proxy's modules and enginefacade transactions are the database."""
from __future__ import annotations

from tests.models.snippets import link

FILES = {
    "app/db/api.py": """
        from oslo_db import api as oslo_db_api

        _BACKEND_MAPPING = {'sqlalchemy': 'app.db.sqlalchemy.api'}
        IMPL = oslo_db_api.DBAPI.from_config(None, backend_mapping=_BACKEND_MAPPING)

        def thing_get(ctxt, id):
            return IMPL.thing_get(ctxt, id)
        """,
    "app/db/sqlalchemy/api.py": """
        from oslo_db.sqlalchemy import enginefacade

        main = enginefacade.transaction_context()

        def thing_get(ctxt, id):
            pass

        @main.reader
        def _read(ctxt):
            pass
        """,
}


def test_backend_proxy_reaches_the_module_and_both_are_database():
    lk = link(FILES)
    assert {(e.kind, e.target) for e in lk.edges("app.db.api.thing_get")} == {("call", "app.db.sqlalchemy.api.thing_get")}
    assert lk.models["oslo_db"].backend_modules == frozenset({"app.db.sqlalchemy.api"})
    assert lk.is_database("app.db.sqlalchemy.api.thing_get") and lk.is_database("app.db.sqlalchemy.api._read")
    assert not lk.is_database("app.db.api.thing_get")


def test_a_with_over_a_helper_returning_a_writer_opens_a_transaction():
    from tracer.link.models.oslo_db import opens_transaction
    lk = link({"app/db/api.py": """
        from oslo_db.sqlalchemy import enginefacade

        def _get_main_context_manager():
            return enginefacade.transaction_context()

        def _wrap_session(sess):
            return sess

        def session_for_write():
            writer = _get_main_context_manager().writer
            return _wrap_session(writer.using(None))

        def image_create(context, values):
            with session_for_write() as session:
                session.add(values)

        def inline(context):
            with _get_main_context_manager().reader.using(context) as session:
                session.query()

        def plain(context):
            with open('x') as f:
                f.read()
        """})
    assert opens_transaction(lk.p, "app.db.api.image_create")
    assert opens_transaction(lk.p, "app.db.api.inline")
    assert not opens_transaction(lk.p, "app.db.api.plain")
