"""The routes model (mapper.resource, @wsgi.action) and the clients model (a request answered by a route)."""
from __future__ import annotations

from tests.models.snippets import link
from tracer.link.routes import Routes

FILES = {
    "app/api/v2/router.py": """
        import routes
        from app.api.v2 import things

        class APIRouter:
            def __init__(self, mapper):
                mapper.resource('thing', 'things', controller=things.create_resource())
        """,
    "app/api/v2/things.py": """
        from app.api import wsgi

        class ThingController(wsgi.Controller):
            def show(self, req, id):
                pass

            def create(self, req, body):
                pass

            @wsgi.action('os-grow')
            def _grow(self, req, id, body):
                pass

        def create_resource():
            return wsgi.Resource(ThingController())
        """,
    "app/api/wsgi.py": """
        class Controller:
            pass

        class Resource:
            def __init__(self, controller):
                self.controller = controller

        def action(name):
            return lambda f: f
        """,
    "caller/use.py": """
        class Client:
            def __init__(self, http):
                self.http = http

            def post(self, url, body=None):
                return self.http.post(url, body=body)

        class API:
            def __init__(self):
                self.client = Client(None)

            def grow(self, thing_id):
                body = {'os-grow': {'by': 1}}
                self.client.post('/things/%s/action' % thing_id, body=body)

            def elsewhere(self):
                self.client.post('/widgets', body={})
        """,
}


def test_resource_and_action_routes():
    lk = link(FILES)
    labels = {r.label: r.handler for r in Routes(lk.r).routes}
    assert labels == {
        "GET /v2/things/{id}": "app.api.v2.things.ThingController.show",
        "POST /v2/things": "app.api.v2.things.ThingController.create",
        "POST /v2/things/{id}/action os-grow": "app.api.v2.things.ThingController._grow",
    }


def test_request_lands_on_the_route_or_is_external():
    lk = link(FILES)
    rest = [e for e in lk.edges("caller.use.API.grow") if e.kind == "rest"]
    assert [(e.target, dict(e.meta)["http"]) for e in rest] == [
        ("app.api.v2.things.ThingController._grow", "POST /v2/things/{id}/action")]
    external = [e for e in lk.edges("caller.use.API.elsewhere") if e.kind == "rest"]
    assert [e.target for e in external] == ["external POST /widgets"]


OWN_PATH = {
    "app/api/v2/router.py": FILES["app/api/v2/router.py"].replace("'thing', 'things'", "'extension', 'extensions'"),
    "app/api/v2/things.py": FILES["app/api/v2/things.py"].replace("def show(self, req, id)", "def index(self, req)"),
    "app/api/wsgi.py": FILES["app/api/wsgi.py"],
    "app/network.py": """
        from neutronclient.v2_0 import client

        class API:
            def __init__(self):
                self.client = client.Client()

            def list_extensions(self):
                return self.client.list_extensions()
        """,
    "neutronclient/v2_0/client.py": """
        class Client:
            def get(self, action):
                pass

            def list_extensions(self):
                return self.get('/extensions')
        """,
}


def test_a_client_library_request_goes_to_the_service_it_serves_not_to_the_callers_own_route():
    lk = link(OWN_PATH, clients=("neutronclient",))
    assert "GET /v2/extensions" in {r.label for r in Routes(lk.r).routes}
    rest = [e for e in lk.edges("app.network.API.list_extensions") if e.kind == "rest"]
    assert [(e.target, dict(e.meta)["service"]) for e in rest] == [("neutron-api GET /extensions", "neutron-api")]


DECORATED = {
    "app/v1.py": """
        class Rest:
            def post(self, rule):
                return lambda f: f

        rest = Rest()

        class API:
            def create(self):
                pass

        @rest.post('/leases')
        def leases_create():
            API().create()
        """,
}


def test_a_verb_call_in_a_decorator_declares_a_route_it_sends_nothing():
    found = {(e.kind, e.target) for e in link(DECORATED).edges("app.v1.leases_create")}
    assert ("call", "app.v1.API.create") in found
    assert not [k for k, _ in found if k == "rest"]


