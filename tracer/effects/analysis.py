"""effects: a function's effect summary, from its facts and the live linker.

Stage: effects, after link.  Must not import libcst, networkx or render.

What a function does itself (``Summary.own``): the options it reads, the locks its decorators take,
the privileged context it runs in, the tables it queries when it is a DB API function, and per call
site what a library call does: run a command, call os-brick, send a notification, take a lock, read
an option through ``safe_get``.  Every other call site that reaches a known function is a ``Site``
with the text of the arguments it passes, so that composing along a trace
(``tracer.effects.compose``) can follow it and fill the callee's holes.  A call of more than
``MAX_TARGETS`` functions (a dispatch table) is not a site: it is not one helper's work.
"""
from __future__ import annotations

from tracer.effects.commands import Commands
from tracer.effects.config import Config
from tracer.effects.database import Database
from tracer.effects.locks import Locks
from tracer.effects.notify import Notifications
from tracer.effects.objects import Objects
from tracer.effects.records import branches, guarded
from tracer.effects.summary import EMPTY, Built, Site, Summary, Template, expand, is_unknown, literal
from tracer.effects.texts import Env, Texts, arguments
from tracer.effects.view import LinkView
from tracer.effects.wrappers import Wrappers
from tracer.link.edges import Linker
from tracer.link.exprs import render
from tracer.link.models.oslo_config import BACKEND, DEFAULT, Decl

FOLLOWED = ("call", "driver")
MAX_TARGETS = 2


