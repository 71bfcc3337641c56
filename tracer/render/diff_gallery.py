"""render: the gallery's diff section, each reference chain diffed from the gallery's release to another.

Stage: the top, like ``tracer.render.gallery`` (whose plan and options it reuses): it diffs through
``tracer.compare`` and writes with ``tracer.render``; nothing below it imports this module.  Must not
import libcst, networkx or the linker.

Per entry it writes ``NAME.diff.svg`` (the union diagram; left out, and said so, when even the changes
with their context are too many functions to draw) and ``NAME.diff.md`` (the Markdown diff), and it
appends a section indexing them to ``README.md``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from tracer import api, compare
from tracer.diff.flow import FlowDiff
from tracer.render import TooLargeError
from tracer.render.diff import render_diff
from tracer.render.gallery import Item, options_for, plan

NEWEST = ("nova==34.0.0", "cinder==29.0.0", "openstack-placement==16.0.0")


@dataclass(frozen=True, slots=True)
class DiffItem:
    name: str
    entry: str
    files: tuple[str, ...]
    counts: str  # "3 hop-added, 1 rpc-call-to-cast"
    note: str = ""


def build_diff_gallery(old: api.Workspace, new: api.Workspace, out_dir: Path, chains: Iterable[dict]) -> list[DiffItem]:
    """Diff every chain entry from ``old`` to ``new``; write the files and add a section to ``README.md``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    items = [_draw(old, new, out_dir, item) for item in plan(chains)]
    readme = out_dir / "README.md"
    head = readme.read_text(encoding="utf-8") if readme.exists() else "# Trace gallery\n"
    readme.write_text(head.rstrip("\n") + "\n\n" + section(items, old, new), encoding="utf-8")
    return items


def _draw(old: api.Workspace, new: api.Workspace, out_dir: Path, item: Item) -> DiffItem:
    d = compare.diff(old, new, item.entry, options_for(item))
    where = (api.definition_sites(old, d.old_trace), api.definition_sites(new, d.new_trace))
    files = {".diff.md": render_diff(d, "markdown")}
    note = ""
    try:
        files[".diff.svg"] = render_diff(d, "svg", where)
    except TooLargeError as exc:
        note = f"no diagram: {exc}"
    for suffix, data in files.items():
        path = out_dir / f"{item.name}{suffix}"
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data, encoding="utf-8")
    return DiffItem(item.name, item.entry, tuple(f"{item.name}{s}" for s in sorted(files)), _counts(d), note)


def _counts(d: FlowDiff) -> str:
    return ", ".join(f"{n} {t}" for t, n in d.by_type().items()) or "no differences"


def section(items: list[DiffItem], old: api.Workspace, new: api.Workspace) -> str:
    def release(ws: api.Workspace) -> str:
        return ", ".join(f"{t.project} {t.version}" for t in ws.trees if not t.project.startswith("python-"))

    lines = [f"## Diffs: {release(old)} -> {release(new)}", "",
             "Made by `tracer gallery` with `tracer diff` (same options as the traces above). Each `.diff.svg` "
             "is one union diagram: grey same on both sides, red only in the old release, green only in the "
             "new one, amber changed (moved, renamed, another verb or service); `.diff.md` lists every "
             "change, most significant first.", ""]
    for item in items:
        links = " · ".join(f"[{f[len(item.name) + 1:]}]({f})" for f in item.files)
        lines += [f"### {item.name}", "", f"`{item.entry}`: {item.counts}.", "", links, ""]
        if item.note:
            lines += [item.note, ""]
        svg = next((f for f in item.files if f.endswith(".svg")), None)
        if svg:
            lines += [f"[![{item.name} diff]({svg})]({svg})", ""]
    return "\n".join(lines)