CONNECTED = {
    "app/api/v1/router.py": """
        import routes
        from app.api.v1 import things, widgets

        class API:
            def __init__(self):
                mapper = routes.Mapper()
                res = things.ThingController()
                with mapper.submapper(controller=res) as sub:
                    sub.connect('thing_create', '/things', action='create', conditions={'method': 'POST'})
                res = widgets.WidgetController()
                with mapper.submapper(controller=res, path_prefix='/{project}') as sub:
                    sub.connect('/widgets/{id}', action='show', conditions={'method': 'GET,HEAD'})
        """,
    "app/api/v1/things.py": """
        class ThingController:
            def create(self, req, body):
                pass
        """,
    "app/api/v1/widgets.py": """
        class WidgetController:
            def show(self, req, id):
                pass
        """,
}


def test_connect_under_a_submapper_takes_its_controller_and_prefix():
    lk = link(CONNECTED)
    assert {r.label: r.handler for r in Routes(lk.r).routes} == {
        "POST /v1/things": "app.api.v1.things.ThingController.create",
        "GET /v1/{project}/widgets/{id}": "app.api.v1.widgets.WidgetController.show",
        "HEAD /v1/{project}/widgets/{id}": "app.api.v1.widgets.WidgetController.show",
    }


CONNECT_FORMS = {
    "app/api/v1/router.py": """
        from routes import Mapper
        from app.common.wsgi import RejectMethodController
        from app.api.v1.things import ThingController

        def make_mapper():
            res, reject, mapper = ThingController(), RejectMethodController(), Mapper()
            for prefix in ['/{project_id}', '']:
                mapper.connect('meta', '%s/things/{id}/meta' % prefix, controller=res,
                               action='create_meta', conditions={'method': ['POST']})
                mapper.connect('meta', '%s/things/{id}/meta' % prefix, controller=res,
                               action='replace_meta', conditions={'method': ('PUT', 'PATCH')})
            mapper.connect('/things', controller=res, action='index', conditions=dict(method=['GET']))
            mapper.connect('/things', controller=reject, action='reject', allowed_methods='GET')
            mapper.connect('/other', controller=reject, action='reject')
            mapper.connect('/v1', controller=reject, action='reject')
        """,
    "app/api/v1/things.py": """
        class ThingController:
            def index(self, req):
                return {'things': []}

            def create_meta(self, req, id, body):
                return body

            def replace_meta(self, req, id, body):
                return body
        """,
    "app/common/wsgi.py": """
        class RejectMethodController:
            def reject(self, req, allowed_methods):
                pass
        """,
}


def test_connect_reads_verb_lists_and_dict_conditions_and_a_fallback_gets_no_get_taken_before_it():
    routes = {r.label: r.handler for r in Routes(link(CONNECT_FORMS).r).routes}
    meta, reject = "app.api.v1.things.ThingController.", "app.common.wsgi.RejectMethodController.reject"
    assert routes == {
        **{f"{verb} /v1{pre}/things/{{id}}/meta": meta + action
           for pre in ("", "/{project_id}")
           for verb, action in (("POST", "create_meta"), ("PUT", "replace_meta"), ("PATCH", "replace_meta"))},
        "GET /v1/things": meta + "index",  # the fallback connected after it answers only other methods
        "GET /v1/other": reject,  # no method condition and nothing before it: recorded as GET
        "GET /v1": reject,  # the version written in the path: not prefixed twice
    }

