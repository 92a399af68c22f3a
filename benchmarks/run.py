"""The benchmark harness: survgraph vs the plain engine, same work, same run, one table.

    python benchmarks/run.py [--sizes 10000,100000,1000000] [--profile ci|full] [--stores embedded,neo4j]
                             [--only api,paths] [--workdir DIR] [--json FILE]
    make bench BENCH_ARGS="--sizes 100000"

For each size it generates a graph (benchmarks/generate.py; kept in the work folder and reused on the next
run with the same size and seed), then calls every pair module benchmarks/bench_*.py:

    def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]

once per store. It prints the rows as one Markdown table (work, store, size, survgraph, plain engine,
ratio: > 1 means survgraph is slower or worse) and writes them, with the date, machine and command, to a
JSON file. A pair that fails is reported (the others still run) and the exit code is then 1.

Profiles: `ci` (default; 10k claims, short measuring runs: the smoke test's) and `full` (10k, 100k and 1M
claims, longer runs; the 1M graph takes a few GB of disk and tens of minutes). Neo4j runs when NEO4J_URI
is set (a scratch database: pairs clear it) unless --stores says otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import os
import platform
import shlex
import sys
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import PROFILE_ENV, PROFILES, GeneratedGraph, Result, markdown_table  # noqa: E402
from generate import generate, load_graph  # noqa: E402

DEFAULT_SIZES = {"ci": [10_000], "full": [10_000, 100_000, 1_000_000]}
SEED = 7


def discover(only: set[str] | None = None) -> list[tuple[str, ModuleType]]:
    """The pair modules benchmarks/bench_*.py (name without the prefix), sorted; `only` keeps some."""
    found = []
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if only is not None and name not in only:
            continue
        module = importlib.import_module(path.stem)
        if not callable(getattr(module, "run", None)):
            raise SystemExit(f"error: {path.name} has no run(graph, store, workdir) function")
        found.append((name, module))
    return found


def graph_for(size: int, workdir: Path) -> GeneratedGraph:
    """The graph of `size` claims in the work folder, generated unless an earlier run left it there."""
    root = workdir / f"graph-{size}-seed{SEED}"
    if (root / "manifest.json").exists():
        return load_graph(root)
    start = time.perf_counter()
    graph = generate(root, size, seed=SEED)
    print(
        f"generated {graph.claims:,} claims, {graph.entities:,} entities in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
    )
    return graph


def machine() -> dict[str, Any]:
    mem = 0
    with contextlib.suppress(ValueError, OSError, AttributeError):
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gib": round(mem / 2**30, 1),
    }
    with contextlib.suppress(OSError):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", help="comma-separated claim counts (default: by profile)")
    ap.add_argument("--profile", choices=PROFILES, default="ci")
    ap.add_argument("--stores", help="comma-separated: embedded,neo4j (default: embedded, and neo4j if NEO4J_URI)")
    ap.add_argument("--only", help="comma-separated pair names (api, paths, load, rdf ...)")
    ap.add_argument("--workdir", type=Path, default=HERE / ".work", help="generated graphs and stores")
    ap.add_argument("--json", type=Path, help="where to write the results (default: WORKDIR/results.json)")
    args = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else DEFAULT_SIZES[args.profile]
    except ValueError:
        print(f"error: --sizes takes comma-separated whole numbers, not {args.sizes!r}", file=sys.stderr)
        return 2
    if any(s < 1 for s in sizes):
        print("error: every size must be >= 1", file=sys.stderr)
        return 2
    stores = (
        [s.strip() for s in args.stores.split(",") if s.strip()]
        if args.stores
        else ["embedded", *(["neo4j"] if os.environ.get("NEO4J_URI") else [])]
    )
    if bad := [s for s in stores if s not in ("embedded", "neo4j")]:
        print(f"error: unknown stores {bad}; expected embedded or neo4j", file=sys.stderr)
        return 2
    only = {s.strip() for s in args.only.split(",") if s.strip()} if args.only else None
    os.environ[PROFILE_ENV] = args.profile
    pairs = discover(only)
    if not pairs:
        print("error: no pair modules (benchmarks/bench_*.py) to run", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    info = machine()
    results: list[Result] = []
    failures: list[dict[str, Any]] = []
    for size in sizes:
        graph = graph_for(size, args.workdir)
        for name, module in pairs:
            for store in stores:
                work = args.workdir / f"{name}-{size}-{store}"
                work.mkdir(parents=True, exist_ok=True)
                t0 = time.perf_counter()
                try:
                    got = module.run(graph, store, work)
                except Exception as exc:  # a pair that fails must not hide the others' figures
                    traceback.print_exc()
                    failures.append(
                        {"pair": name, "store": store, "size": size, "error": f"{type(exc).__name__}: {exc}"}
                    )
                    continue
                print(
                    f"{name} on {store} at {size:,} claims: {len(got)} row(s) in {time.perf_counter() - t0:.1f} s",
                    file=sys.stderr,
                )
                results.extend(got)
    table = markdown_table(results)
    print(table)
    for f in failures:
        print(f"FAILED: {f['pair']} on {f['store']} at {f['size']:,} claims: {f['error']}")
    command = "python benchmarks/run.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    report = {
        "date": started.isoformat(timespec="seconds"),
        "command": command.strip(),
        "profile": args.profile,
        "sizes": sizes,
        "stores": stores,
        "machine": info,
        "results": [r.as_dict() for r in results],
        "failures": failures,
        "markdown": table,
    }
    out = args.json or args.workdir / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, allow_nan=True) + "\n")
    print(f"results: {out}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
