"""scan: the entry points a tree declares (stevedore plugins such as scheduler drivers).

Stage: scan.  Reads ``*.dist-info/entry_points.txt`` (wheels) or the
``[entry_points]`` section of ``setup.cfg`` (sdists, git checkouts).  A file
that does not parse is ignored: plugins are then simply not resolved.
"""
from __future__ import annotations

import configparser
from pathlib import Path

EntryPoints = dict[str, dict[str, str]]  # group -> name -> "module:attr"


def read_entry_points(root: Path) -> EntryPoints:
    for path in sorted(root.glob("*.dist-info/entry_points.txt")):
        return _parse_ini(path.read_text(encoding="utf-8", errors="replace"))
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        return _parse_setup_cfg(setup_cfg.read_text(encoding="utf-8", errors="replace"))
    return {}


def _parse_ini(text: str) -> EntryPoints:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keep case
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    return {group: {k.strip(): v.strip() for k, v in parser[group].items()} for group in parser.sections()}


def _parse_setup_cfg(text: str) -> EntryPoints:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    try:
        parser.read_string(text)
    except configparser.Error:
        return {}
    if not parser.has_section("entry_points"):
        return {}
    out: EntryPoints = {}
    for group, body in parser["entry_points"].items():
        for line in body.splitlines():
            name, sep, target = line.partition("=")
            if sep:
                out.setdefault(group.strip(), {})[name.strip()] = target.strip()
    return out
