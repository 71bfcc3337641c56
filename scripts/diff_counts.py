"""The diff of each reference chain between two releases, counted by change type (a development aid, not a test).

Run:  python scripts/diff_counts.py [tests/data/seed_paths.json] [--from nova==19.0.0 --from cinder==14.0.0]
          [--to nova==34.0.0 --to cinder==29.0.0 --to openstack-placement==16.0.0] [--markdown]

Each chain is diffed from its entry as scripts/check_chains.py traces it (``--driver libvirt --driver rbd``,
error paths for the two chains that run in except handlers), with the effects compared as ``tracer diff``
does by default.  One line per chain: hop changes per type, then effect changes per type; ``--markdown``
prints the two tables of docs/effects.md.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from check_chains import ERROR_PATHS, entry_of

from tracer import api, compare
from tracer.diff.changes import TYPES
from tracer.effects.compare import RANK
from tracer.graph.records import TraceOptions

OLD = ["nova==19.0.0", "cinder==14.0.0"]
NEW = ["nova==34.0.0", "cinder==29.0.0", "openstack-placement==16.0.0"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference", nargs="?", default=str(Path(__file__).parent.parent / "tests/data/seed_paths.json"))
    parser.add_argument("--from", dest="old", action="append", default=None)
    parser.add_argument("--to", dest="new", action="append", default=None)
    parser.add_argument("--markdown", action="store_true")
    opts = parser.parse_args()
    old, new = api.load(opts.old or OLD), api.load(opts.new or NEW)
    rows = []
    for chain in json.loads(Path(opts.reference).read_text())["chains"]:
        options = TraceOptions(drivers=("libvirt", "rbd"), errors=chain["id"] in ERROR_PATHS)
        d = compare.diff(old, new, entry_of(chain), options)
        rows.append((chain["id"], d, Counter(c.type for c in d.changes), Counter(c.type for c in d.effects)))
    (_markdown if opts.markdown else _plain)(rows)


def _plain(rows: list) -> None:
    for name, d, hops, effects in rows:
        major = sum(1 for c in d.changes if c.level == "major")
        print(f"{name}: {len(d.changes)} hop changes ({major} major): " + ", ".join(f"{n} {t}" for t, n in _ordered(hops, TYPES)))
        print(f"    {len(d.effects)} effect changes: " + ", ".join(f"{n} {t}" for t, n in _ordered(effects, RANK)))


def _markdown(rows: list) -> None:
    for title, pick, order in (("hop changes", 2, TYPES), ("effect changes", 3, RANK)):
        seen = sorted({t for row in rows for t in row[pick]}, key=lambda t: (_rank(order, t), t))
        print(f"| chain ({title}) | total | " + " | ".join(f"`{t}`" for t in seen) + " |")
        print("|---|---:|" + "---:|" * len(seen))
        for row in rows:
            counts = row[pick]
            print(f"| {row[0]} | {sum(counts.values())} | " + " | ".join(str(counts.get(t, 0)) for t in seen) + " |")
        print()


def _ordered(counts: Counter, order: dict) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (_rank(order, item[0]), item[0]))


def _rank(order: dict, type_id: str) -> int:
    value = order.get(type_id, 99)
    return value[0] if isinstance(value, tuple) else value


if __name__ == "__main__":
    main()
