"""Per reference chain: its REST/RPC/flow-task/driver hops, and the hops of the hops view and of the skeleton.

Run:  python scripts/view_counts.py    (Stein and newest; a development aid, tests/test_real_views.py checks it)
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chains import NEWEST, STEIN, entry_of, held, options_for  # noqa: E402
from tracer import api  # noqa: E402


def main() -> None:
    print("| release | chain | reference hops | hops view | skeleton | ratio view/ref | ratio skeleton/ref |")
    print("|---|---|---|---|---|---|---|")
    for release, specs, chains in (("stein", ["nova==19.0.0", "cinder==14.0.0"], STEIN),
                                   ("newest", ["nova==34.0.0", "cinder==29.0.0"], NEWEST)):
        ws = api.load(specs)
        for cid, chain in chains.items():
            skeleton = api.trace(ws, entry_of(chain), options_for(chain))
            view = api.trace(ws, entry_of(chain), options_for(chain, hops=True))
            found, missing = held(view, chain)
            ref = len(found) + len(missing)
            mark = "" if not missing else f" (missing {[h['step'] for h in missing]})"
            print(f"| {release} | {cid} | {ref} | {len(view.hops)}{mark} | {len(skeleton.hops)} | "
                  f"{len(view.hops) / ref:.1f} | {len(skeleton.hops) / ref:.1f} |")


if __name__ == "__main__":
    main()
