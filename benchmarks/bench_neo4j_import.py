"""Pair: a new Neo4j database from the generated graph, `survgraph neo4j-import` versus plain neo4j-admin.

    python benchmarks/run.py --only neo4j_import --stores neo4j --sizes 100000
    python benchmarks/bench_neo4j_import.py GRAPH_DIR [WORKDIR]        # one graph, without the harness

survgraph: `survgraph neo4j-import GRAPH/LAYOUT --neo4j-home H --neo4j-admin '<test server> admin'`, end to
end (read and validate the records, write neo4j-admin's CSVs, run the import), in a subprocess, once for
each record layout the graph has: GRAPH/csv (entity and claim tables) and GRAPH/yaml.
Plain engine: `neo4j-admin database import full $(cat import-args.txt)` on the generator's own native
tables (GRAPH/native/neo4j/), in the same run, through the same launcher (tools/neo4j/neo4j-test-server
admin, the jars from Maven Central). Both build a fresh database in their own home under WORKDIR (no
server needed: the pair runs under --stores neo4j without NEO4J_URI). The two must import the same
numbers of nodes, relationships and properties (read from neo4j-admin's report), or the pair fails.

Rows (unit s; rates and the split in the note), per record layout:
- end to end: survgraph's whole command versus the plain import;
- from validated records: survgraph's CSV writing and import, without the validation;
- neo4j-admin step alone: the import of survgraph's CSVs versus the import of the native ones.
The plain import runs once, after the first of survgraph's, and serves as the baseline of both layouts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from common import GeneratedGraph, Result, launched  # noqa: E402
from neo4j_admin import import_args  # noqa: E402

ADMIN = [str(ROOT / "tools" / "neo4j" / "neo4j-test-server"), "admin"]
_IMPORTED = re.compile(r"Imported:\s+(\d+) nodes\s+(\d+) relationships\s+(\d+) properties", re.S)


def _counts(log: str) -> tuple[int, int, int]:
    m = _IMPORTED.search(log)
    if not m:
        raise RuntimeError(f"no 'Imported:' counts in neo4j-admin's output:\n{log[-2000:]}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def run_plain(graph: GeneratedGraph, home: Path) -> tuple[float, tuple[int, int, int]]:
    assert graph.neo4j_dir is not None
    shutil.rmtree(home, ignore_errors=True)
    args = [*ADMIN, "--home", str(home), "database", "import", "full", *import_args(graph.neo4j_dir)]
    args.append(f"--report-file={home.parent / 'plain-import.report'}")  # the graph's folder may be read-only
    start = time.perf_counter()
    done = subprocess.run(args, cwd=graph.neo4j_dir, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0 or "IMPORT DONE" not in done.stdout:
        raise RuntimeError(f"plain neo4j-admin import failed (exit {done.returncode}):\n{done.stdout[-3000:]}")
    return seconds, _counts(done.stdout)


def run_ours(records: Path, home: Path, csv_dir: Path) -> tuple[float, dict[str, Any], tuple[int, int, int]]:
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(csv_dir, ignore_errors=True)
    args = [
        *(sys.executable, "-m", "survgraph", "neo4j-import", str(records)),
        *("--neo4j-home", str(home), "--neo4j-admin", " ".join(ADMIN), "--csv-dir", str(csv_dir)),
        *("--format", "json"),
    ]
    # From a small launcher: the command's own peak RSS figure must not be the harness's (common.launched).
    args = launched(args, csv_dir.parent / f"{csv_dir.name}.rusage")
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env={**os.environ, "COLUMNS": "200"})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"survgraph neo4j-import failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    log = (csv_dir / "neo4j-admin-import.log").read_text(encoding="utf-8", errors="replace")
    return seconds, report, _counts(log)


def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]:
    layouts = [(name, d) for name, d in (("csv", graph.csv_dir), ("yaml", graph.yaml_dir)) if d is not None]
    if store != "neo4j" or graph.neo4j_dir is None or not layouts:
        return []
    results: list[Result] = []
    plain: tuple[float, tuple[int, int, int]] | None = None
    for layout, records in layouts:
        ours_s, report, ours_counts = run_ours(records, workdir / "home-ours", workdir / f"csv-ours-{layout}")
        if plain is None:
            plain = run_plain(graph, workdir / "home-plain")
        plain_s, plain_counts = plain
        if ours_counts != plain_counts:
            raise RuntimeError(
                f"different graphs: survgraph imported {ours_counts} from {layout}, the plain import {plain_counts}"
            )
        results += _results(graph, layout, ours_s, report, ours_counts, plain_s, workdir / f"csv-ours-{layout}")
    return results


def _results(
    graph: GeneratedGraph,
    layout: str,
    ours_s: float,
    report: dict[str, Any],
    counts: tuple[int, int, int],
    plain_s: float,
    csv_dir: Path,
) -> list[Result]:
    t = report["timings"]
    claims = report["claims"]
    rate = claims / ours_s
    plain_rate = claims / plain_s
    split = (
        f"validate {t['validate_s']:.1f} s ({claims / t['validate_s']:,.0f} claims/s), CSV {t['csv_s']:.1f} s, "
        f"neo4j-admin {t['neo4j_admin_s']:.1f} s; Python start {ours_s - sum(t.values()):.1f} s"
    )
    rss = f"client peak RSS {report['client_peak_rss_mib']:,.0f} MiB"
    nodes, rels, props = counts
    written = t["csv_s"] + t["neo4j_admin_s"]
    return [
        Result(
            f"new Neo4j database from {layout} records, end to end (validate + CSV + neo4j-admin)",
            "neo4j",
            graph.claims,
            ours_s,
            plain_s,
            "s",
            f"{rate:,.0f} vs {plain_rate:,.0f} claims/s; {split}; {rss}; "
            f"{nodes:,} nodes, {rels:,} rels, {props:,} props",
        ),
        Result(
            f"new Neo4j database from validated {layout} records (CSV + neo4j-admin)",
            "neo4j",
            graph.claims,
            written,
            plain_s,
            "s",
            f"{claims / written:,.0f} vs {plain_rate:,.0f} claims/s",
        ),
        Result(
            f"neo4j-admin import step alone (survgraph's CSVs from {layout} vs the native ones)",
            "neo4j",
            graph.claims,
            t["neo4j_admin_s"],
            plain_s,
            "s",
            f"multiline fields {'on' if _multiline(csv_dir) else 'off'}",
        ),
    ]


def _multiline(csv_dir: Path) -> bool:
    log = (csv_dir / "neo4j-admin-import.log").read_text(encoding="utf-8", errors="replace")
    return "--multiline-fields=true" in log.splitlines()[0]


def main(argv: list[str]) -> int:
    from common import markdown_table
    from generate import load_graph

    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    graph = load_graph(Path(argv[0]))
    workdir = Path(argv[1]).resolve() if len(argv) > 1 else HERE / ".work" / f"neo4j_import-{graph.claims}"
    workdir.mkdir(parents=True, exist_ok=True)
    print(markdown_table(run(graph, "neo4j", workdir)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
