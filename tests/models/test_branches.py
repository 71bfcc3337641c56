"""Which way a branch goes with every option at its declared default (``tracer.link.branches``), and what
the trace does with a call under a branch the defaults rule out."""
from __future__ import annotations

from tests.models.snippets import link
from tracer.graph.index import LiveIndex
from tracer.graph.records import TraceOptions
from tracer.graph.trace import Tracer

FILES = {
    "app/conf/__init__.py": """
        from oslo_config import cfg

        from app.conf import cells, vnc

        default_opts = [cfg.StrOpt('action', default='reap'), cfg.StrOpt('connection')]
        CONF = cfg.CONF
        cells.register_opts(CONF)
        vnc.register_opts(CONF)
        CONF.register_opts(default_opts)
        """,
    "app/conf/cells.py": """
        from oslo_config import cfg

        cells_group = cfg.OptGroup('cells')
        cells_opts = [
            cfg.BoolOpt('enable', default=False),
            cfg.StrOpt('cell_type', default='compute', choices=('api', 'compute')),
        ]

        def register_opts(conf):
            conf.register_opts(cells_opts, group=cells_group)
        """,
    "app/conf/vnc.py": """
        from oslo_config import cfg

        def register_opts(conf):
            conf.register_opts([cfg.BoolOpt('enable', default=True)], group='vnc')
        """,
    "app/cells.py": """
        from app.conf import CONF

        def get_cell_type():
            if not CONF.cells.enable:
                return
            return CONF.cells.cell_type

        def cast():
            pass
        """,
    "app/api.py": """
        try:
            import rados
        except ImportError:
            rados = None
        from app import cells
        from app.conf import CONF

        def create(host):
            if CONF.cells.enable:
                cells.cast()
            else:
                local()
            if CONF.vnc.enable:
                local()
            if CONF.action == 'shutdown':
                cells.cast()
            if CONF.connection:
                cells.cast()

        def save(update):
            cell_type = cells.get_cell_type()
            from_api = (cell_type == 'api' and update)
            if from_api:
                cells.cast()
            elif cell_type == 'compute':
                cells.cast()
            if update:
                cells.cast()
            if rados is None:
                cells.cast()

        def sync():
            cell_type = cells.get_cell_type()
            if cell_type != 'compute':
                return
            cells.cast()

        def counted():
            total = 0
            for i in range(3):
                total += i
            if total:
                cells.cast()

        def local():
            pass
        """,
}


def _off(lk, fq: str) -> list[tuple[int, str]]:
    return sorted((e.line, dict(e.meta)["off_by_default"]) for e in lk.edges(fq) if dict(e.meta).get("off_by_default"))


def test_an_option_read_is_its_declared_default_in_its_group():
    lk = link(FILES)
    # cells.enable is False, vnc.enable True, action 'reap', connection has no default: None
    assert _off(lk, "app.api.create") == [(11, "if CONF.cells.enable"), (17, "if CONF.action == 'shutdown'"),
                                          (19, "if CONF.connection")]
    branches = lk.branches
    assert branches.returns("app.cells.get_cell_type") == frozenset({None})  # the early return is taken


def test_a_call_a_name_and_a_test_kept_in_a_name_are_decided_a_parameter_an_import_or_a_sum_are_not():
    lk = link(FILES)
    # from_api = (None == 'api' and update): False; None == 'compute': False; update is a parameter;
    # rados is an import or None
    assert [text for _, text in _off(lk, "app.api.save")] == ["if from_api", "elif cell_type == 'compute'"]
    # after ``if cell_type != 'compute': return`` (taken): the cast never runs
    assert _off(lk, "app.api.sync") == [(37, "returned before: if cell_type != 'compute'")]
    assert _off(lk, "app.api.counted") == []  # total += i: not known


def test_full_follows_every_call_the_skeleton_keeps_none_here():
    lk = link(FILES)
    tracer = Tracer(LiveIndex(lk, lambda fq: "app"))
    assert [h.callee for h in tracer.trace("app.api.create", TraceOptions()).hops] == []  # no hop to keep
    full = tracer.trace("app.api.create", TraceOptions(full=True))
    assert [(h.callee, h.site) for h in full.hops] == [
        ("app.cells.cast", "app/api.py:11"), ("app.api.local", "app/api.py:13"), ("app.api.local", "app/api.py:15"),
        ("app.cells.cast", "app/api.py:17"), ("app.cells.cast", "app/api.py:19")]
    assert full.folded == ()


def test_a_driver_named_on_the_command_line_turns_its_branch_on():
    lk = link(FILES)
    tracer = Tracer(LiveIndex(lk, lambda fq: "app"))
    chosen = {e.line for e, _ in tracer.chosen_edges("app.api.create", TraceOptions())}
    assert chosen == {13, 15}
    assert {e.line for e, _ in tracer.chosen_edges("app.api.create", TraceOptions(drivers=("shutdown",)))} == {13, 15, 17}
    # a driver's name is matched with the strings a test compares with, not with the option's group
    assert {e.line for e, _ in tracer.chosen_edges("app.api.create", TraceOptions(drivers=("cells",)))} == {13, 15}
    assert {e.line for e, _ in tracer.chosen_edges("app.api.create", TraceOptions(any_config=True))} == \
        {11, 13, 15, 17, 19}


def test_the_words_of_a_config_fold():
    from tracer.graph.records import Fold
    from tracer.render.folds import fold_line, folded_totals

    one = Fold(3, "config", 1, ("app.cells.CellsAPI.cast",), ("app/api.py:11",))
    two = Fold(0, "config", 2, ("app.cells.CellsAPI.cast", "app.api.local"), ("app/api.py:11", "app/api.py:17"))
    assert fold_line(one) == "⋯ 1 call under a branch off by default: CellsAPI.cast"
    assert fold_line(two) == "⋯ 2 calls under branches off by default: CellsAPI.cast, api.local"
    assert folded_totals([one, two]) == "folded 3 hops: 3 calls under branches the options' defaults turn off (--any-config)"
    assert folded_totals([one]) == "folded 1 hop: 1 call under a branch the options' defaults turn off (--any-config)"


def test_an_option_the_code_sets_a_default_for_is_not_decided():
    files = dict(FILES)
    files["app/cmd.py"] = """
        from app.conf import CONF

        def main():
            CONF.set_default('action', 'shutdown')
        """
    lk = link(files)
    assert [line for line, _ in _off(lk, "app.api.create")] == [11, 19]  # action: open now
