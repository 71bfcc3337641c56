"""effects: external commands (oslo.concurrency processutils and the projects' wrappers), oslo.privsep
entrypoints and os-brick connectors.

Stage: effects.  Must not import libcst, networkx or render.

A command runs where a call's callee is ``processutils.execute`` / ``trycmd`` / ``ssh_execute`` (or the
``subprocess`` functions), or a function of the program that hands its own ``*args`` on to one of those
(``utils.execute(*cmd, **kwargs)``, ``self._execute`` holding it).  The command's name is the first word of
the argument list that is a program: the literals, starred lists and the names and class constants they
are built from are read in order (``LVM.LVM_CMD_PREFIX + ['lvcreate', ...]`` is ``env LC_ALL=C lvcreate``:
``lvcreate``), skipping ``env``, ``sudo`` and ``VAR=value`` words.

An oslo.privsep entrypoint is a function decorated ``@<PrivContext>.entrypoint``: it runs in the
privileged daemon.  A call of anything made from ``os_brick`` (``connector.InitiatorConnector.factory``,
the connector it returns, ``get_connector_properties``) is an os-brick call, named by its method, with
the connector's protocol when the factory's argument gives it.
"""
from __future__ import annotations

from tracer.effects.summary import expand, literal
from tracer.effects.texts import Texts, arguments
from tracer.effects.view import LinkView
from tracer.link.exprs import render

EXECUTE = ("processutils.execute", "processutils.trycmd", "processutils.ssh_execute",
           "subprocess.Popen", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
           "subprocess.run")
PRIVSEP = "oslo_privsep."
BRICK = "os_brick."
PREFIX_WORDS = frozenset({"env", "sudo", "nice", "ionice", "taskset", "nsenter", "timeout", "stdbuf"})
MAX_WORDS = 8
MAX_DEPTH = 4
MAX_WORD_DEPTH = 8
EXECUTORS = ("os_brick.executor.Executor",)  # a subclass's ``self._execute`` runs commands
BRICK_EXCEPTIONS = "os_brick.exception."
BRICK_FACTORY = "InitiatorConnector.factory"  # makes a connector; its methods are the calls


