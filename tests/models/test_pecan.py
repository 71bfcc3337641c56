"""The pecan model: a hook's objects on the request, and a RestController tree's routes."""
from __future__ import annotations

from tests.models.snippets import edges, link
from tracer.link.routes import Routes

FILES = {
    "app/api/config.py": """
        from app.api import hooks

        app = {'root': 'app.api.root.RootController', 'hooks': [hooks.RPCHook()]}
        """,
    "app/api/hooks.py": """
        from pecan import hooks
        from app import compute

        class RPCHook(hooks.PecanHook):
            def before(self, state):
                state.request.compute_api = compute.API()
        """,
    "app/compute.py": """
        class API:
            def stop(self, ident):
                pass
        """,
    "app/api/root.py": """
        import pecan
        from pecan import rest

        class ThingsController(rest.RestController):
            _custom_actions = {'stop': ['POST']}

            @pecan.expose('json')
            def get_all(self):
                pass

            @pecan.expose('json')
            def post(self, **body):
                pass

            @pecan.expose('json')
            def stop(self, ident):
                pecan.request.compute_api.stop(ident)

        class V1(rest.RestController):
            things = ThingsController()

        class RootController(rest.RestController):
            v1 = V1()
        """,
}


def test_controller_tree_routes():
    lk = link(FILES)
    assert {r.label: r.handler for r in Routes(lk.r).routes} == {
        "GET /v1/things": "app.api.root.ThingsController.get_all",
        "POST /v1/things": "app.api.root.ThingsController.post",
        "POST /v1/things/{id}/stop": "app.api.root.ThingsController.stop",
    }


def test_request_attribute_put_by_a_hook():
    assert edges(link(FILES), "app.api.root.ThingsController.stop") == {("call", "app.compute.API.stop")}


LOADED = {
    "app/api/root.py": """
        import pecan
        from pecan import rest
        from stevedore import enabled

        class V2Controller(rest.RestController):
            def __init__(self):
                self.extension_manager = enabled.EnabledExtensionManager(
                    check_func=lambda ext: True, namespace='app.api.v2.extensions', invoke_on_load=True)
                for ext in self.extension_manager.extensions:
                    setattr(self, ext.obj.name, ext.obj)

        class RootController(object):
            v2 = V2Controller()

            @pecan.expose()
            def index(self):
                pass

        def make_app():
            config = {'app': {'modules': ['app.api'], 'root': 'app.api.root.RootController'}}
            return pecan.load_app(config)
        """,
    "app/api/leases.py": """
        from pecan import rest

        class LeasesController(rest.RestController):
            name = 'leases'

            def post(self, lease):
                pass
        """,
}


def test_a_nested_app_config_and_sub_controllers_set_by_setattr_from_plugins():
    lk = link(LOADED, {"app.api.v2.extensions": {"leases": "app.api.leases:LeasesController"}})
    assert {r.label: r.handler for r in Routes(lk.r).routes} == {
        "GET /": "app.api.root.RootController.index",
        "POST /v2/leases": "app.api.leases.LeasesController.post",
    }


SET_IN_INIT = {
    "app/api/app.py": """
        import pecan
        from app.api import root

        def setup_app():
            return pecan.make_app(root.RootController())
        """,
    "app/api/root.py": """
        from pecan import rest
        from wsmeext import pecan as wsme_pecan

        class PoolsController(rest.RestController):
            @wsme_pecan.wsexpose(None, status_code=201)
            def post(self, pool):
                pass

        class BaseV2(rest.RestController):
            def __init__(self):
                self.pools = PoolsController()
                self._hidden = PoolsController()

        class V2(BaseV2):
            def __init__(self):
                super().__init__()
                self.lbaas = BaseV2()

        class RootController:
            def __init__(self):
                self.v2 = V2()

            @wsme_pecan.wsexpose(None)
            def index(self):
                pass
        """,
}


def test_sub_controllers_set_in_init_and_wsme_exposed_methods_are_routed():
    assert {r.label: r.handler for r in Routes(link(SET_IN_INIT).r).routes} == {
        "GET /": "app.api.root.RootController.index",
        "POST /v2/pools": "app.api.root.PoolsController.post",
        "POST /v2/lbaas/pools": "app.api.root.PoolsController.post",
    }


