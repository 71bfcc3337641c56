"""render: a flow diff for the terminal: header, summary, then the changes grouped by service.

Stage: render.  Reads ``tracer.diff.flow.FlowDiff`` and its change records; must not import libcst,
networkx, the linker or ``tracer.api``.

Lines are built as ``rich.text.Text`` with the terminal primitives every text output shares
(``tracer.render.terminal``: service header lines, sites aligned at the right, the ASCII fallback) and
printed whole: colour only on a terminal, nothing wrapped or cut, so piped output is the plain text.
"""
from __future__ import annotations

from rich.console import Console
from rich.text import Text

from tracer.diff.changes import TYPES, Change
from tracer.diff.flow import FlowDiff, SideInfo
from tracer.render.terminal import ASCII, FAINT, UNICODE, Glyphs, align_sites, emit, glyphs_for, line_width, service_header

MARK = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow"), "moved": (">", "cyan"),
        "site": ("@", "dim")}


def status(c: Change) -> str:
    """added | removed | moved | changed | site: how the change is drawn."""
    if c.type.endswith("-added"):
        return "added"
    if c.type.endswith("-removed"):
        return "removed"
    if c.type == "hop-moved":
        return "moved"
    return "site" if c.type not in TYPES else "changed"


def header(d: FlowDiff) -> list[Text]:
    title = Text("diff ", style="bold")
    title.append(d.request, style="bold")
    lines = [title]
    for name, side in (("old", d.old), ("new", d.new)):
        lines.append(_side_line(name, side))
    options = dict(d.options)
    shown = [f"view {options['view']}"] if options.get("view") else []
    if options.get("drivers"):
        shown.append("drivers " + ", ".join(options["drivers"]))
    if options.get("errors"):
        shown.append("error paths followed")
    if shown:
        lines.append(Text("  " + "; ".join(shown), style="dim"))
    return lines


def _side_line(name: str, side: SideInfo) -> Text:
    line = Text(f"  {name}  ", style="bold")
    line.append(side.release())
    if side.entry:
        line.append(": ")
        if side.label and side.label != side.entry:
            line.append(f"{side.label} -> ")
        line.append(side.entry, style="bold")
        line.append(f"  ({side.service})", style="italic")
    return line


def summary(d: FlowDiff) -> list[Text]:
    """The counts first: hop changes per type and per service, then the effect changes per type."""
    if not d.changes and not d.effects:
        return [Text("no differences", style="bold green")]
    lines = [Text("no hop differences", style="bold green")] if not d.changes else []
    if d.changes:
        major = sum(1 for c in d.changes if c.level == "major")
        head = Text(f"{len(d.changes)} difference{'s' if len(d.changes) != 1 else ''} ({major} major): ", style="bold")
        head.append(", ".join(f"{n} {t}" for t, n in d.by_type().items()), style="")
        services = Text("  by service: ", style="dim")
        services.append(", ".join(f"{s} {n}" for s, n in d.by_service().items()))
        lines += [head, services]
    if d.effects:
        from tracer.effects.compare import counts

        effects = Text(f"{len(d.effects)} effect change{'s' if len(d.effects) != 1 else ''}: ", style="bold")
        effects.append(", ".join(f"{n} {t}" for t, n in counts(d.effects).items()))
        lines.append(effects)
    return lines


def change_row(c: Change) -> tuple[Text, str]:
    """``  ~ service-changed  rpc  compute/attach_volume: sent from ...  via X`` and the site (right)."""
    mark, colour = MARK[status(c)]
    line = Text(f"  {mark} ", style=colour)
    line.append(f"{c.type:<22}", style=colour + (" bold" if c.level == "major" else ""))
    line.append(f" {c.kind:<6} ")
    line.append(c.detail)
    if c.via:
        line.append(f"  via {c.via}", style=FAINT)
    return line, c.side.site or (c.old.site if c.old else "")


def diff_lines(d: FlowDiff, glyphs: Glyphs = UNICODE, width: int | None = None) -> list[Text]:
    lines = header(d) + [Text("")] + summary(d)
    for service in d.services():
        lines += [Text(""), service_header(glyphs, "entry", service)]
        lines += align_sites([change_row(c) for c in d.changes if c.service == service], width)
    if d.sites:
        lines += [Text(""), Text(f"call sites that only moved ({len(d.sites)}, not differences)", style="bold")]
        lines += align_sites([change_row(c) for c in d.sites], width)
    if d.effects:
        from tracer.effects.compare import grouped

        lines += [Text(""), Text(f"effects ({len(d.effects)} changed)", style="bold")]
        lines += [_effect_row(*row) for row in grouped(d.effects)]
    return lines


def _effect_row(type_id: str, kind: str, text: str) -> Text:
    """``  + table-newly-written  database  volume_attachment is now written (cinder-volume)``."""
    mark, colour = MARK["added" if type_id.endswith(("-added", "-newly-written", "-on-path"))
                        else "removed" if type_id.endswith(("-removed", "-no-longer-written", "-off-path")) else "changed"]
    line = Text(f"  {mark} ", style=colour)
    line.append(f"{type_id:<24}", style=colour)
    line.append(f" {kind:<12} ")
    line.append(text)
    return line


def print_diff(d: FlowDiff, console: Console, ascii: bool = False) -> None:
    emit(console, diff_lines(d, glyphs_for(console, ascii), line_width(console)))


def diff_text(d: FlowDiff, ascii: bool = False) -> str:
    """The plain text (no colour), as ``print_diff`` writes it to a pipe."""
    return "\n".join(line.plain for line in diff_lines(d, ASCII if ascii else UNICODE)) + "\n"
