"""cli: the ``tracer`` command (typer).  Options -> api -> render -> exit code.

Stage: the top; every command is a thin wrapper over ``tracer.api``.
"""
from __future__ import annotations

import errno
import json
import os
import sys
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import IO, Iterator, Optional

import typer
from rich.console import Console

from tracer import api, compare
from tracer.graph.entry import EntryError
from tracer.graph.records import TraceOptions
from tracer.render.terminal import emit, make_console
from tracer.render.text import print_trace
from tracer.source import SourceError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Trace OpenStack operations from REST to RPC, flows and drivers.")
out = make_console()  # never cuts a line; colour only on a terminal (commands make their own, see _console)
err = Console(stderr=True, soft_wrap=True)  # one message, one line, whatever the width

SOURCE_HELP = "PROJECT==VERSION, PROJECT@SERIES, DIR or DIR@GITREF (repeatable; default: the tree here, else Stein nova+cinder)"


class Format(str, Enum):
    text = "text"
    json = "json"


class ExportFormat(str, Enum):
    json = "json"
    graphml = "graphml"


class View(str, Enum):
    skeleton = "skeleton"
    full = "full"
    hops = "hops"


class Aggregate(str, Enum):
    cls = "class"
    module = "module"


DIAGRAMS = ("dot", "svg", "mermaid", "sequence", "sequence-svg", "html")


class DiffFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    svg = "svg"
    html = "html"
    mermaid = "mermaid"


class TraceFormat(str, Enum):
    text = "text"
    json = "json"
    dot = "dot"
    svg = "svg"
    mermaid = "mermaid"
    sequence = "sequence"
    sequence_svg = "sequence-svg"
    html = "html"


def _dumps(data: object) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _load(sources: list[str] | None, debug: bool) -> api.Workspace:
    progress = None
    if err.is_terminal:
        from rich.progress import Progress
        bar = Progress(console=err, transient=True)
        task = bar.add_task("scanning", total=None)
        bar.start()

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=stage)
    try:
        ws = api.load(sources or None, message=lambda m: err.print(m, style="dim", markup=False, highlight=False),
                      progress=progress)
    except (SourceError, OSError) as exc:
        _fail(exc, debug)
    finally:
        if progress is not None:
            bar.stop()
    if ws.note:
        err.print(f"[dim]{ws.note}[/dim]")
    if api.cache_error(ws):
        err.print(f"{api.cache_error(ws)}: this run is not cached; free some space there or set "
                  f"TRACER_CACHE_DIR to a writable directory", style="yellow", markup=False, highlight=False)
    skipped = ws.skipped
    if skipped:
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(Counter(f.reason for f in skipped).items()))
        err.print(f"[yellow]skipped {len(skipped)} file(s) that could not be read ({reasons}); "
                  f"`tracer index` lists them[/yellow]")
    return ws


def _fail(exc: Exception, debug: bool) -> None:
    """One line (and the candidates, if any) on stderr, exit 2; the traceback only with ``--debug``."""
    if debug:
        raise exc
    err.print(f"[red]error:[/red] {_message(exc)}", highlight=False)
    for c in getattr(exc, "candidates", []):
        err.print(f"  {c}", markup=False)
    raise typer.Exit(2)


def _message(exc: Exception) -> str:
    from rich.markup import escape

    if isinstance(exc, OSError) and not isinstance(exc, SourceError):
        where = f"{exc.filename}: " if exc.filename else ""
        return escape(f"{where}{exc.strerror or exc}{_os_hint(exc)}")
    return escape(str(exc))


def _os_hint(exc: OSError) -> str:
    hints = {errno.ENOSPC: "; free some space there or write elsewhere", errno.EROFS: "; write it elsewhere",
             errno.EACCES: "; write it where you have permission", errno.EISDIR: "; give a file name, not a directory",
             errno.ENOTDIR: "; a part of the path is a file"}
    return hints.get(exc.errno or 0, "")


def _usage(message: str) -> None:
    """A bad combination of options: one line, exit 2."""
    err.print(f"[red]error:[/red] {message}", markup=True, highlight=False)
    raise typer.Exit(2)


