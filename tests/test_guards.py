"""The branch each call site runs under, recorded by the scanner (snippet tests)."""
from __future__ import annotations

import textwrap

from tracer.facts.model import Guard
from tracer.scan.collect import scan_source

SOURCE = textwrap.dedent('''
    def f(a, b):
        if a is not None:
            x()
        elif b:
            y()
        else:
            z()
        if a: w()
        for i in range(3):
            try:
                g(i)
            except (ValueError, KeyError) as e:
                h()
            finally:
                k()
        with lock(a), open(b) as f:
            m()
        def inner():
            n()
        while a and \\
              b:
            o()
        try:
            p()
        except Exception:
            q()
        else:
            r()
        if a:
            s()
        elif b:
            t()
''')


def _guards(source: str = SOURCE) -> dict[str, tuple[Guard, ...]]:
    facts = scan_source("pkg/mod.py", source.encode())
    return {c.func[1]: tuple(Guard(*g) for g in c.guard) for fn in facts.functions for c in fn.calls}


def test_if_chain_with_else_arms_are_alternatives():
    g = _guards()
    assert g["x"] == (Guard("if", "if a is not None", False),)
    assert g["y"] == (Guard("elif", "elif b", False),)
    assert g["z"] == (Guard("else", "else (not a is not None, not b)", False),)


def test_the_else_of_a_negated_test_says_it_plainly():
    g = _guards("def f(x):\n    if not x:\n        a()\n    else:\n        b()\n")
    assert g["b"] == (Guard("else", "else (x)", False),)


def test_if_without_else_is_optional():
    g = _guards()
    assert g["w"] == (Guard("if", "if a", True),)
    assert g["s"] == (Guard("if", "if a", True),) and g["t"] == (Guard("elif", "elif b", True),)


def test_loops_try_and_handlers_innermost_first():
    g = _guards()
    loop = Guard("for", "for i in range(3)", False)
    assert g["range"] == ()  # the iterable is evaluated before the loop
    assert g["g"] == (Guard("try", "try", False), loop)
    assert g["h"] == (Guard("except", "except (ValueError, KeyError)", True), loop)
    assert g["k"] == (Guard("finally", "finally", False), loop)
    assert g["q"] == (Guard("except", "except Exception", True),)
    assert g["r"] == (Guard("else", "else of try (no exception)", False),)


def test_with_and_while_as_the_source_writes_them():
    g = _guards()
    assert g["m"] == (Guard("with", "with lock(a), open(b)", False),)
    assert g["o"] == (Guard("while", "while a and b", False),)  # the line continuation is folded


def test_a_nested_def_starts_without_guards():
    assert _guards()["n"] == ()


def test_long_tests_are_capped():
    long = " and ".join(f"value_{i} is not None" for i in range(20))
    g = _guards(f"def f():\n    if {long}:\n        call()\n")
    assert g["call"][0].text.startswith("if value_0 is not None and") and g["call"][0].text.endswith("...")
    assert len(g["call"][0].text) <= 80


def test_guards_with_libcst_positions_equal_the_fast_walk():
    import libcst as cst
    from libcst.metadata import MetadataWrapper

    from tracer.scan import collect

    tree = cst.parse_module(SOURCE.encode())
    slow = collect._Collector("pkg.mod", False, None, tree)
    MetadataWrapper(tree, unsafe_skip_copy=True).visit(slow)
    fast = scan_source("pkg/mod.py", SOURCE.encode())
    assert [c.guard for f in slow.result("pkg/mod.py").functions for c in f.calls] == \
           [c.guard for f in fast.functions for c in f.calls]


def test_the_early_exits_before_a_call_site():
    """``if t: return`` (or ``raise``) with no ``else``: what follows in the block runs only when ``t`` was
    false; an exit nested in an ``if`` that does not itself end the block is that block's alone."""
    src = textwrap.dedent('''
        def f(a, b):
            if a:
                if b:
                    return 1
                return 2
            g()
            if not b: raise E()
            for i in b:
                if i: return
                h()
            k()
        ''').encode()
    fn = next(f for f in scan_source("x/o.py", src).functions if f.qualname == "f")
    assert {site.func[1]: site.after for site in fn.calls} == {
        "g": ("a",), "E": ("a",), "h": ("a", "not b", "i"), "k": ("a", "not b")}
    assert [after for _, _, after in fn.exits] == [(), ("b",), ("a", "not b")]