class Commands:
    def __init__(self, view: LinkView, texts: Texts) -> None:
        self.v = view
        self.p = view.p
        self.t = texts
        self._wrappers: dict[str, str | None] = {}
        self._privsep: dict[str, str | None] = {}

    # -- external commands -------------------------------------------------------------
    def runner(self, site, scope: str) -> tuple[str, str | None] | None:
        """(what runs the command, the wrapper parameter that holds its words, if one does) when the site
        runs one: the library function, or a program function that hands the words on to one."""
        if site.func[0] not in ("n", "a"):
            return None
        for v in sorted(self.v.eval(site.func, scope)):
            if v[0] in ("ext", "exti") and v[1].endswith(EXECUTE):
                return v[1].rsplit(".", 2)[-2] + "." + v[1].rsplit(".", 1)[-1], None
            if v[0] in ("fn", "bound", "drvm") and self.is_wrapper(v[1], 0):
                held = self._wrappers[v[1]]
                return _short(v[1]), (held if held != "*" else None)
        if site.func[0] == "a" and site.func[2] == "_execute" and self._executor(site.func[1], scope):
            return "Executor._execute", None
        return None

    def _executor(self, recv: tuple, scope: str) -> bool:
        """An instance of a subclass of os-brick's ``Executor``: its ``_execute`` runs the command."""
        return any(v[0] == "inst" and any(k.endswith(EXECUTORS) for k in self.p.mro(v[1]))
                   for v in self.v.eval(recv, scope))

    def is_wrapper(self, fq: str, depth: int) -> bool:
        """A function that hands its ``*args``, or a list parameter (``_run_lvm_command(cmd)``), on as the
        words of a command."""
        if fq not in self._wrappers:
            self._wrappers[fq] = None
            self._wrappers[fq] = self._passes_args(fq, depth) if depth < MAX_DEPTH else None
        return self._wrappers[fq] is not None

    def _passes_args(self, fq: str, depth: int) -> str | None:
        """``"*"`` when the ``*args`` are the words, the parameter's name when a list parameter is."""
        fn = self.p.functions.get(fq)
        if fn is None:
            return None
        params = {p.name: p.kind for p in fn.facts.params}
        for site in fn.calls():
            starred = [a[1][1] for a in site.args if a[0] == "*" and a[1][0] == "n" and a[1][1] in params]
            if not starred or site.func[0] not in ("n", "a"):
                continue
            runs = any((v[0] in ("ext", "exti") and v[1].endswith(EXECUTE)) or (
                v[0] in ("fn", "bound", "drvm") and v[1] != fq and self.is_wrapper(v[1], depth + 1))
                for v in self.v.eval(site.func, fq))
            if runs or (site.func[0] == "a" and site.func[2] == "_execute" and self._executor(site.func[1], fq)):
                return "*" if params[starred[0]] == "*" else starred[0]
        return None

    def argv(self, site, scope: str, held: str | None = None, callee: str | None = None) -> list[tuple]:
        """The command's words as ``Text``s, as far as literals give them (holes for the parameters);
        ``held``: the parameter of the wrapper ``callee`` that holds them."""
        words: list[tuple] = []
        given = dict(arguments(self.v, callee, site)) if held and callee else {}
        for arg in ([given[held]] if held in given else site.args):
            words += self._words(arg, scope, scope, 0)
            if len(words) >= MAX_WORDS:
                break
        return words[:MAX_WORDS]

    def _words(self, expr: tuple, scope: str, owner: str, depth: int) -> list[tuple]:
        tag = expr[0]
        if tag == "s":
            return [literal(expr[1])]
        if depth > MAX_WORD_DEPTH:
            return [literal("{" + render(expr) + "}")]
        if tag in ("*", "k"):
            return self._words(expr[1], scope, owner, depth + 1)
        if tag == "l":
            out: list[tuple] = []
            for e in expr[1]:
                out += self._words(e, scope, owner, depth + 1)
            return out
        if tag == "+":
            return self._words(expr[1], scope, owner, depth + 1) + self._words(expr[2], scope, owner, depth + 1)
        if tag == "n" and not self.v.is_parameter(expr[1], scope):
            # cmd = [...]; cmd.extend([...]); cmd.append(x): the pieces in the order written
            bound = [(e, w) for e, w in self.v.bound(expr[1], scope) if e[0] in ("l", "+", "n", "a", "k", "s")]
            out = []
            for e, w in bound:
                out += self._words(e, w, owner if w == scope else "", depth + 1)
                if len(out) >= MAX_WORDS:
                    break
            if out:
                return out
        if tag == "a":
            for v in sorted(self.v.eval(expr[1], scope)):
                klass = self.p.classes.get(v[1]) if v[0] == "cls" else None
                values = klass.attrs.get(expr[2]) if klass else None
                if values:
                    return self._words(values[0], self.v.class_scope(v[1]), "", depth + 1)
        return [self.t.of(expr, scope, holes=scope == owner)]

    @staticmethod
    def program(words: list[tuple]) -> int | None:
        """Which word names the program: the first literal one that is no wrapper (``env``, ``sudo``),
        option or assignment; else the first computed one."""
        flat = [expand(w) for w in words]
        candidates = [i for i, w in enumerate(flat) if w and not _wrapper_word(w[0])]
        literal_ones = [i for i in candidates if not flat[i][0].startswith("{")]
        found = literal_ones or candidates
        return found[0] if found else None

    # -- oslo.privsep -------------------------------------------------------------------
    def entrypoint(self, fq: str) -> str | None:
        """The privileged context a function runs in (``sys_admin_pctxt``) when it is an entrypoint."""
        if fq not in self._privsep:
            self._privsep[fq] = None
            fn = self.p.functions.get(fq)
            for d in fn.facts.decorators if fn else ():
                func = d[1] if d[0] == "c" else d
                if func[0] == "a" and func[2].startswith("entrypoint"):
                    values = self.v.eval(func[1], self.v.decorator_scope(fn))
                    if any(v[0] in ("ext", "exti") and v[1].startswith(PRIVSEP) for v in values):
                        self._privsep[fq] = render(func[1]).rsplit(".", 1)[-1]
        return self._privsep[fq]

    # -- os-brick ---------------------------------------------------------------------
    def brick(self, site, scope: str) -> str | None:
        """The os-brick call a site makes (``connect_volume``), or None; a callee that may as well be another
        library's (a value set the resolver could not narrow: ``bz2.clone``, ``os_brick...clone``) is not one."""
        if site.func[0] not in ("n", "a"):
            return None
        values = self.v.eval(site.func, scope)
        if any(v[0] in ("ext", "exti") and not v[1].startswith((BRICK, "builtins.")) for v in values):
            return None
        for v in sorted(values):
            if v[0] in ("ext", "exti") and v[1].startswith(BRICK) and BRICK_EXCEPTIONS not in v[1] \
                    and not v[1].endswith(BRICK_FACTORY):
                name = v[1].rsplit(".", 1)[-1]
                if name[:1].islower() and not name.startswith("_"):
                    return name
        return None

    def protocol(self, site, scope: str) -> str | None:
        """The protocol the connector was made for: the first argument of ``InitiatorConnector.factory``."""
        if site.func[0] != "a":
            return None
        for value, where in self._made_by(site.func[1], scope):
            if value[0] == "c" and value[1][0] == "a" and value[1][2] == "factory" and value[2]:
                texts = self.t.strings(value[2][0], where)
                return texts[0] if len(texts) == 1 else render(value[2][0]).rsplit(".", 1)[-1]
        return None

    def _made_by(self, expr: tuple, scope: str) -> list[tuple[tuple, str]]:
        if expr[0] == "n":
            return self.v.bound(expr[1], scope)[:4]
        if expr[0] == "a" and expr[1][0] == "n":
            owner = next((v[1] for v in self.v.eval(expr[1], scope) if v[0] == "inst"), None)
            return self.v.self_assigns(owner, expr[2])[:4] if owner else []
        return []


def _wrapper_word(w: str) -> bool:
    return w in PREFIX_WORDS or "=" in w or w.startswith("-") or w == "None"


def _short(fq: str) -> str:
    return ".".join(fq.split(".")[-2:])
