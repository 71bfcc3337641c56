"""effects: a function's effect summary, what the linked-program cache keeps of the effects analysis.

Stage: effects, a leaf: it imports nothing of tracer, so a warm trace composes effects without the
linker or the facts.

A summary holds what the function does itself (``own``: ``Template`` effects) and, per call site that
leads somewhere (``sites``), the callee and the text of the arguments it passes.  A name the code
builds (an event type, a lock name, a command word) is a ``Text``: alternatives, each a sequence of
parts, a part being a literal string, a *hole* for one of the function's parameters
(``("p", name, fallback)``) or for an attribute of its ``self`` (``("s", attr, fallback)``), or a
piece known only at run time (``("u", expression)``).  Composing along a trace fills the holes with
the arguments of the calls on the way (``Binding``); an unfilled hole takes its fallback, the values
every caller passes (or ``{name}``).  A summary depends on the linked program only, never on a
query's options, so it is kept between runs.
"""
from __future__ import annotations

import itertools
import marshal
from typing import NamedTuple

MAX_TEXTS = 4  # alternatives kept; more: the part is written as its expression
_new = tuple.__new__


class Template(NamedTuple):
    kind: str
    action: str
    site: str
    name: tuple  # Text
    detail: tuple = ()
    via: tuple = ()  # functions between the summarised one and the site (a DB API function's helpers)


class Site(NamedTuple):
    line: int
    target: str
    short: str  # how the ``via`` chain names the callee
    how: str  # linked | typed | by-name | rpc | decorator (its wrapper runs around the function) | with
    on_self: bool  # a call on the caller's own ``self`` (``self.m()``, ``super().m()``)
    on_error: bool  # made in an ``except`` handler
    args: tuple  # ((parameter, Text), ...)
    configured: str = ""  # a driver call: the configured class (``--driver`` may run another's method)
    guard: tuple = ()  # the branches the call runs under in the caller (``tracer.effects.records.branches``)
    off: bool = False  # under a branch the options' defaults rule out (``tracer.link.branches``)


class Built(NamedTuple):
    """A construction in a flow builder: the attributes the object gets (``event_suffix='create.end'``)."""

    line: int
    cls: str
    attrs: tuple  # ((attribute, Text), ...)


class Summary(NamedTuple):
    own: tuple  # tuple[Template]
    sites: tuple  # tuple[Site]
    db_api: bool  # a DB API function: its tables are its own effects
    built: tuple = ()  # tuple[Built]


EMPTY = Summary((), (), False)


class Binding(NamedTuple):
    """Concrete texts for the holes of one function: its parameters and its ``self``'s attributes."""

    params: tuple = ()  # ((name, tuple[str]), ...)
    attrs: tuple = ()

    def param(self, name: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.params if k == name), None)

    def attr(self, name: str) -> tuple[str, ...] | None:
        return next((v for k, v in self.attrs if k == name), None)


NO_BINDING = Binding()


# -- texts --------------------------------------------------------------------
def literal(text: str) -> tuple:
    return ((text,),)


def unknown(expression: str) -> tuple:
    return ((("u", expression),),)


def is_unknown(text: tuple) -> bool:
    return all(all(isinstance(p, tuple) and p[0] == "u" for p in alt) for alt in text)


def expand(text: tuple, binding: Binding = NO_BINDING) -> tuple[str, ...]:
    """The strings a text makes with the holes filled (sorted, at most ``MAX_TEXTS``)."""
    if len(text) == 1 and len(text[0]) == 1 and isinstance(text[0][0], str):  # a literal: most names
        return text[0]
    out: set[str] = set()
    for alt in text:
        choices = [_choices(part, binding) for part in alt]
        if _count(choices) > MAX_TEXTS:
            choices = [c if len(c) == 1 else ("{" + _hole_name(part) + "}",) for c, part in zip(choices, alt)]
        out |= {"".join(p) for p in itertools.product(*choices)}
    found = sorted(out)
    return tuple(found) if len(found) <= MAX_TEXTS else tuple(found[:MAX_TEXTS])


def _choices(part, binding: Binding) -> tuple[str, ...]:
    if isinstance(part, str):
        return (part,)
    tag = part[0]
    if tag == "p":
        return _texts(binding.param(part[1])) or _texts(part[2]) or ("{" + part[1] + "}",)
    if tag == "s":
        return _texts(binding.attr(part[1])) or _texts(part[2]) or ("{self." + part[1] + "}",)
    return ("{" + part[1] + "}",)


def _texts(values: tuple | None) -> tuple[str, ...]:
    """Values a hole may take; ``None`` (an argument that passes no text) is none of them."""
    return tuple(v for v in values or () if v != "None")


def _hole_name(part) -> str:
    return part if isinstance(part, str) else part[1] if part[0] in ("p", "u") else f"self.{part[1]}"


def _count(choices: list) -> int:
    n = 1
    for c in choices:
        n *= len(c)
    return n


# -- the cache's encoding -----------------------------------------------------------
def encode(s: Summary) -> bytes:
    return marshal.dumps((
        tuple(tuple(t) for t in s.own), tuple(tuple(x) for x in s.sites), s.db_api, tuple(tuple(b) for b in s.built),
    ))


def decode(blob: bytes) -> Summary:
    own, sites, db_api, built = marshal.loads(blob)
    return Summary(tuple(_new(Template, t) for t in own), tuple(_new(Site, x) for x in sites), db_api,
                   tuple(_new(Built, b) for b in built))
