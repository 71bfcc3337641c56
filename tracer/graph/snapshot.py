"""graph: the linked-program cache, and a query index that answers from it.

Stage: graph.  Reads and writes ``tracer.facts.store`` blobs; must not import libcst or render.

A snapshot is what traces read of a linked program (``tracer.graph.index``),
saved under a key made of the content hashes of every input file, the fact
schema, this module's format and the tool's version:

- the *program* part, written by the first run that links these inputs: every
  function's definition site, class and service, every class's MRO and
  methods, the modules' paths, the REST routes, the oslo.db backend modules
  and the files that were skipped;
- *answers*, one segment per run that resolved something new: for each
  function, its edges with their call-site guards, and whether it returns a
  taskflow engine.  ``tracer index`` resolves every function, so after it a
  trace never needs the facts.

Answers do not depend on a query's options, only on the program, so they hold
for every later query.  A function missing from the answers is resolved by a
live linker, loaded only then, and the new answers are saved in a new segment:
concurrent runs each add their own and never overwrite another's.
"""
from __future__ import annotations

import hashlib
import marshal
from dataclasses import dataclass, field
from typing import Callable, Iterable

from tracer.facts.store import BlobStore
from tracer.graph.index import NO_ANSWER, Answer, FunctionInfo, LiveIndex
from tracer.link.drivers import named_driver
from tracer.link.models.oslo_db import opens_transaction
from tracer.link.records import Edge, Route

FORMAT = 1
MAX_SEGMENTS = 8  # answer segments merged into one when a run finds more


def program_key(parts: Iterable[str]) -> str:
    """The key of a linked program: the digest of its inputs, listed in a stable order."""
    digest = hashlib.sha256(f"linked-v{FORMAT}\0".encode())
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class ClassInfo:
    path: str
    line: int
    order: tuple[str, ...]  # the MRO (a field named ``mro`` would shadow ``type.mro`` in a dataclass)
    methods: dict[str, str]


@dataclass
class ModuleInfo:
    path: str


@dataclass
class Snapshot:
    functions: dict[str, tuple]  # fq -> FunctionInfo fields + service
    classes: dict[str, ClassInfo]
    modules: dict[str, ModuleInfo]
    routes: list[Route]
    backend_modules: frozenset[str]
    skipped: tuple  # ScanFailure tuples
    answers: dict[str, bytes] = field(default_factory=dict)  # fq -> marshalled answer, decoded on demand
    _subclasses: dict[str, list[str]] | None = field(default=None, repr=False)

    # -- the class hierarchy, as ``tracer.link.drivers`` reads it --------------
    def mro(self, cls: str) -> tuple[str, ...]:
        info = self.classes.get(cls)
        return info.order if info else (cls,)

    def all_subclasses(self, cls: str) -> list[str]:
        if self._subclasses is None:
            table: dict[str, list[str]] = {}
            for k in sorted(self.classes):
                for base in self.classes[k].order[1:]:
                    table.setdefault(base, []).append(k)
            self._subclasses = table
        return self._subclasses.get(cls, [])

    def site(self, fq: str) -> str:
        """``path:line`` of a function, class or module ("" when unknown), as the diagrams label them."""
        row = self.functions.get(fq)
        if row is not None:
            return f"{row[2]}:{row[3]}"
        cls = self.classes.get(fq)
        if cls is not None:
            return f"{cls.path}:{cls.line}"
        mod = self.modules.get(fq)
        return f"{mod.path}:1" if mod is not None else ""

    def lookup_method(self, cls: str, name: str) -> str | None:
        for k in self.mro(cls):
            info = self.classes.get(k)
            if info and name in info.methods:
                return info.methods[name]
        return None


# -- building a snapshot from a live workspace --------------------------------
def program_part(program, routes: list[Route], backend: Iterable[str], skipped: tuple,
                 service_of: Callable[[str], str]) -> Snapshot:
    functions = {}
    for fq, fn in program.functions.items():
        transaction = opens_transaction(program, fq)
        functions[fq] = (fn.project, fn.module, fn.path, fn.line, fn.cls, fn.inherited_from, transaction,
                         service_of(fq))
    classes = {fq: ClassInfo(k.path, k.facts.line, program.mro(fq), dict(k.methods))
               for fq, k in program.classes.items()}
    modules = {m: ModuleInfo(facts.path) for m, facts in program.modules.items()}
    return Snapshot(functions, classes, modules, list(routes), frozenset(backend), skipped)


def encode_answer(a: Answer) -> bytes:
    return marshal.dumps((tuple(tuple(e) for e in a.edges), a.guards, a.engine, a.uses))


def decode_answer(blob: bytes) -> Answer:
    edges, guards, engine, uses = marshal.loads(blob)
    return Answer(tuple(tuple.__new__(Edge, e) for e in edges), guards, engine, uses)


