"""Benchmark (not a test): what the tool costs, as ratios against baselines measured in the same run.

Run:  python scripts/benchmark.py [--sources nova==19.0.0 cinder==14.0.0] [--entry create_volume] [--runs 5]
                                  [--diff-to nova==34.0.0 cinder==29.0.0 openstack-placement==16.0.0]

Reports, on the same non-test files (the trees and the client libraries they require):
  baseline parse   raw single-process libcst.parse_module over every file
  cold index       `tracer index` with an empty cache (pool of workers): scan, link, fill the caches
  import           `python -c "import tracer.cli"`, the floor of any command
  warm trace       `tracer trace ENTRY` with the caches filled (median of --runs fresh processes)
  facts-only trace the same with the linked-program cache off (TRACER_LINKED_CACHE=0): facts read, linked
  first trace      facts cached, linked-program cache empty: the first run after a cold scan
  effects          `tracer trace ENTRY --effects` warm (its effect summaries saved by one earlier run),
                   as a ratio to the warm trace without effects, the two run in turn; and that first run
  warm split       imports / load / trace / render of a warm trace, inside one process
  peak RSS         of the cold index and of the warm trace (children included)
  warm diff        `tracer diff ENTRY --from SOURCES --to DIFF_TO` with both sides' caches filled (median),
                   as a ratio to the warm trace of the same entry (the target is <= 2.5x); it compares the
                   effects too (the default), and is timed again with --no-effects; the three run in turn
Whole-process figures are medians; ratios are against the import floor or the raw parse, since these
machines are noisy.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

from tracer import source

SPLIT = """
import time; t0 = time.perf_counter()
import io, tracer.cli
from rich.console import Console
from tracer import api
from tracer.render.text import print_trace
t1 = time.perf_counter(); ws = api.load({sources!r}); t2 = time.perf_counter()
t = api.trace(ws, {entry!r}); t3 = time.perf_counter()
print_trace(t, Console(file=io.StringIO(), width=200)); t4 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}} {{t3 - t2:.3f}} {{t4 - t3:.3f}}")
"""


def baseline(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:
            pass
    return time.perf_counter() - start


def timed(args: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and the peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return elapsed, usage.ru_maxrss / 1024


def alternate(commands: list[list[str]], env: dict, runs: int) -> list[tuple[float, float]]:
    """Each command's median and peak RSS, the commands run in turn ``runs`` times: a ratio between them is
    measured under the same load (a machine shared with other jobs drifts between two separate medians)."""
    times: list[list[float]] = [[] for _ in commands]
    peaks: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, args in enumerate(commands):
            elapsed, peak = timed(args, env)
            times[i].append(elapsed)
            peaks[i].append(peak)
    return [(statistics.median(t), max(p)) for t, p in zip(times, peaks)]


def median(args: list[str], env: dict, runs: int, before=None) -> tuple[float, float]:
    times, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        elapsed, peak = timed(args, env)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def fresh_cache(trees: list, root: Path) -> dict:
    """A cache directory that reuses the downloaded trees, not their facts."""
    link = root / "trees"
    link.mkdir(exist_ok=True)
    for t in trees:
        target = link / t.root.name
        if not target.exists():
            target.symlink_to(t.root)
    return dict(os.environ, TRACER_CACHE_DIR=str(root))


def _trees(specs: list[str]) -> list:
    """The trees of ``specs`` and the client libraries they require (as ``tracer.api.load`` reads them)."""
    trees = [source.resolve(s, source.cache_root()) for s in specs]
    return trees + [source.resolve(spec, source.cache_root()) for spec, _ in source.client_specs(trees)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", nargs="+", default=["nova==19.0.0", "cinder==14.0.0"])
    parser.add_argument("--entry", default="create_volume")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--diff-to", nargs="*", default=["nova==34.0.0", "cinder==29.0.0", "openstack-placement==16.0.0"],
                        help="the new side of the diff timing (none: no diff timing)")
    opts = parser.parse_args()
    trees = _trees(opts.sources)
    new_trees = _trees(opts.diff_to) if opts.diff_to else []
    files = [p for t in trees for _, p in source.python_files(t)]
    base = baseline(files)
    src_args = [a for s in opts.sources for a in ("-s", s)]
    tracer = [sys.executable, "-m", "tracer.cli"]
    trace = tracer + ["trace", opts.entry] + src_args
    diff = tracer + ["diff", opts.entry] + [a for s in opts.sources for a in ("--from", s)]
    diff += [a for s in opts.diff_to for a in ("--to", s)]
    with tempfile.TemporaryDirectory() as empty:
        env = fresh_cache(trees + new_trees, Path(empty))
        cold, cold_rss = timed(tracer + ["index"] + src_args, env)
        floor, _ = median([sys.executable, "-c", "import tracer.cli"], env, opts.runs)
        warm, warm_rss = median(trace, env, opts.runs)
        facts, facts_rss = median(trace, dict(env, TRACER_LINKED_CACHE="0"), opts.runs)
        linked = Path(empty) / "linked-v1"
        first, _ = median(trace, env, max(opts.runs // 2, 1), before=lambda: shutil.rmtree(linked, ignore_errors=True))
        warm, warm_rss = median(trace, env, opts.runs)  # again, now that the cache holds this trace
        effects_first, _ = timed(trace + ["--effects"], env)  # computes and saves the hops' effect summaries
        (plain, _), (effects, _) = alternate([trace, trace + ["--effects"]], env, 2 * opts.runs + 1)
        split = subprocess.run([sys.executable, "-c", SPLIT.format(sources=opts.sources, entry=opts.entry)],
                               env=env, check=True, capture_output=True, text=True).stdout.split()
        if new_trees:  # the new side indexed too, then the diff and the trace it is compared with, alternately
            timed(tracer + ["index"] + [a for s in opts.diff_to for a in ("-s", s)], env)
            timed(diff, env)  # the diff's own look-ups join the linked-program cache
            (warm, _), (warm_diff, diff_rss), (plain_diff, _) = alternate([trace, diff, diff + ["--no-effects"]], env,
                                                                          opts.runs)
    print(f"files               {len(files)}")
    print(f"baseline parse      {base:7.1f} s   (1.00x)")
    print(f"cold index          {cold:7.1f} s   ({cold / base:.2f}x baseline, {os.cpu_count()} cores)")
    print(f"import tracer.cli   {floor:7.2f} s   (1.00x import)")
    print(f"warm trace          {warm:7.2f} s   ({warm / floor:.2f}x import, {warm / base:.4f}x baseline)")
    print(f"facts-only trace    {facts:7.2f} s   ({facts / floor:.2f}x import; warm/facts-only {warm / facts:.2f})")
    print(f"first trace         {first:7.2f} s   ({first / floor:.2f}x import; first/facts-only {first / facts:.2f})")
    print(f"effects, warm       {effects:7.2f} s   (warm trace --effects / warm trace: {effects / plain:.3f}, run in "
          f"turn; first --effects run {effects_first:.2f} s)")
    print("warm split          imports {} s, load {} s, trace {} s, render {} s".format(*split))
    print(f"peak RSS            cold {cold_rss:.0f} MiB, warm {warm_rss:.0f} MiB, facts-only {facts_rss:.0f} MiB")
    if new_trees:
        print(f"warm diff           {warm_diff:7.2f} s   ({warm_diff / warm:.2f}x warm trace, target <= 2.5x; "
              f"to {' '.join(opts.diff_to)}; peak RSS {diff_rss:.0f} MiB)")
        print(f"warm diff, no effects {plain_diff:5.2f} s   ({plain_diff / warm:.2f}x warm trace; "
              f"the effects add {warm_diff / plain_diff - 1:.1%})")


if __name__ == "__main__":
    main()
