"""scan: one libcst traversal of one file, gathering every fact family.

Stage: scan.  Input is bytes and a relative path; output is ``ModuleFacts`` or
``ScanFailure``.  Pure (no I/O); must not import networkx or later stages.

The traversal keeps a stack of scopes (module body, classes, functions).  Each
scope collects what the text says: definitions, imports, assignments, returns
and call sites with their receiver expressions.  Nothing is resolved here.
"""
from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from tracer.facts.model import (
    OPAQUE,
    Assign,
    CallSite,
    ClassFacts,
    FunctionFacts,
    Import,
    ModuleFacts,
    OptionFacts,
    Param,
    ScanFailure,
)
from tracer.scan.exprs import annotation_expr, call_args, to_expr
from tracer.scan.guards import GuardStack
from tracer.scan.reads import ReadCollector, dotted
from tracer.scan.walk import AstLines, walk

MODULE_SCOPE = "<module>"
OLD_GRAMMAR = "3.6"  # the last grammar in which async and await are plain names


def module_name(relpath: str) -> tuple[str, bool]:
    """``cinder/volume/__init__.py`` -> ("cinder.volume", True)."""
    parts = relpath[:-3].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


def parse(relpath: str, data: bytes) -> cst.Module | ScanFailure:
    """The file's tree in today's grammar, else in the old one (``async`` as a name), else why not."""
    try:
        with _unvalidated():
            return cst.parse_module(data)
    except cst.ParserSyntaxError as exc:
        old = parse_old_grammar(data)
        return old if old is not None else ScanFailure(relpath, "syntax", syntax_detail(data, exc))
    except (UnicodeDecodeError, SyntaxError, ValueError) as exc:  # bytes that are no text in their encoding
        return ScanFailure(relpath, "decode", str(exc)[:200])
    except RecursionError:
        return ScanFailure(relpath, "too-deep", "expression nesting exceeds the parser's recursion limit")


@contextlib.contextmanager
def _unvalidated():
    """libcst nodes built without ``_validate``: it checks a hand-built node's whitespace and parentheses,
    which the native parser's nodes have by construction (libcst's own PERF note in ``CSTNode.__post_init__``
    says so).  It was an eighth of the scan.  Only the native parse runs under it."""
    check = cst.CSTNode.__post_init__
    cst.CSTNode.__post_init__ = _no_check
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = check


def _no_check(self) -> None:
    pass


def parse_old_grammar(data: bytes) -> cst.Module | None:
    """Parse with the grammar of Python 3.6, where ``async``/``await`` are names (nova 15-17 use them).

    libcst's native parser knows one grammar; its pure-Python parser honours ``python_version`` and
    is still shipped, so it serves the files the native one refuses.  Tried only on files that
    mention the words (it is some twenty times slower).  ``None`` when it fails too or is absent.
    """
    if b"async" not in data and b"await" not in data:
        return None
    try:
        from libcst._parser.detect_config import detect_config
        from libcst._parser.grammar import get_grammar
        from libcst._parser.python_parser import PythonCSTParser
    except ImportError:  # a libcst without its pure-Python parser
        return None
    config = cst.PartialParserConfig(python_version=OLD_GRAMMAR)
    try:
        found = detect_config(data, partial=config, detect_trailing_newline=True, detect_default_newline=True)
        grammar = get_grammar(config.parsed_python_version, found.config.future_imports)
        tree = PythonCSTParser(tokens=found.tokens, config=found.config, pgen_grammar=grammar,
                               start_nonterminal="file_input").parse()
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
        return None
    return tree if isinstance(tree, cst.Module) else None


def syntax_detail(data: bytes, exc: cst.ParserSyntaxError) -> str:
    """``line N: what``, N as CPython counts it (libcst's native parser can say the line after)."""
    try:
        ast.parse(data, feature_version=(3, 6))
    except SyntaxError as cpython:
        if cpython.lineno:
            return f"line {cpython.lineno}: {cpython.msg}"
    except (ValueError, RecursionError):
        pass
    return f"line {exc.raw_line}: {exc.message}"


