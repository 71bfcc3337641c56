"""render: the words every format uses for what a view left out (``Fold`` records).

Stage: render.  Reads ``Fold`` records (``tracer.graph.records``) only; must not import libcst, networkx,
pygraphviz, rich, the linker or ``tracer.api``.

A fold is said in two places: one line where it was (``⋯ 15 hops only under a branch: VolumeAPI.attachment_update``:
the text's faint line, a diagram's note) and the totals at the end (``folded 78 hops: 72 only under a branch
(--main), 6 through other possible receivers``: the text's footer, a diagram's legend).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from tracer.graph.records import Fold, short_name

MORE = "⋯"  # leads a fold line
SHOWN_NAMES = 3  # names on a fold line before "+N"
FOLD_TEXT = {  # the fold line, by reason ("same" has none: the branch drawn once says ×N)
    "more": "{n} more hops", "seen": "{n} again, drawn above:", "later": "{n} again, drawn below:",
    "branch": "{n} hops only under a branch:", "receiver": "{n} hops through other possible receivers:",
    "hidden": "{n} hops hidden:", "focus": "{n} hops off the focus",
    "config": "{n} calls under branches off by default:",
}
FOLD_ONE = {"config": "1 call under a branch off by default:"}  # a reason whose words change for one
WORDS_ONE = {"config": "call under a branch the options' defaults turn off (--any-config)"}
FOLD_WORDS = {  # the totals, by reason
    "same": "in identical branches drawn once", "seen": "drawn above", "later": "drawn below",
    "more": "past the hops view", "branch": "only under a branch (--main)",
    "receiver": "through other possible receivers", "hidden": "hidden (--hide)", "focus": "off the focus (--focus)",
    "config": "calls under branches the options' defaults turn off (--any-config)",
}


def fold_line(f: Fold, more: str = MORE, shown: int = SHOWN_NAMES) -> str:
    """``⋯ 6 hops through other possible receivers: A.attach, B.attach +1``: the fold where it was."""
    names = list(dict.fromkeys(short_name(n) for n in f.names))
    listed = ", ".join(names[:shown]) + (f" +{len(names) - shown}" if len(names) > shown else "")
    text = _words(f)
    if not listed:
        return f"{more} {text}"
    return f"{more} {text} {listed}" if text.endswith(":") else f"{more} {text}: {listed}"


def _words(f: Fold) -> str:
    if f.hops == 1 and f.reason in FOLD_ONE:
        return FOLD_ONE[f.reason]
    return FOLD_TEXT.get(f.reason, "{n} hops folded ({r})").format(n=f.hops, r=f.reason)


def note_lines(line: str) -> list[str]:
    """A fold line as a diagram's note draws it: the words, then the names one a line."""
    head, _, names = line.partition(": ")
    return [head + ":"] + names.split(", ") if names else [head]


def fold_detail(f: Fold) -> str:
    """Every hop a fold names, with its call site, a line each (a diagram note's tooltip)."""
    head = _words(f).rstrip(":")
    return "\n".join([head] + [f"{name} at {site}" for name, site in zip(f.names, f.sites)])


def folded_totals(folded: Iterable[Fold]) -> str:
    """``folded 78 hops: 72 only under a branch (--main), 6 through ...``; empty when nothing was folded."""
    counts: Counter = Counter()
    for f in folded:
        counts[f.reason] += f.hops
    if not counts:
        return ""
    total = sum(counts.values())
    return (f"folded {total} hop{'s' if total != 1 else ''}: "
            + ", ".join(f"{n} {WORDS_ONE[r] if n == 1 and r in WORDS_ONE else FOLD_WORDS.get(r, r)}"
                        for r, n in sorted(counts.items())))
