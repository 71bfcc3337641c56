"""Release sweep (not a test): index every nova and cinder release on the package index, trace the chains.

Run:  nice -n 19 python scripts/release_sweep.py [--projects nova=15.1.5 cinder=10.0.8] [--limit N]

Lists the releases with ``pip index versions`` (your index settings apply), from the given first
release on, and for each one runs a child process (``--one SPEC``) that loads it with its client
libraries, as ``tracer index`` does, and traces every reference chain entry (tests/data/seed_paths.json)
that exists in it.  The parent measures the child's wall time and peak memory (``wait4``) and keeps
one JSON line per release in a state file (``$TRACER_CACHE_DIR/sweep/releases.jsonl``), so an
interrupted sweep goes on where it stopped.  ``docs/releases.md`` is written from the state file after
every release (``--report`` alone rewrites it).

A core file (``*/compute/api.py``, ``*/volume/api.py``, ``*/db/sqlalchemy/api.py``, ``*/manager.py``)
that is skipped fails the release.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHAINS = REPO / "tests" / "data" / "seed_paths.json"
REPORT = REPO / "docs" / "releases.md"
FIRST = {"nova": "15.1.5", "cinder": "10.0.8"}
CORE = re.compile(r"(^|/)(compute/api|volume/api|db/sqlalchemy/api|[a-z_]*manager)\.py$")
_VERSION_PREFIX = re.compile(r"^/v[0-9.]+(/\{project_id\})?")


def numeric(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in version.split("."))


def releases(project: str, first: str) -> list[str]:
    """Every final release of ``project`` the index lists, from ``first`` on, oldest first."""
    out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", project, "--disable-pip-version-check"],
                         capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("Available versions:"))
    versions = [v.strip() for v in line.split(":", 1)[1].split(",")]
    return sorted((v for v in versions if re.fullmatch(r"[0-9.]+", v) and numeric(v) >= numeric(first)), key=numeric)


# -- the child: one release -----------------------------------------------------------------------------------------

def entries_for(project: str, chains: list[dict]) -> list[tuple[str, str, str]]:
    """(chain id, controller fq, HTTP entry text) of the chains that start in ``project``."""
    out = []
    for chain in chains:
        entry = chain["entry"]
        controller = entry["controller"]
        if controller.split(".")[0] != project:
            continue
        http = ""
        if entry.get("http_method"):
            http = f"{entry['http_method']} {_VERSION_PREFIX.sub('', entry['path'])} {entry.get('action', '')}".strip()
        out.append((chain["id"], controller, http))
    return out


def trace_entry(ws, api, controller: str, http: str) -> dict:
    from tracer.graph.entry import EntryError

    for text in (controller, http):
        if not text or (text == controller and controller not in ws.program.functions):
            continue
        try:
            t = api.trace(ws, text)
        except EntryError:
            continue
        kinds: dict[str, int] = {}
        for hop in t.hops:
            kinds[hop.kind] = kinds.get(hop.kind, 0) + 1
        return {"entry": text, "hops": len(t.hops), "kinds": dict(sorted(kinds.items()))}
    return {"entry": None, "hops": 0, "kinds": {}}


def one(spec: str) -> int:
    from tracer import api

    started = time.perf_counter()
    ws = api.load([spec])
    report = ws.report
    rpc = api.rpc_table(ws)
    project = ws.trees[0].project
    chains = json.loads(CHAINS.read_text(encoding="utf-8"))["chains"]
    traces = {cid: trace_entry(ws, api, c, h) for cid, c, h in entries_for(project, chains)}
    core = sorted(f.path for f in report.failures if CORE.search(f.path))
    result = {
        "spec": spec, "origin": ws.trees[0].origin,
        "files": report.scanned + report.cached + len(report.failures), "scanned": report.scanned,
        "skipped": report.skipped_by_reason(), "skipped_core": core, "corrupt": report.corrupt,
        "routes": len(ws.routes.routes), "rpc_bound": sum(1 for r in rpc if r["server"]),
        "rpc_unbound": sum(1 for r in rpc if not r["server"]), "flows": len(api.flow_table(ws)),
        "traces": traces, "clients": [t.origin for t in ws.trees[1:]],
        "load_s": round(sum(ws.elapsed.values()), 1), "child_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, sort_keys=True))
    return 1 if core else 0


# -- the parent: every release ----------------------------------------------------------------------------------------

def run_child(spec: str, log: Path) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", spec]
    started = time.perf_counter()
    with open(log, "a", encoding="utf-8") as err:
        err.write(f"== {spec}\n")
        err.flush()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, text=True)
        out = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    lines = [x for x in out.splitlines() if x.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"spec": spec}
    result.update(exit=code, seconds=round(time.perf_counter() - started, 1), peak_mb=round(usage.ru_maxrss / 1024))
    return result


def read_state(state: Path) -> dict[str, dict]:
    if not state.is_file():
        return {}
    rows = [json.loads(x) for x in state.read_text(encoding="utf-8").splitlines() if x.strip()]
    return {r["spec"]: r for r in rows}


def sweep(specs: list[str], state: Path, log: Path, retry: bool) -> None:
    done = read_state(state)
    todo = [s for s in specs if s not in done or (retry and done[s].get("exit") != 0)]
    print(f"{len(specs)} releases, {len(specs) - len(todo)} already swept, {len(todo)} to go", flush=True)
    for n, spec in enumerate(todo, 1):
        result = run_child(spec, log)
        with open(state, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(result, sort_keys=True) + "\n")
        print(f"[{n}/{len(todo)}] {spec}: exit {result['exit']}, {result['seconds']} s, {result['peak_mb']} MB, "
              f"routes {result.get('routes')}, skipped {result.get('skipped')}", flush=True)
        write_report(specs, read_state(state))


def interleave(lists: list[list[str]]) -> list[str]:
    out = []
    for i in range(max(map(len, lists), default=0)):
        out += [lst[i] for lst in lists if i < len(lst)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--one", help="(child) sweep one PROJECT==VERSION and print its JSON line")
    parser.add_argument("--projects", nargs="+", default=[f"{p}={v}" for p, v in FIRST.items()])
    parser.add_argument("--limit", type=int, default=0, help="sweep at most this many releases")
    parser.add_argument("--retry-failed", action="store_true")
    parser.add_argument("--report", action="store_true", help="only rewrite docs/releases.md from the state file")
    opts = parser.parse_args()
    if opts.one:
        sys.exit(one(opts.one))
    from tracer.source import cache_root

    state_dir = cache_root() / "sweep"
    state_dir.mkdir(parents=True, exist_ok=True)
    state = state_dir / "releases.jsonl"
    pairs = [p.split("=", 1) for p in opts.projects]
    specs = interleave([[f"{p}=={v}" for v in releases(p, first)] for p, first in pairs])
    if opts.report:
        write_report(specs, read_state(state))
        return
    sweep(specs[: opts.limit] if opts.limit else specs, state, state_dir / "sweep.log", opts.retry_failed)


# -- the report -------------------------------------------------------------------------------------------------------

def _skips(row: dict) -> str:
    return ", ".join(f"{n} {r}" for r, n in sorted(row.get("skipped", {}).items())) or "-"


def _traced(row: dict) -> str:
    traces = row.get("traces", {})
    ok = sum(1 for t in traces.values() if t["hops"])
    return f"{ok}/{len(traces)}"


def _hops(row: dict) -> int:
    return sum(t["hops"] for t in row.get("traces", {}).values())


def table_row(row: dict) -> str:
    project, _, version = row["spec"].partition("==")
    cells = [project, version, row.get("files", "-"), _skips(row), row.get("routes", "-"),
             f"{row.get('rpc_bound', '-')}/{row.get('rpc_unbound', '-')}", row.get("flows", "-"), _traced(row),
             _hops(row), row["seconds"], row["peak_mb"], row["exit"]]
    return "| " + " | ".join(str(c) for c in cells) + " |"


def write_report(specs: list[str], done: dict[str, dict]) -> None:
    rows = [done[s] for s in specs if s in done]
    lines = [
        "# Every nova and cinder release, indexed and traced",
        "",
        "Made by `scripts/release_sweep.py` (not a test): every release of nova from 15.1.5 and of cinder from",
        "10.0.8 that the package index lists, each loaded with its client libraries in a fresh process (a warm",
        "fact cache shared along the sweep, as a user's would be), then each reference chain entry that exists in",
        "it traced (controller by name, else its HTTP entry). Columns: files read (scanned, cached or skipped);",
        "skipped files by reason; REST routes; RPC cast/call sites bound to a server method / unbound; taskflow",
        "flows; chain entries traced with hops / chain entries of that project, and their hops in all; wall",
        "seconds; peak memory of the largest process (MB); exit status (non-zero when a core file was skipped or",
        "the load failed). A section `## Notes` at the end of this file is kept when it is rewritten.",
        "",
    ]
    lines += _totals(specs, rows) + [""] + _observations(rows)
    lines += ["", "| project | release | files | skipped | routes | RPC bound/unbound | flows | traced | hops | s | MB | exit |",
              "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [table_row(r) for r in rows]
    notes = _kept_notes()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n" + (f"\n{notes}" if notes else ""), encoding="utf-8")


def _kept_notes() -> str:
    """The hand-written ``## Notes`` section of the current report, if any."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.is_file() else ""
    start = text.find("\n## Notes")
    return text[start + 1:] if start >= 0 else ""