def scan_source(relpath: str, data: bytes) -> ModuleFacts | ScanFailure:
    tree = parse(relpath, data)
    if isinstance(tree, ScanFailure):
        return tree
    module, is_package = module_name(relpath)
    try:
        lines = AstLines(data)
    except (SyntaxError, ValueError, RecursionError):
        lines = None
    try:
        if lines is not None:
            collector = _Collector(module, is_package, lines, tree)
            walk(tree, collector)
            if lines.consistent():
                return collector.result(relpath)
        collector = _Collector(module, is_package, None, tree)  # exact positions from libcst itself
        MetadataWrapper(tree, unsafe_skip_copy=True).visit(collector)
    except RecursionError:
        return ScanFailure(relpath, "too-deep", "expression nesting exceeds the recursion limit")
    return collector.result(relpath)


@dataclass
class _Scope:
    kind: str  # "module" | "class" | "function"
    qualname: str
    line: int = 0
    end_line: int = 0
    params: tuple = ()
    decorators: tuple = ()
    cls: str | None = None
    parent: str | None = None
    bases: tuple = ()
    imports: list = field(default_factory=list)
    assigns: list = field(default_factory=list)
    returns: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    is_generator: bool = False
    reads: tuple = ()
    returns_type: tuple | None = None
    globals: list = field(default_factory=list)
    tests: list = field(default_factory=list)
    exits: list = field(default_factory=list)
    conds: list = field(default_factory=list)

    def as_function(self) -> FunctionFacts:
        return FunctionFacts(
            self.qualname, self.line, self.end_line, self.params, self.decorators, self.cls,
            self.parent, tuple(self.imports), tuple(self.assigns), tuple(self.returns),
            tuple(self.calls), self.is_generator, self.reads, self.returns_type, tuple(self.globals),
            tuple(self.tests), tuple(self.exits), tuple(self.conds),
        )

    def as_class(self) -> ClassFacts:
        return ClassFacts(self.qualname, self.line, self.bases, self.decorators, tuple(self.assigns), self.parent)


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, module: str, is_package: bool, lines: AstLines | None, tree: cst.Module) -> None:
        super().__init__()
        self.lines = lines
        self.guards = GuardStack(tree.code_for_node)
        self.reads = ReadCollector()
        self.module = module
        self.handlers = 0  # except handlers around the current statement, in this def
        self._outer_handlers: list[int] = []
        self.is_package = is_package
        self.last_line = 1
        self.stack: list[_Scope] = [_Scope("module", MODULE_SCOPE)]
        self.functions: list[FunctionFacts] = []
        self.classes: list[ClassFacts] = []
        self.options: list[OptionFacts] = []

    # -- results -----------------------------------------------------------
    def result(self, relpath: str) -> ModuleFacts:
        body = self.stack[0]
        body.reads = self.reads.module_reads()
        functions = [body.as_function()] + sorted(self.functions, key=lambda f: (f.line, f.qualname))
        return ModuleFacts(
            self.module, relpath, self.is_package, tuple(body.imports),
            tuple(sorted(self.classes, key=lambda c: (c.line, c.qualname))), tuple(functions), tuple(self.options),
        )

    # -- helpers -----------------------------------------------------------
    def _line(self, node: cst.CSTNode) -> int:
        """Line of a statement: exact with libcst positions, else the enclosing scope's last known line."""
        if self.lines is None:
            return self.get_metadata(PositionProvider, node).start.line
        return self.last_line

    def _def_lines(self, node: cst.CSTNode, name: cst.Name) -> tuple[int, int]:
        if self.lines is None:
            pos = self.get_metadata(PositionProvider, node)
            return self.get_metadata(PositionProvider, name).start.line, pos.end.line
        line, end = self.lines.definition()
        self.last_line = line
        return line, end

    def _call_pos(self, node: cst.Call, token: cst.CSTNode) -> tuple[int, int, tuple]:
        if self.lines is None:
            pos = self.get_metadata(PositionProvider, token).start
            ordered = [a for a in node.args if a.keyword is None and a.star != "**"]
            ordered += [a for a in node.args if a.keyword is not None or a.star == "**"]
            lines = tuple(self.get_metadata(PositionProvider, a.value).start.line for a in ordered)
            return pos.line, pos.column, lines
        line, col, lines = self.lines.call()
        self.last_line = line
        return line, col, lines

    def _qualname(self, name: str) -> str:
        top = self.stack[-1]
        if top.kind == "module":
            return name
        if top.kind == "class":
            return f"{top.qualname}.{name}"
        return f"{top.qualname}.<locals>.{name}"

    def _enclosing_function(self) -> str | None:
        for scope in reversed(self.stack):
            if scope.kind == "function":
                return scope.qualname
        return None

    def _code_scope(self) -> _Scope:
        """Calls and assignments in a class body belong to the class scope."""
        return self.stack[-1]

    # -- definitions -------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        scope = _Scope("class", self._qualname(node.name.value), line=self._def_lines(node, node.name)[0])
        scope.bases = tuple(to_expr(a.value) for a in node.bases)
        scope.decorators = tuple(to_expr(d.decorator) for d in node.decorators)
        scope.parent = self._enclosing_function()
        self.stack.append(scope)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.append(self.stack.pop().as_class())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        top = self.stack[-1]
        self._outer_handlers.append(self.handlers)
        self.handlers = 0
        line, end = self._def_lines(node, node.name)
        scope = _Scope("function", self._qualname(node.name.value), line=line)
        scope.end_line = end
        scope.params = _params(node.params)
        scope.returns_type = annotation_expr(node.returns)
        scope.decorators = tuple(to_expr(d.decorator) for d in node.decorators)
        scope.cls = top.qualname if top.kind == "class" else None
        scope.parent = self._enclosing_function()
        self.stack.append(scope)
        self.guards.enter_function()
        self.reads.enter_function()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        scope = self.stack[-1]
        params = {p.name for s in self.stack if s.kind == "function" for p in s.params}
        bound = {a.target[1] for a in scope.assigns if a.target[0] == "n"}
        scope.reads = self.reads.leave_function(params, bound)
        self.functions.append(self.stack.pop().as_function())
        self.handlers = self._outer_handlers.pop()
        self.guards.leave_function()

    # -- the branch each statement runs under (tracer.scan.guards) ------------
    def leave_If(self, original_node: cst.If) -> None:
        self.guards.after_if(original_node)

    def visit_If(self, node: cst.If) -> None:
        self.guards.on_if(node)
        self.reads.mark_test(node.test)
        self._tested(node.test)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        self.reads.mark_test(node.test)
        self._tested(node.test)

    def _tested(self, test: cst.BaseExpression) -> None:
        """The attributes a branch's test reads (``if not self.supports_amd_sev``): a property runs there."""
        scope = self._code_scope()
        if scope.kind == "function":
            line = self._line(test)
            scope.tests.extend((expr, line) for expr in _attributes_read(test))

    def visit_For(self, node: cst.For) -> None:
        self.guards.on_loop(node)
        self._assign(node.target, ("it", to_expr(node.iter)), self._line(node))

    def visit_While(self, node: cst.While) -> None:
        self.guards.on_loop(node)
        self.reads.mark_test(node.test)
        self._tested(node.test)

    def visit_Try(self, node: cst.Try) -> None:
        self.guards.on_try(node)

    def visit_With(self, node: cst.With) -> None:
        self.guards.on_with(node)

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.guards.enter_block(node)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.guards.leave_block(original_node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.guards.enter_block(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.guards.leave_block(original_node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.handlers += 1
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.reads.bind(node.name.name.value)
            if node.type is not None:  # except X as e: e is an instance of X
                self._code_scope().assigns.append(
                    Assign(to_expr(node.name.name), ("x", to_expr(node.type)), self._line(node)))

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.handlers -= 1

    # -- attribute reads that may be options (tracer.scan.reads) ---------------
    def visit_Attribute(self, node: cst.Attribute) -> bool | None:
        parts = dotted(node)
        if parts is None:
            return None
        if self.lines is None:
            line = self.get_metadata(PositionProvider, node).start.line
        else:
            line = self.lines.chain(".".join(parts)) or self.last_line
        self.reads.on_chain(node, parts, line)
        return False  # a chain of names holds no call: nothing below it to count

    def visit_Global(self, node: cst.Global) -> None:
        """``global x`` in a def: its assignments to ``x`` bind the module's ``x``."""
        scope = self.stack[-1]
        if scope.kind == "function":
            scope.globals.extend(n.name.value for n in node.names if n.name.value not in scope.globals)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.reads.mark_target(node.target)
        if isinstance(node.target, cst.Name):  # x += y: x holds something else afterwards (not known)
            self._code_scope().assigns.append(Assign(("n", node.target.value), OPAQUE, self._line(node)))

    # -- imports -----------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        line = self._line(node)
        for alias in node.names:
            dotted = _dotted(alias.name)
            if alias.asname is not None:
                bound = alias.asname.name.value
                self.stack[-1].imports.append(Import(bound, dotted, None, line))
            else:
                top = dotted.split(".")[0]
                self.stack[-1].imports.append(Import(top, top, None, line))
                if dotted != top:
                    self.stack[-1].imports.append(Import("", dotted, None, line))
        return False  # module paths are not attribute reads (ast holds no nodes for them)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        line = self._line(node)
        base = self._absolute(node)
        if base is None:
            return False
        if isinstance(node.names, cst.ImportStar):
            self.stack[-1].imports.append(Import("*", base, "*", line))
            return False
        for alias in node.names:
            name = _dotted(alias.name)
            bound = alias.asname.name.value if alias.asname is not None else name
            self.stack[-1].imports.append(Import(bound, base, name, line))
        return False

    def _absolute(self, node: cst.ImportFrom) -> str | None:
        module = _dotted(node.module) if node.module is not None else ""
        level = len(node.relative)
        if level == 0:
            return module
        package = self.module if self.is_package else self.module.rpartition(".")[0]
        parts = package.split(".") if package else []
        if level - 1 > len(parts):
            return None
        parts = parts[: len(parts) - (level - 1)]
        return ".".join(p for p in parts + ([module] if module else []) if p)

    # -- statements ----------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        value = to_expr(node.value)
        line = self._line(node)
        for target in node.targets:
            self.reads.mark_target(target.target)
            self._assign(target.target, value, line)
            if isinstance(target.target, cst.Name) and _is_test(node.value):
                # a test kept in a name (``update = (cell_type == 'api' and ...)``): its text, read when a
                # branch on the name is decided (``tracer.link.branches``)
                self._code_scope().conds.append((target.target.value, self.guards.text(node.value)))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.reads.mark_target(node.target)
        if node.value is not None:
            self._assign(node.target, to_expr(node.value), self._line(node))

    def _assign(self, target: cst.BaseExpression, value: tuple, line: int) -> None:
        scope = self._code_scope()
        if isinstance(target, (cst.Tuple, cst.List)):
            # a, b = f(): element i of what f returns; a, b = x, y pairs up directly
            same = value[0] == "l" and len(value[1]) == len(target.elements)
            for i, element in enumerate(target.elements):
                self.reads.mark_target(element.value)
                if isinstance(element, cst.StarredElement):
                    scope.assigns.append(Assign(to_expr(element.value), ("o",), line))
                else:
                    scope.assigns.append(Assign(to_expr(element.value), value[1][i] if same else ("t", value, i), line))
            return
        scope.assigns.append(Assign(to_expr(target), value, line))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._assign(node.target, ("it", to_expr(node.iter)), self._line(node))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        # the value a with statement enters, bound to its name or to nothing (its __enter__/__exit__ run)
        named = node.asname is not None and isinstance(node.asname.name, cst.Name)
        target = to_expr(node.asname.name) if named else OPAQUE
        self._code_scope().assigns.append(Assign(target, ("w", to_expr(node.item)), self._line(node)))

    def visit_Return(self, node: cst.Return) -> None:
        if self.stack[-1].kind == "function":
            value = to_expr(node.value) if node.value is not None else ("n", "None")
            if node.value is not None:
                self.stack[-1].returns.append(value)
            # in order, with the branches it runs under: what a call gives once its tests are decided
            self.stack[-1].exits.append((value, self.guards.current, self.guards.after))

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.stack[-1].kind == "function":
            self.stack[-1].is_generator = True
            # what iterating the generator gives: its yielded values are recorded with its returns
            if isinstance(node.value, cst.From):
                self.stack[-1].returns.append(("it", to_expr(node.value.item)))
            elif node.value is not None:
                self.stack[-1].returns.append(to_expr(node.value))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        token = func.attr if isinstance(func, cst.Attribute) else func
        line, col, arg_lines = self._call_pos(node, token)
        args, kwargs = call_args(node)
        self.reads.mark_callee(func)
        if isinstance(func, cst.Name) and func.value == "setattr" and len(args) == 3 and args[1][0] == "s":
            # setattr(obj, 'name', value) with a literal name is the assignment obj.name = value
            self._code_scope().assigns.append(Assign(("a", args[0], args[1][1]), args[2], line))
        self._code_scope().calls.append(CallSite(
            to_expr(func), args, kwargs, line, col, arg_lines, self.handlers > 0, self.guards.current,
            self.guards.after))
        self._maybe_option(func, args, kwargs, line)

    def _maybe_option(self, func: cst.BaseExpression, args: tuple, kwargs: tuple, line: int) -> None:
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if not (isinstance(name, str) and name.endswith("Opt") and args and args[0][0] == "s"):
            return
        default = next((v for k, v in kwargs if k == "default"), None)
        self.options.append(OptionFacts(args[0][1], name, default, line, _help_text(kwargs)))


HELP_CHARS = 160


def _is_test(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return True
    return isinstance(node, cst.BooleanOperation) and (_is_test(node.left) or _is_test(node.right))


def _help_text(kwargs: tuple) -> str:
    """The first sentence of ``help='...'`` (or ``help=_('...')``), whitespace folded, capped."""
    value = next((v for k, v in kwargs if k == "help"), None)
    if value is not None and value[0] == "c" and len(value[2]) == 1:  # a translation marker: _('...')
        value = value[2][0]
    if value is None or value[0] != "s":
        return ""
    text = " ".join(value[1].split())
    end = text.find(". ")
    text = text[: end + 1] if 0 <= end < HELP_CHARS else text
    return text if len(text) <= HELP_CHARS else text[: HELP_CHARS - 3].rstrip() + "..."


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _params(params: cst.Parameters) -> tuple:
    out: list[Param] = []
    for p in (*params.posonly_params, *params.params):
        out.append(Param(p.name.value, "p", to_expr(p.default) if p.default is not None else None,
                         annotation_expr(p.annotation)))
    if isinstance(params.star_arg, cst.Param):
        out.append(Param(params.star_arg.name.value, "*", None))
    for p in params.kwonly_params:
        out.append(Param(p.name.value, "k", to_expr(p.default) if p.default is not None else None,
                         annotation_expr(p.annotation)))
    if params.star_kwarg is not None:
        out.append(Param(params.star_kwarg.name.value, "**", None))
    return tuple(out)


def _attributes_read(node: cst.BaseExpression, depth: int = 0) -> list:
    """The outermost attribute chains a test expression reads, outside calls (a call is a site of its own,
    its receiver and arguments read there): ``a.b`` in ``not a.b``, ``a.b and c.d``, ``a.b == 'x'``."""
    if depth > 8:
        return []
    if isinstance(node, cst.Attribute):
        return [to_expr(node)]
    if isinstance(node, cst.UnaryOperation):
        return _attributes_read(node.expression, depth + 1)
    if isinstance(node, cst.BooleanOperation):
        return _attributes_read(node.left, depth + 1) + _attributes_read(node.right, depth + 1)
    if isinstance(node, cst.Comparison):
        out = _attributes_read(node.left, depth + 1)
        for target in node.comparisons:
            out += _attributes_read(target.comparator, depth + 1)
        return out
    if isinstance(node, cst.Subscript):
        return _attributes_read(node.value, depth + 1)
    return []

