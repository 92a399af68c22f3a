"""Benchmark: the path templates against the plain single Cypher query, per store, in the same run.

    python benchmarks/bench_paths.py --claims 50000 [--store embedded|neo4j|both] [--runs 20]

Builds a hub-shaped graph of about N claims (tests/queries/hubs.py: forty country hubs, initiatives,
banks, vendors; a national data centre in every four databases), loads it, then times
- shortest_path between a vendor and a database (default max_hops 4, limit 10), on `--runs` pairs, against
  the plain all-shortest-paths query a user would paste (Neo4j `allShortestPaths`, LadybugDB `ALL
  SHORTEST`, with LIMIT 10);
- vendors_touching_national_data_centres (default: 3 hops, first page of 100, with the total), against
  the plain query giving each vendor's distance to the nearest national data centre.
and prints p50 / p95 of each, with survgraph's p50 over the plain query's p50. Neo4j is the one that
NEO4J_URI / NEO4J_PASSWORD name, and is CLEARED first (and left holding the graph): point it at a
scratch database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from survgraph.graph import GraphStore, StoreKind, StoreSettings, open_store  # noqa: E402
from survgraph.queries import TEMPLATES, run_template  # noqa: E402
from tests.queries.hubs import hub_graph  # noqa: E402

NDC_TYPES = "|".join(TEMPLATES.get("vendors_touching_national_data_centres").param("types").default)

PLAIN: dict[str, dict[str, str]] = {
    "neo4j": {
        "shortest_path": "MATCH p = allShortestPaths((a:Vendor {id: $a})-[*..4]-(b:Database {id: $b})) "
        "RETURN p LIMIT 10",
        "vendors_near_ndc": "MATCH (d:Database {kind: 'national_data_centre'}) "
        f"MATCH p = SHORTEST 1 (d)-[:{NDC_TYPES}]-{{1,3}}(v:Vendor) "
        "RETURN v.id AS vendor, min(length(p)) AS hops",
    },
    "embedded": {
        "shortest_path": "MATCH p = (a:Vendor {id: $a})-[* ALL SHORTEST 1..4]-(b:Database {id: $b}) RETURN p LIMIT 10",
        "vendors_near_ndc": f"MATCH (d:Database)-[e:{NDC_TYPES}* SHORTEST 1..3]-(v:Vendor) "
        "WHERE d.kind = 'national_data_centre' RETURN v.id AS vendor, min(length(e)) AS hops",
    },
}


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(store: str, what: str, ours: list[float], plain: list[float]) -> None:
    p50, q50 = statistics.median(ours), statistics.median(plain)
    print(
        f"{store:9s} {what:18s} survgraph p50 {p50 * 1000:8.1f} ms  p95 {pct(ours, 0.95) * 1000:8.1f} ms   "
        f"plain p50 {q50 * 1000:8.1f} ms  p95 {pct(plain, 0.95) * 1000:8.1f} ms   ratio {p50 / q50:5.2f}"
    )


def bench(store: GraphStore, runs: int, ids: dict[str, list[str]], size: int = 0) -> list[Any]:
    plain = PLAIN[store.name]
    rnd = random.Random(3)
    pairs = [(rnd.choice(ids["vendor"]), rnd.choice(ids["database"])) for _ in range(runs)]
    for a, b in pairs[:2]:  # warm both engines' plan caches
        run_template(store, "shortest_path", {"from": a, "to": b})
        store.query(plain["shortest_path"], {"a": a, "b": b})
    ours = [timed(lambda a=a, b=b: run_template(store, "shortest_path", {"from": a, "to": b})) for a, b in pairs]
    base = [timed(lambda a=a, b=b: store.query(plain["shortest_path"], {"a": a, "b": b})) for a, b in pairs]
    report(store.name, "shortest_path", ours, base)
    figures = [("shortest path", ours, base)]
    name = "vendors_touching_national_data_centres"
    rows = run_template(store, name, {})
    plain_rows = store.query(plain["vendors_near_ndc"])
    assert (rows[0]["total"] if rows else 0) == len(plain_rows), "survgraph and the plain query disagree"
    n = max(3, runs // 4)
    ours = [timed(lambda: run_template(store, name, {})) for _ in range(n)]
    base = [timed(lambda: store.query(plain["vendors_near_ndc"])) for _ in range(n)]
    report(store.name, "vendors_near_ndc", ours, base)
    print(f"{'':9s} ({len(plain_rows)} vendors within 3 claims of a national data centre; first page of {len(rows)})")
    figures.append((f"vendors near national data centres, first page of {len(rows)}", ours, base))
    try:
        from common import Result  # the harness's (benchmarks/common.py)
    except ImportError:
        return []
    out = []
    for work, mine, theirs in figures:
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            out.append(Result(f"{work} ({label})", store.name, size, pct(mine, q) * 1000, pct(theirs, q) * 1000, "ms"))
    return out


def run(graph: Any, store: str, workdir: Path) -> list[Any]:
    """The harness's pair (benchmarks/run.py): the generated graph, copied into LadybugDB the plain
    engine's way, then the same timings as `main`. Neo4j: run this file with --store neo4j (it loads its
    own hub graph in batches; the harness's graph is one transaction too large for the test server)."""
    if store != "embedded":
        print("bench_paths: the harness runs the embedded store only; see --store neo4j", file=sys.stderr)
        return []
    from common import copy_into_ladybug

    from survgraph.graph.embedded import EmbeddedStore

    folder = copy_into_ladybug(graph, workdir / "paths-store")
    with EmbeddedStore(folder) as ours:
        ids: dict[str, list[str]] = {"vendor": [], "database": []}
        for prefix, label in (("vendor", "Vendor"), ("database", "Database")):
            ids[prefix] = [r["id"] for r in ours.query(f"MATCH (n:{label}) RETURN n.id AS id ORDER BY n.id")]
        runs = 8 if graph.claims <= 20_000 else 20
        return bench(ours, runs, ids, graph.claims)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=50000)
    ap.add_argument("--store", choices=["embedded", "neo4j", "both"], default="embedded")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    t0 = time.perf_counter()
    graph = hub_graph(args.claims)
    ids: dict[str, list[str]] = {"vendor": [], "database": []}
    for node in graph.nodes:
        prefix = node.id.partition(":")[0]
        if prefix in ids:
            ids[prefix].append(node.id)
    print(f"{len(graph.nodes)} entities, {len(graph.claims)} claims generated in {time.perf_counter() - t0:.1f} s")
    stores = ["embedded", "neo4j"] if args.store == "both" else [args.store]
    with tempfile.TemporaryDirectory() as tmp:
        for kind in stores:
            settings = StoreSettings()
            settings.store = StoreKind(kind)
            settings.data_dir = Path(tmp) / kind
            store = open_store(settings)
            try:
                if kind == "neo4j":
                    store.clear()
                t1 = time.perf_counter()
                graph.load(store, chunk=10000)
                print(f"{kind:9s} loaded in {time.perf_counter() - t1:.1f} s")
                bench(store, args.runs, ids)
            finally:
                # Neo4j keeps the graph: clearing it takes longer than the benchmark on a small heap.
                store.close()


if __name__ == "__main__":
    main()
