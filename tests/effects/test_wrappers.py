"""Code that runs around a function: its decorators' wrappers (learnt from the decorator's code, nothing per
name) and the ``__enter__``/``__exit__`` of a ``with`` statement's object."""
from __future__ import annotations

from tests.effects.test_database import FRONT, OBJECTS_BASE, OBJECTS_VOLUME

MODELS = '''
class BASE(object):
    pass


class Volume(BASE):
    __tablename__ = 'volumes'


class InstanceActionEvent(BASE):
    __tablename__ = 'instance_actions_events'


class InstanceFault(BASE):
    __tablename__ = 'instance_faults'
'''

API = '''
from proj.db.sqlalchemy import models


def get_session():
    return None


def model_query(context, model):
    return get_session().query(model)


def volume_get(context, volume_id):
    return model_query(context, models.Volume).filter_by(id=volume_id).first()


def action_event_start(context, values):
    get_session().add(models.InstanceActionEvent())


def action_event_finish(context, values):
    model_query(context, models.InstanceActionEvent).filter_by(**values).update(values)


def instance_fault_create(context, values):
    get_session().add(models.InstanceFault())
'''

FRONT_MORE = FRONT + '''

def action_event_start(context, values):
    return IMPL.action_event_start(context, values)


def action_event_finish(context, values):
    return IMPL.action_event_finish(context, values)


def instance_fault_create(context, values):
    return IMPL.instance_fault_create(context, values)
'''

UTILS = '''
import functools

from proj import db


class EventReporter(object):
    def __init__(self, context, event_name, uuid):
        self.context = context
        self.event_name = event_name
        self.uuid = uuid

    def __enter__(self):
        db.action_event_start(self.context, {'event': self.event_name})
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        db.action_event_finish(self.context, {'event': self.event_name})
        return False


def wrap_instance_event(prefix):
    def helper(function):
        @functools.wraps(function)
        def decorated_function(self, context, *args, **kwargs):
            event_name = '{0}_{1}'.format(prefix, function.__name__)
            with EventReporter(context, event_name, kwargs['instance']):
                return function(self, context, *args, **kwargs)
        return decorated_function
    return helper


def wrap_instance_fault(function):
    @functools.wraps(function)
    def decorated_function(self, context, *args, **kwargs):
        try:
            return function(self, context, *args, **kwargs)
        except Exception:
            db.instance_fault_create(context, {})
            raise
    return decorated_function


def plain(context, volume_id):
    return db.volume_get(context, volume_id)


wrapped_plain = wrap_instance_fault(plain)
'''

MANAGER = '''
import functools

from proj import db
from proj.compute import utils as compute_utils
from proj.compute.utils import wrap_instance_fault


def reverts_task_state(function):
    @functools.wraps(function)
    def decorated_function(self, context, *args, **kwargs):
        try:
            return function(self, context, *args, **kwargs)
        except Exception:
            self._instance_update(context, kwargs['instance'])
            raise
    return decorated_function


class ComputeManager(object):
    def _instance_update(self, context, instance):
        db.action_event_start(context, {})

    @reverts_task_state
    def stop_instance(self, context, instance):
        pass

    @compute_utils.wrap_instance_event(prefix='compute')
    @wrap_instance_fault
    def reboot_instance(self, context, instance, volume_id):
        db.volume_get(context, volume_id)

    def unwrapped(self, context, volume_id):
        db.volume_get(context, volume_id)
'''

TREE = {"proj/db/sqlalchemy/models.py": MODELS, "proj/db/sqlalchemy/api.py": API, "proj/db/__init__.py": FRONT_MORE,
        "proj/objects/base.py": OBJECTS_BASE, "proj/objects/volume.py": OBJECTS_VOLUME,
        "proj/compute/utils.py": UTILS, "proj/compute/manager.py": MANAGER}
REBOOT = "proj.compute.manager.ComputeManager.reboot_instance"


def test_a_decorated_function_does_what_its_decorators_wrappers_do(snippet):
    s = snippet(TREE)
    tables = s.names(REBOOT, "database")
    # the EventReporter the wrapper enters and exits around the call, the function's own read
    assert tables == {("instance_actions_events", "write"), ("instance_actions_events", "read"), ("volumes", "read")}
    event = s.one(REBOOT, "database", "instance_actions_events")
    assert event.via[0] == "@compute_utils.wrap_instance_event" and event.via[1].startswith("EventReporter.__")
    assert s.names("proj.compute.manager.ComputeManager.unwrapped", "database") == {("volumes", "read")}


def test_the_fault_a_wrapper_records_in_its_except_handler_is_an_error_path(snippet):
    s = snippet(TREE)
    assert ("instance_faults", "write") not in s.names(REBOOT, "database")
    fault = next(e for e in s.effects(REBOOT, errors=True) if e.name == "instance_faults")
    assert fault.via[0] == "@wrap_instance_fault" and fault.get("guard") == ("except Exception",)
    assert fault.get("conditional") is True


def test_the_wrapper_is_the_returned_closure_that_calls_the_decorated_function(snippet):
    """Which closure is the wrapper, and the name it calls the decorated function by (a wrapper's own call of
    it is never its effect); a function that returns no closure of its own is no decorator."""
    s = snippet(TREE)
    w = s.summaries.analysis.wrappers
    utils = "proj.compute.utils"
    assert w.wrapper(f"{utils}.wrap_instance_fault") == (f"{utils}.wrap_instance_fault.<locals>.decorated_function", "function")
    event = f"{utils}.wrap_instance_event.<locals>.helper.<locals>.decorated_function"
    assert w.wrapper(f"{utils}.wrap_instance_event") == (event, "function")
    assert w.called(event) == "function" and w.called(f"{utils}.plain") is None
    assert w.wrapper(f"{utils}.plain") is None and w.wrapper(f"{utils}.EventReporter.__enter__") is None


def test_a_wrapper_calling_a_method_on_its_first_parameter_calls_the_decorated_methods_class(snippet):
    """reverts_task_state's wrapper gets the decorated method's ``self``: ``self._instance_update`` is
    ComputeManager's, the class whose methods it decorates."""
    s = snippet(TREE)
    stop = "proj.compute.manager.ComputeManager.stop_instance"
    assert s.names(stop, "database") == set()
    [e] = [e for e in s.effects(stop, errors=True) if e.name == "instance_actions_events"]
    assert e.via[:2] == ("@reverts_task_state", "ComputeManager._instance_update") and e.get("conditional") is True