HELPER = {
    "app/api/v1/__init__.py": """
        import routes
        from app.api.v1 import stacks

        class API:
            def __init__(self, conf):
                mapper = routes.Mapper()

                def connect(controller, path_prefix, routes):
                    urls = {}
                    for r in routes:
                        url = path_prefix + r['url']
                        methods = r['method']
                        if isinstance(methods, str):
                            methods = [methods]
                        methods_str = ','.join(methods)
                        mapper.connect(r['name'], url, controller=controller, action=r['action'],
                                       conditions={'method': methods_str})
                        urls[url] = methods
                    for url, methods in urls.items():
                        mapper.connect(url, controller=controller, action='reject', conditions={'method': ['PUT']})

                stacks_resource = stacks.create_resource(conf)
                connect(controller=stacks_resource, path_prefix='/{tenant_id}',
                        routes=[{'name': 'stack_index', 'url': '/stacks', 'action': 'index', 'method': 'GET'},
                                {'name': 'stack_act', 'url': '/stacks/{id}/actions', 'action': 'act',
                                 'method': ['POST', 'PATCH']}])
        """,
    "app/api/v1/stacks.py": """
        class StackController:
            def index(self, req):
                pass

            def act(self, req, id, body):
                pass

            def reject(self, req):
                pass

        def create_resource(conf):
            return Resource(StackController())

        class Resource:
            def __init__(self, controller):
                self.controller = controller
        """,
}


def test_connect_in_a_helper_declares_one_route_per_dict_each_call_passes():
    lk = link(HELPER)
    assert {r.label: r.handler for r in Routes(lk.r).routes} == {
        "GET /v1/{tenant_id}/stacks": "app.api.v1.stacks.StackController.index",
        "POST /v1/{tenant_id}/stacks/{id}/actions": "app.api.v1.stacks.StackController.act",
        "PATCH /v1/{tenant_id}/stacks/{id}/actions": "app.api.v1.stacks.StackController.act",
    }


CLIENT = {
    "lib/base.py": """
        class Manager:
            def __init__(self, api):
                self.api = api

            def _list(self, url, body=None):
                if body:
                    return self.api.client.post(url, body=body)
                else:
                    return self.api.client.get(url)

        class ServerManager(Manager):
            def list(self, detailed=True):
                detail = ""
                if detailed:
                    detail = "/detail"
                return self._list("/servers%s" % detail)
        """,
    "app/use.py": """
        from lib import base

        def servers():
            return base.ServerManager(None).list(detailed=True)
        """,
}


def test_a_client_url_part_with_a_few_values_gives_each_path_and_a_branch_the_binding_rules_out_none():
    lk = link(CLIENT, clients=("lib",))
    rest = sorted(e.target for e in lk.edges("app.use.servers") if e.kind == "rest")
    # detail is "" or "/detail" (flow-insensitive); body is not passed, so the post arm never runs
    assert rest == ["lib-api GET /servers", "lib-api GET /servers/detail"]


EXTENSIONS = {
    "app/api/openstack/__init__.py": """
        import routes

        class ProjectMapper(routes.Mapper):
            def resource(self, member_name, collection_name, **kwargs):
                routes.Mapper.resource(self, member_name, collection_name, **kwargs)

        class Resource:
            def __init__(self, controller):
                self.controller = controller

        class APIRouter:
            def __init__(self, handlers):
                mapper = ProjectMapper()
                for handler in handlers:
                    for resource in handler.get_resources():
                        kargs = dict(controller=Resource(resource.controller), member=resource.member_actions)
                        if resource.parent:
                            kargs['parent_resource'] = resource.parent
                        mapper.resource(resource.member_name, resource.collection, **kargs)

        def app():
            from app.api.openstack.ha import hosts, notifications
            return APIRouter([notifications.Notifications(), hosts.Hosts()])
        """,
    "app/api/openstack/extensions.py": """
        class ResourceExtension:
            def __init__(self, collection, controller=None, parent=None, member_actions=None, member_name=None):
                self.collection = collection
                self.controller = controller
                self.parent = parent
                self.member_actions = member_actions
                self.member_name = member_name
        """,
    "app/api/openstack/ha/notifications.py": """
        from app.api.openstack import extensions

        class NotificationsController:
            def create(self, req, body):
                pass

            def show(self, req, id):
                pass

        class Notifications:
            def get_resources(self):
                return [extensions.ResourceExtension('notifications', NotificationsController(),
                                                     member_name='notification')]
        """,
    "app/api/openstack/ha/hosts.py": """
        from app.api.openstack import extensions

        class HostsController:
            def index(self, req, segment_id):
                pass

            def check(self, req, segment_id, id):
                pass

        class Hosts:
            def get_resources(self):
                parent = {'member_name': 'segment', 'collection_name': 'segments'}
                return [extensions.ResourceExtension('hosts', HostsController(), parent=parent,
                                                     member_actions={'check': 'GET'}, member_name='host')]
        """,
}


