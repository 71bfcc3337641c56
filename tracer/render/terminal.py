"""render: terminal primitives shared by every text output (trace, diff, listings).

Stage: render.  Reads ``tracer.graph.records`` only; must not import libcst, networkx, the linker or
``tracer.api``.  The names here are kept stable: the diff renderers build on them.

Text never loses a character: lines are printed with soft wrap (no cropping, no inserted breaks; a
terminal wraps what is wider than it).  Colour only on a terminal, never with ``NO_COLOR``; ``COLUMNS``
sets the width sites are aligned to; ``ascii`` swaps every drawing character for a plain one (and is
chosen by itself when the output's encoding cannot write the Unicode ones).
"""
from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from typing import IO, Iterable, Sequence

from rich.console import Console
from rich.text import Text

from tracer.graph.records import short_name

FAINT = "dim"
KIND_STYLE = {  # one colour per hop kind; a plain call has none
    "call": "", "rpc-cast": "magenta", "rpc-call": "cyan", "rest": "blue", "flow-task": "green",
    "driver": "yellow",
}
KIND_WORD = {"call": "call", "rpc-cast": "cast", "rpc-call": "call", "rest": "REST", "flow-task": "task",
             "driver": "driver"}
SITE_COLUMN_MAX = 110  # without a width (a pipe), sites line up after the names, at most this far right


@dataclass(frozen=True, slots=True)
class Glyphs:
    tee: str  # a child with siblings after it
    last: str  # the last child
    pipe: str  # an ancestor's later siblings continue below
    blank: str
    arrows: dict  # hop kind -> the arrow of its header line
    back: str  # returning into a service
    times: str
    more: str  # folded lines
    sep: str
    within: str  # between the branches a call runs under, outermost first


UNICODE = Glyphs("├─ ", "└─ ", "│  ", "   ",
                 {"rpc-cast": "⇢", "rpc-call": "⇄", "rest": "⇒", "entry": "▶"}, "↩", "×", "⋯", "·", " › ")
ASCII = Glyphs("|- ", "`- ", "|  ", "   ",
               {"rpc-cast": "~>", "rpc-call": "<>", "rest": "=>", "entry": ">"}, "<-", "x", "...", "-", " > ")


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console that never cuts: soft wrap, no markup or highlighting of data, colour on terminals only.

    ``NO_COLOR`` (any value) turns colour off, ``FORCE_COLOR`` on; ``COLUMNS`` gives the width.
    """
    return Console(file=file, stderr=stderr, soft_wrap=True, highlight=False, markup=False, emoji=False,
                   no_color=True if "NO_COLOR" in os.environ else None)


def glyphs_for(console: Console, ascii: bool = False) -> Glyphs:
    """``ASCII`` when asked or when the console's encoding cannot write the box-drawing characters."""
    if ascii:
        return ASCII
    try:
        codecs.lookup(console.encoding)
        "├─│⇢⇄⇒↩×⋯·▶›".encode(console.encoding)
    except (LookupError, UnicodeEncodeError):
        return ASCII
    return UNICODE


def line_width(console: Console) -> int | None:
    """The width to align to: ``COLUMNS``, else the terminal's; ``None`` for a pipe or a file."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return console.size.width if console.is_terminal else None


def emit(console: Console, lines: Iterable[Text | str]) -> None:
    """Print each line whole (soft wrap: nothing cropped, nothing re-wrapped)."""
    for line in lines:
        console.print(line, soft_wrap=True, crop=False, overflow="ignore", no_wrap=True, markup=False,
                      highlight=False)


def module_of(fq: str) -> str:
    """What ``short_name`` leaves out: ``cinder.volume.manager`` of ``cinder.volume.manager.VolumeManager.x``."""
    if " " in fq:  # an external REST hop: "neutron-api GET /ports"
        return ""
    short = short_name(fq).split(".", 2)
    head = fq.partition(".<locals>.")[0]
    return head[: -len(".".join(short[:2])) - 1] if "." in head else ""


def name_text(fq: str, shown_module: str | None, style: str = "") -> tuple[Text, str]:
    """``Class.method`` in ``style``, led by its module (faint) when that differs from ``shown_module``.

    Returns the text and the module now shown, for the next line's comparison.
    """
    module = module_of(fq)
    out = Text()
    if module and module != shown_module:
        out.append(module + ".", style=FAINT)
    out.append(short_name(fq) if module else fq, style=style)
    return out, module


def short_site(site: str, previous: str | None) -> str:
    """``path:line``, or just ``:line`` when the path is the previous site's."""
    path, _, line = site.rpartition(":")
    if previous is not None and path and previous.rpartition(":")[0] == path:
        return f":{line}"
    return site


def kind_label(kind: str, glyphs: Glyphs) -> Text:
    return Text(f"{glyphs.arrows.get(kind, '')} {KIND_WORD.get(kind, kind)}".strip(), style=KIND_STYLE.get(kind, ""))


def service_header(glyphs: Glyphs, kind: str, service: str, what: str = "", note: str = "") -> Text:
    """``⇢ cinder-scheduler  cast create_volume  topic cinder-scheduler``: a hop into a service.

    ``kind`` is a hop kind, ``entry`` (the first service) or ``back`` (execution returns there).
    """
    style = KIND_STYLE.get(kind, "") or "bold"
    arrow = glyphs.back if kind == "back" else glyphs.arrows.get(kind, "")
    out = Text(f"{arrow} ", style=style)
    out.append(service, style=f"bold {style}".strip())
    if what:
        out.append(f"  {what}", style=style)
    if note:
        out.append(f"  {note}", style=FAINT)
    return out


def align_sites(rows: Sequence[tuple[Text, str]], width: int | None) -> list[Text]:
    """Each row's text with its site faint at the right: at ``width`` when given, else in one column."""
    if width is None:
        longest = max((r[0].cell_len for r in rows if r[1]), default=0)
        column = min(longest, SITE_COLUMN_MAX)
    out = []
    for left, site in rows:
        line = left.copy()
        if site:
            right = (width - len(site)) if width is not None else column + 2
            line.append(" " * max(2, right - line.cell_len))
            line.append(site, style=FAINT)
        out.append(line)
    return out


def legend(glyphs: Glyphs) -> Text:
    """What the arrows, words and faint parts mean, in one short line."""
    out = Text("legend: ", style=FAINT)
    for kind, meaning in (("rpc-cast", "RPC cast"), ("rpc-call", "RPC call"), ("rest", "REST")):
        out.append(f"{glyphs.arrows[kind]} {meaning}", style=KIND_STYLE[kind])
        out.append("  ")
    out.append("task N", style=KIND_STYLE["flow-task"])
    out.append("  ")
    out.append("driver", style=KIND_STYLE["driver"])
    out.append(f"  {glyphs.back} back  ", style="bold")
    out.append("faint: module, branch, call site", style=FAINT)
    return out
