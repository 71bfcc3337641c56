"""Count a service tree's RPC, taskflow and REST surface with the standard library's ast only.

An independent count to hold beside `tracer rpc`, `tracer flows` and `tracer routes` (docs/training.md).
It reads the tree statically (never imports it) and skips tests/ and test/ directories.

What is counted, and how:
  * rpc sites: oslo.messaging's RPCClient/_CallContext `.cast(ctxt, method, ...)` / `.call(ctxt, method, ...)`
    (an attribute call named cast/call with at least two positional arguments); "literal" when the method
    argument is a string constant (or a module-level name bound to one). A site whose method argument is a parameter of its function (or unpacked
    from one: `method, kwargs = msg`) makes that function a *wrapper*; every call of a wrapper by name is
    then a site too (`self._cast(host, 'container_create')`, `self.call('create_lease')`,
    `self.call(ctxt, self.make_msg('create_stack'))`), literal when the argument at the wrapper's method
    position is a string constant or a call whose first argument is one (make_msg).
  * rpc servers: calls of `get_rpc_server`, and of `get_server` given a target and endpoints (oslo.messaging
    or a project wrapper of the same name); service launches: `*Service(...)` calls in cmd/ modules and
    `Service.create(...)` with topic= or binary=; and every `Target(topic=...)` with its topic.
  * flows: functions that build a taskflow pattern (`<x>.Flow(...)` where the module imports
    taskflow.patterns); engine loads (`engines.load(...)`/`engines.run(...)`, `taskflow.engines.load`);
    runner functions: those that call a flow function (or a function returning an engine load) and call
    `.run()` in the same body.
  * routes: routes.Mapper `.connect(...)` with a path literal and `.resource(...)` calls, route tables
    (dict displays with 'url', 'action' and 'method' keys, heat), extension `ResourceExtension(...)`,
    pecan `@expose` methods (and `_custom_actions` entries, `_lookup`/`_route` overrides), flask blueprint
    decorators `@<bp>.get/post/put/patch/delete/route(...)`.

Run:  python scripts/count_surface.py DIR PACKAGE [--json]   (DIR holds PACKAGE/, e.g. an unpacked wheel)
"""
from __future__ import annotations

import argparse
import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

HTTP_VERBS = {"get", "post", "put", "patch", "delete", "route"}


def modules(root: Path, package: str) -> list[tuple[str, ast.Module]]:
    out = []
    for path in sorted((root / package).rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if "/tests/" in f"/{rel}" or "/test/" in f"/{rel}":
            continue
        try:
            out.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
        except (SyntaxError, UnicodeDecodeError):
            print(f"skipped {rel}: does not parse", file=sys.stderr)
    return out


def functions(tree: ast.Module):
    """(qualname, def node) of every function, nested ones included."""
    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + child.name, child
                yield from walk(child, prefix + child.name + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, prefix + child.name + ".")
            else:
                yield from walk(child, prefix)
    yield from walk(tree, "")


def own_calls(fn) -> list[ast.Call]:
    """Calls in a function's own body (nested defs excluded)."""
    out, stack = [], list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda c: (c.lineno, c.col_offset))


def callee_name(call: ast.Call) -> str | None:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None


def is_literal(arg: ast.AST) -> bool:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return True
    return isinstance(arg, ast.Call) and bool(arg.args) and is_literal(arg.args[0])  # make_msg('m', ...)


def params(fn) -> list[str]:
    return [a.arg for a in fn.args.posonlyargs + fn.args.args]


