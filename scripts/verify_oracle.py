"""Check a reference-chain file (tests/data/seed_paths.json schema) against real source trees.

For every hop it checks, with the standard library's ast only:
  * the caller's def exists, and `site` (and `site_expr_start`) lie inside the caller's own body
    (nested defs excluded);
  * the line at `site` holds the callee's name token (the short name; for rpc hops the method literal,
    for flow-task hops `run`, for rest hops the client method named by `client_call`);
  * the callee's def exists at `callee_def` (skipped for `external` hops); `caller_def` picks one of
    several same-named defs of the caller;
  * `added_at` (flow-task) holds the task class name, or, for a task chosen by a plugin name
    (`task_plugin{namespace, name}`: stevedore NamedExtensionManager over configured names), holds
    `.add(` and the distribution's entry_points.txt maps namespace/name to the task class;
  * `dispatch{expr, name_at}` (a call through getattr or through a variable holding a function): the site
    line holds `expr` and the `name_at` line, inside the caller, holds the callee's short name;
and for each chain's entry: `controller_def`, `route_site` / `action_decl_site` contents (a route
declaration: routes' mapper.resource/connect, an extension's ResourceExtension, a pecan controller
attribute or expose/_lookup/_route, or the path's last literal segment).

Run:  python scripts/verify_oracle.py tests/data/seed_paths.json --tree DIR [--tree DIR ...]
      (DIR is a directory holding the nova/ or cinder/ package, e.g. an unpacked wheel or sdist)
Exit status 1 if any problem is found.
"""
from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from functools import lru_cache
from pathlib import Path

TREES: list[Path] = []


def locate(rel: str) -> Path | None:
    for tree in TREES:
        p = tree / rel
        if p.is_file():
            return p
    return None


