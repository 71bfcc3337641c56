"""effects: oslo.messaging notifications, legacy and versioned.

Stage: effects.  Must not import libcst, networkx or render.

A *notifier* is what ``oslo_messaging.Notifier(...)`` makes, its ``.prepare(...)``, what a function
returns when it returns one (``rpc.get_notifier('volume', host)``), and an instance of a class that
keeps one in an attribute (nova's ``LegacyValidatingNotifier``).  The module globals the projects
fill in ``init()`` under ``global NOTIFIER`` count with their assignments there.  A legacy
notification is a call of a notifier's priority method, ``notifier.info(ctxt, event_type, payload)``,
also through ``method = notifier.info; method(...)`` or ``getattr(notifier, priority)(...)``; its event
type is the second argument (``'volume.%s' % event_suffix`` with the caller's ``event_suffix``).

A versioned notification is ``notification.emit(context)`` on an instance of a class whose ``emit``
reaches a notifier; its event type is the ``event_type=`` it was built with: a string, or an
``EventType(object=..., action=..., phase=...)`` whose parts are joined by dots (``instance.reboot.start``).
"""
from __future__ import annotations

from tracer.effects.objects import Objects
from tracer.effects.summary import literal
from tracer.effects.texts import Texts, _product
from tracer.effects.view import LinkView

PRIORITIES = frozenset({"audit", "debug", "info", "warn", "warning", "error", "critical", "sample"})
NOTIFIER = "Notifier"
MAX_DEPTH = 6
EMIT_REACH = 3


