"""The text trace and the listings: grouped by service, nothing cut, colour only where it belongs."""
from __future__ import annotations

import io
import json
import re

import pytest
from typer.testing import CliRunner

from render_helpers import FIXTURE, rich_trace
from tracer.cli import app
from tracer.graph.records import Hop, Trace
from tracer.render.terminal import ASCII, make_console
from tracer.render.text import print_trace, trace_lines

COLOUR = re.compile(r"\x1b\[[0-9;]*?(?:3[0-7]|9[0-7]|38;[0-9;]+)m")  # a foreground colour


def printed(t: Trace, ascii: bool = False) -> str:
    out = io.StringIO()
    print_trace(t, make_console(out), ascii)
    return out.getvalue()


def test_grouped_by_service_with_a_header_per_crossing():
    lines = [line.plain for line in trace_lines(rich_trace())]
    headers = [line.strip() for line in lines if line.strip() and line.lstrip()[0] in "▶⇄⇒⇢↩"]
    assert headers == [
        '▶ svc-api  POST /things "now"',
        "⇄ svc-compute  call build  topic compute",
        "⇒ other-api  POST /v3/volumes  if volume_id is None",  # the request the linker saw, and its branch
        "↩ svc-compute  Manager.build goes on",
        "↩ svc-api  API.create goes on",
        "⇢ svc-compute  cast notify  topic compute",
        "↩ svc-api  Controller.create goes on",
    ]
    nested = next(line for line in lines if "⇒ other-api" in line)
    assert nested.startswith("    ⇒")  # a request made inside the RPC call is drawn inside it
    assert lines[-2] == "11 hops: 1 RPC cast, 1 RPC call, 1 REST request, 1 flow task, 1 driver call, 6 calls"
    assert lines[-1] == "services: svc-api -> svc-compute -> other-api"


def test_short_names_modules_once_branches_and_sites():
    lines = [line.plain for line in trace_lines(rich_trace())]
    task = next(line for line in lines if "task 1" in line)
    assert "task 1 svc.compute.flows.BuildTask.execute  else (not volume_id is None)" in task
    driver = next(line for line in lines if "FakeDriver.spawn (" in line)
    assert "FakeDriver.spawn (+2 implementations)  for node in nodes › if image" in driver  # outermost first
    assert driver.endswith(":70")  # same file as the line before: only the line number
    closure = next(line for line in lines if "_wait" in line)
    assert "FakeDriver.spawn._wait" in closure and "svc.virt.fake." not in closure  # module already shown
    assert "except exception.Timeout" in next(line for line in lines if "ComputeAPI.notify" in line)
    assert "(see above)" in next(line for line in lines if line.strip().startswith("└─ svc.compute.api.API.create"))


