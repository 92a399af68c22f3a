"""Benchmark pair: our streamed RDF export (N-Triples, Turtle) against pyoxigraph alone, in the same run.

    python benchmarks/bench_rdf.py                       # ~250k triples (25,000 claims)
    python benchmarks/bench_rdf.py --claims 100000       # ~1M triples

`ours` is `survgraph.rdf.export` of the whole graph from the embedded store: rows read page by page,
made into triples, written. `plain` is what pyoxigraph alone does with the same triples: parse the
N-Triples file our export wrote and serialise it again in the same format, streaming. Both run in a
child process each, so that each peak RSS is that work's alone; rates are triples per second (higher is
better; `ratio` = plain / ours, > 1 means we are slower).

For the harness: `run(graph, store, workdir)` (the pair interface of benchmarks/common.py). Until that
module is on main, `Result` is defined here with the same fields.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result
from rdf_export import generate, peak_rss_kib  # the generator beside this file

FORMATS = ("nt", "turtle")


def ours_child(data_dir: Path, fmt: str, output: Path) -> dict[str, float]:
    """In a child: our export of the whole graph; triples, seconds, peak RSS."""
    from survgraph.graph.embedded import EmbeddedStore
    from survgraph.rdf import RdfFormat, Vocab, export

    store = EmbeddedStore(data_dir, read_only=True)
    start = time.perf_counter()
    with output.open("wb") as f:
        triples = export(store, f, RdfFormat(fmt), vocab=Vocab())
    seconds = time.perf_counter() - start
    store.close()
    return {"triples": triples, "seconds": seconds, "peak_rss_mib": peak_rss_kib() / 1024}


def plain_child(nt_file: Path, fmt: str, output: Path) -> dict[str, float]:
    """In a child: pyoxigraph alone, streaming parse of the N-Triples and serialisation in `fmt`."""
    import pyoxigraph as ox

    from survgraph.rdf.stream import EXPORT_PREFIXES

    target = {"nt": ox.RdfFormat.N_TRIPLES, "turtle": ox.RdfFormat.TURTLE}[fmt]
    start = time.perf_counter()
    with nt_file.open("rb") as src, output.open("wb") as dst:
        ox.serialize(ox.parse(src, ox.RdfFormat.N_TRIPLES), dst, target, prefixes=EXPORT_PREFIXES)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mib": peak_rss_kib() / 1024}


def _child(*args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def measure(data_dir: Path, claims: int, workdir: Path, store: str = "embedded") -> list[Result]:
    """Both formats, ours then plain, on a store already written at `data_dir`."""
    results = []
    for fmt in FORMATS:
        out = workdir / f"ours.{fmt}"
        ours = _child("--ours", str(data_dir), "--format", fmt, "--output", str(out))
        nt_file = workdir / "ours.nt"  # the triples pyoxigraph gets: our N-Triples (written first)
        plain = _child("--plain", str(nt_file), "--format", fmt, "--output", str(workdir / f"plain.{fmt}"))
        triples = ours["triples"]
        results.append(
            Result(
                work=f"rdf export {fmt}",
                store=store,
                size=claims,
                ours=triples / ours["seconds"],
                plain=triples / plain["seconds"],
                unit="triples/s",
                note=(
                    f"{int(triples):,} triples; ours {ours['seconds']:.2f} s, peak RSS {ours['peak_rss_mib']:.0f} MiB; "
                    f"pyoxigraph {plain['seconds']:.2f} s, peak RSS {plain['peak_rss_mib']:.0f} MiB; "
                    f"{out.stat().st_size / 2**20:.0f} MiB written"
                ),
            )
        )
    return results


def run(graph: Any, store: str, workdir: Path) -> list[Result]:
    """The harness's entry point: the embedded store only (pyoxigraph has no Neo4j counterpart to compare).
    Writes a synthetic graph with as many claims as `graph` has (this benchmark's own generator)."""
    if store != "embedded":
        return []
    claims = int(getattr(graph, "claims", 25_000))
    data_dir = workdir / "rdf-store"
    generate(data_dir, vendors=max(10, claims // 50), projects=max(50, claims // 5), claims=claims)
    return measure(data_dir, claims, workdir)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=25_000)
    ap.add_argument("--json", action="store_true", help="One JSON object a line instead of the table.")
    ap.add_argument("--ours", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--plain", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--format", default="nt", help=argparse.SUPPRESS)
    ap.add_argument("--output", type=Path, default=Path(os.devnull), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.ours:
        print(json.dumps(ours_child(args.ours, args.format, args.output)))
        return
    if args.plain:
        print(json.dumps(plain_child(args.plain, args.format, args.output)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        results = run(argparse.Namespace(claims=args.claims), "embedded", Path(tmp))
        print(f"generated, loaded and measured in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    for r in results:
        if args.json:
            print(json.dumps(r.as_dict()))
        else:
            print(
                f"{r.work:18} ours {r.ours:>9,.0f} {r.unit}  pyoxigraph {r.plain:>9,.0f}  "
                f"ratio {r.ratio:.2f}  ({r.note})"
            )


if __name__ == "__main__":
    main()
