"""render: a trace as a sequence of messages between services, and that sequence drawn as SVG.

Stage: render.  Reads ``Trace``/``Hop`` records and the presentation helpers
of ``tracer.render.model``; must not import libcst, networkx, pygraphviz, the
linker or ``tracer.api``.

Participants are the services in first-seen order (after a ``client`` when
the entry is a REST route).  Messages are the RPC and REST hops in execution
order; an RPC call or REST request gets its reply when the work under it ends.
Flow tasks and driver calls become notes on the service that runs them.
The SVG is hand-built (lifelines and arrows), so it needs no Graphviz and is
byte-stable.
"""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from tracer.graph.records import Hop, Trace
from tracer.render.model import edge_label, short_label, target_service

CLIENT = "client"
NOTE_KINDS = ("task", "driver")
_WAITS = ("rpc-call", "rest")


@dataclass(frozen=True, slots=True)
class Message:
    step: int
    kind: str  # request | response | rpc-cast | rpc-call | rest | reply | task | driver
    source: str  # participant
    target: str  # the same as source for a note (task, driver)
    text: str
    detail: str  # qualified names and call site, for tooltips


@dataclass(frozen=True, slots=True)
class Sequence:
    title: str
    participants: tuple[str, ...]
    messages: tuple[Message, ...]


def build_sequence(trace: Trace, notes: bool = True) -> Sequence:
    """The messages of a trace in execution order (``notes``: flow tasks and drivers as notes)."""
    client = trace.entry_label != trace.entry
    msgs: list[Message] = []
    if client:
        msgs.append(Message(0, "request", CLIENT, trace.entry_service, trace.entry_label, trace.entry))
    stack: list[tuple[int, str, Hop | None]] = [(0, trace.entry_service, None)]
    for h in trace.hops:
        while stack[-1][0] >= h.depth:
            _close(stack, msgs)
        here, there = stack[-1][1], target_service(h)
        msg = _message(h, here, there, notes)
        if msg is not None:
            msgs.append(msg)
        stack.append((h.depth, there, h if h.kind in _WAITS else None))
    while len(stack) > 1:
        _close(stack, msgs)
    if client:
        msgs.append(Message(len(trace.hops) + 1, "response", trace.entry_service, CLIENT, "response", ""))
    order = ([CLIENT] if client else []) + [trace.entry_service]
    for m in msgs:
        order += [m.source, m.target]
    return Sequence(trace.entry_label, tuple(dict.fromkeys(order)), tuple(merge_notes(msgs)))


def merge_notes(msgs: list[Message]) -> list[Message]:
    """Consecutive notes of one kind on one service become one note, a line each (repeats as ``(xN)``)."""
    out: list[Message] = []
    for m in msgs:
        last = out[-1] if out else None
        if last and m.kind in NOTE_KINDS and (last.kind, last.source) == (m.kind, m.source):
            out[-1] = Message(last.step, last.kind, last.source, last.target, f"{last.text}\n{m.text}",
                              f"{last.detail}\n{m.detail}")
        else:
            out.append(m)
    return [_count_repeats(m) if m.kind in NOTE_KINDS else m for m in out]


def _count_repeats(m: Message) -> Message:
    lines: list[list] = []
    for line in m.text.split("\n"):
        if lines and lines[-1][0] == line:
            lines[-1][1] += 1
        else:
            lines.append([line, 1])
    shown = [f"{line} (x{n})" if n > 1 else line for line, n in lines]
    if m.kind == "driver":  # driver lines are bare names: say once what they are
        shown = [f"driver {shown[0]}"] if len(shown) == 1 else ["driver calls:"] + shown
    return Message(m.step, m.kind, m.source, m.target, "\n".join(shown), m.detail)


def _close(stack: list[tuple[int, str, Hop | None]], msgs: list[Message]) -> None:
    _, service, hop = stack.pop()
    if hop is not None:
        method = dict(hop.meta).get("method") or hop.callee.rsplit(".", 1)[-1]
        kind, answer = ("response", "response") if hop.kind == "rest" else ("reply", f"reply {method}")
        msgs.append(Message(hop.step, kind, service, stack[-1][1], answer, hop.callee))


def _message(h: Hop, here: str, there: str, notes: bool) -> Message | None:
    detail = f"{h.caller} -> {h.callee} at {h.site}"
    if h.kind in ("rpc-cast", "rpc-call", "rest"):
        return Message(h.step, h.kind, here, there, edge_label(h), detail)
    if notes and h.kind == "flow-task":
        return Message(h.step, "task", here, here, _task_note(h), detail)
    if notes and h.kind == "driver":
        return Message(h.step, "driver", here, here, short_label(h.callee), detail)
    return None


def _task_note(h: Hop) -> str:
    meta = dict(h.meta)
    task = str(meta.get("task") or h.callee.rsplit(".", 1)[0]).rsplit(".", 1)[-1]
    return f"task {meta.get('order', '?')}: {task}"


# -- SVG ---------------------------------------------------------------------

FONT = "Helvetica, Arial, sans-serif"
CHAR = 6.6  # average glyph width at 11px, for sizing boxes
ROW, NOTE_ROW, SELF_ROW, HEAD = 24, 24, 34, 34
_LINE = {  # kind -> (colour, dash, width, filled head)
    "request": ("#222222", "", 1.5, True), "response": ("#222222", "5,4", 1.2, False),
    "rpc-cast": ("#c000c0", "7,4", 2.0, False), "rpc-call": ("#1f2fb8", "", 2.0, True),
    "reply": ("#1f2fb8", "5,4", 1.2, False), "rest": ("#222222", "2,3", 2.5, True),
}
_NOTE = {"task": ("#e3f4dc", "#2e8b2e"), "driver": ("#ffe9cc", "#d9730d")}


