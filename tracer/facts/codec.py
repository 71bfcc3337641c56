"""facts: encode records to plain nested tuples and back (for marshal).

Stage: facts.  Must not import libcst, networkx or later stages.
"""
from __future__ import annotations

from itertools import repeat

from tracer.facts.model import (
    Assign, CallSite, ClassFacts, FunctionFacts, Import, ModuleFacts, OptionFacts, Param, Read, ScanFailure,
)


def encode(facts: ModuleFacts | ScanFailure) -> tuple:
    """Plain nested tuples (marshal takes no tuple subclasses); tagged so failures round-trip."""
    if isinstance(facts, ScanFailure):
        return ("F", tuple(facts))
    return ("M", (
        facts.module, facts.path, facts.is_package, _plain(facts.imports),
        tuple((c.qualname, c.line, c.bases, c.decorators, _plain(c.assigns), c.parent) for c in facts.classes),
        tuple(_plain_function(f) for f in facts.functions),
        _plain(facts.options),
    ))


def _plain(records: tuple) -> tuple:
    return tuple(tuple(r) for r in records)


def _plain_function(f: FunctionFacts) -> tuple:
    return (
        f.qualname, f.line, f.end_line, _plain(f.params), f.decorators, f.cls, f.parent, _plain(f.imports),
        _plain(f.assigns), f.returns, _plain(f.calls), f.is_generator, _plain(f.reads), f.returns_type, f.globals,
        f.tests, f.exits, f.conds,
    )


def decode(blob: tuple) -> ModuleFacts | ScanFailure:
    tag, body = blob
    if tag == "F":
        return ScanFailure(*body)
    if tag != "M":
        raise ValueError(f"unknown fact tag {tag!r}")
    module, path, is_package, imports, classes, functions, options = body
    return ModuleFacts(
        module, path, is_package,
        _records(Import, imports),
        tuple(map(_class, classes)),
        tuple(map(_function, functions)),
        _records(OptionFacts, options),
    )


# Records are rebuilt straight from the stored tuples: tuple.__new__ skips the per-field
# argument parsing of a NamedTuple's constructor (the load of a warm run is mostly this), and
# mapping it with repeat() keeps the loop in C (no Python frame per record).
_new = tuple.__new__


def _records(kind: type, rows: tuple) -> tuple:
    return tuple(map(_new, repeat(kind, len(rows)), rows))


def _class(c: tuple) -> ClassFacts:
    qualname, line, bases, decorators, assigns, parent = c
    return ClassFacts(qualname, line, bases, decorators, _records(Assign, assigns), parent)


def _function(f: tuple) -> FunctionFacts:
    (qualname, line, end_line, params, decorators, cls, parent, imports, assigns, returns, calls, gen, reads,
     returns_type, names, tests, exits, conds) = f
    return _new(FunctionFacts, (  # _records inlined: this runs for every function of every file
        qualname, line, end_line, tuple(map(_new, repeat(Param, len(params)), params)) if params else (),
        decorators, cls, parent, tuple(map(_new, repeat(Import, len(imports)), imports)) if imports else (),
        tuple(map(_new, repeat(Assign, len(assigns)), assigns)) if assigns else (), returns,
        tuple(map(_new, repeat(CallSite, len(calls)), calls)) if calls else (), gen,
        tuple(map(_new, repeat(Read, len(reads)), reads)) if reads else (), returns_type, names, tests, exits, conds,
    ))