LOOKUP = {
    "app/api/config.py": """
        app = {'root': 'app.api.root.RootController'}
        """,
    "app/api/version.py": """
        ID_VERSION1 = 'v1'
        """,
    "app/api/root.py": """
        import pecan
        from pecan import rest
        from app.api import version

        class PortsController(rest.RestController):
            def __init__(self, node_ident=None):
                self.node_ident = node_ident

            @pecan.expose()
            def post(self, port):
                pass

        class NodesController(rest.RestController):
            _subcontroller_map = {'ports': PortsController}

            @pecan.expose()
            def post(self, node):
                pass

            @pecan.expose()
            def _lookup(self, ident, *remainder):
                subcontroller = self._subcontroller_map.get(remainder[0])
                if subcontroller:
                    return subcontroller(node_ident=ident), remainder[1:]

        class V1Controller:
            _subcontroller_map = {'nodes': NodesController()}

            @pecan.expose()
            def index(self):
                pass

            @pecan.expose()
            def _lookup(self, primary_key, *remainder):
                controller = self._subcontroller_map.get(primary_key)
                return controller, remainder

        V1 = V1Controller()

        class RootController:
            @pecan.expose()
            def _lookup(self, primary_key, *remainder):
                if primary_key and primary_key != version.ID_VERSION1:
                    remainder = [primary_key] + list(remainder)
                return V1, remainder
        """,
}


def test_lookup_routes_to_what_it_returns():
    # by a dict read with the key: under each dict key; with remainder[0]: under {key}/<dict key>; else
    # under the literal the key is compared with
    assert {r.label: r.handler for r in Routes(link(LOOKUP).r).routes} == {
        "GET /v1": "app.api.root.V1Controller.index",
        "POST /v1/nodes": "app.api.root.NodesController.post",
        "POST /v1/nodes/{ident}/ports": "app.api.root.PortsController.post",
    }


def test_a_rest_controllers_sub_controller_comes_after_the_ids_its_get_one_takes():
    """pecan's ``_find_sub_controllers``: ``/nodes/{id}/states``, and the id routed there fills the first
    parameter of the sub-controller's methods; a PUT custom action names the action first, a GET one last
    (``_handle_custom_action``), after an id only when the method takes one beyond those routed."""
    lk = link({
        "app/api/root.py": """
            import pecan
            from pecan import rest

            class StatesController(rest.RestController):
                _custom_actions = {'provision': ['PUT'], 'history': ['GET']}

                @pecan.expose()
                def get(self, node_ident):
                    pass

                @pecan.expose()
                def provision(self, node_ident, target):
                    pass

                @pecan.expose()
                def history(self, node_ident):
                    pass

            class NodesController(rest.RestController):
                states = StatesController()
                _custom_actions = {'detail': ['GET'], 'enable': ['PUT']}

                @pecan.expose()
                def get_one(self, node_ident, fields=None):
                    pass

                @pecan.expose()
                def detail(self, fields=None):
                    pass

                @pecan.expose()
                def enable(self, node_ident):
                    pass

            class RootController(object):
                nodes = NodesController()

            app = {'root': 'app.api.root.RootController'}
            """,
    })
    got = {(r.method, r.path, r.handler.rsplit(".", 1)[1]) for r in lk.models["pecan"].routes()}
    assert got == {
        ("GET", "/nodes/{id}", "get_one"), ("GET", "/nodes/detail", "detail"), ("PUT", "/nodes/enable", "enable"),
        ("GET", "/nodes/{id}/states", "get"), ("PUT", "/nodes/{id}/states/provision", "provision"),
        ("GET", "/nodes/{id}/states/history", "history"),
    }


OWN_VERBS = {
    "app/api/app.py": """
        import pecan
        from app.api import root

        def setup_app():
            return pecan.make_app(root.RootController())
        """,
    "app/api/rest.py": """
        import pecan
        from pecan import rest

        class RestController(rest.RestController):
            def _handle_post(self, method, remainder, request=None):
                if not remainder:
                    controller = self._find_controller('post_all', 'post')
                    return controller, []
                return self._find_controller('post_one', 'post'), remainder

            def _handle_delete(self, method, remainder, request=None):
                return self._find_controller('delete_one', 'delete'), remainder
        """,
    "app/api/root.py": """
        import pecan
        from app.api import rest

        class ZonesController(rest.RestController):
            @pecan.expose()
            def get_one(self, zone_id):
                pass

            @pecan.expose()
            def post_all(self):
                pass

            @pecan.expose()
            def delete_one(self, zone_id):
                pass

        class RootController:
            zones = ZonesController()
        """,
}


def test_a_rest_base_that_looks_up_its_own_verb_names_routes_to_them():
    # designate's RestController: _handle_post asks for post_all (the collection) or post_one (one member)
    assert {r.label: r.handler for r in Routes(link(OWN_VERBS).r).routes} == {
        "GET /zones/{id}": "app.api.root.ZonesController.get_one",
        "POST /zones": "app.api.root.ZonesController.post_all",
        "DELETE /zones/{id}": "app.api.root.ZonesController.delete_one",
    }