@app.command()
def trace(
    entry: str = typer.Argument(..., help="qualified name, suffix, 'POST /volumes', or an operation such as create_volume"),
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: TraceFormat = typer.Option(TraceFormat.text, "--format", "-f"),
    view: View = typer.Option(View.skeleton, "--view", help="skeleton; full: every resolved call; hops: only the REST, RPC, flow-task and driver hops"),
    full: bool = typer.Option(False, "--full", help="the same as --view full"),
    main: bool = typer.Option(False, "--main", help="fold what runs only under a branch (if with no else, except) or through one of several possible receivers"),
    focus: Optional[list[str]] = typer.Option(None, "--focus", help="keep only the way from the entry to hops matching PATTERN (a part of the name or key, or a glob; repeatable)"),
    hide: Optional[list[str]] = typer.Option(None, "--hide", help="fold the subtrees of hops matching PATTERN (repeatable)"),
    ascii: bool = typer.Option(False, "--ascii", help="plain characters for the tree and arrows"),
    aggregate: Optional[Aggregate] = typer.Option(None, "--aggregate", help="draw classes or modules instead of functions (diagram formats)"),
    depth: Optional[int] = typer.Option(None, "--depth", min=0, help="stop after this many levels"),
    driver: Optional[list[str]] = typer.Option(None, "--driver", help="implementation to follow at driver calls, e.g. rbd (repeatable)"),
    errors: bool = typer.Option(False, "--errors", help="also follow calls made in except handlers (error paths)"),
    any_config: bool = typer.Option(False, "--any-config", help="also follow branches the options' declared defaults turn off (if CONF.cells.enable)"),
    effects: bool = typer.Option(False, "--effects", help="what each hop touches: tables, options, notifications, commands, locks"),
    output: Optional[Path] = typer.Option(None, "--output", "-o"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks"),
) -> None:
    """Trace one operation through the services."""
    if aggregate is not None and fmt in (TraceFormat.text, TraceFormat.json):
        _usage(f"--aggregate draws diagrams; use it with -f {'|'.join(DIAGRAMS)}, not -f {fmt.value}")
    _check_output(output, debug)
    ws = _load(source, debug)
    opts = TraceOptions(full=full or view is View.full, depth=depth, drivers=tuple(driver or ()), errors=errors,
                        any_config=any_config, hops=view is View.hops, main=main, focus=tuple(focus or ()), hide=tuple(hide or ()))
    try:
        t = api.trace(ws, entry, opts, effects=effects)
    except EntryError as exc:
        _fail(exc, debug)
    _check_drivers(ws, t, driver or [])
    for skipped in api.skipped_on_path(ws, t):
        err.print(f"note: code on this trace imports {skipped.path}, which was skipped ({skipped.reason}: "
                  f"{skipped.detail}); calls into it are missing", style="yellow", markup=False, highlight=False)
    if fmt is TraceFormat.json:
        _write(_dumps(api.trace_json(t)), output, debug)
    elif fmt is not TraceFormat.text:
        _diagram(ws, t, fmt.value, aggregate.value if aggregate else None, output, debug)
    elif output:
        with _opened(output, debug, "w") as handle:
            _print_text(t, make_console(handle), ascii)
    else:
        _print_text(t, make_console(), ascii)


def _print_text(t, console: Console, ascii: bool) -> None:
    print_trace(t, console, ascii)
    if t.with_effects:  # the hops carry their effects in the tree; the operation's, summed up, below
        from tracer.effects.report import headline, operation, summary

        console.print("effects  " + "\n         ".join(headline(summary([e for _, e in operation(t)]))),
                      markup=False, highlight=False)


class EffectsFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command()
def effects(
    entry: str = typer.Argument(..., help="qualified name, suffix, 'POST /volumes', or an operation such as create_volume"),
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: EffectsFormat = typer.Option(EffectsFormat.text, "--format", "-f"),
    full: bool = typer.Option(False, "--full", help="every resolved call, not just the skeleton"),
    driver: Optional[list[str]] = typer.Option(None, "--driver", help="implementation to follow at driver calls (repeatable)"),
    errors: bool = typer.Option(False, "--errors", help="also follow calls made in except handlers (error paths)"),
    any_config: bool = typer.Option(False, "--any-config", help="also follow branches the options' declared defaults turn off (if CONF.cells.enable)"),
    output: Optional[Path] = typer.Option(None, "--output", "-o"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks"),
) -> None:
    """What one operation touches besides code, by kind and service (schema tracer-effects/1)."""
    from tracer.effects import report

    _check_output(output, debug)
    ws = _load(source, debug)
    try:
        t = api.trace(ws, entry, TraceOptions(full=full, drivers=tuple(driver or ()), errors=errors,
                                              any_config=any_config), effects=True)
    except EntryError as exc:
        _fail(exc, debug)
    _check_drivers(ws, t, driver or [])
    if fmt is EffectsFormat.json:
        _write(_dumps(report.effects_json(t)), output, debug)
    elif fmt is EffectsFormat.markdown:
        _write(report.markdown(t), output, debug)
    else:
        _write("\n".join(report.text_lines(t)) + "\n", output, debug)


def _check_drivers(ws: api.Workspace, t, names: list[str]) -> None:
    """Each ``--driver`` must pick something at the driver calls the trace met; else list what it could pick."""
    interfaces = sorted({dict(h.meta).get("configured") for h in t.hops if h.kind == "driver"} - {None})
    if names and not interfaces:
        err.print(f"note: no driver call on this trace; --driver {', '.join(names)} changes nothing",
                  style="yellow", markup=False, highlight=False)
    for name in names:
        if interfaces and not any(api.names_a_driver(ws, c, name) for c in interfaces):
            known = sorted({k for c in interfaces for k in api.known_drivers(ws, c)})
            _usage(f"--driver {name} names no driver class met on this trace;{_did_you_mean(name, known)} "
                   f"known driver classes ({len(known)}): {', '.join(_short(k) for k in known)}")


def _short(cls: str) -> str:
    """``cinder.volume.drivers.rbd.RBDDriver`` -> ``rbd.RBDDriver``: what ``--driver`` is given, and the class."""
    module, _, name = cls.rpartition(".")
    return f"{module.rpartition('.')[2]}.{name}" if module else name


def _did_you_mean(name: str, known: list[str]) -> str:
    import difflib

    words = {w for k in known for w in _short(k).lower().split(".")}
    close = difflib.get_close_matches(name.lower(), sorted(words), n=3, cutoff=0.6)
    return f" did you mean {' or '.join(close)}?" if close else ""


@app.command()
def export(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    output: Path = typer.Option(..., "--output", "-o"),
    fmt: ExportFormat = typer.Option(ExportFormat.json, "--format", "-f", help="json (tracer-graph/1) or graphml"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Write the whole graph as JSON (schema tracer-graph/1) or GraphML (through networkx)."""
    _check_output(output, debug)
    data = api.export(_load(source, debug))
    if fmt is ExportFormat.graphml:
        from tracer.graph.network import graphml

        _write_data(graphml(data), output, debug)
    else:
        _write(_dumps(data), output, debug)


@app.command()
def index(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Build or refresh the fact cache and print a summary."""
    ws = _load(source, debug)
    data = api.summary(ws)
    ws.remember(everything=True)  # the linked-program cache: later queries need no facts
    data["skipped_files"] = [{"path": f.path, "reason": f.reason, "detail": f.detail} for f in ws.report.failures]
    if fmt is Format.json:
        _write(_dumps(data), None)
        return
    out = make_console()
    for s in data["sources"]:
        out.print(f"source  {s['project']} {s['version']}  ({s['origin']})")
    f = data["files"]
    out.print(f"files   scanned {f['scanned']}, cached {f['cached']}, skipped {f['skipped']} {f['skipped_by_reason'] or ''}")
    if f["corrupt_cache_entries_rebuilt"]:
        out.print(f"        rebuilt {f['corrupt_cache_entries_rebuilt']} cache entries that did not check out "
                  f"{f['corrupt_by_reason']}", markup=False)
    for item in data["skipped_files"][:20]:
        out.print(f"        skipped {item['path']}: {item['reason']} ({item['detail']})")
    out.print(f"nodes   {data['nodes']}   routes {data['routes']}")
    out.print("edges   " + ", ".join(f"{k} {v}" for k, v in data["edges_by_kind"].items()))
    out.print("unresolved calls  " + ", ".join(f"{k} {v}" for k, v in data["unresolved_by_reason"].items()))
    out.print("services  " + ", ".join(f"{s['binary']} (topic {s['topic']})" for s in data["services"]))
    out.print("elapsed   " + ", ".join(f"{k} {v}s" for k, v in data["elapsed_s"].items()))


def _diagram(ws: api.Workspace, t, fmt: str, level: Optional[str], output: Optional[Path], debug: bool) -> None:
    from tracer.render import TooLargeError, aggregate, render

    try:
        drawn = aggregate(t, level) if level else t
        data = render(drawn, fmt, api.definition_sites(ws, drawn))
    except (TooLargeError, ValueError) as exc:
        _fail(exc, debug)
    _write_data(data, output, debug)


@app.command()
def gallery(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    reference: Path = typer.Option(Path("tests/data/seed_paths.json"), "--chains", help="reference chains (seed_paths.json)"),
    out_dir: Path = typer.Option(Path("out"), "--out", "-o"),
    diff_to: Optional[list[str]] = typer.Option(None, "--diff-to", help="diff each chain to these sources (repeatable; default the newest nova, cinder, placement)"),
    no_diff: bool = typer.Option(False, "--no-diff", help="leave the diff section out"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Regenerate the diagrams of the reference chains (SVG, Mermaid, sequence) and their diffs into a folder."""
    from tracer.render.diff_gallery import NEWEST, build_diff_gallery
    from tracer.render.gallery import build_gallery

    ws = _load(source or ["nova==19.0.0", "cinder==14.0.0"], debug)
    try:
        chains = json.loads(reference.read_text(encoding="utf-8"))["chains"]
    except (OSError, ValueError, KeyError) as exc:
        _fail(exc, debug)
    for item in build_gallery(ws, out_dir, chains):
        out.print(f"{item.name}: {', '.join(str(f) for f in item.files)}", markup=False)
    if not no_diff:
        newer = _load(diff_to or list(NEWEST), debug)
        for d in build_diff_gallery(ws, newer, out_dir, chains):
            out.print(f"{d.name}: {', '.join(d.files)}  ({d.counts})", markup=False)


@app.command()
def diff(
    entry: Optional[str] = typer.Argument(None, help="what to diff, as for trace (omit with --rpc/--routes/--flows)"),
    series: Optional[str] = typer.Argument(None, help="a series range A..B (stein..hibiscus) instead of --from/--to"),
    old: Optional[list[str]] = typer.Option(None, "--from", help="a source of the old side (repeatable; as --source)"),
    new: Optional[list[str]] = typer.Option(None, "--to", help="a source of the new side (repeatable; as --source)"),
    project: Optional[list[str]] = typer.Option(None, "--project", "-p", help="projects of a series range (default nova, cinder)"),
    fmt: DiffFormat = typer.Option(DiffFormat.text, "--format", "-f"),
    rpc: bool = typer.Option(False, "--rpc", help="every RPC method: added/removed, verb changes, per topic"),
    routes: bool = typer.Option(False, "--routes", help="every route and action: added/removed, controller moved"),
    flows: bool = typer.Option(False, "--flows", help="every flow: tasks added/removed/reordered"),
    full: bool = typer.Option(False, "--full", help="diff every resolved call, not just the skeleton"),
    depth: Optional[int] = typer.Option(None, "--depth", help="stop after this many levels"),
    driver: Optional[list[str]] = typer.Option(None, "--driver", help="implementation to follow at driver calls (repeatable)"),
    errors: bool = typer.Option(False, "--errors", help="also follow error paths; their changes are typed error-path-*"),
    any_config: bool = typer.Option(False, "--any-config", help="also follow branches the options' declared defaults turn off (if CONF.cells.enable)"),
    sites: bool = typer.Option(False, "--sites", help="also list hops whose call site only moved (not differences)"),
    effects: bool = typer.Option(True, "--effects/--no-effects", help="also compare what the operation touches: tables, options, notifications, commands, locks (default on)"),
    exit_code: bool = typer.Option(False, "--exit-code", help="exit 1 when there are differences, 0 when none"),
    ascii: bool = typer.Option(False, "--ascii", help="plain characters for the service lines"),
    output: Optional[Path] = typer.Option(None, "--output", "-o"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks"),
) -> None:
    """Diff a flow between two releases, hop by hop (or, with --rpc/--routes/--flows, a whole surface)."""
    surfaces = [name for name, on in (("rpc", rpc), ("routes", routes), ("flows", flows)) if on]
    if entry and not series and compare.is_series_range(entry) and (surfaces or not (old or new)):
        entry, series = None, entry
    try:
        if len(surfaces) > 1 or (surfaces and entry) or not (surfaces or entry):
            raise ValueError("give an entry to diff, or one of --rpc, --routes, --flows")
        old_specs, new_specs = compare.diff_sides(series, project or None, old or None, new or None)
    except (ValueError, SourceError) as exc:
        _fail(exc, debug)
    _check_output(output, debug)
    ws_old, ws_new = _load(old_specs, debug), _load(new_specs, debug)
    try:
        d = (compare.diff_surface(ws_old, ws_new, surfaces[0]) if surfaces else
             compare.diff(ws_old, ws_new, entry, TraceOptions(full=full, depth=depth, drivers=tuple(driver or ()),
                                                              errors=errors, any_config=any_config), sites=sites, effects=effects))
    except EntryError as exc:
        _fail(exc, debug)
    _write_diff(d, fmt.value, ws_old, ws_new, output, debug, ascii)
    if exit_code and (d.changes or d.effects):
        raise typer.Exit(1)


def _write_diff(d, fmt: str, ws_old: api.Workspace, ws_new: api.Workspace, output: Optional[Path], debug: bool,
                ascii: bool = False) -> None:
    from tracer.render import TooLargeError
    from tracer.render.diff import render_diff

    if fmt == "text":
        from tracer.render.diff_text import diff_text, print_diff
        if output is None:
            print_diff(d, make_console(), ascii)
        else:
            _write(diff_text(d, ascii), output, debug)
        return
    try:
        where = ((api.definition_sites(ws_old, d.old_trace), api.definition_sites(ws_new, d.new_trace))
                 if d.old_trace is not None and d.new_trace is not None else ({}, {}))
        data = render_diff(d, fmt, where)
    except (TooLargeError, ValueError) as exc:
        _fail(exc, debug)
    _write_data(data, output, debug)


def _listing(source: Optional[list[str]], fmt: Format, debug: bool, table, columns: list[str]) -> None:
    rows = table(_load(source, debug))
    if fmt is Format.json:
        _write(_dumps(rows), None)
        return
    console = make_console()
    emit(console, ["  ".join(str(row.get(c) if row.get(c) is not None else "-") for c in columns) for row in rows])
    console.print(f"{len(rows)} rows", style="dim")


@app.command()
def rpc(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """List RPC cast/call sites: client method, verb, topic, namespace, server method, service."""
    _listing(source, fmt, debug, api.rpc_table,
             ["client", "verb", "method", "topic", "namespace", "server", "service", "site", "unresolved"])


@app.command()
def flows(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """List taskflow flows with their tasks in order."""
    def table(ws):
        rows = api.flow_table(ws)
        if fmt is Format.json:
            return rows
        return [{"flow": r["flow"], "tasks": " -> ".join(t["task"].rsplit(".", 1)[-1] for t in r["tasks"])} for r in rows]
    _listing(source, fmt, debug, table, ["flow", "tasks"])


@app.command()
def routes(
    source: Optional[list[str]] = typer.Option(None, "--source", "-s", help=SOURCE_HELP),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """List REST routes: HTTP method, path, action, controller method."""
    _listing(source, fmt, debug, api.route_table, ["method", "path", "action", "handler"])


def _write(text: str, output: Optional[Path], debug: bool = False) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        with _opened(output, debug, "w") as handle:
            handle.write(text)


def _write_data(data: str | bytes, output: Optional[Path], debug: bool) -> None:
    """Text or bytes (an SVG) to stdout or to ``output``."""
    if not isinstance(data, bytes):
        _write(data, output, debug)
    elif output is None:
        sys.stdout.buffer.write(data)
    else:
        with _opened(output, debug, "wb") as handle:
            handle.write(data)


def _check_output(output: Optional[Path], debug: bool) -> None:
    """Refuse an ``-o`` that cannot be written before the (long) load, not after it."""
    if output is None:
        return
    if output.is_dir():
        _fail(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(output)), debug)
    existing = next((p for p in output.parents if p.exists()), None)
    if existing is not None and not existing.is_dir():
        _fail(NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing)), debug)


@contextmanager
def _opened(output: Path, debug: bool, mode: str) -> Iterator[IO]:
    """``output`` opened for writing (its parent made if missing); a failure is one line, exit 2."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle = open(output, mode, **({} if "b" in mode else {"encoding": "utf-8"}))
    except OSError as exc:
        _fail(exc, debug)
    try:
        with handle:
            yield handle
    except OSError as exc:  # a full disk shows when writing
        _fail(exc, debug)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