def test_a_pipe_gets_every_character_and_no_colour(monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    text = printed(rich_trace())
    assert "\x1b[" not in text
    assert text.splitlines() == [line.plain for line in trace_lines(rich_trace(), width=40)]
    assert max(len(line) for line in text.splitlines()) > 80  # longer than COLUMNS, and whole


def test_colour_on_a_terminal_unless_no_color(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert COLOUR.search(printed(rich_trace()))
    monkeypatch.setenv("NO_COLOR", "1")
    assert not COLOUR.search(printed(rich_trace()))


def test_ascii_draws_with_plain_characters():
    text = printed(rich_trace(), ascii=True)
    assert text.isascii()
    assert "<> svc-compute  call build" in text and "~> svc-compute  cast notify" in text and "|- " in text
    assert printed(rich_trace()) != text


def test_identical_siblings_are_drawn_once_with_a_count():
    base = rich_trace()
    twin = [Hop(12, 1, base.entry, "svc.x.f", "call", "svc/x.py:120", "svc-api", "exact"),
            Hop(13, 1, base.entry, "svc.x.f", "call", "svc/x.py:130", "svc-api", "exact")]
    t = Trace(base.entry, base.entry_label, base.entry_service, base.hops + tuple(twin), base.view, base.sources)
    lines = [line.plain for line in trace_lines(t)]
    assert sum("svc.x.f" in line for line in lines) == 1
    assert "svc.x.f ×2 (also :130)" in next(line for line in lines if "svc.x.f" in line)
    assert lines[-2] == "folded 1 hop: 1 in identical branches drawn once"


def run(*args: str, tmp_path, columns: str = "50") -> str:
    result = CliRunner().invoke(app, list(args), env={"TRACER_CACHE_DIR": str(tmp_path), "COLUMNS": columns})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_cli_text_of_a_live_trace(tmp_path):
    """The fixture project traced now (not a frozen snapshot): the cast into proj-worker, the flow, the driver."""
    out = run("trace", "create_thing", "-s", str(FIXTURE), tmp_path=tmp_path)
    assert "\x1b[" not in out
    lines = out.splitlines()
    assert "  ⇢ proj-worker  cast build_thing  topic proj-worker" in lines
    for name in ("ThingController.create", "WorkerManager.build_thing", "task 1 ", "task 2 MakeTask.execute",
                 "driver proj.drivers.fake.FakeDriver.make (+3 implementations)"):
        assert any(name in line for line in lines), name
    assert any(line.endswith("proj/worker/rpcapi.py:11") for line in lines)  # the site whole, at the end
    hops = run("trace", "create_thing", "-s", str(FIXTURE), "--view", "hops", "--ascii", tmp_path=tmp_path)
    assert hops.isascii() and "view: skeleton, hops" in hops and "FakeDriver._really_make" not in hops
    saved = tmp_path / "out.txt"
    run("trace", "create_thing", "-s", str(FIXTURE), "-o", str(saved), tmp_path=tmp_path)
    assert saved.read_text(encoding="utf-8") == out


@pytest.mark.parametrize("command,column", [("rpc", "server"), ("flows", "flow"), ("routes", "handler")])
def test_listings_never_cut_a_line(tmp_path, command, column):
    text = run(command, "-s", str(FIXTURE), tmp_path=tmp_path, columns="30")
    rows = json.loads(run(command, "-s", str(FIXTURE), "-f", "json", tmp_path=tmp_path))
    lines = text.splitlines()
    assert "\x1b[" not in text and len(lines) == len(rows) + 1 and lines[-1] == f"{len(rows)} rows"
    assert max(len(line) for line in lines) > 30
    assert all(str(row[column]) in line for row, line in zip(rows, lines))


def test_ascii_glyphs_are_plain():
    assert all(str(v).isascii() for v in (ASCII.tee, ASCII.last, ASCII.pipe, ASCII.more, ASCII.within))
    assert all(arrow.isascii() for arrow in ASCII.arrows.values())


def test_terminal_primitives_the_diff_renderers_share():
    from tracer.render.terminal import UNICODE, align_sites, kind_label, module_of, name_text, service_header, short_site

    assert module_of("cinder.volume.manager.VolumeManager.create_volume.<locals>._run_flow") == "cinder.volume.manager"
    assert module_of("neutron-api GET /ports") == ""
    text, module = name_text("cinder.volume.manager.VolumeManager.create_volume", None)
    assert (text.plain, module) == ("cinder.volume.manager.VolumeManager.create_volume", "cinder.volume.manager")
    assert name_text("cinder.volume.manager.VolumeManager.delete_volume", module)[0].plain == "VolumeManager.delete_volume"
    assert short_site("a/b.py:12", "a/b.py:3") == ":12" and short_site("a/c.py:12", "a/b.py:3") == "a/c.py:12"
    assert service_header(UNICODE, "rpc-cast", "cinder-volume", "cast create_volume").plain == \
        "⇢ cinder-volume  cast create_volume"
    assert kind_label("rpc-call", UNICODE).plain == "⇄ call"
    rows = align_sites([(name_text("m.A.f", None)[0], "m.py:1"), (name_text("m.A.long_name", None)[0], "m.py:22")], 30)
    assert [r.plain for r in rows] == ["m.A.f" + " " * 19 + "m.py:1", "m.A.long_name" + " " * 10 + "m.py:22"]
