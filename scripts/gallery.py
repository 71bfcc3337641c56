"""Gallery (not a test): regenerate out/ with diagrams of every seed chain entry.

Run:  python scripts/gallery.py [--out out] [--sources nova==19.0.0 cinder==14.0.0] [--png DIR]

Writes, per distinct entry of tests/data/seed_paths.json, NAME.svg (call
graph), NAME.classes.svg (by class, for big traces), NAME.mmd (Mermaid
flowchart), NAME.seq.mmd (Mermaid sequence) and NAME.seq.svg, plus
out/README.md linking them (see tracer.render.gallery).  ``--png DIR`` also
renders every SVG to PNG there for a look (needs cairosvg, or rsvg-convert on
the PATH); PNGs are not part of the gallery.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from tracer import api
from tracer.render.gallery import build_gallery

REPO = Path(__file__).resolve().parent.parent


def to_png(svg: Path, png: Path) -> None:
    try:
        import cairosvg
    except ImportError:
        if not shutil.which("rsvg-convert"):
            raise SystemExit("--png needs cairosvg (pip install cairosvg) "
                             "or rsvg-convert (apt-get install librsvg2-bin)")
        subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True)
        return
    cairosvg.svg2png(url=str(svg), write_to=str(png))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "out")
    parser.add_argument("--seed", type=Path, default=REPO / "tests" / "data" / "seed_paths.json")
    parser.add_argument("--sources", nargs="+", default=["nova==19.0.0", "cinder==14.0.0"])
    parser.add_argument("--cache-dir", type=Path, default=None, help="default: TRACER_CACHE_DIR or ~/.cache/tracer")
    parser.add_argument("--png", type=Path, default=None, help="also render each SVG to PNG in this folder")
    args = parser.parse_args(argv)
    chains = json.loads(args.seed.read_text())["chains"]
    ws = api.load(args.sources, cache_dir=args.cache_dir)
    for item in build_gallery(ws, args.out, chains):
        print(f"{item.name}: {item.summary}")
        if args.png:
            args.png.mkdir(parents=True, exist_ok=True)
            for name in item.files:
                if name.endswith(".svg"):
                    to_png(args.out / name, args.png / (name[:-4] + ".png"))
    print(f"wrote {args.out / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
