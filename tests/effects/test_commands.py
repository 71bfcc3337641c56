"""External commands (processutils and the projects' wrappers), privsep entrypoints, os-brick connectors."""
from __future__ import annotations

UTILS = '''
from oslo_concurrency import processutils


def execute(*cmd, **kwargs):
    if 'run_as_root' in kwargs:
        kwargs['root_helper'] = 'sudo cinder-rootwrap'
    return processutils.execute(*cmd, **kwargs)
'''

LVM = '''
from oslo_concurrency import processutils as putils
from os_brick import executor
from proj import utils


class LVM(executor.Executor):
    LVM_CMD_PREFIX = ['env', 'LC_ALL=C']

    def __init__(self, vg_name, root_helper, execute=putils.execute):
        super(LVM, self).__init__(execute=execute, root_helper=root_helper)
        self.vg_name = vg_name

    def create_volume(self, name, size_str):
        cmd = LVM.LVM_CMD_PREFIX + ['lvcreate', '-n', name, self.vg_name, '-L', size_str]
        self._execute(*cmd, root_helper=self._root_helper, run_as_root=True)

    @staticmethod
    def get_lv_info(root_helper, vg_name=None):
        cmd = LVM.LVM_CMD_PREFIX + ['lvs', '--noheadings']
        putils.execute(*cmd, root_helper=root_helper, run_as_root=True)


def copy(src, dst, ionice=None):
    cmd = []
    if ionice:
        cmd.extend(('ionice', ionice))
    cmd.extend(('dd', 'if=%s' % src, 'of=%s' % dst))
    utils.execute(*cmd, run_as_root=True)
'''

PRIVSEP = '''
from oslo_concurrency import processutils
from oslo_privsep import capabilities
from oslo_privsep import priv_context

sys_admin_pctxt = priv_context.PrivContext('proj', cfg_section='proj_sys_admin',
                                           capabilities=[capabilities.CAP_SYS_ADMIN])


@sys_admin_pctxt.entrypoint
def chown(path, uid):
    processutils.execute('chown', uid, path)
'''

VIRT = '''
from os_brick.initiator import connector
from proj import privsep


class ISCSIVolumeDriver(object):
    def __init__(self):
        self.connector = connector.InitiatorConnector.factory('ISCSI', 'sudo')

    def connect_volume(self, connection_info, path):
        privsep.chown(path, 0)
        return self.connector.connect_volume(connection_info['data'])
'''

TREE = {"proj/utils.py": UTILS, "proj/brick/lvm.py": LVM, "proj/privsep.py": PRIVSEP, "proj/virt.py": VIRT}


def test_command_name_read_through_a_class_constant_prefix(snippet):
    s = snippet(TREE)
    e = s.one("proj.brick.lvm.LVM.create_volume", "command", "lvcreate")
    d = dict(e.detail)
    assert e.action == "execute" and d["run_as_root"] is True
    assert d["runner"] == "Executor._execute"  # os-brick's executor runs the LVM class's commands
    assert d["argv"].startswith("env LC_ALL=C lvcreate -n {name}")
    assert s.one("proj.brick.lvm.LVM.get_lv_info", "command", "lvs").get("runner") == "processutils.execute"


def test_the_projects_execute_wrapper_and_a_list_built_by_extend(snippet):
    s = snippet(TREE)
    e = s.one("proj.brick.lvm.copy", "command", "dd")  # 'ionice' is a prefix, not the program
    assert e.get("runner") == "utils.execute" and e.get("run_as_root") is True


def test_privsep_entrypoint_and_its_command(snippet):
    s = snippet(TREE)
    effects = s.names("proj.virt.ISCSIVolumeDriver.connect_volume", "command")
    assert ("privsep.chown", "privsep") in effects
    assert ("chown", "execute") in effects  # what runs in the privileged daemon
    priv = s.one("proj.virt.ISCSIVolumeDriver.connect_volume", "command", "privsep.chown")
    assert priv.get("context") == "sys_admin_pctxt" and priv.via == ("proj.privsep.chown",)


def test_os_brick_connector_call_with_its_protocol(snippet):
    s = snippet(TREE)
    e = s.one("proj.virt.ISCSIVolumeDriver.connect_volume", "command", "connect_volume")
    assert e.action == "os-brick" and e.get("protocol") == "ISCSI"


UNSURE = '''
import bz2

from os_brick.initiator import connector


def connect(flag, info):
    conn = connector.InitiatorConnector.factory('ISCSI', 'sudo') if flag else bz2
    conn.connect_volume(info)
    sure = connector.InitiatorConnector.factory('RBD', 'sudo')
    return sure.disconnect_volume(info)
'''


def test_a_callee_that_may_be_another_librarys_is_no_os_brick_call(snippet):
    """``conn`` may be the connector or the bz2 module: nothing says the call is os-brick's."""
    s = snippet({"proj/unsure.py": UNSURE})
    assert s.names("proj.unsure.connect", "command") == {("disconnect_volume", "os-brick")}
