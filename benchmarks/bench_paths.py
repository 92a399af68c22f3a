"""Benchmark: the path templates against the plain single Cypher query, per store, in the same run.

    python benchmarks/bench_paths.py --claims 50000 [--store embedded|neo4j|both] [--runs 20]
    python benchmarks/bench_paths.py --graph GRAPH_DIR --store neo4j [--workdir DIR] [--shortest-only]
    python benchmarks/bench_paths.py --graph GRAPH_DIR --store embedded --vendors-only --vendor-runs 20

Builds a hub-shaped graph of about N claims (tests/queries/hubs.py: forty country hubs, initiatives,
banks, vendors; a national data centre in every four databases), loads it, then times
- shortest_path between a vendor and a database (default max_hops 4, limit 10), on `--runs` pairs, against
  the plain all-shortest-paths query a user would paste (Neo4j `allShortestPaths`, LadybugDB `ALL
  SHORTEST`, with LIMIT 10);
- vendors_touching_national_data_centres (default: 3 hops, first page of 50), with the total and with
  count=false (no total), against the plain query giving each vendor's distance to the nearest national
  data centre (the three interleaved, run by run).
and prints p50 / p95 of each, with survgraph's p50 over the plain query's p50. Neo4j is the one that
NEO4J_URI / NEO4J_PASSWORD name, and is CLEARED first (and left holding the graph): point it at a
scratch database.

In the harness (`python benchmarks/run.py --only paths --stores embedded,neo4j`), `run` measures the same
on the generated graph instead: LadybugDB from its native tables, Neo4j imported by `neo4j-admin` into a
server of the benchmark's own (never NEO4J_URI's); the vendors question for one country's data centre
at every size, and for every centre up to 10k claims (WHOLE_QUESTION_MAX).
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
        "WHERE $country = '' OR d.country = $country "
        f"MATCH p = SHORTEST 1 (d)-[:{NDC_TYPES}]-{{1,3}}(v:Vendor) "
        "RETURN v.id AS vendor, min(length(p)) AS hops",
    },
    "embedded": {
        "shortest_path": "MATCH p = (a:Vendor {id: $a})-[* ALL SHORTEST 1..4]-(b:Database {id: $b}) RETURN p LIMIT 10",
        "vendors_near_ndc": f"MATCH (d:Database)-[e:{NDC_TYPES}* SHORTEST 1..3]-(v:Vendor) "
        "WHERE d.kind = 'national_data_centre' AND ($country = '' OR d.country = $country) "
        "RETURN v.id AS vendor, min(length(e)) AS hops",
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


def bench(
    store: GraphStore,
    runs: int,
    ids: dict[str, list[str]],
    size: int = 0,
    *,
    countries: tuple[str, ...] = ("",),
    vendor_runs: int = 0,
    shortest: bool = True,
) -> list[Any]:
    """Time both questions on `store` (the vendors question alone without `shortest`); `countries` are
    the vendors question's data-centre countries ("" for every national data centre)."""
    plain = PLAIN[store.name]
    figures: list[tuple[str, list[float], list[float]]] = []
    if shortest:
        rnd = random.Random(3)
        pairs = [(rnd.choice(ids["vendor"]), rnd.choice(ids["database"])) for _ in range(runs)]
        for a, b in pairs[:2]:  # warm both engines' plan caches
            run_template(store, "shortest_path", {"from": a, "to": b})
            store.query(plain["shortest_path"], {"a": a, "b": b})
        paths_ours: list[float] = []
        paths_plain: list[float] = []
        for a, b in pairs:  # interleaved, pair by pair: the machine's other work falls on both alike
            paths_ours.append(timed(lambda a=a, b=b: run_template(store, "shortest_path", {"from": a, "to": b})))
            paths_plain.append(timed(lambda a=a, b=b: store.query(plain["shortest_path"], {"a": a, "b": b})))
        report(store.name, "shortest_path", paths_ours, paths_plain)
        figures.append(("shortest path", paths_ours, paths_plain))
    name = "vendors_touching_national_data_centres"
    for country in countries:
        params = {"country": country} if country else {}
        where = f"data centres in {country}" if country else "every national data centre"
        rows = run_template(store, name, params)
        plain_rows = store.query(plain["vendors_near_ndc"], {"country": country})
        total = rows[0]["total"] if rows else 0
        assert total == len(plain_rows), f"survgraph ({total}) and the plain query ({len(plain_rows)}) disagree"
        uncounted = {**params, "count": False}
        assert [r["vendor_id"] for r in run_template(store, name, uncounted)] == [r["vendor_id"] for r in rows]
        n = vendor_runs or max(3, runs // 4)
        ours: list[float] = []
        bare: list[float] = []
        base: list[float] = []
        for _ in range(n):  # interleaved: the machine's other work falls on the three alike
            ours.append(timed(lambda p=params: run_template(store, name, p)))
            bare.append(timed(lambda p=uncounted: run_template(store, name, p)))
            base.append(timed(lambda c=country: store.query(plain["vendors_near_ndc"], {"country": c})))
        report(store.name, "vendors_near_ndc", ours, base)
        report(store.name, "  count=false", bare, base)
        print(f"{'':9s} ({where}: {len(plain_rows)} vendors within 3 claims; first page of {len(rows)})")
        work = f"vendors near national data centres ({where}), first page of {len(rows)}"
        figures.append((f"{work} of {total}", ours, base))
        figures.append((f"{work}, count=false (no total)", bare, base))
    try:
        from common import Result  # the harness's (benchmarks/common.py)
    except ImportError:
        return []
    out = []
    for work, mine, theirs in figures:
        for q, label in ((0.5, "p50"), (0.95, "p95")):
            out.append(Result(f"{work} ({label})", store.name, size, pct(mine, q) * 1000, pct(theirs, q) * 1000, "ms"))
    return out


#: Above this many claims the vendors question is asked for one country's data centre only: over all
#: 249 centres of the 1M graph, three hops reach nearly every vendor from every centre (18,421 of 19,975
#: vendors from ZW's alone), and the plain Neo4j query ran past its 600 s transaction timeout.
WHOLE_QUESTION_MAX = 10_000


def questions(graph: Any) -> tuple[str, ...]:
    """The vendors question's countries for `graph`: one country with a single national data centre
    (ZW when the graph has its centre), and every centre too at the smaller sizes."""
    centres = list(graph.national_data_centres)
    one = "database:ndc-zw" if "database:ndc-zw" in centres else centres[-1]
    country = one.removeprefix("database:ndc-").upper()
    return (country, "") if graph.claims <= WHOLE_QUESTION_MAX else (country,)


def run(
    graph: Any, store: str, workdir: Path, *, vendors: bool = True, shortest: bool = True, vendor_runs: int = 0
) -> list[Any]:
    """The harness's pair (benchmarks/run.py) on the generated graph: embedded, copied into LadybugDB the
    plain engine's way (COPY FROM the native tables); Neo4j, imported with `neo4j-admin database import`
    (benchmarks/neo4j_admin.py: a server of its own, started for the run and stopped after it)."""
    from common import copy_into_ladybug

    ids: dict[str, list[str]] = {"vendor": [], "database": []}
    runs = 8 if graph.claims <= 20_000 else 20
    vendor_runs = vendor_runs or (3 if graph.claims > WHOLE_QUESTION_MAX else 0)

    def measure(s: GraphStore) -> list[Any]:
        for prefix, label in (("vendor", "Vendor"), ("database", "Database")):
            ids[prefix] = [r["id"] for r in s.query(f"MATCH (n:{label}) RETURN n.id AS id ORDER BY n.id")]
        countries = questions(graph) if vendors else ()
        return bench(s, runs, ids, graph.claims, countries=countries, vendor_runs=vendor_runs, shortest=shortest)

    if store == "embedded":
        from survgraph.graph.embedded import EmbeddedStore

        folder = copy_into_ladybug(graph, workdir.parent / f"ladybug-{graph.root.name}")
        with EmbeddedStore(folder) as ours:
            return measure(ours)
    if store == "neo4j":
        import neo4j_admin

        if graph.neo4j_dir is None:
            raise ValueError("the graph was generated without --formats native")
        with neo4j_admin.served(graph.neo4j_dir, workdir / "neo4j-home") as ours:
            return measure(ours)
    return []


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=50000)
    ap.add_argument("--store", choices=["embedded", "neo4j", "both"], default="embedded")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--graph", type=Path, help="instead: the harness's pair on this generated graph (--store one)")
    ap.add_argument("--workdir", type=Path, help="with --graph: where the stores go (as run.py's --workdir)")
    ap.add_argument("--shortest-only", action="store_true", help="with --graph: skip the vendors question")
    ap.add_argument("--vendors-only", action="store_true", help="with --graph: skip the shortest paths")
    ap.add_argument("--vendor-runs", type=int, default=0, help="with --graph: runs of the vendors question")
    args = ap.parse_args()
    if args.graph:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from common import markdown_table
        from generate import load_graph

        graph_ = load_graph(args.graph)
        work = args.workdir or args.graph.parent
        found = run(
            graph_,
            args.store,
            work / f"paths-{graph_.claims}-{args.store}",
            vendors=not args.shortest_only,
            shortest=not args.vendors_only,
            vendor_runs=args.vendor_runs,
        )
        print(markdown_table(found))
        return
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