def test_resource_objects_are_read_one_construction_at_a_time():
    lk = link(EXTENSIONS)
    assert {r.label: r.handler for r in Routes(lk.r).routes} == {
        "POST /notifications": "app.api.openstack.ha.notifications.NotificationsController.create",
        "GET /notifications/{id}": "app.api.openstack.ha.notifications.NotificationsController.show",
        "GET /segments/{segment_id}/hosts": "app.api.openstack.ha.hosts.HostsController.index",
        "GET /segments/{segment_id}/hosts/{id}/check": "app.api.openstack.ha.hosts.HostsController.check",
    }


NAMED = {
    "neutronclient/v2_0/client.py": """
        class Client:
            def __init__(self, http):
                self.http = http

            def list_ports(self):
                return self.http.get('/ports')
        """,
    "app/net.py": """
        from neutronclient.v2_0 import client
        from app import utils

        def by_client():
            client.Client(None).list_ports()

        def by_adapter():
            adapter = utils.get_sdk_adapter('network')
            adapter.get('/ports')

        def by_filter(session):
            session.get('/volumes', endpoint_filter={'service_type': 'volumev3', 'interface': 'public'})
        """,
    "app/utils.py": """
        def get_sdk_adapter(service_type):
            return None
        """,
}


def test_external_services_are_named_by_the_service_types_registry():
    lk = link(NAMED, clients=("neutronclient",))
    got = {fq: sorted((e.target, dict(e.meta)["service_type"]) for e in lk.edges(f"app.net.{fq}") if e.kind == "rest")
           for fq in ("by_client", "by_adapter", "by_filter")}
    # python-neutronclient and an adapter for 'network' are one service; an alias names its official type
    assert got == {"by_client": [("neutron-api GET /ports", "network")],
                   "by_adapter": [("neutron-api GET /ports", "network")],
                   "by_filter": [("cinder-api GET /volumes", "block-storage")]}


VERSIONED = {
    "volclient/client.py": """
        class Attachments:
            def __init__(self, api):
                self.api = api

            def create(self, volume_id):
                return self.api.post('/attachments', body={'attachment': {'volume_id': volume_id}})

        class Client:
            def __init__(self, version, session=None):
                self.attachments = Attachments(self)
        """,
    "app/volume.py": """
        from volclient import client as cinder_client

        PLACEMENT_MICROVERSION = 1.29

        def cinderclient(context, microversion=None):
            version = '3.0'
            if microversion is not None:
                version = microversion
            return cinder_client.Client(version)

        def attach(context, volume_id):
            cinderclient(context, '3.44').attachments.create(volume_id)

        class Placement:
            def post(self, url, data, microversion=PLACEMENT_MICROVERSION):
                return self.client.post(url, json=data, microversion=microversion)

            def create_provider(self):
                self.post('/resource_providers', {})
        """,
}


def test_a_literal_microversion_is_recorded_on_the_rest_edge():
    lk = link(VERSIONED, clients=("volclient",))
    got = [(e.target, dict(e.meta).get("microversion")) for e in lk.edges("app.volume.attach") if e.kind == "rest"]
    assert got == [("vol-api POST /attachments", "3.44")]
    got = [(e.target, dict(e.meta).get("microversion"))
           for e in lk.edges("app.volume.Placement.create_provider") if e.kind == "rest"]
    assert got == [("external POST /resource_providers", "1.29")]
