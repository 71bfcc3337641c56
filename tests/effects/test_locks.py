"""Locks: lockutils (with a prefix factory), lock wrappers over tooz coordination, lock names as templates."""
from __future__ import annotations

UTILS = '''
from oslo_concurrency import lockutils

synchronized = lockutils.synchronized_with_prefix('proj-')
'''

COORDINATION = '''
import decorator
from tooz import coordination


class Coordinator(object):
    def __init__(self, prefix=None):
        self.coordinator = None
        self.prefix = prefix

    def start(self):
        self.coordinator = coordination.get_coordinator('file:///tmp', 'me')

    def get_lock(self, name):
        lock_name = (self.prefix + name).encode('ascii')
        return self.coordinator.get_lock(lock_name)


COORDINATOR = Coordinator(prefix='proj-')


def synchronized(lock_name, blocking=True, coordinator=COORDINATOR):
    @decorator.decorator
    def _synchronized(f, *a, **k):
        lock = coordinator.get_lock(lock_name.format(**k))
        with lock(blocking):
            return f(*a, **k)
    return _synchronized
'''

MANAGER = '''
from oslo_concurrency import lockutils
from proj import coordination
from proj import utils


class Manager(object):
    def attach_volume(self, context, instance, bdm):
        @utils.synchronized(instance.uuid)
        def do_attach_volume(context, instance, bdm):
            return bdm

        do_attach_volume(context, instance, bdm)

    @coordination.synchronized('{volume.id}-{f_name}')
    def delete_volume(self, context, volume):
        with lockutils.lock('refresh_cache-%s' % volume.id, external=True):
            pass
'''

TREE = {"proj/utils.py": UTILS, "proj/coordination.py": COORDINATION, "proj/manager.py": MANAGER}


def test_prefixed_lockutils_decorator_on_a_closure(snippet):
    s = snippet(TREE)
    closure = "proj.manager.Manager.attach_volume.<locals>.do_attach_volume"
    e = s.one(closure, "lock", "proj-{instance.uuid}")
    assert e.action == "lockutils" and e.site == "proj/manager.py:9"  # the def it guards
    assert s.names("proj.manager.Manager.attach_volume", "lock") == {("proj-{instance.uuid}", "lockutils")}


def test_a_program_wrapper_over_tooz_and_an_external_lock(snippet):
    s = snippet(TREE)
    locks = s.names("proj.manager.Manager.delete_volume", "lock")
    # cinder's coordination.synchronized: its template, behind the prefix Coordinator.get_lock puts in front
    # (self.prefix, which COORDINATOR was made with)
    assert ("proj-{volume.id}-{f_name}", "tooz") in locks and ("{volume.id}-{f_name}", "tooz") not in locks
    external = s.one("proj.manager.Manager.delete_volume", "lock", "refresh_cache-{volume.id}")
    assert external.action == "lockutils" and external.get("external") is True


COORDINATION_NEWEST = COORDINATION.replace('''def synchronized(lock_name, blocking=True, coordinator=COORDINATOR):
    @decorator.decorator
    def _synchronized(f, *a, **k):
        lock = coordinator.get_lock(lock_name.format(**k))
        with lock(blocking):
            return f(*a, **k)
    return _synchronized''', '''def synchronized(*lock_names, blocking=True, coordinator=COORDINATOR):
    @decorator.decorator
    def _synchronized(f, *a, **k):
        names = sorted(set([name.format(**k) for name in lock_names]))
        locks = [coordinator.get_lock(name) for name in names]
        return f(*a, **k)
    return _synchronized''')


def test_a_wrapper_taking_several_names(snippet):
    """The newest cinder's coordination.synchronized(*lock_names): the names reach get_lock through locals."""
    s = snippet({"proj/utils.py": UTILS, "proj/coordination.py": COORDINATION_NEWEST, "proj/manager.py": MANAGER})
    assert ("proj-{volume.id}-{f_name}", "tooz") in s.names("proj.manager.Manager.delete_volume", "lock")


def test_a_direct_get_lock_gets_the_coordinator_prefix_and_no_prefix_is_made_up(snippet):
    """``COORDINATOR.get_lock(name)`` called plainly takes the prefix too; a coordinator made without one
    (``prefix=None``) puts nothing in front."""
    direct = MANAGER + '''

    def extend_volume(self, context, volume):
        with coordination.COORDINATOR.get_lock('extend-%s' % volume.id):
            pass
'''
    s = snippet({"proj/utils.py": UTILS, "proj/coordination.py": COORDINATION, "proj/manager.py": direct})
    assert s.names("proj.manager.Manager.extend_volume", "lock") == {("proj-extend-{volume.id}", "tooz")}
    bare = COORDINATION.replace("Coordinator(prefix='proj-')", "Coordinator()")
    s = snippet({"proj/utils.py": UTILS, "proj/coordination.py": bare, "proj/manager.py": direct})
    assert s.names("proj.manager.Manager.extend_volume", "lock") == {("extend-{volume.id}", "tooz")}
