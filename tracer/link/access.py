"""link: attribute reads and writes that run code: properties.

Stage: link.  Reads the program index and asks the interpreter core (``tracer.link.resolve``) for the
values of receivers; must not import libcst or render.

Python runs a property's getter where its attribute is read (``volume.name``, ``self._driver.reserve``,
``extract_host(self.service_topic_queue)``) and its setter where it is assigned (``context.read_deleted =
'yes'``): each is a call edge from the function that reads or writes, at that line.  A property is a
method decorated ``@property`` / ``@cached_property`` (its ``@x.setter`` def shares the node), or a class
attribute ``x = property(getter, setter)``.  The reads seen are those the facts record: the receivers and
arguments of call sites, assigned values and targets, and the option-like chains of ``FunctionFacts.reads``.
"""
from __future__ import annotations

from tracer.link.program import Program
from tracer.link.records import Edge

DECORATORS = frozenset({"property", "cached_property"})
ACCESSORS = frozenset({"setter", "getter", "deleter"})
HOOKS = frozenset({"__getattr__", "__getattribute__"})
_SKIP = frozenset({"c", "s", "i", "o", "n"})  # a nested call is a site of its own; literals and names read no attribute


class Properties:
    def __init__(self, resolver) -> None:
        self.r = resolver
        self.p: Program = resolver.p
        self._names: frozenset[str] | None = None
        self._found: dict[tuple[str, str, bool], str | None] = {}
        self._hooks: frozenset[str] | None = None

    @property
    def names(self) -> frozenset[str]:
        """Every attribute name some class of the program makes a property (a cheap test before evaluating)."""
        if self._names is None:
            found = set()
            for klass in self.p.classes.values():
                for name, method in klass.methods.items():
                    if self._is_property(method):
                        found.add(name)
                for name, exprs in klass.attrs.items():
                    if any(_property_call(e) for e in exprs):
                        found.add(name)
            self._names = frozenset(found)
        return self._names

    def _is_property(self, fq: str) -> bool:
        for d in self.p.functions[fq].defs:
            for deco in d.decorators:
                if (deco[0] == "n" and deco[1] in DECORATORS) or (deco[0] == "a" and (
                        deco[2] in DECORATORS or deco[2] in ACCESSORS)):
                    return True
        return False

    def accessor(self, cls: str, attr: str, write: bool) -> str | None:
        """The function that runs when ``attr`` of an instance of ``cls`` is read (or written), if a property."""
        key = (cls, attr, write)
        if key not in self._found:
            self._found[key] = self._accessor(cls, attr, write)
        return self._found[key]

    def _accessor(self, cls: str, attr: str, write: bool) -> str | None:
        for k in self.p.mro(cls):
            klass = self.p.classes.get(k)
            if klass is None:
                continue
            if attr in klass.methods:
                method = klass.methods[attr]
                return method if self._is_property(method) else None
            for expr in klass.attrs.get(attr, ()):
                call = _property_call(expr)
                if call is not None:
                    args = call[2]
                    named = args[1 if write else 0] if len(args) > (1 if write else 0) else None
                    return klass.methods.get(named[1]) if named and named[0] == "n" else None
            if attr in klass.attrs:
                return None  # a plain class attribute hides the bases' property
        return None

    # -- the edges of one function --------------------------------------------------------
    def edges(self, fq: str, run_sites) -> list[Edge]:
        """The getters (and setters) ``fq`` runs by reading (and assigning) attributes."""
        names = self.names
        hooked = bool(self.hooks)
        fn = self.p.functions[fq]
        found: list[tuple[tuple, str, bool, int, bool]] = []  # (base, attr, write, line, on_error)

        def visit(expr: tuple, line: int, on_error: bool) -> None:
            todo = [expr]
            while todo:
                e = todo.pop()
                tag = e[0]
                if tag in _SKIP:
                    continue
                if tag == "a":
                    if e[2] in names or hooked:
                        found.append((e[1], e[2], False, line, on_error))
                    todo.append(e[1])
                elif tag in ("u", "l"):
                    todo.extend(e[1])
                elif tag == "d":
                    todo.extend(x for pair in e[1] for x in pair)
                elif tag == "f":
                    todo.extend(e[1])
                elif tag in ("k", "+", "%"):
                    todo.extend(e[1:3])
                elif tag in ("t", "w", "it", "*"):
                    todo.append(e[1])

        for site in run_sites:
            func = site.func
            if func[0] == "a":
                visit(func, site.line, site.on_error)  # the attribute is read, then called
            for i, arg in enumerate(site.args + tuple(v for _, v in site.kwargs)):
                visit(arg, site.arg_lines[i] if i < len(site.arg_lines) else site.line, site.on_error)
        for d in fn.defs:
            for a in d.assigns:
                visit(a.value, a.line, False)
                target = a.target
                if target[0] == "a":
                    if target[2] in names:
                        found.append((target[1], target[2], True, a.line, False))
                    visit(target[1], a.line, False)
                elif target[0] == "k":
                    visit(target[1], a.line, False)
            for read in d.reads:
                visit(read.expr, read.line, False)
        return self._made(fq, fn.path, found)

    @property
    def hooks(self) -> frozenset[str]:
        """Classes whose instances run code on attribute access: ``__getattribute__`` always, ``__getattr__``
        when the attribute is not found otherwise (cinder's backend ``Configuration``)."""
        if self._hooks is None:
            self._hooks = frozenset(c for c, k in self.p.classes.items() if HOOKS & set(k.methods))
        return self._hooks

    def _made(self, fq: str, path: str, found: list) -> list[Edge]:
        out: list[Edge] = []
        for base, attr, write, line, on_error in found:
            targets = set()
            values = self.r.eval(base, fq)
            for v in values:
                if v[0] in ("inst", "drv"):
                    method = self.accessor(v[1], attr, write) if attr in self.names else None
                    if method is not None:
                        targets.add(method)
                    elif not write and self.hooks:
                        targets.update(self._hooked(v, attr))
            confidence = "exact" if len(values) == 1 else "possible"
            meta = (("access", "write" if write else "read"),) + ((("on_error", True),) if on_error else ())
            out += [Edge(fq, t, "call", path, line, confidence, meta) for t in sorted(targets)]
        return out


    def _hooked(self, v: tuple, attr: str) -> list[str]:
        """``__getattribute__`` of the instance's class, and ``__getattr__`` when nothing else has ``attr``."""
        cls = v[1]
        if not self.hooks.intersection(self.p.mro(cls)) or attr.startswith("__"):
            return []
        out = []
        every = self.p.lookup_method(cls, "__getattribute__")
        if every is not None:
            out.append(every)
        fallback = self.p.lookup_method(cls, "__getattr__")
        if fallback is not None and not self._has(cls, attr):
            out.append(fallback)
        return out

    def _has(self, cls: str, attr: str) -> bool:
        return (self.p.lookup_method(cls, attr) is not None or bool(self.r.class_level(cls, attr))
                or bool(self.r.instance_attr_values(cls, attr)))


def _property_call(expr: tuple) -> tuple | None:
    """``property(getter, setter)`` as a class attribute's value."""
    if expr[0] == "c" and expr[1] in (("n", "property"), ("a", ("n", "builtins"), "property")):
        return expr
    return None
