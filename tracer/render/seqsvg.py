"""render: a message sequence drawn as SVG: a lifeline per service, a row per message, fragment frames.

Stage: render.  Reads ``tracer.render.sequence`` (the sequence and its fragments); must not import
libcst, networkx, pygraphviz, the linker or ``tracer.api``.  Hand-built, so it needs no Graphviz and
the same sequence gives the same bytes.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from tracer.render.folds import MORE
from tracer.render.sequence import Message, Sequence, fragments

FONT = "Helvetica, Arial, sans-serif"
CHAR = 6.6  # average glyph width at 11px, for sizing boxes
ROW, NOTE_ROW, SELF_ROW, HEAD = 24, 24, 34, 34
_LINE = {  # kind -> (colour, dash, width, filled head)
    "request": ("#222222", "", 1.5, True), "response": ("#222222", "5,4", 1.2, False),
    "rpc-cast": ("#c000c0", "7,4", 2.0, False), "rpc-call": ("#1f2fb8", "", 2.0, True),
    "reply": ("#1f2fb8", "5,4", 1.2, False), "rest": ("#222222", "2,3", 2.5, True),
}
_NOTE = {"task": ("#e3f4dc", "#2e8b2e"), "driver": ("#ffe9cc", "#d9730d"), "effects": ("#f4f4f4", "#8c8c8c"),
         "fold": ("#ffffff", "#999999")}
_NOTE_LOOK = {"fold": ' stroke-dasharray="4,3"'}  # what a view left out: faint and dashed
_NOTE_TEXT = {"fold": ' fill="#666666"'}
FOLDED_ROW = 18  # the folded totals under the participants at the bottom
FRAME, FRAME_FILL, FRAME_TEXT = "#8a8a8a", "#eeeeee", "#444444"
FRAME_ROW, FRAME_INSET = 22, 6  # the row a fragment's tab (or an else line) takes; the inset per nesting level


def draw(seq: Sequence) -> bytes:
    """A header box and lifeline per service, one row per message, a frame per fragment."""
    width = _column_width(seq)
    xs = {p: 20 + width // 2 + i * width for i, p in enumerate(seq.participants)}
    body: list[str] = []
    frames: list[str] = []
    open_: list[tuple[int, str, str]] = []  # (top, kind, label) of the fragments open now
    y = 50 + HEAD + 16
    left = min(xs.values()) - width // 2 + 8
    right = max([max(xs.values()) + width // 2 - 8] + [_right_edge(m, xs) + 8 for m in seq.messages])
    reach = right
    for event in fragments(seq):
        inset = FRAME_INSET * len(open_)
        if event[0] == "message":
            y += _draw(event[1], xs, y, body)
            reach = max(reach, _right_edge(event[1], xs))
        elif event[0] == "open":
            open_.append((y - 16, event[1], event[2]))
            frames.append(_tab(left + inset, y - 16, event[1], event[2]))
            reach = max(reach, left + inset + int(len(event[1] + event[2]) * CHAR) + 40)
            y += FRAME_ROW
        elif event[0] == "else":
            inset -= FRAME_INSET
            frames.append(f'<line x1="{left + inset}" y1="{y - 16}" x2="{right - inset}" y2="{y - 16}" '
                          f'stroke="{FRAME}" stroke-dasharray="4,3"/>'
                          f'<text x="{left + inset + 6}" y="{y - 4}" fill="{FRAME_TEXT}">[{escape(event[1])}]</text>')
            reach = max(reach, left + inset + int(len(event[1]) * CHAR) + 30)
            y += FRAME_ROW
        else:
            top, kind, _ = open_.pop()
            inset = FRAME_INSET * len(open_)
            frames.append(f'<rect class="fragment {kind}" x="{left + inset}" y="{top}" width="{right - left - 2 * inset}" '
                          f'height="{y - 12 - top}" fill="none" stroke="{FRAME}"/>')
            y += 6
    total_w, total_h = max(40 + width * len(seq.participants), reach + 20), y + 10 + HEAD
    folded = []
    if seq.folded:
        folded = [f'<text class="folded" x="20" y="{total_h + 4}" fill="#666666">{MORE} {escape(seq.folded)}</text>']
        total_w, total_h = max(total_w, 40 + int(len(seq.folded) * CHAR)), total_h + FOLDED_ROW
    head = [_header_box(p, xs[p], 50, width) for p in seq.participants]
    foot = [_header_box(p, xs[p], y, width) for p in seq.participants]
    lines = [f'<line x1="{xs[p]}" y1="{50 + HEAD}" x2="{xs[p]}" y2="{y}" stroke="#999999" stroke-dasharray="3,3"/>'
             for p in seq.participants]
    title = f'<text x="20" y="28" font-size="16" font-weight="bold">{escape(seq.title)}</text>'
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{total_h}" '
           f'viewBox="0 0 {total_w} {total_h}" font-family="{FONT}" font-size="11">',
           f"<title>{escape(seq.title)}</title>",
           f'<rect x="0" y="0" width="{total_w}" height="{total_h}" fill="white"/>', title,
           *lines, *frames, *head, *foot, *body, *folded, "</svg>"]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(svg) + "\n").encode("utf-8")


def _tab(x: int, y: int, kind: str, label: str) -> str:
    """A fragment's name in a tab at its top left, its guard beside it (``alt [create_type == 'raw']``)."""
    w = int(len(kind) * CHAR) + 14
    return (f'<g class="fragment-label"><path d="M{x},{y} h{w} v10 l-6,6 h-{w - 6} z" fill="{FRAME_FILL}" '
            f'stroke="{FRAME}"/><text x="{x + 5}" y="{y + 12}" font-weight="bold" fill="{FRAME_TEXT}">'
            f'{escape(kind)}</text><text x="{x + w + 6}" y="{y + 12}" fill="{FRAME_TEXT}">[{escape(label)}]</text></g>')


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
        look = _NOTE_TEXT.get(m.kind, "")
        texts = "".join(f'<text x="{x}" y="{y + 15 * i}" text-anchor="middle"{look}>{escape(line)}</text>'
                        for i, line in enumerate(lines))
        out.append(f'<g class="note {m.kind}">{tip}<rect x="{x - w // 2}" y="{y - 14}" width="{w}" height="{h}" '
                   f'fill="{fill}" stroke="{stroke}"{_NOTE_LOOK.get(m.kind, "")}/>{texts}</g>')
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
