"""Notifications: oslo.messaging notifier calls (legacy) and versioned notification objects."""
from __future__ import annotations

RPC = '''
import oslo_messaging as messaging

NOTIFIER = None


def init(conf):
    global NOTIFIER
    NOTIFIER = messaging.Notifier(messaging.get_notification_transport(conf))


def get_notifier(service=None, host=None):
    return NOTIFIER.prepare(publisher_id='%s.%s' % (service, host))


class WrappingNotifier(object):
    def __init__(self, notifier):
        self.notifier = notifier

    def info(self, ctxt, event_type, payload):
        self.notifier.info(ctxt, event_type, payload)


def get_wrapped(service):
    return WrappingNotifier(NOTIFIER.prepare(publisher_id=service))
'''

UTILS = '''
from proj import rpc


def notify_about_volume_usage(context, volume, event_suffix, host=None):
    rpc.get_notifier("volume", host).info(context, 'volume.%s' % event_suffix, {})


def notify_usage(notifier, context, event_suffix):
    method = notifier.info if event_suffix else notifier.error
    method(context, 'compute.instance.%s' % event_suffix, {})
'''

FLOW = '''
from proj import utils


class NotifyTask(object):
    def __init__(self, db, event_suffix):
        self.event_suffix = event_suffix

    def execute(self, context, volume):
        utils.notify_about_volume_usage(context, volume, self.event_suffix)


def create(context, volume):
    utils.notify_about_volume_usage(context, volume, 'create.start')
    utils.notify_usage(rpc_notifier(), context, 'reboot.end')


def rpc_notifier():
    from proj import rpc
    return rpc.get_wrapped('compute')
'''

VERSIONED = '''
from proj import rpc


class EventType(object):
    def __init__(self, object, action, phase=None):
        self.object = object


class InstanceActionNotification(object):
    def __init__(self, event_type, payload):
        self.event_type = event_type

    def emit(self, context):
        notifier = rpc.get_notifier('compute')
        notify = getattr(notifier, 'info')
        notify(context, event_type='x', payload={})


def notify_about_instance_action(context, instance, action, phase=None):
    notification = InstanceActionNotification(
        event_type=EventType(object='instance', action=action, phase=phase), payload={})
    notification.emit(context)


def reboot(context, instance):
    notify_about_instance_action(context, instance, action='reboot', phase='start')
'''

TREE = {"proj/rpc.py": RPC, "proj/utils.py": UTILS, "proj/flow.py": FLOW, "proj/versioned.py": VERSIONED}


def test_legacy_notifier_made_in_init_under_global(snippet):
    s = snippet(TREE)
    # alone, the suffix is what the callers pass as literals (NotifyTask's own is known only on a trace)
    e = s.one("proj.utils.notify_about_volume_usage", "notification", "volume.create.start")
    assert (e.action, dict(e.detail)["priority"]) == ("legacy", "info")
    assert e.site == "proj/utils.py:5"


def test_event_type_built_from_the_callers_literal(snippet):
    s = snippet(TREE)
    names = s.names("proj.flow.create", "notification")
    assert ("volume.create.start", "legacy") in names
    aliased = s.one("proj.flow.create", "notification", "compute.instance.reboot.end")  # method = notifier.info
    assert dict(aliased.detail)["priority"] == "error/info"
    assert aliased.via == ("proj.utils.notify_usage",)


def test_versioned_notification_joins_the_event_type_parts(snippet):
    s = snippet(TREE)
    e = s.one("proj.versioned.reboot", "notification", "instance.reboot.start")
    assert e.action == "versioned" and dict(e.detail)["class"] == "InstanceActionNotification"
    alone = s.names("proj.versioned.notify_about_instance_action", "notification")
    assert alone == {("instance.reboot.start", "versioned")}  # alone: what the callers pass
