"""render: a flow diff in any of its formats (text, json, markdown, svg, html, mermaid).

Stage: render.  Reads ``tracer.diff.flow.FlowDiff``; must not import libcst, networkx, the linker or
``tracer.api``.
"""
from __future__ import annotations

import json
from typing import Mapping

from tracer.diff.flow import FlowDiff

# format -> file suffix
DIFF_FORMATS: dict[str, str] = {"text": ".diff.txt", "json": ".diff.json", "markdown": ".diff.md",
                                "svg": ".diff.svg", "html": ".diff.html", "mermaid": ".diff.mmd"}


def render_diff(d: FlowDiff, fmt: str, where: tuple[Mapping[str, str], Mapping[str, str]] = ({}, {})) -> str | bytes:
    """``d`` in ``fmt``; ``where`` gives each side's definition sites for the diagram's node labels.

    The diagrams need an entry diff (``--rpc``/``--routes``/``--flows`` are lists: text, json, markdown).
    """
    from tracer.render.diff_graph import diff_html, diff_mermaid, diff_svg
    from tracer.render.diff_json import diff_json
    from tracer.render.diff_markdown import to_markdown
    from tracer.render.diff_text import diff_text

    writers = {
        "text": lambda: diff_text(d), "markdown": lambda: to_markdown(d),
        "json": lambda: json.dumps(diff_json(d), indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        "svg": lambda: diff_svg(d, *where), "html": lambda: diff_html(d, *where),
        "mermaid": lambda: diff_mermaid(d, *where),
    }
    if fmt not in writers:
        raise ValueError(f"unknown diff format {fmt!r}; choose one of {', '.join(writers)}")
    return writers[fmt]()
