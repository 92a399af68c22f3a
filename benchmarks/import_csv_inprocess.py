"""In-process: neo4j-admin's CSVs from records, through a write plan or written as validation passes.
Not a harness pair (no `run`; `make bench` only runs benchmarks/bench_*.py).

    python benchmarks/import_csv_inprocess.py RECORDS WORKDIR [ROUNDS]

`plan`: validate_streamed into a PlanSpill, then write_import_plan from it (what `survgraph neo4j-import`
did before 2026-12-02 evening); `stream`: validate_streamed with an ImportWriter sink (what it does now).
Interleaved, ROUNDS times (default 3); wall and CPU (`time.process_time`) seconds each. Both must write
the same numbers of nodes and relationships per label and type, or the pair fails (tests/test_neo4j_import.py
compares the files themselves).
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from survgraph.graph.neo4j_admin import ImportFiles, ImportWriter, write_import_plan
from survgraph.graph.spill import PlanSpill
from survgraph.loaders.validate import validate_streamed


def through_plan(records: Path, out: Path) -> ImportFiles:
    with PlanSpill() as spill:
        ds = validate_streamed([records], spill)
        if ds.errors:
            raise RuntimeError(f"{len(ds.errors)} problems in {records}")
        return write_import_plan(out, spill.plan())


def streamed(records: Path, out: Path) -> ImportFiles:
    with PlanSpill() as spill:
        writer = ImportWriter(out)
        try:
            ds = validate_streamed([records], spill, sink=writer)
        finally:
            writer.close()
    if ds.errors or writer.clash:
        raise RuntimeError(f"{len(ds.errors)} problems in {records}")
    return writer.finish()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    records, workdir = Path(argv[0]), Path(argv[1]).resolve()
    rounds = int(argv[2]) if len(argv) > 2 else 3
    counts: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    print("| round | way | wall s | CPU s | nodes | relationships |\n|---|---|---|---|---|---|")
    for r in range(1, rounds + 1):
        for name, way in (("plan", through_plan), ("stream", streamed)):
            out = workdir / f"csv-{name}"
            shutil.rmtree(out, ignore_errors=True)
            t0, c0 = time.perf_counter(), time.process_time()
            files = way(records, out)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            counts[name] = (files.node_counts, files.relationship_counts)
            print(f"| {r} | {name} | {wall:.2f} | {cpu:.2f} | {files.node_count:,} | {files.relationship_count:,} |")
            sys.stdout.flush()
        if counts["plan"] != counts["stream"]:
            raise RuntimeError(f"different files: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
