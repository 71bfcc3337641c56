"""render: a gallery of diagrams for the seed chains, with a README index.

Stage: the top, like the CLI: it traces through ``tracer.api`` and writes with
``tracer.render``; nothing below it imports this module.  Must not import
libcst, networkx or the linker.

For each distinct entry of the chains (the chain's ``entry.controller``, else
its HTTP method and path) it writes ``NAME.svg`` (the call graph; drawn by
class when the trace is too big), ``NAME.classes.svg`` (the same trace by
class, for big traces), ``NAME.mmd`` (Mermaid flowchart), ``NAME.seq.mmd``
(Mermaid sequence) and ``NAME.seq.svg`` (the sequence as SVG), plus
``README.md`` linking them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from tracer import api
from tracer.graph.records import Trace, TraceOptions
from tracer.render import TooLargeError, aggregate, build_model, render

DRIVERS = {"cinder": ("rbd",), "nova": ("libvirt",)}
OVERVIEW_FROM = 40  # functions; past this a by-class overview is drawn too
GENERATED = ("*.svg", "*.mmd", "README.md")


@dataclass(frozen=True, slots=True)
class Item:
    name: str  # file stem
    entry: str  # what was traced
    label: str  # how the diagrams title it: the HTTP request when the chain has one
    chains: tuple[dict, ...]
    files: tuple[str, ...] = ()
    summary: str = ""


def chain_entry(chain: dict) -> str | None:
    """What to trace for a seed chain: its controller, else ``METHOD /path``; ``None`` when it has neither."""
    entry = chain.get("entry") or {}
    if entry.get("controller"):
        return str(entry["controller"])
    return http_label(chain) or None


def plan(chains: Iterable[dict]) -> list[Item]:
    """One item per distinct entry, named ``PROJECT-Class.method``, in the chains' order."""
    items: dict[str, Item] = {}
    for chain in chains:
        entry = chain_entry(chain)
        if entry is None:
            continue
        old = items.get(entry)
        items[entry] = (replace(old, chains=old.chains + (chain,)) if old
                        else Item(_name(entry), entry, http_label(chain) or entry, (chain,)))
    return list(items.values())


def http_label(chain: dict) -> str:
    """``POST /v2.1/servers/{server_id}/action reboot`` for a chain with an HTTP entry, else ``""``."""
    entry = chain.get("entry") or {}
    if not (entry.get("http_method") and entry.get("path")):
        return ""
    return f"{entry['http_method']} {entry['path']}" + (f" {entry['action']}" if entry.get("action") else "")


def _name(entry: str) -> str:
    parts = entry.split(".")
    stem = f"{parts[0]}-{'.'.join(parts[-2:])}" if len(parts) > 2 else entry
    return re.sub(r"[^\w.-]+", "-", stem).strip("-")


def options_for(item: Item) -> TraceOptions:
    """The project's usual driver; error paths too when the entry is not a REST route (the reschedule
    starts in the handler of a failed build)."""
    internal = not any(http_label(c) for c in item.chains)
    return TraceOptions(drivers=DRIVERS.get(item.entry.split(".", 1)[0], ()), errors=internal)


def build_gallery(ws: api.Workspace, out_dir: Path, chains: Iterable[dict]) -> list[Item]:
    """Trace every chain entry and write its diagrams and ``README.md`` into ``out_dir`` (regenerated)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for pattern in GENERATED:
        for old in out_dir.glob(pattern):
            old.unlink()
    items = [_draw(ws, out_dir, item) for item in plan(chains)]
    (out_dir / "README.md").write_text(readme(items, ws), encoding="utf-8")
    return items


def _draw(ws: api.Workspace, out_dir: Path, item: Item) -> Item:
    t = api.trace(ws, item.entry, options_for(item))
    if t.entry_label == t.entry:  # traced by qualified name: title it with the request
        t = replace(t, entry_label=item.label)
    where = api.definition_sites(ws, t)
    by_class = aggregate(t, "class")
    class_where = api.definition_sites(ws, by_class)
    size = len(build_model(t).nodes)
    files: dict[str, str | bytes] = {}
    try:
        files[".svg"] = render(t, "svg", where)
    except TooLargeError:
        files[".svg"] = render(by_class, "svg", class_where)
    if size >= OVERVIEW_FROM:
        files[".classes.svg"] = render(by_class, "svg", class_where)
    files[".mmd"] = render(t, "mermaid", where)
    files[".seq.mmd"] = render(t, "sequence", where)
    files[".seq.svg"] = render(t, "sequence-svg", where)
    for suffix, data in files.items():
        path = out_dir / f"{item.name}{suffix}"
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
    return replace(item, files=tuple(f"{item.name}{s}" for s in files), summary=_summary(t, size))


def _summary(t: Trace, size: int) -> str:
    rpc = sum(1 for h in t.hops if h.kind.startswith("rpc"))
    tasks = sum(1 for h in t.hops if h.kind == "flow-task")
    drivers = sum(1 for h in t.hops if h.kind == "driver")
    return (f"{' -> '.join(t.services())}; {size} functions, {len(t.hops)} hops "
            f"({rpc} RPC, {tasks} flow tasks, {drivers} driver calls)")


def readme(items: list[Item], ws: api.Workspace) -> str:
    sources = ", ".join(f"{t.project} {t.version}" for t in ws.trees)
    lines = ["# Trace gallery", "",
             f"Generated by `scripts/gallery.py` from `tests/data/seed_paths.json` on {sources} "
             "(skeleton view; cinder with `--driver rbd`, nova with `--driver libvirt`). Do not edit by hand.", "",
             "Per entry: the call graph (`.svg`, one box per service; `.classes.svg` is the same trace by class), "
             "Mermaid flowchart (`.mmd`), Mermaid sequence diagram (`.seq.mmd`) and the sequence as SVG "
             "(`.seq.svg`). Edge styles: grey call, magenta dashed RPC cast, blue RPC call, green flow task "
             "(`#order`), orange driver call.", ""]
    for item in items:
        request = f"`{item.label}` -> " if item.label != item.entry else ""
        lines += [f"## {item.name}", "", f"{request}`{item.entry}`: {item.summary}.", ""]
        lines += [f"- chain `{c['id']}`: {c.get('description', '')}" for c in item.chains]
        lines += ["", " · ".join(f"[{f[len(item.name) + 1:]}]({f})" for f in item.files), ""]
        overview = next((f for f in item.files if f.endswith(".classes.svg")), item.files[0])
        lines += [f"[![{item.name}]({overview})]({item.files[0]})", ""]
    return "\n".join(lines)
