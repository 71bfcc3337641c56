"""link: what runs without a call written: properties, attribute hooks, protocol methods.

Stage: link.  Reads the program index and asks the interpreter core (``tracer.link.resolve``) for the
values of receivers; must not import libcst or render.

Python runs a property's getter where its attribute is read (``volume.name``, ``self._driver.reserve``,
``extract_host(self.service_topic_queue)``) and its setter where it is assigned (``context.read_deleted =
'yes'``): each is a call edge from the function that reads or writes, at that line.  A property is a
method decorated ``@property`` / ``@cached_property`` (its ``@x.setter`` def shares the node), or a class
attribute ``x = property(getter, setter)``.  The reads seen are those the facts record: the receivers and
arguments of call sites, assigned values and targets, the option-like chains of ``FunctionFacts.reads``
and the attributes a branch's test reads (``FunctionFacts.tests``).

The same reading finds the protocol methods of the program's classes that Python calls implicitly:
``__getitem__``/``__setitem__`` for ``x[k]`` read or assigned, ``__setattr__`` for ``x.a = v``,
``__enter__``/``__exit__`` for ``with x``, ``__iter__`` for ``for ... in x``, ``__len__`` for ``len(x)``
(and the other one-argument builtins that dispatch so).  Each edge says how in ``meta`` ``access``.
"""
from __future__ import annotations

from tracer.link.attributes import DICT_WRITE
from tracer.link.program import Program
from tracer.link.records import Edge

DECORATORS = frozenset({"property", "cached_property"})
ACCESSORS = frozenset({"setter", "getter", "deleter"})
HOOKS = frozenset({"__getattr__", "__getattribute__"})
_SKIP = frozenset({"c", "s", "i", "o", "n"})  # a nested call is a site of its own; literals and names read no attribute
PROTOCOL = {"w": "__enter__", "it": "__iter__"}  # with x (its __exit__ too), for ... in x
BUILTIN_DUNDERS = {"len": "__len__", "iter": "__iter__", "next": "__next__", "str": "__str__", "repr": "__repr__",
                   "bool": "__bool__", "hash": "__hash__"}


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
        """What ``fq`` runs without a call written: getters, setters, hooks and the protocol methods."""
        fn = self.p.functions[fq]
        found: list[tuple[tuple, str, str, int, bool]] = []  # (receiver, attribute or dunder, mode, line, on_error)
        reader = _Reader(found, self.names, bool(self.hooks))
        for site in run_sites:
            if site.func[0] == "a":
                reader.visit(site.func, site.line, site.on_error)  # the attribute is read, then called
            args = site.args + tuple(v for _, v in site.kwargs)
            for i, arg in enumerate(args):
                reader.visit(arg, site.arg_lines[i] if i < len(site.arg_lines) else site.line, site.on_error)
            if site.func[0] == "n" and site.func[1] in BUILTIN_DUNDERS and len(site.args) == 1:
                found.append((site.args[0], BUILTIN_DUNDERS[site.func[1]], "builtin:" + site.func[1], site.line,
                              site.on_error))
        for d in fn.defs:
            for a in d.assigns:
                reader.visit(a.value, a.line, False)
                reader.target(a.target, a.line)
            for read in d.reads:
                reader.visit(read.expr, read.line, False)
            for expr, line in d.tests:
                reader.visit(expr, line, False)
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
        bases: dict[tuple, tuple] = {}  # a receiver read again (self.x at every line): evaluated once here
        for base, attr, mode, line, on_error in found:
            if mode.startswith("builtin:") and self.r.eval(("n", mode[8:]), fq) != {("ext", "builtins." + mode[8:])}:
                continue  # len shadowed by something of the program's
            hit = bases.get(base)
            if hit is None:
                values = self.r.eval(base, fq)
                hit = bases[base] = (values, [v for v in values if v[0] in ("inst", "drv")])
            values, objects = hit
            targets: set[str] = set()
            for v in objects:
                targets.update(self._runs(v, attr, mode))
            confidence = "exact" if len(values) == 1 else "possible"
            meta = (("access", mode.partition(":")[0]),) + ((("on_error", True),) if on_error else ())
            out += [Edge(fq, t, "call", path, line, confidence, meta) for t in sorted(targets)]
        return out

    def _runs(self, v: tuple, attr: str, mode: str) -> list[str]:
        cls = v[1]
        if mode in ("read", "write"):
            method = self.accessor(cls, attr, mode == "write") if attr in self.names else None
            if method is not None:
                return [method]
            if mode == "write":
                setter = self.p.lookup_method(cls, "__setattr__")
                return [setter] if setter else []
            return self._hooked(v, attr)
        protocol = [attr] + (["__exit__"] if attr == "__enter__" else [])
        return [m for m in (self.p.lookup_method(cls, name) for name in protocol) if m]

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
        """Whether ``attr`` is found without ``__getattr__``: a method, a class attribute or an assigned
        instance attribute of the class, its bases or (``self`` in a base may be one) its subclasses; not
        an assigned one when the class has its own ``__setattr__`` (nova's DriverBlockDevice keeps its
        fields in itself, a dict), unless written into ``self.__dict__``, which no ``__setattr__`` sees."""
        if self.p.lookup_method(cls, attr) is not None:
            return True
        assigned = self.p.lookup_method(cls, "__setattr__") is None  # else self.x = v may store elsewhere
        for k in self.p.mro(cls) + tuple(self.p.all_subclasses(cls)):
            klass = self.p.classes.get(k)
            if klass is not None and (attr in klass.attrs or attr in klass.methods or (
                    assigned and attr in self.r.self_assigns(k)) or DICT_WRITE + attr in self.r.self_assigns(k)):
                return True
        return False


class _Reader:
    """Walks recorded expressions for what runs code: attributes, subscripts, with, for."""

    def __init__(self, found: list, names: frozenset[str], hooked: bool) -> None:
        self.found, self.names, self.hooked = found, names, hooked

    def visit(self, expr: tuple, line: int, on_error: bool) -> None:
        found = self.found
        todo = [expr]
        while todo:
            e = todo.pop()
            tag = e[0]
            if tag in _SKIP:
                continue
            if tag == "a":
                if self.hooked or e[2] in self.names:
                    found.append((e[1], e[2], "read", line, on_error))
                todo.append(e[1])
            elif tag == "k":
                found.append((e[1], "__getitem__", "item", line, on_error))
                todo.extend(e[1:3])
            elif tag in PROTOCOL:
                found.append((e[1], PROTOCOL[tag], PROTOCOL[tag].strip("_"), line, on_error))
                todo.append(e[1])
            elif tag in ("u", "l", "f"):
                todo.extend(e[1])
            elif tag == "d":
                todo.extend(x for pair in e[1] for x in pair)
            elif tag in ("+", "%"):
                todo.extend(e[1:3])
            elif tag in ("t", "*", "x"):
                todo.append(e[1])

    def target(self, target: tuple, line: int) -> None:
        """An assignment's target: a setter (or ``__setattr__``), a ``__setitem__``."""
        if target[0] == "a":
            self.found.append((target[1], target[2], "write", line, False))
            self.visit(target[1], line, False)
        elif target[0] == "k":
            self.found.append((target[1], "__setitem__", "item", line, False))
            self.visit(target[1], line, False)
            self.visit(target[2], line, False)


def _property_call(expr: tuple) -> tuple | None:
    """``property(getter, setter)`` as a class attribute's value."""
    if expr[0] == "c" and expr[1] in (("n", "property"), ("a", ("n", "builtins"), "property")):
        return expr
    return None