def _observations(rows: list[dict]) -> list[str]:
    """What stands out: releases with few routes, chain entries that traced to nothing, unbound RPC sites."""
    few = [r["spec"] for r in rows if isinstance(r.get("routes"), int) and r["routes"] < 100]
    empty = sorted({f"{r['spec']} {cid}" for r in rows for cid, t in r.get("traces", {}).items() if not t["hops"]})
    unbound = max(rows, key=lambda r: r.get("rpc_unbound", 0))
    return [
        "## Observations",
        "",
        f"- releases with fewer than 100 routes: {len(few)}" + (f" ({', '.join(few)})" if few else ""),
        f"- chain entries that traced to no hop: {len(empty)}" + (f" ({'; '.join(empty[:12])})" if empty else ""),
        f"- most unbound RPC sites: {unbound['spec']} ({unbound.get('rpc_unbound', 0)})",
    ]


def _totals(specs: list[str], rows: list[dict]) -> list[str]:
    if not rows:
        return ["No release swept yet."]
    failed = [r["spec"] for r in rows if r["exit"] != 0]
    core = sorted({p for r in rows for p in r.get("skipped_core", [])})
    slowest = max(rows, key=lambda r: r["seconds"])
    heaviest = max(rows, key=lambda r: r["peak_mb"])
    seconds = sum(r["seconds"] for r in rows)
    skipped: dict[str, int] = {}
    for r in rows:
        for reason, n in r.get("skipped", {}).items():
            skipped[reason] = skipped.get(reason, 0) + n
    return [
        "## Totals",
        "",
        f"- releases swept: {len(rows)} of {len(specs)} listed "
        f"({sum(1 for r in rows if r['spec'].startswith('nova=='))} nova, "
        f"{sum(1 for r in rows if r['spec'].startswith('cinder=='))} cinder)",
        f"- exit 0: {len(rows) - len(failed)}; non-zero: {len(failed)}" + (f" ({', '.join(failed)})" if failed else ""),
        f"- core files skipped: {len(core)}" + (f" ({', '.join(core)})" if core else ""),
        "- files skipped over all releases: " + (", ".join(f"{n} {k}" for k, n in sorted(skipped.items())) or "none"),
        f"- sweep time: {seconds / 3600:.2f} h of child wall time; slowest release: {slowest['spec']} "
        f"({slowest['seconds']} s); largest peak memory: {heaviest['spec']} ({heaviest['peak_mb']} MB)",
    ]


if __name__ == "__main__":
    main()
