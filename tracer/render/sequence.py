"""render: a trace as a sequence of messages between services, and that sequence drawn as SVG.

Stage: render.  Reads ``Trace``/``Hop`` records and the presentation helpers
of ``tracer.render.model``; must not import libcst, networkx, pygraphviz, the
linker or ``tracer.api``.

Participants are the services in first-seen order (after a ``client`` when
the entry is a REST route).  Messages are the RPC and REST hops in execution
order; an RPC call or REST request gets its reply when the work under it ends.
Flow tasks and driver calls become notes on the service that runs them, and so does what a view left out
(a fold), after the work of the hop it was folded under.
Each message carries the branches on its way from the entry (``if``/``elif``/
``else``, ``except``, loops); ``fragments`` turns them into UML combined
fragments: ``alt`` with an ``else`` per further arm of one ``if`` chain, ``opt``
for an ``if`` that may not run, ``break`` for an ``except`` handler, ``loop``.
The SVG is hand-built (lifelines, arrows, fragment frames), so it needs no
Graphviz and is byte-stable.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from tracer.effects.report import hop_lines
from tracer.graph.records import Hop, Trace
from tracer.render.folds import fold_detail, fold_line, folded_totals, note_lines
from tracer.render.model import BRANCH_KINDS, edge_label, short_label, target_service

CLIENT = "client"
NOTE_KINDS = ("task", "driver", "effects", "fold")  # drawn as notes on one lifeline
_MERGED = ("task", "driver", "effects")  # consecutive ones on one lifeline become one note
_WAITS = ("rpc-call", "rest")
FRAGMENT = {"if": "alt", "elif": "alt", "else": "alt", "except": "break", "for": "loop", "while": "loop"}
Branch = tuple  # (function, guard kind, guard text, optional): one branch on a message's way


@dataclass(frozen=True, slots=True)
class Message:
    step: int
    kind: str  # request | response | rpc-cast | rpc-call | rest | reply | task | driver | effects | fold
    source: str  # participant
    target: str  # the same as source for a note (task, driver)
    text: str
    detail: str  # qualified names and call site, for tooltips
    path: tuple = ()  # tuple[Branch]: the branches on its way from the entry, outermost first


@dataclass(frozen=True, slots=True)
class Sequence:
    title: str
    participants: tuple[str, ...]
    messages: tuple[Message, ...]
    folded: str = ""  # the totals of what the view left out (``folded 78 hops: ...``), empty when none


def build_sequence(trace: Trace, notes: bool = True) -> Sequence:
    """The messages of a trace in execution order (``notes``: flow tasks and drivers as notes); what the
    view left out is a note where it was, after the work of the hop it was folded under."""
    client = trace.entry_label != trace.entry
    msgs: list[Message] = []
    if client:
        msgs.append(Message(0, "request", CLIENT, trace.entry_service, trace.entry_label, trace.entry))
    touched = block_effects(trace) if notes else {}
    msgs += _effects_note(touched.get(0), 0, trace.entry_service, ())
    folds = fold_messages(trace)
    stack: list[tuple[int, str, Hop | None, tuple, int]] = [(0, trace.entry_service, None, (), 0)]
    for h in trace.hops:
        while stack[-1][0] >= h.depth:
            _close(stack, msgs, folds)
        here, there = stack[-1][1], target_service(h)
        path = stack[-1][3] + branches(h)
        msg = _message(h, here, there, notes, path)
        if msg is not None:
            msgs.append(msg)
            msgs += _effects_note(touched.get(h.step), h.step, there, path)
        stack.append((h.depth, there, h if h.kind in _WAITS else None, path, h.step))
    while len(stack) > 1:
        _close(stack, msgs, folds)
    msgs += [replace(m, source=trace.entry_service, target=trace.entry_service) for m in folds.get(0, ())]
    if client:
        msgs.append(Message(len(trace.hops) + 1, "response", trace.entry_service, CLIENT, "response", ""))
    order = ([CLIENT] if client else []) + [trace.entry_service]
    for m in msgs:
        order += [m.source, m.target]
    return Sequence(trace.entry_label, tuple(dict.fromkeys(order)), tuple(merge_notes(msgs)),
                    folded_totals(trace.folded))


def fold_messages(trace: Trace) -> dict[int, list[Message]]:
    """Step -> a note per fold under that hop (its words, then the names a line each); identical
    branches drawn once need none.  The lifeline and the fragments are the hop's, set when it closes."""
    out: dict[int, list[Message]] = {}
    for f in trace.folded:
        if f.reason != "same":
            out.setdefault(f.step, []).append(Message(f.step, "fold", "", "", "\n".join(note_lines(fold_line(f))),
                                                      fold_detail(f)))
    return out


def block_effects(trace: Trace) -> dict[int, list]:
    """``--effects``: what each service block does (step of the message into it, 0 for the entry's)."""
    out: dict[int, dict] = {}
    blocks: list[tuple[int, int]] = [(0, 0)]  # (depth, step of the block's message)
    for h in trace.hops:
        while blocks[-1][0] >= h.depth and len(blocks) > 1:
            blocks.pop()
        if h.kind in ("rpc-cast", "rpc-call", "rest"):
            blocks.append((h.depth, h.step))
        mine = out.setdefault(blocks[-1][1], {})
        for e in h.effects:
            mine.setdefault((e.key, e.service), e)
    for e in trace.entry_effects:
        out.setdefault(0, {}).setdefault((e.key, e.service), e)
    return {step: list(found.values()) for step, found in out.items() if found}


