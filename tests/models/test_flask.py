"""The flask model: routes declared by decorators on a Blueprint (or a program subclass of it)."""
from __future__ import annotations

from tests.models.snippets import link
from tracer.link.routes import Routes

FILES = {
    "app/api/utils.py": """
        import flask

        class Rest(flask.Blueprint):
            def post(self, rule, status_code=201):
                return self._mroute('POST', rule, status_code)

            def _mroute(self, methods, rule, status_code=None):
                return self.route(rule, methods=[methods])
        """,
    "app/api/leases.py": """
        import flask
        from app.api import utils

        rest = utils.Rest('v1_0', __name__, url_prefix='/v1/')
        plain = flask.Blueprint('plain', __name__)

        @rest.post('/leases')
        def leases_create(req, data):
            pass

        @rest.route('/leases/<lease_id>', methods=['GET', 'DELETE'])
        def leases_one(req, lease_id):
            pass

        @plain.get('/health/<int:n>')
        def health(n):
            pass

        class NotAnApp:
            def post(self, rule):
                return lambda f: f

        other = NotAnApp()

        @other.post('/nothing')
        def nothing():
            pass
        """,
}


def test_blueprint_decorators_declare_routes_under_the_url_prefix():
    assert {r.label: r.handler for r in Routes(link(FILES).r).routes} == {
        "POST /v1/leases": "app.api.leases.leases_create",
        "GET /v1/leases/{lease_id}": "app.api.leases.leases_one",
        "DELETE /v1/leases/{lease_id}": "app.api.leases.leases_one",
        "GET /health/{n}": "app.api.leases.health",
    }
