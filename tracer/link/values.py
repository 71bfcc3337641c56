"""link: the abstract values an expression can evaluate to.

Stage: link.  Plain tuples, hashable, sortable:

    ("mod", module)             a module of the program
    ("cls", fq)                 a class object of the program
    ("inst", fq)                an instance of a program class
    ("drv", fq)                 an instance loaded from configuration (a driver)
    ("plugin", fq, kind)        a stevedore manager whose ``.driver`` is ``(kind, fq)``
    ("fn", fq)                  a function (or an unbound method)
    ("bound", fq, cls)          a method bound to an instance of ``cls``
    ("drvm", fq, cls)           a method bound to a driver instance
    ("super", cls[, after])     ``super()`` inside ``cls`` (an inherited copy: the MRO of ``cls`` after ``after``)
    ("str", text)               a string written in the code
    ("cfg", text)               a string that is a configuration option's default
    ("ext", dotted)             a name outside the program (library code)
    ("exti", dotted)            what calling an outside name returned
    ("rpc",)                    an oslo.messaging RPC client (or a prepared context)
    ("prep",)                   ``client.prepare`` / ``router.client`` bound
    ("verb", "cast"|"call")     an RPC send method
    ("flow", fq)                a taskflow pattern built in function ``fq``
    ("engine", fq)              a taskflow engine loaded in get_flow ``fq``
    ("run", fq)                 ``engine.run`` bound
    ("lam", scope, body)        ``lambda: body`` written in ``scope`` (``body`` the repr of its expression)
    ("partial", fq, n)          ``functools.partial(f, a1..an)``: calling it calls ``fq`` with n arguments first

The core (``tracer.link.resolve``) makes mod, cls, inst, fn, bound, str, cfg, ext,
exti and lam; every other tag belongs to one library model (``tracer.link.models``),
which declares it in its ``kinds``.

A list, tuple or set is its elements (containers are "smashed": ``[a, b][0]``,
``for x in [a, b]`` and ``list(itertools.chain(xs, ys))`` all give the values of
the elements); dicts are read as tables instead.
"""
from __future__ import annotations

Value = tuple
Values = frozenset

EMPTY: Values = frozenset()


def ordered(values: Values):
    """The values in an order that does not depend on the hash seed (sorted when there are several).

    Iterate a value set through this wherever the loop asks the memo: the memo's answers inside a
    cycle depend on the order its queries come in, and a set's order changes with ``PYTHONHASHSEED``.
    """
    return sorted(values) if len(values) > 1 else values


def ext_matches(dotted: str, suffixes: tuple[str, ...]) -> bool:
    return any(dotted == s or dotted.endswith("." + s) for s in suffixes)


STRING_KINDS = ("str", "cfg")
BOUND_KINDS = ("bound", "drvm")  # a method bound to an instance (a driver's is marked: its calls are driver hops)


WILD = "\x00"  # stands for an unknown part inside a string built by % or an f-string


def strings(values) -> list[str]:
    """The texts of the string-like values with no unknown part, sorted."""
    return sorted({v[1] for v in values if v[0] in STRING_KINDS and WILD not in v[1]})


def templates(values) -> list[str]:
    """The texts of the string-like values, unknown parts included (as ``WILD``), sorted."""
    return sorted({v[1] for v in values if v[0] in STRING_KINDS})
