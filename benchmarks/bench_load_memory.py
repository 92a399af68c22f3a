"""Client memory of a load (issue 11: under 1 GB at 1M claims), beside the plain engine's COPY of the same
tables, in the same run:

    python benchmarks/bench_load_memory.py --graph /work/gen/graph-100000-seed7 [--workdir DIR] [--no-neo4j]
    NEO4J_URI=... NEO4J_PASSWORD=... python benchmarks/bench_load_memory.py --graph DIR --neo4j-load
    python benchmarks/run.py --sizes 100000 --only load_memory     # load and validate rows only (embedded)

Each side is a process of its own, and its peak RSS is the kernel's (wait4's ru_maxrss of that process),
started by a small launcher process (`common.launched`): Linux counts the memory of the process a child was forked
from in the child's ru_maxrss (exec records the old address space's peak), so a child started straight from
the harness, which may have grown to gigabytes in an earlier pair, reported the harness's peak instead of
its own (every row of the 2026-12-02 17:32 full run read the same figure on both sides).
- plain: a process doing only what `benchmarks/common.copy_into_ladybug` does (survgraph's DDL, then
  COPY FROM the generator's native tables, CHECKPOINT) into a fresh LadybugDB folder;
- `survgraph load GRAPH/yaml` into a fresh embedded store (read, validate, write, one transaction);
- `survgraph validate GRAPH/yaml`;
- `survgraph neo4j-import GRAPH/yaml` into a fresh Neo4j home (the test jars' neo4j-admin): its client
  peak RSS as the command reports it (`client_peak_rss_mib`, taken before neo4j-admin starts, so the
  JVM is not counted).
Rows: peak RSS (MiB) and wall time (s) of each survgraph command against the COPY process's.

With --neo4j-load, instead (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD of a scratch server: it is cleared):
`survgraph load GRAPH/csv --store neo4j` into the empty database (batch transactions behind a load marker)
against the plain driver's side of bench_load.py (`_neo4j_side plain`: validate into memory, plan_write,
UNWIND MERGE in 10,000-row transactions, twice), each a process of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import GeneratedGraph, Result, launched, markdown_table  # noqa: E402


def _run(args: list[str], env: dict[str, str] | None = None, *, stderr: bool = False) -> tuple[float, float, str]:
    """Run a command; its wall seconds, its peak RSS in MiB (the child's own, from wait4), its stdout (and
    its stderr, if asked)."""
    seconds, rss, _, out = _run_cpu(args, env, stderr=stderr)
    return seconds, rss, out


def _run_cpu(
    args: list[str], env: dict[str, str] | None = None, *, stderr: bool = False
) -> tuple[float, float, float, str]:
    """As _run, with the child's CPU seconds (user + system, from wait4) after its peak RSS: on a busy
    machine a process waits for a core, so its CPU time is steadier than its wall time."""
    with tempfile.TemporaryDirectory(prefix="survgraph-rusage-") as tmp:
        report = Path(tmp) / "rusage"
        start = time.perf_counter()
        proc = subprocess.Popen(
            launched(args, report),
            cwd=ROOT,
            env={**os.environ, "COLUMNS": "200", **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr else None,
            text=True,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed (exit {proc.returncode})")
        kib, cpu = report.read_text().split()
    return seconds, int(kib) / 1024, float(cpu), out


def _copy_child(graph_root: str, dest: str) -> None:
    from common import copy_into_ladybug
    from generate import load_graph

    copy_into_ladybug(load_graph(Path(graph_root)), Path(dest))


def measure(graph: GeneratedGraph, graph_root: Path, work: Path, *, neo4j: bool) -> list[Result]:
    """The rows, each side a child process, in `work` (emptied first, removed after)."""
    assert graph.yaml_dir is not None
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    py = sys.executable
    records = str(graph.yaml_dir)
    me = str(Path(__file__).resolve())
    copy_s, copy_mib, _ = _run(
        [py, me, "--graph", str(graph_root), "--copy-child", str(graph_root), str(work / "plain")]
    )
    print(f"plain COPY: {copy_s:.1f} s, peak RSS {copy_mib:,.0f} MiB", file=sys.stderr, flush=True)
    load_s, load_mib, _ = _run([py, "-m", "survgraph", "load", records], {"SURVGRAPH_DATA_DIR": str(work / "ours")})
    print(f"survgraph load: {load_s:.1f} s, peak RSS {load_mib:,.0f} MiB", file=sys.stderr, flush=True)
    val_s, val_mib, _ = _run([py, "-m", "survgraph", "validate", records])
    print(f"survgraph validate: {val_s:.1f} s, peak RSS {val_mib:,.0f} MiB", file=sys.stderr, flush=True)
    results = [
        Result(
            "survgraph load GRAPH/yaml (embedded) vs COPY: peak RSS",
            "embedded",
            graph.claims,
            load_mib,
            copy_mib,
            "MiB",
        ),
        Result("survgraph load GRAPH/yaml (embedded) vs COPY: wall", "embedded", graph.claims, load_s, copy_s, "s"),
    ]
    if graph.csv_dir is not None:
        # The same load from the CSV layout (entity and claim tables), into a store of its own.
        csv_s, csv_mib, _ = _run(
            [py, "-m", "survgraph", "load", str(graph.csv_dir)], {"SURVGRAPH_DATA_DIR": str(work / "ours-csv")}
        )
        print(f"survgraph load (CSV tables): {csv_s:.1f} s, peak RSS {csv_mib:,.0f} MiB", file=sys.stderr, flush=True)
        results += [
            Result(
                "survgraph load GRAPH/csv (embedded) vs COPY: peak RSS",
                "embedded",
                graph.claims,
                csv_mib,
                copy_mib,
                "MiB",
            ),
            Result("survgraph load GRAPH/csv (embedded) vs COPY: wall", "embedded", graph.claims, csv_s, copy_s, "s"),
        ]
    results += [
        # validate touches no store; the row is the embedded pair's (its baseline is LadybugDB's COPY)
        Result(
            "survgraph validate vs COPY: peak RSS", "embedded", graph.claims, val_mib, copy_mib, "MiB", f"{val_s:.1f} s"
        ),
    ]
    if neo4j:
        admin = " ".join([str(ROOT / "tools" / "neo4j" / "neo4j-test-server"), "admin"])
        imp_s, imp_proc_mib, out = _run(
            [
                *(py, "-m", "survgraph", "neo4j-import", records, "--neo4j-home", str(work / "neo4j-home")),
                *("--neo4j-admin", admin, "--format", "json"),
            ]
        )
        client = float(json.loads(out)["client_peak_rss_mib"])
        print(f"survgraph neo4j-import: {imp_s:.1f} s, client peak RSS {client:,.0f} MiB", file=sys.stderr)
        results.append(
            Result(
                "survgraph neo4j-import, client vs COPY: peak RSS",
                "neo4j",
                graph.claims,
                client,
                copy_mib,
                "MiB",
                f"{imp_s:.1f} s end to end; with neo4j-admin's JVM {imp_proc_mib:,.0f} MiB",
            )
        )
    shutil.rmtree(work, ignore_errors=True)
    return results


def _neo4j_load(graph: GeneratedGraph) -> list[Result]:
    """`survgraph load --store neo4j` against the plain driver's UNWIND (bench_load.py's plain child), on
    the Neo4j of NEO4J_*: the plain child clears it before and after, survgraph's load goes into it empty."""
    records = str(graph.csv_dir or graph.yaml_dir)
    py = sys.executable
    plain_s, plain_mib, _ = _run([py, str(HERE / "bench_load.py"), "_neo4j_side", "plain", records])
    print(f"plain UNWIND: {plain_s:.1f} s, peak RSS {plain_mib:,.0f} MiB", file=sys.stderr, flush=True)
    ours_s, ours_mib, _ = _run([py, "-m", "survgraph", "load", records, "--store", "neo4j"])
    print(f"survgraph load --store neo4j: {ours_s:.1f} s, peak RSS {ours_mib:,.0f} MiB", file=sys.stderr, flush=True)
    from survgraph.graph import StoreKind, StoreSettings, open_store

    settings = StoreSettings()
    settings.store = StoreKind.neo4j
    store = open_store(settings)
    try:
        store.clear()
    finally:
        store.close()
    note = f"{ours_s:.1f} s against {plain_s:.1f} s (plain: validate, plan_write, UNWIND MERGE twice)"
    return [
        Result(
            "survgraph load (neo4j) vs plain UNWIND: peak RSS", "neo4j", graph.claims, ours_mib, plain_mib, "MiB", note
        )
    ]


def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]:
    """The harness's pair (run.py): load and validate against COPY, embedded only (neo4j-import has its
    own pair, bench_neo4j_import.py)."""
    if store != "embedded" or graph.yaml_dir is None or graph.ladybug_dir is None:
        return []
    return measure(graph, graph.root, workdir / "load_memory", neo4j=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, required=True, help="a folder written by benchmarks/generate.py")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-neo4j", action="store_true", help="leave out survgraph neo4j-import")
    parser.add_argument(
        "--neo4j-load",
        action="store_true",
        help="only survgraph load --store neo4j against plain UNWIND (NEO4J_*: a scratch server)",
    )
    parser.add_argument("--copy-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.copy_child:
        _copy_child(*args.copy_child)
        return 0
    from generate import load_graph

    graph = load_graph(args.graph)
    work = args.workdir or HERE / ".work" / f"load_memory-{graph.claims}"
    if args.neo4j_load and not os.environ.get("NEO4J_URI"):
        parser.error("--neo4j-load needs NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD of a scratch server (it is cleared)")
    if args.neo4j_load:
        print(markdown_table(_neo4j_load(graph)))
        return 0
    print(markdown_table(measure(graph, args.graph, work, neo4j=not args.no_neo4j)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
