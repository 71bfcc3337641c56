"""Configuration options: declared with cfg.*Opt, registered under a group elsewhere, read as attributes."""
from __future__ import annotations

OPTS = '''
from oslo_config import cfg

images_group = cfg.OptGroup('images', title='Image options')
ALL_OPTS = [
    cfg.StrOpt('images_type', default='default', choices=('raw', 'rbd'),
               help="""VM images format. If default is specified, then use_cow_images flag is used."""),
    cfg.IntOpt('retries', default=3, help=_('How many times.')),
]

def register_opts(conf):
    conf.register_group(images_group)
    conf.register_opts(ALL_OPTS, group=images_group)
'''

CONF_INIT = '''
from oslo_config import cfg
from proj.conf import images

CONF = cfg.CONF
images.register_opts(CONF)
CONF.register_opts([cfg.StrOpt('host', default='node-1', help='Name of this node.')])
'''

USER = '''
import proj.conf

CONF = proj.conf.CONF

def spawn(instance):
    if CONF.images.images_type == 'rbd':
        return CONF.host
    retry(CONF.images.retries, CONF.images)
    return cfg_value(CONF.unknown_elsewhere)
'''


def test_option_declared_in_one_module_registered_under_a_group_in_another(snippet):
    s = snippet({"proj/conf/images.py": OPTS, "proj/conf/__init__.py": CONF_INIT, "proj/virt.py": USER})
    e = s.one("proj.virt.spawn", "config", "images.images_type")
    d = dict(e.detail)
    assert e.action == "path"  # read in the if's test: it picks the branch
    assert (d["group"], d["type"], d["default"]) == ("images", "StrOpt", "default")
    assert d["help"] == "VM images format."
    assert d["declared"] == "proj/conf/images.py:5"
    assert e.site == "proj/virt.py:6"


def test_default_group_read_and_a_group_object_is_no_option(snippet):
    s = snippet({"proj/conf/images.py": OPTS, "proj/conf/__init__.py": CONF_INIT, "proj/virt.py": USER})
    options = s.names("proj.virt.spawn", "config")
    assert ("host", "read") in options  # under the if, not in its test
    assert ("images.retries", "read") in options
    assert dict(s.one("proj.virt.spawn", "config", "images.retries").detail)["help"] == "How many times."
    assert not any(name == "images" for name, _ in options)  # CONF.images passed along is a group
    undeclared = s.one("proj.virt.spawn", "config", "unknown_elsewhere")
    assert "declared" not in dict(undeclared.detail)  # declared by a library the trees do not hold


BACKEND = '''
from oslo_config import cfg
from oslo_utils import importutils

CONF = cfg.CONF
backend_opts = [cfg.StrOpt('volume_driver', default='proj.drivers.lvm.LVMDriver', help='Driver to use.')]
CONF.register_opts(backend_opts, group='backend_defaults')


class Configuration(object):
    def __init__(self, opts, config_group=None):
        self.local_conf = CONF._get(config_group)

    def __getattr__(self, value):
        local_conf = object.__getattribute__(self, 'local_conf')
        return getattr(local_conf, value)


class Manager(object):
    def __init__(self, service_name):
        self.configuration = Configuration(backend_opts, config_group=service_name)
        self.driver = importutils.import_object(self.configuration.volume_driver,
                                                configuration=self.configuration)

    def create_volume(self, volume):
        return self.driver.create_volume(volume)
'''

LVM = '''
from oslo_config import cfg

CONF = cfg.CONF
lvm_opts = [cfg.StrOpt('volume_group', default='cinder-volumes', help='Name for the VG.')]
CONF.register_opts(lvm_opts, group='backend_defaults')


class BaseDriver(object):
    def __init__(self, *args, **kwargs):
        self.configuration = kwargs.get('configuration', None)


class LVMDriver(BaseDriver):
    def create_volume(self, volume):
        name = self.configuration.volume_group
        size = self.configuration.safe_get('volume_group')
        return name, size
'''