def _effects_note(effects: list | None, step: int, service: str, path: tuple) -> list[Message]:
    lines = hop_lines(effects or ())
    return [Message(step, "effects", service, service, "\n".join(lines), "", path)] if lines else []


def merge_notes(msgs: list[Message]) -> list[Message]:
    """Consecutive notes of one kind on one service become one note, a line each (repeats as ``(xN)``)."""
    out: list[Message] = []
    for m in msgs:
        last = out[-1] if out else None
        if last and m.kind in _MERGED and (last.kind, last.source, last.path) == (m.kind, m.source, m.path):
            out[-1] = Message(last.step, last.kind, last.source, last.target, f"{last.text}\n{m.text}",
                              f"{last.detail}\n{m.detail}", last.path)
        else:
            out.append(m)
    return [_count_repeats(m) if m.kind in _MERGED else m for m in out]


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
    return Message(m.step, m.kind, m.source, m.target, "\n".join(shown), m.detail, m.path)


def branches(h: Hop) -> tuple:
    """The branches (not ``try``, ``with``, ``finally``) a hop's call runs under in its caller, outermost first."""
    return tuple((h.caller, g.kind, g.text, g.optional) for g in reversed(h.guards) if g.kind in BRANCH_KINDS)


def _close(stack: list[tuple[int, str, Hop | None, tuple, int]], msgs: list[Message],
           folds: dict[int, list[Message]]) -> None:
    _, service, hop, path, step = stack.pop()
    msgs += [replace(m, source=service, target=service, path=path) for m in folds.get(step, ())]
    if hop is not None:
        method = dict(hop.meta).get("method") or hop.callee.rsplit(".", 1)[-1]
        kind, answer = ("response", "response") if hop.kind == "rest" else ("reply", f"reply {method}")
        msgs.append(Message(hop.step, kind, service, stack[-1][1], answer, hop.callee, path))


def _message(h: Hop, here: str, there: str, notes: bool, path: tuple) -> Message | None:
    detail = f"{h.caller} -> {h.callee} at {h.site}"
    if h.kind in ("rpc-cast", "rpc-call", "rest"):
        return Message(h.step, h.kind, here, there, edge_label(h), detail, path)
    if notes and h.kind == "flow-task":
        return Message(h.step, "task", here, here, _task_note(h), detail, path)
    if notes and h.kind == "driver":
        return Message(h.step, "driver", here, here, short_label(h.callee), detail, path)
    return None


# -- fragments ---------------------------------------------------------------

def fragments(seq: Sequence) -> list[tuple]:
    """The messages with the fragments around them, in order: ``("open", kind, label)``, ``("else", label)``,
    ``("end",)`` and ``("message", Message)``.  A fragment opens where a message's branches leave the
    previous message's; a later arm of the same ``if`` chain (same function) is an ``else`` of its ``alt``;
    an ``alt`` that shows one arm of an ``if`` that may not run is an ``opt``."""
    events: list[list] = []
    shown: list[tuple] = []  # the branches open now, outermost first, with their "open" event
    for m in seq.messages:
        same = 0
        while same < min(len(shown), len(m.path)) and shown[same][0] == m.path[same]:
            same += 1
        arm = same < min(len(shown), len(m.path)) and _next_arm(shown[same][0], m.path[same])
        for _ in range(len(shown) - same - arm):
            _end(shown.pop(), events)
        if arm:
            shown[same][1][3] = True  # it has an else: an alt
            events.append(["else", condition(m.path[same])])
            shown[same] = (m.path[same], shown[same][1])
        for branch in m.path[len(shown):]:
            event = ["open", FRAGMENT[branch[1]], condition(branch), False, branch[3]]
            events.append(event)
            shown.append((branch, event))
        events.append(["message", m])
    while shown:
        _end(shown.pop(), events)
    return [(e[0], e[1], e[2]) if e[0] == "open" else tuple(e) for e in events]


def condition(branch: Branch) -> str:
    """What a fragment's guard says: ``create_type == 'raw'`` for ``if``/``elif``, ``not x`` for an ``else``,
    the whole text for ``except`` and loops."""
    kind, text = branch[1], branch[2]
    if kind in ("if", "elif"):
        return text[len(kind) + 1:]
    if kind == "else" and text.startswith("else ("):
        return text[len("else ("):].removesuffix(")")
    return text


def _next_arm(open_: Branch, new: Branch) -> bool:
    return open_[0] == new[0] and open_[1] in ("if", "elif") and new[1] in ("elif", "else") and open_[2] != new[2]


def _end(shown: tuple, events: list[list]) -> None:
    event = shown[1]
    if event[1] == "alt" and not event[3] and event[4]:  # one arm shown, and it may not run at all
        event[1] = "opt"
    events.append(["end"])


def _task_note(h: Hop) -> str:
    meta = dict(h.meta)
    task = str(meta.get("task") or h.callee.rsplit(".", 1)[0]).rsplit(".", 1)[-1]
    return f"task {meta.get('order', '?')}: {task}"


# -- SVG ---------------------------------------------------------------------

def sequence_svg(trace: Trace | Sequence, notes: bool = True) -> bytes:
    """The sequence drawn as SVG (``tracer.render.seqsvg``): lifelines, messages, notes, fragments."""
    from tracer.render.seqsvg import draw

    return draw(trace if isinstance(trace, Sequence) else build_sequence(trace, notes))
