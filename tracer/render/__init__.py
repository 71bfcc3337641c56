"""render: one module per output format, all drawn from the same records."""
from __future__ import annotations

from typing import Callable, Mapping

from tracer.graph.records import Trace
from tracer.render.aggregate import LEVELS, aggregate
from tracer.render.model import build_model, definition_sites
from tracer.render.svg import MAX_NODES, TooLargeError

__all__ = ["FORMATS", "LEVELS", "MAX_NODES", "TooLargeError", "aggregate", "build_model", "definition_sites",
           "render", "suffix"]

# format -> file suffix; text and json are written by tracer.render.text and tracer.api
FORMATS: dict[str, str] = {
    "dot": ".dot", "svg": ".svg", "mermaid": ".mmd", "sequence": ".seq.mmd", "sequence-svg": ".seq.svg",
    "html": ".html",
}


def _writers() -> dict[str, Callable[[Trace, Mapping[str, str] | None], str | bytes]]:
    from tracer.render.dot import to_dot
    from tracer.render.html import to_html
    from tracer.render.mermaid import to_mermaid, to_sequence
    from tracer.render.sequence import sequence_svg
    from tracer.render.svg import to_svg

    return {
        "dot": lambda t, w: to_dot(t, w), "svg": lambda t, w: to_svg(t, w),
        "mermaid": lambda t, w: to_mermaid(t, w), "sequence": lambda t, w: to_sequence(t),
        "sequence-svg": lambda t, w: sequence_svg(t), "html": lambda t, w: to_html(t, w),
    }


def render(trace: Trace, fmt: str, where: Mapping[str, str] | None = None) -> str | bytes:
    """``trace`` in ``fmt`` (one of ``FORMATS``): text for dot/mermaid/sequence/html, bytes for the SVGs.

    ``where`` maps qualified names to definition sites for the node labels
    (``definition_sites(ws.program, trace)``).  SVG and HTML raise
    ``TooLargeError`` past ``MAX_NODES`` functions; ``aggregate(trace, "class")``
    draws such a trace by class.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return _writers()[fmt](trace, where)


def suffix(fmt: str) -> str:
    """The file name ending for a format (``.seq.mmd`` for the Mermaid sequence)."""
    return FORMATS[fmt]
