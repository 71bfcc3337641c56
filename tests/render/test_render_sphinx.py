"""The Sphinx extension: a tiny docs project with ``.. tracer-trace::`` builds to HTML with an inline SVG."""
from __future__ import annotations

from pathlib import Path

import pytest

from render_helpers import FIXTURE

sphinx_build = pytest.importorskip("sphinx.cmd.build")

CONF = """extensions = ["tracer.sphinxext"]
tracer_cache_dir = {cache!r}
"""

INDEX = """Traces
======

.. tracer-trace:: create_thing
   :source: {source}

.. tracer-trace:: create_thing
   :source: {source}
   :format: mermaid

.. tracer-trace:: POST /things
   :source: {source}
   :format: sequence-svg
   :aggregate: class
"""


def build(tmp_path: Path, index: str) -> tuple[int, str]:
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    (src / "conf.py").write_text(CONF.format(cache=str(tmp_path / "cache")))
    (src / "index.rst").write_text(index)
    status = sphinx_build.build_main(["-q", "-b", "html", str(src), str(out)])
    return status, (out / "index.html").read_text(encoding="utf-8")


def test_directive_inlines_svg_and_mermaid(tmp_path):
    status, html = build(tmp_path, INDEX.format(source=FIXTURE))
    assert status == 0
    assert html.count("<svg") == 2
    assert "ThingController.create" in html and "cluster_proj_worker" in html
    assert '<pre class="mermaid tracer-trace">' in html and "flowchart LR" in html
    assert "<?xml" not in html


def test_relative_source_is_taken_from_the_document(tmp_path):
    (tmp_path / "proj").symlink_to(FIXTURE)  # beside src/, where index.rst is
    status, html = build(tmp_path, "T\n=\n\n.. tracer-trace:: create_thing\n   :source: ../proj\n")
    assert status == 0 and "<svg" in html


def test_unknown_entry_is_a_build_error_not_a_crash(tmp_path, capsys):
    status, html = build(tmp_path, f"T\n=\n\n.. tracer-trace:: no_such_operation\n   :source: {FIXTURE}\n")
    assert "no_such_operation" in capsys.readouterr().err
    assert "<svg" not in html