# -- the cache ----------------------------------------------------------------
class SnapshotCache:
    """``linked-v{FORMAT}/<key>/program`` and ``.../answers-*`` blobs in the cache directory."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._read: set[str] = set()  # the answer segments read or written by this run
        self._held: set[str] = set()  # the functions those segments answer

    def load(self, key: str) -> Snapshot | None:
        blob = self.store.get(f"{key}/program", key)
        if blob is None:
            return None
        try:
            snap = _decode_program(blob)
        except (ValueError, TypeError, EOFError):
            self.store.rejected += 1
            return None
        for name in self.store.list(f"{key}/answers-"):
            self._read.add(name)
            snap.answers.update(self.store.get_entries(name, key))
        self._held = set(snap.answers)
        return snap

    def save_program(self, key: str, snap: Snapshot) -> None:
        self.store.put(f"{key}/program", key, _encode_program(snap))

    def save_answers(self, key: str, answers: dict[str, Answer]) -> None:
        """A new segment with those of ``answers`` no segment holds yet; past ``MAX_SEGMENTS`` segments, one
        segment with all.  What this cache read or wrote is known; a segment another run saved since (the
        first runs after a change, side by side) is read before saving, so nothing is saved twice."""
        names = self.store.list(f"{key}/answers-")
        for name in names:
            if name not in self._read:
                self._read.add(name)
                self._held.update(self.store.get_entries(name, key))
        fresh = {fq: encode_answer(a) for fq, a in sorted(answers.items()) if fq not in self._held}
        if not fresh:
            return
        if len(names) < MAX_SEGMENTS:
            written = self.store.put_new(f"{key}/answers-", key, fresh)
        else:
            merged: dict[str, bytes] = {}
            for name in names:
                merged.update(self.store.get_entries(name, key))
            merged.update(fresh)
            written = self.store.put_new(f"{key}/answers-", key, merged)
            for name in names:  # another run may be reading them: a vanished segment is only a miss
                if name != written:  # (the merged segment may be one already there)
                    self.store.remove(name)
        if written:
            self._read.add(written)
        self._held.update(fresh)


def _encode_program(s: Snapshot) -> bytes:
    classes = {fq: (c.path, c.line, c.order, c.methods) for fq, c in s.classes.items()}
    modules = {m: info.path for m, info in s.modules.items()}
    routes = tuple((r.method, r.path, r.action, r.handler, r.project, r.site) for r in s.routes)
    return marshal.dumps((s.functions, classes, modules, routes, tuple(sorted(s.backend_modules)), s.skipped))


def _decode_program(blob: bytes) -> Snapshot:
    functions, classes, modules, routes, backend, skipped = marshal.loads(blob)
    return Snapshot(
        functions,
        {fq: ClassInfo(*c) for fq, c in classes.items()},
        {m: ModuleInfo(p) for m, p in modules.items()},
        [Route(*r) for r in routes],
        frozenset(backend),
        skipped,
    )


# -- answering from a snapshot -------------------------------------------------
class CachedIndex:
    """``QueryIndex`` over a snapshot; what it lacks comes from a live index made on first need."""

    def __init__(self, snap: Snapshot, live: Callable[[], LiveIndex]) -> None:
        self.snap = snap
        self._live_factory = live
        self._live: LiveIndex | None = None
        self._answers: dict[str, Answer] = {}
        self._infos: dict[str, FunctionInfo | None] = {}
        self._named: dict[tuple[str, str], str | None] = {}

    @property
    def fresh(self) -> dict[str, Answer]:
        """Answers resolved in this run, to be saved."""
        return self._live.fresh if self._live is not None else {}

    @property
    def live(self) -> LiveIndex:
        if self._live is None:
            self._live = self._live_factory()
        return self._live

    def answer(self, fq: str) -> Answer:
        hit = self._answers.get(fq)
        if hit is None:
            blob = self.snap.answers.get(fq)
            if blob is not None:
                hit = decode_answer(blob)
            elif fq not in self.snap.functions:
                hit = NO_ANSWER
            else:
                hit = self.live.answer(fq)
            self._answers[fq] = hit
        return hit

    def function(self, fq: str) -> FunctionInfo | None:
        if fq not in self._infos:
            row = self.snap.functions.get(fq)
            self._infos[fq] = FunctionInfo(*row[:7]) if row is not None else None
        return self._infos[fq]

    def is_database(self, fq: str) -> bool:
        backend = self.snap.backend_modules
        if self._live is not None:
            backend = backend | self._live.l.r.backend_modules
        if fq.rsplit(".", 1)[0] in backend:
            return True
        info = self.function(fq)
        return info is not None and info.transaction

    def lookup_method(self, cls: str, name: str) -> str | None:
        return self.snap.lookup_method(cls, name)

    def named_driver(self, configured: str, needle: str) -> str | None:
        key = (configured, needle)
        if key not in self._named:
            self._named[key] = named_driver(self.snap, configured, needle)
        return self._named[key]

    def service_of(self, fq: str) -> str:
        return self.snap.functions[fq][7]