class Notifications:
    def __init__(self, view: LinkView, texts: Texts, objects: Objects) -> None:
        self.v = view
        self.p = view.p
        self.t = texts
        self.objects = objects
        self._memo: dict[tuple, bool] = {}
        self._classes: dict[str, bool] = {}

    # -- legacy ------------------------------------------------------------------------
    def legacy(self, site, scope: str) -> tuple[str, tuple] | None:
        """(priority, event type expression) when the site sends a legacy notification."""
        func = site.func
        if func[0] == "c" and func[1] == ("n", "getattr") and len(func[2]) == 2:  # getattr(notifier, prio)(...)
            receiver, priority = func[2][0], "/".join(self.t.strings(func[2][1], scope)) or "{priority}"
        elif func[0] == "n":
            return self._aliased(site, scope)
        elif func[0] == "a" and func[2] in PRIORITIES:
            receiver, priority = func[1], func[2]
        else:
            return None
        event = _event_argument(site)
        if event is None or not self.is_notifier(receiver, scope, 0):
            return None
        return priority, event

    def _aliased(self, site, scope: str) -> tuple[str, tuple] | None:
        """``method = notifier.info`` ... ``method(context, event_type, payload)``."""
        if self.v.is_parameter(site.func[1], scope):
            return None
        priorities, event = set(), _event_argument(site)
        values = [(v, w) for value, w in self.v.bound(site.func[1], scope)[:4]
                  for v in (value[1] if value[0] == "u" else (value,))]  # notifier.info if ok else notifier.error
        for value, where in values:
            if where != scope or event is None:
                continue
            if value[0] == "a" and value[2] in PRIORITIES and self.is_notifier(value[1], scope, 0):
                priorities.add(value[2])
            elif value[0] == "c" and value[1] == ("n", "getattr") and len(value[2]) == 2:  # getattr(notifier, p)
                if self.is_notifier(value[2][0], scope, 0):
                    priorities.add("/".join(self.t.strings(value[2][1], scope)) or "{priority}")
        return ("/".join(sorted(priorities)), event) if priorities else None

    def is_notifier(self, expr: tuple, scope: str, depth: int) -> bool:
        key = (expr, scope)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = False  # a cycle: not (yet) known to be one
            hit = self._memo[key] = depth < MAX_DEPTH and self._notifier(expr, scope, depth)
        return hit

    def _notifier(self, expr: tuple, scope: str, depth: int) -> bool:
        tag = expr[0]
        if tag == "c" and expr[1][0] == "a" and expr[1][2] == "prepare" and self.is_notifier(expr[1][1], scope, depth + 1):
            return True
        values = self.v.eval(expr, scope) if tag in ("n", "a", "c") else frozenset()
        if any(v[0] in ("ext", "exti") and _is_library_notifier(v[1]) for v in values):
            return True
        if any(v[0] == "inst" and self.keeps_notifier(v[1], depth) for v in values):
            return True
        if tag == "c":
            return any(self._returns_notifier(v[1], depth) for v in self.v.eval(expr[1], scope) if v[0] in ("fn", "bound"))
        if tag == "n" and not self.v.is_parameter(expr[1], scope):
            return any(self.is_notifier(e, w, depth + 1) for e, w in self._assigned(expr[1], scope))
        if tag == "a" and expr[1][0] == "n":
            owner = next((v[1] for v in self.v.eval(expr[1], scope) if v[0] == "inst"), None)
            return owner is not None and any(self.is_notifier(e, w, depth + 1)
                                             for e, w in self.v.self_assigns(owner, expr[2])[:4])
        return False

    def _assigned(self, name: str, scope: str) -> list[tuple[tuple, str]]:
        found = self.v.bound(name, scope)
        fn = self.p.functions.get(scope)
        if fn is not None and name.isupper():  # a module global set under ``global`` in some function
            found = found + self.v.global_assigns(fn.module, name)
        return found[:8]

    def _returns_notifier(self, fq: str, depth: int) -> bool:
        fn = self.p.functions.get(fq)
        return fn is not None and any(self.is_notifier(r, fq, depth + 1) for d in fn.defs for r in d.returns[:4])

    def keeps_notifier(self, cls: str, depth: int) -> bool:
        """A class that wraps a notifier in one of its attributes (``self.notifier = notifier``)."""
        if cls not in self._classes:
            self._classes[cls] = False
            self._classes[cls] = self._wraps(cls, depth)
        return self._classes[cls]

    def _wraps(self, cls: str, depth: int) -> bool:
        init = self.p.lookup_method(cls, "__init__")
        fn = self.p.functions.get(init) if init else None
        if fn is None or not fn.facts.params:
            return False
        me = ("n", fn.facts.params[0].name)
        for a in fn.assigns():
            if a.target[0] == "a" and a.target[1] == me and a.value[0] == "n" and self.v.is_parameter(a.value[1], fn.fq):
                if self._passed_notifier(cls, fn, a.value[1], depth):
                    return True
        return False

    def _passed_notifier(self, cls: str, init, param: str, depth: int) -> bool:
        index = next((i for i, p in enumerate(init.facts.params) if p.name == param), None)
        for caller, site in self.v.sites_named(cls.rsplit(".", 1)[-1])[:12]:
            arg = next((v for k, v in site.kwargs if k == param), None)
            if arg is None and index and index - 1 < len(site.args):
                arg = site.args[index - 1]
            if arg is not None and self.is_notifier(arg, caller, depth + 1):
                return True
        return False

    # -- versioned -----------------------------------------------------------------------
    def versioned(self, site, scope: str) -> tuple[str, tuple, str] | None:
        """(class, event type expression, scope of it) when the site is ``notification.emit(ctx)``."""
        func = site.func
        if func[0] != "a" or func[2] != "emit":
            return None
        for v in sorted(self.objects.typed(func[1], scope)):
            if v[0] in ("inst", "objn") and self.is_notification(v[1]):
                built = self._construction(func[1], scope)
                event = next((val for k, val in built[0][3] if k == "event_type"), None) if built else None
                return v[1], event, built[1] if built else scope
        return None

    def _construction(self, expr: tuple, scope: str) -> tuple[tuple, str] | None:
        if expr[0] == "c":
            return expr, scope
        if expr[0] == "n":
            for value, where in self.v.bound(expr[1], scope)[:4]:
                if value[0] == "c":
                    return value, where
        return None

    def is_notification(self, cls: str) -> bool:
        """Its ``emit`` reaches a notifier within a few calls."""
        if cls not in self._classes:
            self._classes[cls] = False
            emit = self.p.lookup_method(cls, "emit")
            self._classes[cls] = bool(emit) and self._reaches_notifier(emit, EMIT_REACH, set())
        return self._classes[cls]

    def _reaches_notifier(self, fq: str, depth: int, seen: set[str]) -> bool:
        fn = self.p.functions.get(fq)
        if fn is None or depth <= 0 or fq in seen:
            return False
        seen.add(fq)
        for site in fn.calls():
            if self.legacy(site, fq) is not None:
                return True
        return any(self._reaches_notifier(e.target, depth - 1, seen) for e in self.v.linker.edges(fq) if e.kind == "call")

    def event_type(self, expr: tuple | None, scope: str, holes: bool) -> tuple:
        """The ``Text`` of an event type: ``'volume.%s' % suffix``, or ``EventType(object=, action=,
        phase=)`` with its parts joined by dots (an absent phase left out)."""
        if expr is None:
            return literal("{event_type}")
        if expr[0] == "c" and any(v[0] == "cls" for v in self.v.eval(expr[1], scope)):
            text = None
            for part in list(expr[2]) + [v for _, v in expr[3]]:
                piece = self.t.of(part, scope, holes)
                if piece == literal("None"):
                    continue
                text = piece if text is None else _product(_product(text, literal("."), expr), piece, expr)
            if text is not None:
                return text
        return self.t.of(expr, scope, holes)


def _event_argument(site) -> tuple | None:
    given = next((v for k, v in site.kwargs if k == "event_type"), None)
    if given is not None:
        return given
    return site.args[1] if len(site.args) >= 2 else None


def _is_library_notifier(dotted: str) -> bool:
    return dotted.startswith("oslo_messaging.") and NOTIFIER in dotted