def sequence_svg(trace: Trace | Sequence, notes: bool = True) -> bytes:
    """The sequence drawn as a plain SVG: a header box and lifeline per service, one row per message."""
    seq = trace if isinstance(trace, Sequence) else build_sequence(trace, notes)
    width = _column_width(seq)
    xs = {p: 20 + width // 2 + i * width for i, p in enumerate(seq.participants)}
    body: list[str] = []
    y = 50 + HEAD + 16
    for m in seq.messages:
        y += _draw(m, xs, y, body)
    total_w, total_h = 40 + width * len(seq.participants), y + 10 + HEAD
    total_w = max([total_w] + [_right_edge(m, xs) + 20 for m in seq.messages])
    head = [_header_box(p, xs[p], 50, width) for p in seq.participants]
    foot = [_header_box(p, xs[p], y, width) for p in seq.participants]
    lines = [f'<line x1="{xs[p]}" y1="{50 + HEAD}" x2="{xs[p]}" y2="{y}" stroke="#999999" stroke-dasharray="3,3"/>'
             for p in seq.participants]
    title = f'<text x="20" y="28" font-size="16" font-weight="bold">{escape(seq.title)}</text>'
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
           f'viewBox="0 0 {total_w} {total_h}" font-family="{FONT}" font-size="11">',
           f"<title>{escape(seq.title)}</title>",
           f'<rect x="0" y="0" width="{total_w}" height="{total_h}" fill="white"/>', title,
           *lines, *head, *foot, *body, "</svg>"]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(svg) + "\n").encode("utf-8")


def _right_edge(m: Message, xs: dict[str, int]) -> int:
    """How far right a message's drawing reaches (notes are centred, loops write beside themselves)."""
    if m.kind in _NOTE:
        return xs[m.source] + int(max(len(line) for line in m.text.split("\n")) * CHAR + 16) // 2
    if m.source == m.target:
        return xs[m.source] + 36 + int(len(m.text) * CHAR)
    return max(xs[m.source], xs[m.target])


def _column_width(seq: Sequence) -> int:
    longest = max([len(m.text) for m in seq.messages if m.source != m.target] + [len(p) for p in seq.participants]
                  + [0])
    return int(min(max(longest * CHAR + 50, 170), 420))


def _header_box(name: str, x: int, y: int, width: int) -> str:
    w = int(min(len(name) * 7.5 + 24, width - 16))
    return (f'<g class="participant"><rect x="{x - w // 2}" y="{y}" width="{w}" height="{HEAD - 6}" rx="4" '
            f'fill="#f6f6f6" stroke="#666666"/><text x="{x}" y="{y + 18}" text-anchor="middle" '
            f'font-weight="bold" font-size="12">{escape(name)}</text></g>')


def _draw(m: Message, xs: dict[str, int], y: int, out: list[str]) -> int:
    """Append one message's SVG at height ``y``; return the height it takes."""
    tip = f"<title>{escape(m.detail or m.text)}</title>"
    if m.kind in _NOTE:
        fill, stroke = _NOTE[m.kind]
        lines = m.text.split("\n")
        w, x, h = int(max(len(line) for line in lines) * CHAR + 16), xs[m.source], 15 * len(lines) + 4
        texts = "".join(f'<text x="{x}" y="{y + 15 * i}" text-anchor="middle">{escape(line)}</text>'
                        for i, line in enumerate(lines))
        out.append(f'<g class="note {m.kind}">{tip}<rect x="{x - w // 2}" y="{y - 14}" width="{w}" height="{h}" '
                   f'fill="{fill}" stroke="{stroke}"/>{texts}</g>')
        return NOTE_ROW + 15 * (len(lines) - 1)
    colour, dash, stroke_w, filled = _LINE.get(m.kind, _LINE["request"])
    style = f'stroke="{colour}" stroke-width="{stroke_w}" fill="none"' + (f' stroke-dasharray="{dash}"' if dash else "")
    x1, x2 = xs[m.source], xs[m.target]
    if x1 == x2:  # a message to itself: a small loop on the right
        path = f"M{x1},{y - 8} h30 v16 h-28"
        out.append(f'<g class="message {m.kind}">{tip}<path d="{path}" {style}/>'
                   f"{_arrow_head(x1 + 2, y + 8, -1, colour, filled)}"
                   f'<text x="{x1 + 36}" y="{y + 4}" fill="{colour}">{escape(m.text)}</text></g>')
        return SELF_ROW
    direction = 1 if x2 > x1 else -1
    out.append(f'<g class="message {m.kind}">{tip}<line x1="{x1}" y1="{y}" x2="{x2 - direction * 2}" y2="{y}" '
               f"{style}/>{_arrow_head(x2, y, direction, colour, filled)}"
               f'<text x="{(x1 + x2) // 2}" y="{y - 5}" text-anchor="middle" fill="{colour}">'
               f"{escape(m.text)}</text></g>")
    return ROW


def _arrow_head(x: int, y: int, direction: int, colour: str, filled: bool) -> str:
    back = x - direction * 9
    points = f"{back},{y - 4} {x},{y} {back},{y + 4}"
    if filled:
        return f'<polygon points="{points}" fill="{colour}" stroke="{colour}"/>'
    return f'<polyline points="{points}" fill="none" stroke={quoteattr(colour)} stroke-width="1.5"/>'
