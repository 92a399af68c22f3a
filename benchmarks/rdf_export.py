"""Benchmark: stream a synthetic graph of about a million triples out of the embedded store as N-Triples.

    python benchmarks/rdf_export.py                      # ~1M triples
    python benchmarks/rdf_export.py --claims 25000       # ~250k triples, to compare peak memory

Generates vendors, projects, sources and SUPPLIES claims (two sources each, a date on half of them),
writes them to a fresh embedded store, then runs the export in a child process so that its peak RSS is
the export's alone, not the generator's. Prints triples, seconds, triples per second and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.store import plan_write
from survgraph.schema import Claim, Country, Project, Source, SourceKind, Vendor


def generate(data_dir: Path, vendors: int, projects: int, claims: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sources = [
        Source(id=f"source:s{i}", publisher="Benchmark", kind=SourceKind.dataset, title=f"Synthetic report {i}")
        for i in range(200)
    ]
    cited = [s.id for s in sources]
    nodes: list[Country | Vendor | Project | Source] = [*sources]
    nodes += [Country(id=f"country:{c}", name=c) for c in ("CN", "PK", "ZW", "KE", "EC")]
    nodes += [
        Vendor.model_validate(
            {
                "id": f"vendor:v{i}",
                "name": f"Vendor {i}",
                "hq_country": "CN",
                "sources": rng.sample(cited, 2),
                "confidence": "reported",
            }
        )
        for i in range(vendors)
    ]
    nodes += [
        Project.model_validate(
            {
                "id": f"project:p{i}",
                "name": f"Project {i}",
                "technologies": ["cctv", "facial_recognition"],
                "sources": rng.sample(cited, 1),
                "confidence": "reported",
            }
        )
        for i in range(projects)
    ]
    rels: list[Claim] = []
    seen: set[tuple[int, int]] = set()
    while len(rels) < claims:
        v, p = rng.randrange(vendors), rng.randrange(projects)
        if (v, p) in seen:
            continue
        seen.add((v, p))
        data = {
            "type": "SUPPLIES",
            "from": f"vendor:v{v}",
            "to": f"project:p{p}",
            "sources": rng.sample(cited, 2),
            "confidence": "alleged",
        }
        if len(rels) % 2:
            data["start"] = f"{2010 + len(rels) % 12}-0{1 + len(rels) % 9}"
        rels.append(Claim.model_validate(data))
    store = EmbeddedStore(data_dir)
    try:
        store.write(plan_write(nodes, rels), batch_size=5000)
    finally:
        store.close()


def export_phase(data_dir: Path, output: Path, trace: bool) -> None:
    """Run in a child process: export, then report as JSON on stdout."""
    from survgraph.rdf import RdfFormat, Vocab, export

    store = EmbeddedStore(data_dir, read_only=True)
    if trace:  # Python's own allocations only (not the engine's page cache); slows the export down
        tracemalloc.start()
    start = time.perf_counter()
    with output.open("wb") as f:
        triples = export(store, f, RdfFormat.nt, vocab=Vocab())
    seconds = time.perf_counter() - start
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    store.close()
    print(
        json.dumps(
            {"triples": triples, "seconds": seconds, "peak_rss_mib": peak_rss_kib() / 1024, "python_heap_mib": heap}
        )
    )


def peak_rss_kib() -> int:
    """This process's peak resident set. VmHWM, not getrusage's ru_maxrss: on Linux a child started by
    fork + exec inherits its parent's ru_maxrss, which would report the generator's memory here."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vendors", type=int, default=2_000)
    ap.add_argument("--projects", type=int, default=20_000)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--keep", type=Path, help="Write the N-Triples here instead of a temporary file.")
    ap.add_argument("--python-heap", action="store_true", help="Also export once under tracemalloc: peak Python heap.")
    ap.add_argument("--export-only", type=Path, metavar="DATA_DIR", help=argparse.SUPPRESS)
    ap.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.export_only:
        export_phase(args.export_only, args.keep or Path(os.devnull), args.trace)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "store"
        t0 = time.perf_counter()
        generate(data_dir, args.vendors, args.projects, args.claims)
        print(f"generated and loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        output = args.keep or Path(tmp) / "export.nt"
        child = subprocess.run(
            [sys.executable, __file__, "--export-only", str(data_dir), "--keep", str(output)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout)
        size_mib = output.stat().st_size / 2**20
        print(
            f"{result['triples']:,} triples in {result['seconds']:.1f} s: "
            f"{result['triples'] / result['seconds']:,.0f} triples/s; "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB; {size_mib:.0f} MiB of N-Triples"
        )
        if args.python_heap:
            traced = subprocess.run(
                [sys.executable, __file__, "--export-only", str(data_dir), "--trace"],
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"peak Python heap during the export: {json.loads(traced.stdout)['python_heap_mib']:.1f} MiB")


if __name__ == "__main__":
    main()