class Analysis:
    def __init__(self, linker: Linker) -> None:
        self.v = LinkView(linker)
        self.p = self.v.p
        self.texts = Texts(self.v)
        self.objects = Objects(self.v)
        self.db = Database(self.v)
        self.config = Config(self.v)
        self.notify = Notifications(self.v, self.texts, self.objects)
        self.commands = Commands(self.v, self.texts)
        self.locks = Locks(self.v, self.texts)
        self.wrappers = Wrappers(self.v)
        self._flows: frozenset[str] | None = None

    # -- one function ----------------------------------------------------------------
    def summary(self, fq: str) -> Summary:
        fn = self.v.function(fq)
        if fn is None:
            return EMPTY
        own = self._own(fq, fn)
        sites = self._decorated(fq, fn)
        wrapped = self.wrappers.called(fq)
        for site in sorted(set(fn.calls()), key=lambda s: (s.line, s.col, str(s.func))):
            if wrapped is not None and site.func == ("n", wrapped):
                continue  # a decorator's wrapper calling the function it wraps: that function's hop has it
            found = self._effects_at(fq, fn, site)
            if found is not None:
                own += found
            else:
                sites += self._sites(fq, site)
                own += self._loaded_driver(fq, fn, site)
        return Summary(tuple(own), tuple(dict.fromkeys(sites)), self.db.is_api(fq), self._built(fq, fn))

    def _loaded_driver(self, fq: str, fn, site) -> list[Template]:
        """A call of the one class an option's default loads (no other implementation to pick from, so no
        driver hop): that option still chooses the driver, here."""
        loaded = {str(dict(e.meta).get("loaded_from")) for e in self.v.targets(fq, site.line, None)
                  if e.kind == "call" and dict(e.meta).get("loaded_from")}
        return [t._replace(site=f"{fn.path}:{site.line}") for cls in sorted(loaded) for t in self.driver_option(cls)]

    def _decorated(self, fq: str, fn) -> list[Site]:
        """The wrappers of the function's decorators (a decorator that takes a lock is read as the lock)."""
        scope = self.v.decorator_scope(fn)
        out = []
        for func, wrapper in self.wrappers.of(fn):
            if self.locks.primitive(func, scope)[0] is None:
                out.append(Site(fn.line, wrapper, f"@{render(func)}", "decorator", False, False, ()))
        return out

    def _own(self, fq: str, fn) -> list[Template]:
        out = []
        for d in fn.defs:
            for read in d.reads:
                out += self._option(read.expr, fq, f"{fn.path}:{read.line}", read.test)
        scope = self.v.decorator_scope(fn)
        for d in fn.facts.decorators:
            if d[0] == "c":
                out += self._lock(d[1], d[2], d[3], scope, f"{fn.path}:{fn.line}", holes=False)
        context = self.commands.entrypoint(fq)
        if context:
            out.append(Template("command", "privsep", f"{fn.path}:{fn.line}", literal(_privileged(fq)),
                                (("context", context),)))
        if self.db.is_api(fq):
            out += self._tables(fq)
        return out

    # -- one call site -----------------------------------------------------------------
    def _effects_at(self, fq: str, fn, site) -> list[Template] | None:
        """What the site does itself when it calls a library (nothing below it is followed), or None."""
        where = f"{fn.path}:{site.line}"
        found = self._library_call(fq, site, where) if site.func[0] in ("n", "a") else None
        found = found or self._lock(site.func, site.args, site.kwargs, fq, where)
        if not found:
            return None
        way = branches(site.guard)
        found = [t._replace(detail=guarded(t.detail, way)) for t in found]
        return [t._replace(detail=tuple(sorted(t.detail + (("on_error", True),)))) if site.on_error else t for t in found]

    def _library_call(self, fq: str, site, where: str) -> list[Template] | None:
        runner = self.commands.runner(site, fq)
        if runner is not None:
            return [self._command(site, fq, where, *runner)]
        brick = self.commands.brick(site, fq)
        if brick is not None:
            protocol = self.commands.protocol(site, fq)
            return [Template("command", "os-brick", where, literal(brick), (("protocol", protocol),) if protocol else ())]
        legacy = self.notify.legacy(site, fq)
        if legacy is not None:
            name = self.notify.event_type(legacy[1], fq, True)
            return [Template("notification", "legacy", where, name, (("priority", legacy[0]),))]
        versioned = self.notify.versioned(site, fq)
        if versioned is not None:
            cls, event, scope = versioned
            name = self.notify.event_type(event, scope, scope == fq)
            return [Template("notification", "versioned", where, name, (("class", cls.rsplit(".", 1)[-1]),))]
        func = site.func
        if func[0] == "a" and func[2] == "safe_get" and site.args and site.args[0][0] == "s":
            if self.config.kind(func[1], fq) == "proxy":
                return [self._declared(BACKEND, site.args[0][1], where, False)]
        return None

    def _command(self, site, fq: str, where: str, runner: str, held: str | None) -> Template:
        callee = next((v[1] for v in sorted(self.v.eval(site.func, fq)) if v[0] in ("fn", "bound", "drvm")), None)
        words = self.commands.argv(site, fq, held, callee)
        index = self.commands.program(words)
        name = words[index] if index is not None else literal("{command}")
        shown = " ".join(expand(w)[0] if len(expand(w)) == 1 else "{...}" for w in words)
        detail = [("argv", shown), ("runner", runner)]
        if any(k == "run_as_root" and v == ("n", "True") for k, v in site.kwargs):
            detail.append(("run_as_root", True))
        return Template("command", "execute", where, name, tuple(sorted(detail)))

    def _sites(self, fq: str, site) -> list[Site]:
        out = []
        way = branches(site.guard)
        off = self.v.off_by_default(site, fq)
        for target, how, configured in self._targets(fq, site):
            args = self._args(target, site, fq, None)
            out.append(Site(site.line, target, self.db.short(target), how, _on_self(site.func, self.v.function(fq)),
                            site.on_error, args, configured, way, off))
        for target in self.wrappers.entered(fq, site):
            out.append(Site(site.line, target, self.db.short(target), "with", False, site.on_error, (), "", way))
        for e in self.v.targets(fq, site.line, None):
            if e.kind.startswith("rpc") and site.func[0] == "a" and site.func[2] in ("cast", "call"):
                out.append(Site(site.line, e.target, self.db.short(e.target), "rpc", False, site.on_error,
                                self._rpc_args(e.target, site, fq), "", way))
        return out

    def _targets(self, fq: str, site) -> list[tuple[str, str, str]]:
        """(callee, how it was found: linked | typed | by-name, the configured class of a driver call)."""
        name = site.func[2] if site.func[0] == "a" else site.func[1] if site.func[0] == "n" else None
        edges = [e for e in self.v.targets(fq, site.line, name) if e.kind in FOLLOWED and e.confidence != "candidate"]
        if edges:
            found = sorted({(e.target, "linked", str(dict(e.meta).get("configured", "")) if e.kind == "driver" else "")
                            for e in edges})
            return found if len(found) <= MAX_TARGETS else []
        if site.func[0] != "a":
            return []
        recv, method = site.func[1], site.func[2]
        proxied = self.db.proxy_target(recv, method, fq)
        if proxied:
            return [(proxied, "linked", "")]
        on_instance = self._wrapper_self(fq, recv, method)
        if on_instance:
            return on_instance
        if method not in self.objects.method_names:
            return []
        out = set()
        for v in sorted(self.objects.typed(recv, fq)):
            if v[0] in ("inst", "objn", "cls"):
                target = self.p.lookup_method(v[1], method)
                if target:
                    out.add((target, "by-name" if v[0] == "objn" else "typed", ""))
        return sorted(out) if len(out) <= MAX_TARGETS else []

    def _wrapper_self(self, fq: str, recv: tuple, method: str) -> list[tuple[str, str, str]]:
        """``self.m()`` in a decorator's wrapper: ``m`` of the classes whose methods the decorator decorates."""
        fn = self.v.function(fq)
        owner = self.wrappers.owner(fq) if fn and fn.facts.params and recv == ("n", fn.facts.params[0].name) else None
        if owner is None:
            return []
        found = {(m, "typed", "") for cls in self.wrappers.decorated_classes(owner[0])
                 if (m := self.p.lookup_method(cls, method))}
        return sorted(found) if len(found) <= MAX_TARGETS else []

    def _args(self, target: str, site, fq: str, offset: int | None) -> tuple:
        out = []
        for param, expr in arguments(self.v, target, site, offset):
            if expr[0] in ("s", "n", "a", "%", "+", "f"):
                text = self.texts.of(expr, fq, fallbacks=False)
                if not is_unknown(text):
                    out.append((param, text))
        return tuple(out)

    def _rpc_args(self, target: str, site, fq: str) -> tuple:
        """``cctxt.cast(ctxt, 'method', instance=instance)``: the server method's parameters by keyword."""
        fn = self.v.function(target)
        params = {p.name for p in fn.facts.params} if fn else set()
        out = []
        for key, expr in site.kwargs:
            if key in params and expr[0] in ("s", "n", "a", "%", "+", "f"):
                text = self.texts.of(expr, fq, fallbacks=False)
                if not is_unknown(text):
                    out.append((key, text))
        return tuple(out)

    def _built(self, fq: str, fn) -> tuple:
        """In a flow builder: what each object it builds gets as attributes (the tasks' ``self.x``)."""
        if self._flows is None:
            self._flows = frozenset(self.v.linker.flows.all_flows())
        if fq not in self._flows:
            return ()
        out = []
        for site in sorted(fn.calls(), key=lambda s: (s.line, s.col)):
            classes = [v[1] for v in sorted(self.v.eval(site.func, fq)) if v[0] == "cls"] if site.func[0] in ("n", "a") else []
            init = self.p.lookup_method(classes[0], "__init__") if len(classes) == 1 else None
            if init is None:
                continue
            this = Env(init, tuple(arguments(self.v, init, site)), fq, None)
            attrs = []
            for attr in self._init_attrs(classes[0]):
                text = self.texts.attribute(attr, this, (fq, False))
                if text is not None:
                    attrs.append((attr, text))
            if attrs:
                out.append(Built(site.line, classes[0], tuple(attrs)))
        return tuple(out)

    def _init_attrs(self, cls: str) -> list[str]:
        names: set[str] = set()
        for k in self.p.mro(cls):
            init = self.p.classes[k].methods.get("__init__") if k in self.p.classes else None
            fn = self.p.functions.get(init) if init else None
            me = ("n", fn.facts.params[0].name) if fn and fn.facts.params else None
            names |= {a.target[2] for a in fn.assigns() if a.target[0] == "a" and a.target[1] == me} if fn else set()
        return sorted(names)

    # -- the effect templates -------------------------------------------------------------
    def _option(self, expr: tuple, scope: str, where: str, test: bool) -> list[Template]:
        read = self.config.option_read(expr, scope)
        return [self._declared(read[0], read[1], where, test)] if read else []

    def _declared(self, group: str, option: str, where: str, test: bool) -> Template:
        decls = self.config.decls(option, group)
        name = option if group == DEFAULT else f"{group}.{option}"
        return Template("config", "path" if test else "read", where, literal(name), _decl_detail(group, decls))

    def driver_option(self, configured: str) -> tuple[Template, ...]:
        """The options whose default names the configured driver class (``volume_driver``); site left empty."""
        out = []
        for decl in self.config.by_default.get(configured, ()):
            # a group named at run time (``group=backend`` in a loop over the backends) is no name to give
            groups = sorted(g for g in self.config.groups.get((decl.module, decl.name), set()) - {DEFAULT}
                            if not g.startswith("{"))
            group = groups[0] if len(groups) == 1 else DEFAULT
            name = decl.name if group == DEFAULT else f"{group}.{decl.name}"
            out.append(Template("config", "driver", "", literal(name), _decl_detail(group, [decl])))
        return tuple(out)

    def _lock(self, func: tuple, args: tuple, kwargs: tuple, scope: str, where: str, holes: bool = True) -> list[Template]:
        found = self.locks.lock(func, args, kwargs, scope, holes) if func[0] in ("n", "a") else None
        if found is None:
            return []
        name, primitive, detail = found
        return [Template("lock", primitive, where, name, detail)]

    def _tables(self, api: str) -> list[Template]:
        transaction = self.db.transaction(api)
        out = []
        for a in self.db.accesses(api):
            detail = [("api", self.db.short(api)), ("model", a.model.rsplit(".", 1)[-1])]
            if transaction:
                detail.append(("transaction", transaction))
            out.append(Template("database", a.mode, f"{a.path}:{a.line}", literal(a.table),
                                guarded(tuple(sorted(detail)), a.guard), a.via))
        return out


def _on_self(func: tuple, caller) -> bool:
    if func[0] != "a" or caller is None or not caller.facts.params:
        return False
    recv = func[1]
    return recv == ("n", caller.facts.params[0].name) or (recv[0] == "c" and recv[1] == ("n", "super"))


def _privileged(fq: str) -> str:
    module, _, name = fq.rpartition(".")
    return f"{module.rsplit('.', 1)[-1]}.{name}"


def _decl_detail(group: str, decls: list[Decl]) -> tuple:
    detail: dict = {"group": group}
    if decls:
        d = decls[0]
        detail.update({"type": d.type, "default": d.default, "help": d.help, "declared": d.site})
        if len(decls) > 1:
            detail["declarations"] = len(decls)
    return tuple(sorted(detail.items()))
