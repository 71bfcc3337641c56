"""effects: what a function touches besides code, from its own body and the helpers it calls.

Stage: effects, after link.  Must not import libcst, networkx or render.

A function's effects are those of its body: the options it reads, the locks its decorators take, the
privileged context it runs in, the tables it queries when it is a DB API function, and, per call site,
what the call does: run a command, call os-brick, send a notification, take a lock, read an option
through ``safe_get``, enter the database (a DB API function: its tables), or call a helper, whose
effects count too, ``MAX_FOLLOW`` calls deep, each effect saying through which functions (``via``).
A call the trace shows as a hop of its own is not followed: its effects are that hop's.

Arguments bind along the way: following ``notify_about_volume_usage(context, volume, 'create.start')``
evaluates ``'volume.%s' % event_suffix`` with ``event_suffix`` = ``'create.start'``; the effects of a hop
see the arguments of the hops above it (``tracer.effects.attach``).
"""
from __future__ import annotations

from tracer.effects.commands import Commands
from tracer.effects.config import BACKEND, DEFAULT, Config, Decl
from tracer.effects.database import Database
from tracer.effects.locks import Locks
from tracer.effects.notify import Notifications
from tracer.effects.objects import Objects
from tracer.effects.records import Effect
from tracer.effects.texts import Env, Texts, bind
from tracer.effects.view import LinkView
from tracer.link.edges import Linker

MAX_FOLLOW = 3  # helper calls followed below a function
FOLLOWED = ("call", "driver")
MAX_TARGETS = 2  # a call that may reach more functions than this (a dispatch table) is not followed
SAFE_GET = ("safe_get",)


