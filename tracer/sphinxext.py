"""sphinxext: draw traced operations into Sphinx documents.

Stage: the top, like the CLI: directive options -> ``tracer.api`` -> ``tracer.render``.
Must not import libcst, networkx or the linker; needs no system Graphviz (the
SVG comes from the Graphviz bundled with pygraphviz).

In ``conf.py``::

    extensions = ["tracer.sphinxext"]
    tracer_cache_dir = None            # optional, relative to conf.py; default: TRACER_CACHE_DIR or ~/.cache/tracer

In a document::

    .. tracer-trace:: create_volume
       :source: nova==19.0.0 cinder==14.0.0
       :driver: rbd                    (one or more, like --driver)
       :format: svg                    (svg, sequence-svg, mermaid or sequence)
       :full:
       :depth: 8
       :aggregate: class               (draw classes or modules instead of functions)

``:source:`` takes the same specs as ``tracer trace -s``, separated by spaces
or commas; a relative directory is taken from the document's folder.  SVG is
inlined as raw HTML; the Mermaid formats become a ``<pre class="mermaid">``
block for a theme or extension that loads mermaid.js.  A workspace is loaded
once per set of sources and build.
"""
from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective

from tracer import api
from tracer.graph.entry import EntryError
from tracer.graph.records import Trace, TraceOptions
from tracer.render import LEVELS, TooLargeError, aggregate, render
from tracer.render.svg import inline_svg
from tracer.source import SourceError

DIRECTIVE_FORMATS = ("svg", "sequence-svg", "mermaid", "sequence")
_WORKSPACES: dict[tuple[tuple[str, ...], str], api.Workspace] = {}


def _format(value: str | None) -> str:
    return directives.choice(value or "svg", DIRECTIVE_FORMATS)


def _level(value: str | None) -> str:
    return directives.choice(value, LEVELS)


def split_sources(value: str) -> list[str]:
    """``"nova==19.0.0, cinder==14.0.0"`` -> ``["nova==19.0.0", "cinder==14.0.0"]`` (also for drivers)."""
    return [part for part in re.split(r"[\s,]+", value.strip()) if part]


def workspace(specs: tuple[str, ...], cache_dir: Path | None) -> api.Workspace:
    key = (specs, str(cache_dir or ""))
    if key not in _WORKSPACES:
        _WORKSPACES[key] = api.load(list(specs) or None, cache_dir=cache_dir)
    return _WORKSPACES[key]


class TraceDirective(SphinxDirective):
    """``.. tracer-trace:: ENTRY`` with the options described in the module docstring."""

    required_arguments = 1
    final_argument_whitespace = True  # "POST /volumes" is one entry
    option_spec = {
        "source": directives.unchanged, "format": _format, "driver": directives.unchanged_required,
        "full": directives.flag, "depth": directives.nonnegative_int, "aggregate": _level,
    }

    def run(self) -> list[nodes.Node]:
        try:
            t, where = self._trace()
            body = self._body(t, where)
        except (SourceError, EntryError, TooLargeError) as exc:
            raise self.error(f"tracer-trace {self.arguments[0]}: {exc}") from exc
        return [nodes.raw("", body, format="html")]

    def _trace(self) -> tuple[Trace, dict[str, str]]:
        """The trace to draw and the definition sites of its functions (or classes, modules)."""
        specs = tuple(self._spec(s) for s in split_sources(self.options.get("source", "")))
        ws = workspace(specs, self._cache_dir())
        opts = TraceOptions(full="full" in self.options, depth=self.options.get("depth"),
                            drivers=tuple(split_sources(self.options.get("driver", ""))))
        t = api.trace(ws, self.arguments[0], opts)
        if "aggregate" in self.options:
            t = aggregate(t, self.options["aggregate"])
        return t, api.definition_sites(ws, t)

    def _body(self, t: Trace, where: dict[str, str]) -> str:
        fmt = self.options.get("format", "svg")
        out = render(t, fmt, where)
        if isinstance(out, bytes):
            return f'<div class="tracer-trace" style="overflow:auto">{inline_svg(out)}</div>'
        return f'<pre class="mermaid tracer-trace">\n{html.escape(out)}</pre>'

    def _spec(self, spec: str) -> str:
        """A relative directory (optionally ``@GITREF``) is taken from the document's folder."""
        if "==" in spec or Path(spec).is_absolute() or spec.startswith("~"):
            return spec
        path, at, ref = spec.partition("@")
        local = Path(self.env.relfn2path(path)[1])
        return f"{local}{at}{ref}" if local.is_dir() else spec

    def _cache_dir(self) -> Path | None:
        return Path(self.config.tracer_cache_dir) if self.config.tracer_cache_dir else None


def _cache_from_confdir(app: Sphinx, config: Config) -> None:
    """A relative ``tracer_cache_dir`` is taken from the folder of conf.py."""
    if config.tracer_cache_dir:
        config.tracer_cache_dir = str(Path(app.confdir, config.tracer_cache_dir))


def setup(app: Sphinx) -> dict:
    app.add_config_value("tracer_cache_dir", None, "env")
    app.connect("config-inited", _cache_from_confdir)
    app.add_directive("tracer-trace", TraceDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