def test_backend_options_read_through_the_configuration_proxy_a_driver_is_given(snippet):
    s = snippet({"proj/manager.py": BACKEND, "proj/drivers/lvm.py": LVM})
    assert s.names("proj.drivers.lvm.LVMDriver.create_volume", "config") == {("<backend>.volume_group", "read")}
    e = s.one("proj.drivers.lvm.LVMDriver.create_volume", "config", "<backend>.volume_group")
    assert dict(e.detail)["default"] == "cinder-volumes"
    assert ("<backend>.volume_driver", "read") in s.names("proj.manager.Manager.__init__", "config")


def test_the_option_whose_default_names_the_configured_driver(snippet):
    s = snippet({"proj/manager.py": BACKEND, "proj/drivers/lvm.py": LVM})
    [t] = s.summaries.driver_option("proj.drivers.lvm.LVMDriver")
    assert (t.kind, t.action, t.name) == ("config", "driver", (("backend_defaults.volume_driver",),))
    assert dict(t.detail)["default"] == "proj.drivers.lvm.LVMDriver"


LVM_KEYWORD = LVM.replace("""    def __init__(self, *args, **kwargs):
        self.configuration = kwargs.get('configuration', None)""", """    def __init__(self, *args, configuration=None, **kwargs):
        self.configuration = configuration""")


def test_the_proxy_handed_as_a_keyword_parameter_of_init(snippet):
    """The newest cinder's BaseVD.__init__(self, execute, configuration, ...)."""
    s = snippet({"proj/manager.py": BACKEND, "proj/drivers/lvm.py": LVM_KEYWORD})
    assert s.names("proj.drivers.lvm.LVMDriver.create_volume", "config") == {("<backend>.volume_group", "read")}


LVM_INTERFACE = LVM.replace("""        self.configuration = kwargs.get('configuration', None)
""", """        self.configuration = kwargs.get('configuration', None)

    def create_volume(self, volume):
        raise NotImplementedError()
""")
RBD = '''
from proj.drivers.lvm import BaseDriver


class RBDDriver(BaseDriver):
    def create_volume(self, volume):
        return self.configuration.safe_get('rbd_pool')
'''


def test_the_driver_option_says_which_class_the_trace_follows(snippet):
    """Under ``--driver rbd`` the option still has its default (LVM): the effect says the trace follows RBD."""
    from tracer import api
    from tracer.effects import report
    from tracer.graph.records import TraceOptions

    s = snippet({"proj/manager.py": BACKEND, "proj/drivers/lvm.py": LVM_INTERFACE, "proj/drivers/rbd.py": RBD})
    for drivers, follows in (((), "proj.drivers.lvm.LVMDriver"), (("rbd",), "proj.drivers.rbd.RBDDriver")):
        t = api.trace(s.ws, "proj.manager.Manager.create_volume", TraceOptions(drivers=drivers), effects=True)
        [e] = [e for h in t.hops for e in h.effects if e.action == "driver"]
        assert (e.name, e.get("default"), e.get("follows")) == (
            "backend_defaults.volume_driver", "proj.drivers.lvm.LVMDriver", follows)
    rows = [e for _, e in report.operation(t)]
    assert report.summary(rows)["config"]["drivers"] == [{"option": "backend_defaults.volume_driver",
                                                          "default": "proj.drivers.lvm.LVMDriver",
                                                          "follows": "proj.drivers.rbd.RBDDriver"}]
    assert "backend_defaults.volume_driver (default LVMDriver; traced: RBDDriver)" in report.headline(report.summary(rows))[1]
    assert "the trace follows proj.drivers.rbd.RBDDriver" in "\n".join(report.text_lines(t))


def test_a_class_an_option_loads_with_nothing_else_to_pick_still_has_its_option(snippet):
    """With one implementation the call is a plain call (no driver hop): the option chose the class all the same
    (Stein cinder had NestedDbQuotaDriver beside DbQuotaDriver, the newest not; quota_driver picks it in both)."""
    s = snippet({"proj/manager.py": BACKEND, "proj/drivers/lvm.py": LVM})
    e = s.one("proj.manager.Manager.create_volume", "config", "backend_defaults.volume_driver")
    assert (e.action, e.site, e.get("follows")) == ("driver", "proj/manager.py:25", "proj.drivers.lvm.LVMDriver")
