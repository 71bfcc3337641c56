"""Benchmark (not a test): scan/trace cost against raw libcst parsing of the same files.

Run:  python scripts/benchmark.py [--sources nova==19.0.0 cinder==14.0.0]

Reports, in one run on the same non-test files:
  baseline   raw single-process libcst.parse_module over every file
  cold index `tracer index` with an empty cache (pool of workers)
  warm trace `tracer trace create_volume` with the cache filled (a fresh process)
  peak RSS   of the cold index and of the warm trace (children included)
Ratios are printed against the baseline, since these machines are noisy.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

from tracer import source


def baseline(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        try:
            libcst.parse_module(path.read_bytes())
        except Exception:
            pass
    return time.perf_counter() - start


def timed(args: list[str], env: dict) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", nargs="+", default=["nova==19.0.0", "cinder==14.0.0"])
    parser.add_argument("--entry", default="create_volume")
    opts = parser.parse_args()
    trees = [source.resolve(s, source.cache_root()) for s in opts.sources]
    # the client libraries the trees require are read too (tracer.api.load): same files on both sides
    trees += [source.resolve(spec, source.cache_root()) for spec, _ in source.client_specs(trees)]
    files = [p for t in trees for _, p in source.python_files(t)]
    base = baseline(files)
    src_args = [a for s in opts.sources for a in ("-s", s)]
    tracer = [sys.executable, "-m", "tracer.cli"]
    with tempfile.TemporaryDirectory() as empty:
        env = dict(os.environ, TRACER_CACHE_DIR=empty)
        for t in trees:  # reuse the downloaded trees, not their facts
            link = Path(empty) / "trees"
            link.mkdir(exist_ok=True)
            target = link / t.root.name
            if not target.exists():
                target.symlink_to(t.root)
        cold, cold_rss = timed(tracer + ["index"] + src_args, env)
        warm, warm_rss = timed(tracer + ["trace", opts.entry] + src_args, env)
    print(f"files               {len(files)}")
    print(f"baseline parse      {base:7.1f} s   (1.00x)")
    print(f"cold index          {cold:7.1f} s   ({cold / base:.2f}x baseline, {os.cpu_count()} cores)")
    print(f"warm trace          {warm:7.2f} s   ({warm / base:.3f}x baseline)")
    print(f"peak RSS            cold {cold_rss:.0f} MiB, warm {warm_rss:.0f} MiB")


if __name__ == "__main__":
    main()
