"""facts: the frozen records one Python file yields, as the text says them.

Stage: facts.  Must not import libcst, networkx or any later tracer stage.

Records are ``NamedTuple``s (immutable, cheap to build and to decode from the
cache).  Expressions are kept as small tagged tuples, not libcst nodes, so that
a whole tree's facts fit in memory and round-trip through JSON:

    ("n", name)                      a bare name
    ("a", value, attr)               attribute access  value.attr
    ("c", func, args, kwargs)        a call; args: tuple[Expr]; kwargs: tuple[(name|None, Expr)]
    ("s", text)                      a string literal (implicit concatenation folded)
    ("i", text)                      a number literal
    ("u", (e1, e2, ...))             one of several values (``a if c else b``, ``a or b``)
    ("l", (e1, ...))                 list / tuple / set display; a comprehension is ("l", (element,))
    ("d", ((k, v), ...))             dict display
    ("k", value, key)                subscript  value[key]
    ("+", left, right)               binary ``+`` (string building)
    ("%", left, right)               binary ``%`` (string formatting: URL templates, import paths)
    ("f", (part, ...))               an f-string: literal ("s", text) parts and the expressions between
    ("t", value, index)              element ``index`` of ``value`` (``a, b = f()`` binds a to ("t", f(), 0))
    ("w", expr)                      the value a ``with expr`` enters (bound by ``as x``, else to ("o",))
    ("x", expr)                      an instance of what ``expr`` names (``except Error as e``)
    ("it", expr)                     an element of iterating ``expr`` (``for x in expr``, comprehensions)
    ("*", expr)                      a starred argument
    ("L", body)                      ``lambda: body`` (a lambda with parameters is opaque) (schema 15)
    ("o",)                           anything else (opaque)

An annotation is kept as the classes it names: a name, an attribute chain, or a ("u", ...) of them
(``Optional[X]``, ``X | None``, ``Union[X, Y]``, a ``'pkg.X'`` string, and the element type of a
``list[X]``-like generic: a container is its elements to the linker); ``None``, ``dict[...]`` and the
rest name nothing.
"""
from __future__ import annotations

from typing import NamedTuple

Expr = tuple
OPAQUE: Expr = ("o",)


def chain_expr(parts: list[str]) -> Expr:
    """``["CONF", "cells", "enable"]`` as the recorded expression ``CONF.cells.enable``."""
    expr: Expr = ("n", parts[0])
    for attr in parts[1:]:
        expr = ("a", expr, attr)
    return expr

SCHEMA_VERSION = 17


class Import(NamedTuple):
    """``bound`` is the local name; ``module`` the absolute module; ``name`` the imported member (None for ``import m``)."""

    bound: str
    module: str
    name: str | None
    line: int


class Guard(NamedTuple):
    """A branch a statement runs under, as the source writes it (``if snapshot_id is not None``).

    ``kind``: if, elif, else, for, while, try, except, finally, with.  ``optional``: the code under it may
    not run at all on the way through the function (an ``if``/``elif`` chain with no ``else``, an ``except``
    handler, a loop's ``else``), where the arms of a chain that ends in ``else`` are alternatives.
    """

    kind: str
    text: str
    optional: bool


class CallSite(NamedTuple):
    func: Expr
    args: tuple
    kwargs: tuple
    line: int  # the line of the callee's name token
    col: int
    arg_lines: tuple = ()  # line of each argument: positional first, then keyword, in source order
    on_error: bool = False  # made inside an ``except`` handler: an error path
    guard: tuple = ()  # tuple[Guard] of the enclosing branches in this def, innermost first (plain tuples)
    after: tuple = ()  # tuple[str]: tests of the early exits before it (``if t: return``), outermost first (17)


class Assign(NamedTuple):
    target: Expr
    value: Expr
    line: int


class Param(NamedTuple):
    name: str
    kind: str  # "p" positional-or-keyword, "k" keyword-only, "*" varargs, "**" varkw
    default: Expr | None
    annotation: Expr | None = None  # the classes its annotation names (schema 12)


class Read(NamedTuple):
    """An attribute read that may be a configuration option: ``CONF.libvirt.images_type``, ``self.configuration.x``.

    Only chains of names rooted at a name the function does not bind itself (a module global or an
    import; a parameter only for three links, ``self.configuration.x``), whose last link is lower case,
    and not assigned to.  One record per chain and function, at its first line; ``test`` is true when
    some occurrence is part of an ``if``/``elif``/``while`` test or a conditional expression's test (the
    value picks the path).
    """

    expr: Expr
    line: int
    test: bool


class FunctionFacts(NamedTuple):
    qualname: str  # Python __qualname__; "<module>" for the module body
    line: int
    end_line: int
    params: tuple  # tuple[Param]
    decorators: tuple  # tuple[Expr]
    cls: str | None  # qualname of the class whose body defines it (a method)
    parent: str | None  # qualname of the enclosing function (a closure)
    imports: tuple  # tuple[Import] made inside the body
    assigns: tuple  # tuple[Assign]
    returns: tuple  # tuple[Expr]; a generator's yielded values too (iterating it gives them)
    calls: tuple  # tuple[CallSite]
    is_generator: bool
    reads: tuple = ()  # tuple[Read]: attribute reads that may be options (schema 10; 11: with the yields and setattr of the models work)
    returns_type: Expr | None = None  # the classes the return annotation names (schema 12)
    globals: tuple = ()  # tuple[str]: names a ``global`` statement in the body declares (schema 15)
    tests: tuple = ()  # tuple[(Expr, line)]: attribute chains an if/while test reads, outside calls (schema 16)
    exits: tuple = ()  # tuple[(Expr, guard, after)]: each ``return`` in order, a bare one as None, as a call site's (17)
    conds: tuple = ()  # tuple[(name, text)]: ``name = <a comparison, not, and/or>``, the test as source text (17)


class ClassFacts(NamedTuple):
    qualname: str
    line: int
    bases: tuple  # tuple[Expr]
    decorators: tuple  # tuple[Expr]
    assigns: tuple  # tuple[Assign]; class-level ``name = value``
    parent: str | None  # enclosing function, if any


class OptionFacts(NamedTuple):
    """A configuration option declaration ``cfg.XxxOpt('name', default=...)``."""

    name: str
    type: str
    default: Expr | None
    line: int
    help: str = ""  # the first sentence of ``help=`` (schema 10), at most 160 characters


class ModuleFacts(NamedTuple):
    module: str
    path: str
    is_package: bool
    imports: tuple  # module-level tuple[Import]
    classes: tuple  # tuple[ClassFacts]
    functions: tuple  # tuple[FunctionFacts], the module body first
    options: tuple  # tuple[OptionFacts]


class ScanFailure(NamedTuple):
    path: str
    reason: str  # short category: "syntax", "decode", "io"
    detail: str
