"""Benchmark pair: our streamed RDF export (N-Triples, Turtle) against pyoxigraph alone, in the same run.

    python benchmarks/bench_rdf.py                       # ~250k triples (25,000 claims)
    python benchmarks/bench_rdf.py --claims 100000       # ~1M triples
    python benchmarks/bench_rdf.py --formats nt,turtle,trig,xml --repeat 3

`ours` is `survgraph.rdf.export` of the whole graph from the embedded store: rows read page by page,
made into triples, written. `plain` is what pyoxigraph alone does with the same triples: parse the
N-Triples file our export wrote and serialise it again in the same format, streaming. Both run in a
child process each, so that each peak RSS is that work's alone; rates are triples per second of wall
time (higher is better; `ratio` = plain / ours, > 1 means we are slower). The note adds each side's CPU
time (all its threads: on a shared machine the steadier figure) and our resident memory before the export
began (the process with the store open) beside its peak. With --repeat, ours and pyoxigraph alternate
and each figure is the median.

For the harness: `run(graph, store, workdir)` (the pair interface of benchmarks/common.py). Until that
module is on main, `Result` is defined here with the same fields.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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
ALL_FORMATS = ("nt", "turtle", "trig", "xml")


def rss_kib() -> int:
    """This process's resident set now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def ours_child(data_dir: Path, fmt: str, output: Path) -> dict[str, float]:
    """In a child: our export of the whole graph; triples, seconds (wall and CPU), RSS before and peak."""
    from survgraph.graph.embedded import EmbeddedStore
    from survgraph.rdf import RdfFormat, Vocab, export

    store = EmbeddedStore(data_dir, read_only=True)
    store.ping()
    before = rss_kib()
    start, cpu = time.perf_counter(), time.process_time()
    with output.open("wb") as f:
        triples = export(store, f, RdfFormat(fmt), vocab=Vocab())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    store.close()
    return {
        "triples": triples,
        "seconds": seconds,
        "cpu": cpu,
        "rss_before_mib": before / 1024,
        "peak_rss_mib": peak_rss_kib() / 1024,
    }


def plain_child(nt_file: Path, fmt: str, output: Path) -> dict[str, float]:
    """In a child: pyoxigraph alone, streaming parse of the N-Triples and serialisation in `fmt`."""
    import pyoxigraph as ox

    from survgraph.rdf.stream import EXPORT_PREFIXES

    target = {
        "nt": ox.RdfFormat.N_TRIPLES,
        "turtle": ox.RdfFormat.TURTLE,
        "trig": ox.RdfFormat.TRIG,
        "xml": ox.RdfFormat.RDF_XML,
    }[fmt]
    start, cpu = time.perf_counter(), time.process_time()
    with nt_file.open("rb") as src, output.open("wb") as dst:
        ox.serialize(ox.parse(src, ox.RdfFormat.N_TRIPLES), dst, target, prefixes=EXPORT_PREFIXES)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "cpu": cpu, "peak_rss_mib": peak_rss_kib() / 1024}


def _child(*args: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout)
    return result


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def measure(
    data_dir: Path,
    claims: int,
    workdir: Path,
    store: str = "embedded",
    formats: tuple[str, ...] = FORMATS,
    repeat: int = 1,
) -> list[Result]:
    """Each format, ours then plain (alternating `repeat` times, medians), on a store written at `data_dir`."""
    nt_file = workdir / "ours.nt"  # the triples pyoxigraph gets: our N-Triples
    if "nt" not in formats:
        _child("--ours", str(data_dir), "--format", "nt", "--output", str(nt_file))
    results = []
    for fmt in formats:
        out = workdir / f"ours.{fmt}"
        ours_runs, plain_runs = [], []
        for _ in range(repeat):
            ours_runs.append(_child("--ours", str(data_dir), "--format", fmt, "--output", str(out)))
            plain_out = str(workdir / f"plain.{fmt}")
            plain_runs.append(_child("--plain", str(nt_file), "--format", fmt, "--output", plain_out))
        ours, plain = _median(ours_runs), _median(plain_runs)
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
                    f"{int(triples):,} triples; ours {ours['seconds']:.2f} s ({ours['cpu']:.2f} s CPU: "
                    f"{triples / ours['cpu']:,.0f} triples/s), RSS {ours['rss_before_mib']:.0f} MiB with the store "
                    f"open, peak {ours['peak_rss_mib']:.0f} MiB; pyoxigraph {plain['seconds']:.2f} s "
                    f"({plain['cpu']:.2f} s CPU: {triples / plain['cpu']:,.0f} triples/s), peak RSS "
                    f"{plain['peak_rss_mib']:.0f} MiB; CPU ratio {ours['cpu'] / plain['cpu']:.2f}; "
                    f"{out.stat().st_size / 2**20:.0f} MiB written; median of {repeat}"
                ),
            )
        )
    return results


def run(graph: Any, store: str, workdir: Path, formats: tuple[str, ...] = FORMATS, repeat: int = 1) -> list[Result]:
    """The harness's entry point: the embedded store only (pyoxigraph has no Neo4j counterpart to compare).
    Writes a synthetic graph with as many claims as `graph` has (this benchmark's own generator)."""
    if store != "embedded":
        return []
    claims = int(getattr(graph, "claims", 25_000))
    data_dir = workdir / "rdf-store"
    generate(data_dir, vendors=max(10, claims // 50), projects=max(50, claims // 5), claims=claims)
    return measure(data_dir, claims, workdir, formats=formats, repeat=repeat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=25_000)
    ap.add_argument("--json", action="store_true", help="One JSON object a line instead of the table.")
    ap.add_argument("--formats", default=",".join(FORMATS), help=f"Comma-separated, of {', '.join(ALL_FORMATS)}.")
    ap.add_argument("--repeat", type=int, default=1, help="Runs of each side (alternating); medians reported.")
    ap.add_argument("--data-dir", type=Path, help="Measure an embedded store already written here (read only).")
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
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    if unknown := set(formats) - set(ALL_FORMATS):
        ap.error(f"unknown formats {sorted(unknown)}; choose among {', '.join(ALL_FORMATS)}")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        if args.data_dir:  # `--claims` then only labels the rows
            results = measure(args.data_dir, args.claims, Path(tmp), formats=formats, repeat=args.repeat)
        else:
            results = run(argparse.Namespace(claims=args.claims), "embedded", Path(tmp), formats, args.repeat)
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
