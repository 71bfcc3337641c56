"""The scanner's attribute reads that may be options (facts schema 10), and options' help text."""
from __future__ import annotations

import textwrap

from tracer.facts.codec import decode, encode
from tracer.scan.collect import scan_source

SOURCE = textwrap.dedent('''
    from oslo_config import cfg
    import nova.conf
    CONF = nova.conf.CONF
    opts = [cfg.StrOpt('images_type', default='default', help="""
    Images type. Second sentence.
    """), cfg.BoolOpt('x', help=_('Yes x'))]

    def f(self, conf, instance):
        a = CONF.libvirt.images_type.lower()
        if CONF.libvirt.images_type == 'rbd':
            g(CONF.host, self.configuration.volume_driver, conf.libvirt.x, instance.uuid, self.foo)
        y = cfg.CONF.libvirt.virt_type if CONF.use_cow_images else None
        self.x = CONF.value
        x = 1
        x.foo.bar
        CONF.Upper
        try:
            pass
        except Exception as e:
            e.message.text
        def inner():
            return instance.uuid, conf.x, CONF.libvirt.images_type
''')


def _reads():
    facts = scan_source("pkg/mod.py", SOURCE.encode())
    return facts, {f.qualname: {(_text(r.expr), r.line, r.test) for r in f.reads} for f in facts.functions}


def _text(expr: tuple) -> str:
    return expr[1] if expr[0] == "n" else f"{_text(expr[1])}.{expr[2]}"


def test_option_shaped_reads_with_their_line_and_whether_a_test_reads_them():
    _, reads = _reads()
    assert reads["f"] == {
        ("CONF.libvirt.images_type", 10, True),  # first at line 10, read again in the if's test
        ("CONF.host", 12, False), ("self.configuration.volume_driver", 12, False), ("conf.libvirt.x", 12, False),
        ("cfg.CONF.libvirt.virt_type", 13, False), ("CONF.use_cow_images", 13, True), ("CONF.value", 14, False),
    }


def test_locals_parameters_dunder_and_capitalised_names_are_not_kept():
    _, reads = _reads()
    kept = {text for text, _, _ in reads["f"]}
    assert not {"instance.uuid", "self.foo", "x.foo.bar", "CONF.Upper", "e.message.text", "self.x"} & kept
    # a closure sees the enclosing function's parameters as its own
    assert {text for text, _, _ in reads["f.<locals>.inner"]} == {"CONF.libvirt.images_type"}


def test_help_is_the_first_sentence_and_reads_round_trip_the_cache_codec():
    facts, _ = _reads()
    assert [(o.name, o.help) for o in facts.options] == [("images_type", "Images type."), ("x", "Yes x")]
    assert decode(encode(facts)) == facts
