"""``tracer effects ENTRY`` and ``tracer trace --effects``: text, JSON and Markdown; bad input exits 2."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from tracer.cli import app
from tests.effects.test_compose import NOTIFY

runner = CliRunner()


def _tree(snippet, monkeypatch, tmp_path) -> str:
    s = snippet({"proj/api.py": NOTIFY})
    monkeypatch.setenv("TRACER_CACHE_DIR", str(tmp_path / "cache"))
    return str(s.ws.trees[0].root)


def test_effects_json_and_markdown(snippet, monkeypatch, tmp_path):
    root = _tree(snippet, monkeypatch, tmp_path)
    result = runner.invoke(app, ["effects", "proj.api.create", "-s", root, "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "tracer-effects/1"
    [e] = data["effects"]
    assert (e["name"], e["function"], e["via"]) == ("volume.create.start", "proj.api.create", ["proj.api.relay", "proj.api.notify"])
    md = runner.invoke(app, ["effects", "proj.api.create", "-s", root, "-f", "markdown"])
    assert "## Notifications" in md.stdout and "| proj | volume.create.start | legacy | info |" in md.stdout


def test_effects_text_headline_and_trace_flag(snippet, monkeypatch, tmp_path):
    root = _tree(snippet, monkeypatch, tmp_path)
    text = runner.invoke(app, ["effects", "proj.api.create", "-s", root]).stdout
    assert "notifications: volume.create.start (legacy)" in text and "tables written: -; read: -" in text
    traced = runner.invoke(app, ["trace", "proj.api.create", "-s", root, "--effects", "--full", "-f", "json"])
    assert json.loads(traced.stdout)["effects"]["summary"]["notification"]["legacy"]


def test_unknown_entry_is_one_line_and_exit_2(snippet, monkeypatch, tmp_path):
    root = _tree(snippet, monkeypatch, tmp_path)
    result = runner.invoke(app, ["effects", "no_such_operation_here", "-s", root])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_effects_refuses_a_driver_that_names_nothing_and_an_unwritable_output(snippet, monkeypatch, tmp_path):
    root = _tree(snippet, monkeypatch, tmp_path)
    onto_dir = runner.invoke(app, ["effects", "proj.api.create", "-s", root, "-o", str(tmp_path)])
    assert onto_dir.exit_code == 2 and "Traceback" not in onto_dir.output
    note = runner.invoke(app, ["effects", "proj.api.create", "-s", root, "--driver", "rbd"])
    assert note.exit_code == 0 and "no driver call on this trace" in note.output
