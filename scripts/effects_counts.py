"""The effects of each reference chain, counted by kind (a development aid, not a test).

Run:  python scripts/effects_counts.py [tests/data/seed_paths.json] [-s nova==19.0.0 -s cinder==14.0.0]

Each chain is traced from its entry as scripts/check_chains.py does (``--driver libvirt --driver rbd``, error
paths for the two chains that run in except handlers); the counts are of distinct effects of the operation
(one per meaning and service), per kind, with the summary's headline.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from check_chains import ERROR_PATHS, entry_of

from tracer import api
from tracer.effects import report
from tracer.graph.records import TraceOptions
from tracer.effects.records import KINDS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reference", nargs="?", default=str(Path(__file__).parent.parent / "tests/data/seed_paths.json"))
    parser.add_argument("-s", "--source", action="append", default=None)
    opts = parser.parse_args()
    ws = api.load(opts.source or ["nova==19.0.0", "cinder==14.0.0"])
    for chain in json.loads(Path(opts.reference).read_text())["chains"]:
        options = TraceOptions(drivers=("libvirt", "rbd"), errors=chain["id"] in ERROR_PATHS)
        t = api.trace(ws, entry_of(chain), options, effects=True)
        rows = [e for _, e in report.operation(t)]
        counts = Counter(e.kind for e in rows)
        print(f"{chain['id']}: {len(t.hops)} hops; " + ", ".join(f"{k} {counts.get(k, 0)}" for k in KINDS))
        for line in report.headline(report.summary(rows)):
            print(f"    {line}")


if __name__ == "__main__":
    main()