@lru_cache(maxsize=None)
def index(rel: str) -> dict[str, list[ast.AST]]:
    """qualname -> def nodes (functions, classes, class-level aliases) of one module file, in file order.

    A name defined twice in one scope (versioned API methods: several ``def post`` under
    ``@api_version``) keeps every def; a hop picks one with ``caller_def`` / ``callee_def``.
    """
    path = locate(rel)
    if path is None:
        return {}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: dict[str, list[ast.AST]] = {}

    def walk(node: ast.AST, prefix: str, in_func: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                q = prefix + child.name
                out.setdefault(q, []).append(child)
                is_func = not isinstance(child, ast.ClassDef)
                walk(child, q + (".<locals>." if is_func else "."), is_func)
            elif isinstance(child, ast.Assign) and not in_func and isinstance(child.value, ast.Name):
                for t in child.targets:  # class-level alias: failover_host = failover
                    if isinstance(t, ast.Name):
                        out.setdefault(prefix + t.id, []).append(child)
            else:
                walk(child, prefix, in_func)

    walk(tree, "", False)
    return out


def resolve(fq: str, at: str | None = None) -> tuple[str, ast.AST] | None:
    """The def of ``fq``; with ``at`` ('file:line'), the one of several same-named defs starting there."""
    parts = fq.split(".")
    for i in range(len(parts) - 1, 0, -1):
        mod = "/".join(parts[:i])
        for rel in (mod + ".py", mod + "/__init__.py"):
            if locate(rel):
                nodes = index(rel).get(".".join(parts[i:]))
                if not nodes:
                    return None
                chosen = [n for n in nodes if at == f"{rel}:{n.lineno}"]
                return rel, (chosen or nodes)[0]
    return None


def own_lines(node: ast.AST) -> set[int]:
    """Lines of a def's own body: its signature and decorators, and nested defs, excluded."""
    start = node.body[0].lineno if getattr(node, "body", None) else node.lineno
    lines = set(range(start, node.end_lineno + 1))
    for child in ast.walk(node):
        if child is not node and isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if isinstance(child, ast.Lambda):
                continue
            lines -= set(range(min([child.lineno] + [d.lineno for d in child.decorator_list]), child.end_lineno + 1))
    return lines


def line_of(site: str) -> tuple[str, int, str | None]:
    rel, _, n = site.rpartition(":")
    path = locate(rel)
    text = path.read_text(encoding="utf-8").splitlines()[int(n) - 1] if path else None
    return rel, int(n), text


@lru_cache(maxsize=None)
def entry_points() -> dict[tuple[str, str], str]:
    """(group, name) -> 'module:attr' from every *.dist-info/entry_points.txt of the trees."""
    out: dict[tuple[str, str], str] = {}
    for tree in TREES:
        for f in sorted(tree.glob("*.dist-info/entry_points.txt")):
            group = ""
            for raw in f.read_text(encoding="utf-8").splitlines():
                line = raw.strip()
                if line.startswith("[") and line.endswith("]"):
                    group = line[1:-1]
                elif "=" in line and group:
                    name, _, target = line.partition("=")
                    out.setdefault((group, name.strip()), target.strip())
    return out


def plugin_class(group: str, name: str) -> str | None:
    target = entry_points().get((group, name))
    return target.replace(":", ".") if target else None


def spell(word: str, steps: list[list[str]]) -> str:
    """Apply a dispatch's string steps: ["lower"], ["replace", old, new], ["prefix", p]."""
    for step in steps:
        if step[0] == "lower":
            word = word.lower()
        elif step[0] == "replace":
            word = word.replace(step[1], step[2])
        elif step[0] == "prefix":
            word = step[1] + word
    return word


def names(text: str, short: str, dispatch: dict | None = None) -> bool:
    """The line names ``short``: literally (any case: ``self.CREATE`` for ``create``), as a string
    literal whose %s / {} holes can spell it (``'handle_%s' % action`` names ``handle_create``), or
    holds the dispatch's ``spelled`` word that its ``transform`` steps turn into ``short``
    (``'CLUSTER_CREATE'.lower().replace('cluster', 'do')`` is ``do_create``)."""
    if dispatch and "spelled" in dispatch:
        return dispatch["spelled"] in text and spell(dispatch["spelled"], dispatch.get("transform", [])) == short
    if short.lower() in text.lower():
        return True
    for lit in re.findall(r"""['"]([^'"]*(?:%s|\{[^}]*\})[^'"]*)['"]""", text):
        pattern = re.sub(r"%s|\\\{[^}]*\\\}", r"\\w+", re.escape(lit))
        if re.fullmatch(pattern, short):
            return True
    return False


ROUTE_TOKENS = ("resource", "connect(", "expose", "_lookup", "_route", "Controller(")


def token_for(hop: dict) -> list[str]:
    kind = hop["kind"]
    short = hop["callee"].split(".")[-1]
    if kind in ("rpc-cast", "rpc-call"):
        return [hop.get("rpc", {}).get("method") or short, "cast", "call"]
    if "dispatch" in hop:
        return [hop["dispatch"]["expr"]]
    if kind == "flow-task":
        return ["run"]
    if kind == "rest":
        cc = hop.get("client_call", "")
        name = cc.split(" ")[0].split("(")[0].split(".")[-1]
        verb = hop.get("http", {}).get("method", "").lower()
        return [t for t in (name, verb and f".{verb}(") if t] or [short]
    return [short]


def check_added_at(hop: dict, bad) -> None:
    """The flow's add line names the task class, or adds a plugin whose entry point is that class."""
    task = hop["callee"].split(".")[-2]
    _, _, text = line_of(hop["added_at"])
    if text is not None and task in text:
        return
    plugin = hop.get("task_plugin")
    if plugin is None:
        bad(f"added_at {hop['added_at']} lacks {task}: {text!r}")
        return
    cls = hop["callee"].rsplit(".", 1)[0]
    target = plugin_class(plugin["namespace"], plugin["name"])
    if text is None or ".add(" not in text:
        bad(f"added_at {hop['added_at']} adds nothing: {text!r}")
    if target != cls:
        bad(f"entry point {plugin['namespace']}:{plugin['name']} is {target}, not {cls}")


def check(chains_file: Path) -> int:
    data = json.loads(chains_file.read_text())
    problems = 0

    def bad(cid: str, where: str, msg: str) -> None:
        nonlocal problems
        problems += 1
        print(f"{cid} {where}: {msg}")

    for chain in data["chains"]:
        cid = chain["id"]
        entry = chain.get("entry", {})
        if "controller" in entry:
            r = resolve(entry["controller"], entry.get("controller_def"))
            if r is None:
                bad(cid, "entry", f"controller {entry['controller']} not found")
            elif entry.get("controller_def") != f"{r[0]}:{r[1].lineno}":
                bad(cid, "entry", f"controller_def {entry.get('controller_def')} != {r[0]}:{r[1].lineno}")
        if "route_site" in entry:
            _, _, text = line_of(entry["route_site"])
            want = entry["path"].split("/v2.1", 1)[-1].replace("{server_id}", "{").split("{")[0].rstrip("/")
            want = want.replace("/v3/{project_id}", "")
            literal = [seg for seg in entry["path"].split("/") if seg and not seg.startswith("{")][-1:]
            if text is None or (want.split("/")[-1] not in text and not any(seg in text for seg in literal) and not any(t in text.lower() or t in text for t in ROUTE_TOKENS)):
                bad(cid, "entry", f"route_site {entry['route_site']} does not look like the route: {text!r}")
        if "custom_action_site" in entry:  # pecan RestController._custom_actions = {'stop': ['POST'], ...}
            _, _, text = line_of(entry["custom_action_site"])
            name = entry["path"].rstrip("/").split("/")[-1]
            if text is None or f"'{name}'" not in text or entry["http_method"] not in text:
                bad(cid, "entry", f"custom_action_site {entry['custom_action_site']} does not declare {name}: {text!r}")
        if "action_decl_site" in entry:
            _, _, text = line_of(entry["action_decl_site"])
            if text is None or f"'{entry['action']}'" not in text:
                bad(cid, "entry", f"action_decl_site {entry['action_decl_site']}: {text!r}")
        for hop in chain["hops"]:
            where = f"step {hop['step']}"
            caller = resolve(hop["caller"], hop.get("caller_def"))
            if caller is None:
                bad(cid, where, f"caller {hop['caller']} not found")
            else:
                lines = own_lines(caller[1])
                for key in ("site", "site_expr_start"):
                    if key in hop:
                        rel, n, _ = line_of(hop[key])
                        if rel != caller[0] or n not in lines:
                            bad(cid, where, f"{key} {hop[key]} is not in the body of {hop['caller']} ({caller[0]})")
            rel, n, text = line_of(hop["site"])
            if text is None or not any(t in text for t in token_for(hop)):
                bad(cid, where, f"site {hop['site']} lacks {token_for(hop)}: {text!r}")
            if not hop.get("external"):
                callee = resolve(hop["callee"], hop.get("callee_def"))
                if callee is None:
                    bad(cid, where, f"callee {hop['callee']} not found")
                elif hop.get("callee_def") != f"{callee[0]}:{callee[1].lineno}":
                    bad(cid, where, f"callee_def {hop.get('callee_def')} != {callee[0]}:{callee[1].lineno}")
            if "added_at" in hop:
                check_added_at(hop, lambda msg: bad(cid, where, msg))
            if "dispatch" in hop:
                _, _, text = line_of(hop["dispatch"]["name_at"])
                short = hop["callee"].split(".")[-1]
                if text is None or not names(text, short, hop["dispatch"]):
                    bad(cid, where, f"dispatch name_at {hop['dispatch']['name_at']} does not name {short}: {text!r}")
        steps = [h["step"] for h in chain["hops"]]
        if steps != list(range(1, len(steps) + 1)):
            bad(cid, "steps", f"not numbered 1..n: {steps}")
    n_hops = sum(len(c["hops"]) for c in data["chains"])
    print(f"{len(data['chains'])} chains, {n_hops} hops, {problems} problem(s)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chains", type=Path)
    parser.add_argument("--tree", type=Path, action="append", required=True)
    opts = parser.parse_args()
    TREES.extend(opts.tree)
    sys.exit(1 if check(opts.chains) else 0)


if __name__ == "__main__":
    main()
