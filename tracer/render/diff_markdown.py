"""render: a flow diff as Markdown, for release notes and review comments.

Stage: render.  Reads ``tracer.diff.flow.FlowDiff``; must not import libcst, networkx, the linker or
``tracer.api``.  Summary tables first; per service the major changes as a list, the minor ones folded in a
``<details>`` block (GitHub and Gerrit render it collapsed).
"""
from __future__ import annotations

from tracer.diff.changes import TYPES, Change
from tracer.diff.flow import FlowDiff, SideInfo
from tracer.render.diff_text import status

SIGN = {"added": "+", "removed": "−", "changed": "~", "moved": "→", "site": "@"}


def code(text: str) -> str:
    """Inline code that survives backticks and pipes inside it."""
    text = text.replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}" if fence == "`" else f"{fence} {text} {fence}"


def _side(name: str, side: SideInfo) -> str:
    entry = ""
    if side.entry:
        route = f"{code(side.label)} → " if side.label and side.label != side.entry else ""
        entry = f"{route}{code(side.entry)} ({side.service})"
    return f"| {name} | {side.release()} | {entry} |"


def _item(c: Change) -> str:
    where = c.side.site or (c.old.site if c.old else "")
    via = f" — via {code(c.via)}" if c.via else ""
    at = f" ({code(where)})" if where else ""
    return f"- {SIGN[status(c)]} **{c.type}** {c.kind}: {code(c.detail)}{via}{at}"


def to_markdown(d: FlowDiff) -> str:
    lines = [f"## Diff of {code(d.request)}", "", "| side | release | entry |", "|---|---|---|",
             _side("old", d.old), _side("new", d.new), ""]
    if not d.changes and not d.effects:
        return "\n".join(lines + ["No differences.", ""])
    if not d.changes:
        lines += ["No hop differences.", ""]
    else:
        major = sum(1 for c in d.changes if c.level == "major")
        lines += [f"**{len(d.changes)} differences** ({major} major).", "", "| change | count | meaning |",
                  "|---|---:|---|"]
        lines += [f"| {code(t)} | {n} | {TYPES[t][1]} |" for t, n in d.by_type().items()]
        lines += ["", "| service | changes |", "|---|---:|"]
        lines += [f"| {s} | {n} |" for s, n in d.by_service().items()]
    if d.effects:
        from tracer.effects.compare import counts

        lines += ["", f"**{len(d.effects)} effect changes** (tables, options, notifications, commands, locks).", "",
                  "| effect change | count |", "|---|---:|"]
        lines += [f"| {code(t)} | {n} |" for t, n in counts(d.effects).items()]
    for service in d.services():
        mine = [c for c in d.changes if c.service == service]
        lines += ["", f"### {service}", ""]
        lines += [_item(c) for c in mine if c.level == "major"]
        minor = [c for c in mine if c.level != "major"]
        if minor:
            lines += ["", f"<details><summary>{len(minor)} minor (plain calls)</summary>", ""]
            lines += [_item(c) for c in minor] + ["", "</details>"]
    if d.sites:
        lines += ["", f"<details><summary>{len(d.sites)} call sites that only moved</summary>", ""]
        lines += [_item(c) for c in d.sites] + ["", "</details>"]
    if d.effects:
        from tracer.effects.compare import grouped

        rows = grouped(d.effects)
        plain = [r for r in rows if r[0] in ("effect-added", "effect-removed")]
        lines += ["", f"### Effects ({len(d.effects)} changed)", ""]
        lines += [f"- **{t}** {kind}: {code(text)}" for t, kind, text in rows if (t, kind, text) not in plain]
        if plain:
            count = sum(1 for c in d.effects if c.type in ("effect-added", "effect-removed"))
            lines += ["", f"<details><summary>{count} effects added or removed</summary>", ""]
            lines += [f"- **{t}** {kind}: {code(text)}" for t, kind, text in plain] + ["", "</details>"]
    return "\n".join(lines) + "\n"