def unpacked_from(fn, name: str) -> str | None:
    """`method, kwargs = msg` in fn: the parameter `name` was unpacked from."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in params(fn):
            for t in node.targets:
                if isinstance(t, ast.Tuple) and any(isinstance(e, ast.Name) and e.id == name for e in t.elts):
                    return node.value.id
    return None


def wrapper_position(fn, call: ast.Call) -> int | None:
    """Index (self excluded) of the parameter that carries the method name into a direct site."""
    arg = call.args[1]
    if not isinstance(arg, ast.Name):
        return None
    names = params(fn)
    name = arg.id if arg.id in names else unpacked_from(fn, arg.id)
    if name is None:
        return None
    index = names.index(name)
    return index - 1 if names and names[0] in ("self", "cls") else index


def module_strings(tree: ast.Module) -> set[str]:
    """Module-level names bound to string constants (START_ACTION, CANCEL = ('start_action', 'cancel'))."""
    out = set()
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for t in node.targets:
            pairs = zip(t.elts, node.value.elts) if isinstance(t, ast.Tuple) and isinstance(node.value, ast.Tuple) else [(t, node.value)]
            out |= {n.id for n, v in pairs if isinstance(n, ast.Name) and isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return out


def rpc_sites(mods) -> dict:
    """Direct oslo.messaging sites, and calls of the functions that pass a method parameter to one."""
    direct, wrappers = [], defaultdict(set)
    for rel, tree in mods:
        consts = module_strings(tree)
        for q, fn in functions(tree):
            for call in own_calls(fn):
                if callee_name(call) in ("cast", "call") and isinstance(call.func, ast.Attribute) and len(call.args) >= 2:
                    arg = call.args[1]
                    direct.append((rel, call.lineno, q, callee_name(call), is_literal(arg) or isinstance(arg, ast.Name) and arg.id in consts))
                    pos = wrapper_position(fn, call)
                    if pos is not None:
                        wrappers[fn.name].add((pos, f"{rel}:{fn.lineno} {q}"))
    seen = {(r, n) for r, n, *_ in direct}
    via = []
    for rel, tree in mods:
        consts = module_strings(tree)
        for q, fn in functions(tree):
            for call in own_calls(fn):
                name = callee_name(call)
                if name not in wrappers or (rel, call.lineno) in seen:
                    continue
                args = [call.args[pos] for pos, _ in wrappers[name] if pos < len(call.args)]
                literal = any(is_literal(a) or isinstance(a, ast.Name) and a.id in consts for a in args)
                via.append((rel, call.lineno, q, name, literal))
    return {"direct": direct, "wrapper_sites": via, "wrappers": sorted(label for v in wrappers.values() for _, label in v)}


def rpc_servers(mods) -> dict:
    servers, launches, targets = [], [], []
    for rel, tree in mods:
        for q, fn in functions(tree):
            for call in own_calls(fn):
                name = callee_name(call)
                text = ast.unparse(call)
                kw = {k.arg: k.value for k in call.keywords if k.arg}
                if name == "get_rpc_server" or name == "get_server" and (
                        "endpoints" in kw or any(isinstance(a, ast.List) or "arget" in ast.unparse(a) for a in call.args)):
                    servers.append(f"{rel}:{call.lineno} {q}: {text[:160]}")
                elif "/cmd/" in rel and (name or "").endswith("Service") or name == "create" and \
                        ast.unparse(call.func).endswith("Service.create") and ("topic" in kw or "binary" in kw):
                    launches.append(f"{rel}:{call.lineno} {q}: {text[:160]}")
                if name == "Target" and "topic" in kw:
                    targets.append(f"{rel}:{call.lineno} {q}: topic={ast.unparse(kw['topic'])}")
    return {"servers": servers, "launches": launches, "targets": targets}


def imports_taskflow_patterns(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and (n.module or "").startswith("taskflow.patterns")
               or isinstance(n, ast.Import) and any(a.name.startswith("taskflow.patterns") for a in n.names)
               for n in ast.walk(tree))


def flows(mods) -> dict:
    builders, loads, load_fns, defs = [], [], set(), {}
    for rel, tree in mods:
        patterns = imports_taskflow_patterns(tree)
        for q, fn in functions(tree):
            defs[(rel, q)] = fn
            calls = own_calls(fn)
            if patterns and any(callee_name(c) == "Flow" for c in calls):
                builders.append(f"{rel}:{fn.lineno} {q}")
            for c in calls:
                text = ast.unparse(c.func)
                if text.endswith(("engines.load", "engines.run")):
                    loads.append(f"{rel}:{c.lineno} {q}: {text}")
                    load_fns.add(fn.name)
    builder_names = {b.split(" ")[-1].split(".")[-1] for b in builders} | load_fns
    runners = []
    for (rel, q), fn in sorted(defs.items()):
        calls = own_calls(fn)
        held = {t.id for n in ast.walk(fn) if isinstance(n, ast.Assign) and isinstance(n.value, (ast.Name, ast.Attribute))
                and ast.unparse(n.value).split(".")[-1] in builder_names for t in n.targets if isinstance(t, ast.Name)}
        if any(callee_name(c) in builder_names | held for c in calls) and any(
                callee_name(c) == "run" and not c.args for c in calls):
            runners.append(f"{rel}:{fn.lineno} {q}")
    return {"builders": builders, "engine_loads": loads, "runners": runners}


def decorator_routes(tree: ast.Module, rel: str) -> tuple[list[str], list[str]]:
    pecan, flask = [], []
    for q, fn in functions(tree):
        for d in fn.decorator_list:
            target = d.func if isinstance(d, ast.Call) else d
            text = ast.unparse(target)
            if text.endswith("expose"):
                pecan.append(f"{rel}:{fn.lineno} {q}")
            elif isinstance(target, ast.Attribute) and target.attr in HTTP_VERBS and isinstance(d, ast.Call) \
                    and d.args and isinstance(d.args[0], ast.Constant) and isinstance(d.args[0].value, str):
                flask.append(f"{rel}:{fn.lineno} {q}: {target.attr.upper()} {d.args[0].value!r}")
    return pecan, flask


def routes(mods) -> dict:
    out = defaultdict(list)
    for rel, tree in mods:
        pecan, flask = decorator_routes(tree, rel)
        out["pecan_exposed"] += pecan
        out["flask"] += flask
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = callee_name(node)
                strs = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name == "connect" and any("/" in s for s in strs):
                    out["mapper_connect"].append(f"{rel}:{node.lineno} {' '.join(strs)}")
                elif name == "resource" and isinstance(node.func, ast.Attribute) and len(node.args) >= 2:
                    out["mapper_resource"].append(f"{rel}:{node.lineno} {ast.unparse(node)[:100]}")
                elif name == "ResourceExtension":
                    out["extension_resources"].append(f"{rel}:{node.lineno} {ast.unparse(node)[:100]}")
            elif isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if {"url", "action", "method"} <= keys:
                    out["route_tables"].append(f"{rel}:{node.lineno}")
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_custom_actions" for t in node.targets) \
                    and isinstance(node.value, ast.Dict):
                out["pecan_custom_actions"] += [f"{rel}:{k.lineno} {k.value}" for k in node.value.keys if isinstance(k, ast.Constant)]
        for q, fn in functions(tree):
            if fn.name in ("_lookup", "_route"):
                out["pecan_lookup_route"].append(f"{rel}:{fn.lineno} {q}")
    return dict(out)


def summary(result: dict) -> list[str]:
    rpc = result["rpc"]
    d, w = rpc["direct"], rpc["wrapper_sites"]
    lines = [f"rpc sites        {len(d) + len(w)} (direct .cast/.call {len(d)}, {sum(x[4] for x in d)} literal; "
             f"through {len(rpc['wrappers'])} wrapper(s) {len(w)}, {sum(x[4] for x in w)} literal)",
             f"rpc servers      {len(result['servers']['servers'])} get_rpc_server/get_server site(s), "
             f"{len(result['servers']['launches'])} service launch(es), {len(result['servers']['targets'])} Target(topic=...)"]
    f = result["flows"]
    lines.append(f"flows            {len(f['builders'])} builder function(s), {len(f['engine_loads'])} engine load(s), {len(f['runners'])} runner(s)")
    r = result["routes"]
    lines.append("routes           " + ", ".join(f"{k} {len(v)}" for k, v in sorted(r.items())))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path)
    parser.add_argument("package")
    parser.add_argument("--json", action="store_true", help="every counted item, not just the totals")
    opts = parser.parse_args()
    if not (opts.root / opts.package).is_dir():
        sys.exit(f"count_surface: no package {opts.package}/ under {opts.root}")
    mods = modules(opts.root, opts.package)
    result = {"rpc": rpc_sites(mods), "servers": rpc_servers(mods), "flows": flows(mods), "routes": routes(mods)}
    if opts.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print("\n".join(summary(result)))


if __name__ == "__main__":
    main()