class Analysis:
    def __init__(self, linker: Linker, errors: bool = False) -> None:
        self.errors = errors  # follow calls made in except handlers too
        self.v = LinkView(linker)
        self.p = self.v.p
        self.texts = Texts(self.v)
        self.objects = Objects(self.v)
        self.db = Database(self.v)
        self.config = Config(self.v)
        self.notify = Notifications(self.v, self.texts, self.objects)
        self.commands = Commands(self.v, self.texts)
        self.locks = Locks(self.v, self.texts)
        self._memo: dict[tuple, tuple[Effect, ...]] = {}

    # -- one function ----------------------------------------------------------------
    def effects(self, fq: str, env: Env | None = None, skip: frozenset = frozenset(),
                depth: int = MAX_FOLLOW) -> tuple[Effect, ...]:
        """The effects of ``fq`` (service left empty), not following the call sites in ``skip``
        (``(line, callee)`` pairs: the hops the trace shows below it)."""
        key = (fq, env, skip, depth)
        hit = self._memo.get(key)
        if hit is None:
            self._memo[key] = ()  # recursion through a cycle adds nothing
            hit = self._memo[key] = tuple(self._compute(fq, env, skip, depth))
        return hit

    def _compute(self, fq: str, env: Env | None, skip: frozenset, depth: int) -> list[Effect]:
        fn = self.v.function(fq)
        if fn is None:
            return []
        out = self._own(fq, fn, env)
        in_db = self.db.is_api(fq)
        for site in sorted(set(fn.calls()), key=lambda s: (s.line, s.col, str(s.func))):
            if site.on_error and not self.errors:
                continue
            out += self._site(fq, fn, site, env, skip, depth, in_db)
        return out

    def _own(self, fq: str, fn, env: Env | None) -> list[Effect]:
        out = []
        for d in fn.defs:
            for read in d.reads:
                out += self._option(read.expr, fq, f"{fn.path}:{read.line}", read.test)
        scope = self.v.decorator_scope(fn)
        outer = env.parent if env is not None and env.parent is not None and env.parent.fq == scope else None
        for d in fn.facts.decorators:
            if d[0] == "c":
                out += self._lock(d[1], d[2], d[3], scope, outer, f"{fn.path}:{fn.line}")
        context = self.commands.entrypoint(fq)
        if context:
            out.append(Effect("command", _privileged(fq), "privsep", f"{fn.path}:{fn.line}",
                              detail=(("context", context),)))
        if self.db.is_api(fq):
            out += self._tables(fq, ())
        return out

    # -- one call site -----------------------------------------------------------------
    def _site(self, fq: str, fn, site, env: Env | None, skip: frozenset, depth: int, in_db: bool) -> list[Effect]:
        where = f"{fn.path}:{site.line}"
        if site.func[0] in ("n", "a"):
            found = self._library_call(fq, site, env, where)
            if found is not None:
                return found
        out = self._lock(site.func, site.args, site.kwargs, fq, env, where)
        if out:
            return out  # a lock wrapper's own lock is the effect, not its plumbing
        for target, how in self._targets(fq, site, env):
            if (site.line, target) in skip:
                continue
            if self.db.is_api(target):
                if not in_db:
                    out += self._tables(target, (self.db.short(target),), how)
                continue
            if depth > 0:
                inner = self.effects(target, bind(self.v, target, site, fq, env), frozenset(), depth - 1)
                out += [_through(e, self.db.short(target), how) for e in inner]
        return out

    def _library_call(self, fq: str, site, env: Env | None, where: str) -> list[Effect] | None:
        """Effects a library call makes itself (nothing below it is followed), or None."""
        runner = self.commands.runner(site, fq)
        if runner is not None:
            words = self.commands.argv(site, fq, env)
            detail = [("argv", " ".join(words)), ("runner", runner)]
            if any(k == "run_as_root" and v == ("n", "True") for k, v in site.kwargs):
                detail.append(("run_as_root", True))
            return [Effect("command", self.commands.program(words), "execute", where, detail=tuple(sorted(detail)))]
        brick = self.commands.brick(site, fq)
        if brick is not None:
            protocol = self.commands.protocol(site, fq)
            detail = (("protocol", protocol),) if protocol else ()
            return [Effect("command", brick, "os-brick", where, detail=detail)]
        legacy = self.notify.legacy(site, fq)
        if legacy is not None:
            names = self.notify.event_types(legacy[1], fq, env)
            return [Effect("notification", n, "legacy", where, detail=(("priority", legacy[0]),)) for n in names]
        versioned = self.notify.versioned(site, fq, env)
        if versioned is not None:
            cls, event, scope = versioned
            names = self.notify.event_types(event, scope, env if scope == fq else None)
            detail = (("class", cls.rsplit(".", 1)[-1]),)
            return [Effect("notification", n, "versioned", where, detail=detail) for n in names]
        func = site.func
        if func[0] == "a" and func[2] in SAFE_GET and site.args and site.args[0][0] == "s":
            if self.config.kind(func[1], fq) == "proxy":
                return self._declared(BACKEND, site.args[0][1], where, False)
        return None

    def _targets(self, fq: str, site, env: Env | None) -> list[tuple[str, str]]:
        """(callee, how it was found: linked | typed | by-name) of a call site."""
        name = site.func[2] if site.func[0] == "a" else site.func[1] if site.func[0] == "n" else None
        edges = [e for e in self.v.targets(fq, site.line, name) if e.kind in FOLLOWED and e.confidence != "candidate"]
        if edges:
            found = sorted({(e.target, "linked") for e in edges})
            return found if len(found) <= MAX_TARGETS else []
        if site.func[0] != "a":
            return []
        recv, method = site.func[1], site.func[2]
        proxied = self.db.proxy_target(recv, method, fq)
        if proxied:
            return [(proxied, "linked")]
        if method not in self.objects.method_names:
            return []
        out = set()
        for v in self.objects.typed(recv, fq, env):
            if v[0] in ("inst", "objn", "cls"):
                target = self.p.lookup_method(v[1], method)
                if target:
                    out.add((target, "by-name" if v[0] == "objn" else "typed"))
        return sorted(out)

    # -- the effect records -------------------------------------------------------------
    def _option(self, expr: tuple, scope: str, where: str, test: bool) -> list[Effect]:
        read = self.config.option_read(expr, scope)
        if read is None:
            return []
        return self._declared(read[0], read[1], where, test)

    def _declared(self, group: str, option: str, where: str, test: bool) -> list[Effect]:
        decls = self.config.decls(option, group)
        name = option if group == DEFAULT else f"{group}.{option}"
        return [Effect("config", name, "path" if test else "read", where, detail=_decl_detail(group, decls))]

    def driver_option(self, configured: str, where: str) -> list[Effect]:
        """The options whose default names the configured driver class (``volume_driver``)."""
        out = []
        for decl in self.config.by_default.get(configured, ()):
            groups = sorted(self.config.groups.get((decl.module, decl.name), ()) - {DEFAULT})
            group = groups[0] if len(groups) == 1 else DEFAULT
            name = decl.name if group == DEFAULT else f"{group}.{decl.name}"
            out.append(Effect("config", name, "driver", where, detail=_decl_detail(group, [decl])))
        return out

    def _lock(self, func: tuple, args: tuple, kwargs: tuple, scope: str, env: Env | None, where: str) -> list[Effect]:
        found = self.locks.lock(func, args, kwargs, scope, env) if func[0] in ("n", "a") else None
        if found is None:
            return []
        names, primitive, detail = found
        return [Effect("lock", name, primitive, where, detail=detail) for name in names]

    def _tables(self, api: str, via: tuple, how: str = "linked") -> list[Effect]:
        transaction = self.db.transaction(api)
        out = []
        for a in self.db.accesses(api):
            detail = [("api", self.db.short(api)), ("model", a.model.rsplit(".", 1)[-1])]
            if transaction:
                detail.append(("transaction", transaction))
            if how == "by-name":
                detail.append(("confidence", "by-name"))
            out.append(Effect("database", a.table, a.mode, f"{a.path}:{a.line}", via=via + a.via,
                              detail=tuple(sorted(detail))))
        return out


def _through(e: Effect, fn: str, how: str) -> Effect:
    detail = e.detail
    if how == "by-name" and ("confidence", "by-name") not in detail:
        detail = tuple(sorted(detail + (("confidence", "by-name"),)))
    return e._replace(via=(fn,) + e.via, detail=detail)


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
