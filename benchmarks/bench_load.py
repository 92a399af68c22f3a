"""Benchmark pair: loading records, survgraph's way against the plain engine's, in the same run.

    python benchmarks/bench_load.py --claims 100000 [--store embedded|neo4j]   # standalone
    python benchmarks/run.py --sizes 100000                                    # through the harness

Rows (seconds; ratio > 1 means survgraph is slower):

- validate: `validate_paths` over the record files (read with line numbers, every model and reference
  checked) against libyaml's plain `yaml.load(..., CSafeLoader)` of the same files (parse only, no checks);
- write, fresh store: `load_dataset` on a validated dataset into an empty store (one all-or-nothing load)
  against the plain engine's bulk path: embedded, `COPY ... FROM` CSV tables of the same rows (written
  beforehand, not timed) into a fresh LadybugDB; Neo4j, the driver's `UNWIND $rows ... MERGE` in
  transactions of 10,000 rows (the usual hand-written load; neo4j-admin import needs a stopped server and
  is not measured here);
- load, fresh store: validate + write, against the same plain figure (the plain engine validates nothing).

The graph is the harness's (benchmarks/generate.py, its `yaml_dir`), or, standalone, a generated one of
vendors, projects and SUPPLIES claims split into files under the 8 MB record-file limit.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import GeneratedGraph, Result

from survgraph.graph import StoreKind, StoreSettings, open_store, plan_write
from survgraph.graph.ddl import ladybug_statements
from survgraph.graph.embedded import DB_FILE, EmbeddedStore
from survgraph.graph.store import WritePlan
from survgraph.loaders import load_dataset, validate_paths
from survgraph.schema import REGISTRY

NEO4J_PLAIN_BATCH = 10_000


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))


def _plain_parse(folder: Path) -> float:
    t0 = time.perf_counter()
    for path in _yaml_files(folder):
        yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return time.perf_counter() - t0


def _csv_value(value: Any) -> Any:
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return "" if value is None else value


def _plain_copy(plan: WritePlan, workdir: Path) -> float:
    """A fresh LadybugDB with survgraph's tables, loaded by COPY FROM CSV files of the plan's rows; the
    seconds the COPY statements took."""
    import ladybug

    tables = workdir / "copy-tables"
    tables.mkdir(parents=True, exist_ok=True)
    copies: list[str] = []
    for label, rows in plan.nodes.items():
        cols = [c.name for c in REGISTRY.node_columns[label]]
        path = tables / f"{label}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerows([_csv_value(r.get(c)) for c in cols] for r in rows)
        copies.append(f"COPY {label} FROM '{path}' (header=false)")
    ecols = [c.name for c in REGISTRY.edge_columns]
    for n, batch in enumerate(plan.edges):
        path = tables / f"{batch.type}-{n}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerows([r["from_id"], r["to_id"], *(_csv_value(r.get(c)) for c in ecols)] for r in batch.rows)
        copies.append(
            f"COPY {batch.type} FROM '{path}' (header=false, from='{batch.from_label}', to='{batch.to_label}')"
        )
    (workdir / "plain-store").mkdir(parents=True, exist_ok=True)
    db = ladybug.Database(str(workdir / "plain-store" / DB_FILE))
    conn = ladybug.Connection(db)
    try:
        for stmt in ladybug_statements(REGISTRY):
            conn.execute(stmt)
        t0 = time.perf_counter()
        for stmt in copies:
            conn.execute(stmt)
        return time.perf_counter() - t0
    finally:
        conn.close()
        db.close()


def _plain_unwind(store: Any, plan: WritePlan) -> float:
    """The driver's UNWIND ... MERGE, NEO4J_PLAIN_BATCH rows a transaction (not all or nothing)."""
    from survgraph.graph.ddl import q

    driver = store._driver
    t0 = time.perf_counter()
    with driver.session(database=store.database) as s:
        for label, rows in plan.nodes.items():
            sets = ", ".join(f"n.{q(c.name)} = row.{q(c.name)}" for c in REGISTRY.node_columns[label] if c.name != "id")
            cypher = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET {sets}"
            for i in range(0, len(rows), NEO4J_PLAIN_BATCH):
                s.run(cypher, rows=rows[i : i + NEO4J_PLAIN_BATCH]).consume()
        sets = ", ".join(f"r.{q(c.name)} = row.{q(c.name)}" for c in REGISTRY.edge_columns if c.name != "id")
        for batch in plan.edges:
            cypher = (
                f"UNWIND $rows AS row MATCH (a:{batch.from_label} {{id: row.from_id}}) "
                f"MATCH (b:{batch.to_label} {{id: row.to_id}}) "
                f"MERGE (a)-[r:{batch.type} {{id: row.id}}]->(b) SET {sets}"
            )
            for i in range(0, len(batch.rows), NEO4J_PLAIN_BATCH):
                s.run(cypher, rows=batch.rows[i : i + NEO4J_PLAIN_BATCH]).consume()
    return time.perf_counter() - t0


def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]:
    if graph.yaml_dir is None:
        raise ValueError("the graph was generated without its YAML record files")
    size = graph.claims
    t0 = time.perf_counter()
    ds = validate_paths([graph.yaml_dir])
    validate_s = time.perf_counter() - t0
    if ds.errors:
        raise SystemExit(f"the generated records do not validate: {ds.errors[0]}")
    records = len(ds.nodes) + len(ds.claims)
    plain_parse_s = _plain_parse(graph.yaml_dir)
    results = [
        Result("validate", store, size, validate_s, plain_parse_s, "s", f"{records / validate_s:,.0f} records/s"),
    ]
    plan = plan_write(ds.nodes, ds.claims, REGISTRY)
    if store == "embedded":
        with EmbeddedStore(workdir / "ours-store") as ours:
            ours.ensure_schema()
            t0 = time.perf_counter()
            load_dataset(ours, ds)
            write_s = time.perf_counter() - t0
        plain_s = _plain_copy(plan, workdir)
        note = "plain: COPY FROM CSV"
    else:
        return results + _neo4j_pair(graph.yaml_dir, size, validate_s, workdir)
    results.append(Result("write, fresh store", store, size, write_s, plain_s, "s", note))
    results.append(
        Result(
            "load (validate + write), fresh store",
            store,
            size,
            validate_s + write_s,
            plain_s,
            "s",
            f"{len(ds.claims) / (validate_s + write_s):,.0f} claims/s",
        )
    )
    return results


# -- Neo4j: each side in a process of its own, for its peak RSS --------------------------------------


def _neo4j_side(side: str, records: Path) -> None:
    """Child: validate `records`, then write them to the (cleared) Neo4j of NEO4J_*: `ours` through
    load_dataset (a plan larger than SURVGRAPH_NEO4J_TX_ROWS goes in batches behind a load marker),
    `plain` through the driver's UNWIND MERGE in 10,000-row transactions; twice (into the empty database,
    then the same rows again: every row an update). Prints one JSON line: seconds, peak RSS."""
    import resource

    ds = validate_paths([records])
    if ds.errors:
        raise SystemExit(f"invalid records: {ds.errors[0]}")
    settings = StoreSettings()
    settings.store = StoreKind.neo4j
    neo = open_store(settings)
    out: dict[str, Any] = {"claims": len(ds.claims), "rows": len(ds.nodes) + len(ds.claims)}
    try:
        neo.clear()
        neo.ensure_schema()
        t0 = time.perf_counter()
        plan = plan_write(ds.nodes, ds.claims, REGISTRY)  # the rows both sides write (load_dataset's first step)
        out["plan"] = time.perf_counter() - t0
        for work in ("fresh", "update"):
            t0 = time.perf_counter()
            if side == "ours":
                neo.write(plan, batch_size=NEO4J_PLAIN_BATCH)  # what load_dataset does after plan_write
            else:
                _plain_unwind(neo, plan)
            out[work] = time.perf_counter() - t0
        out["nodes"] = sum(neo.stats().nodes.values())
        neo.clear()
    finally:
        neo.close()
    out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out), flush=True)


def _neo4j_child(side: str, records: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    import subprocess

    proc = subprocess.run(
        [sys.executable, __file__, "_neo4j_side", side, str(records)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), **(env or {})},
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the {side} Neo4j load failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _neo4j_pair(records: Path, size: int, validate_s: float, workdir: Path) -> list[Result]:
    """survgraph's load against the plain driver's UNWIND in 10,000-row transactions, the same run, each
    in a child process (so that each peak RSS is its own): into an empty database, then again (updates).
    Both sides first load a small graph of the same shape (ours in batches too), untimed, so that neither
    pays for the server's first planning and JIT of the statements."""
    from generate import generate as generate_graph

    warm = generate_graph(workdir / "neo4j-warmup", 3_000, seed=8, formats={"yaml"})
    assert warm.yaml_dir is not None
    for side in ("ours", "plain"):
        _neo4j_child(side, warm.yaml_dir, {"SURVGRAPH_NEO4J_TX_ROWS": "1000"})
    sides = {side: _neo4j_child(side, records) for side in ("ours", "plain")}
    ours, plain = sides["ours"], sides["plain"]
    if ours["nodes"] != plain["nodes"]:
        raise RuntimeError(f"the two loads wrote different graphs: {ours['nodes']} vs {plain['nodes']} nodes")
    claims = ours["claims"]

    def note(work: str) -> str:
        return (
            f"claims/s {claims / ours[work]:,.0f} vs {claims / plain[work]:,.0f}; peak RSS {ours['rss_mb']:,.0f} "
            f"vs {plain['rss_mb']:,.0f} MB; both write the same rows (plan_write, untimed on both sides); plain: "
            f"UNWIND MERGE, {NEO4J_PLAIN_BATCH:,} rows a transaction"
        )

    return [
        Result("write, fresh store", "neo4j", size, ours["fresh"], plain["fresh"], "s", note("fresh")),
        Result(
            "write again (every row an update)", "neo4j", size, ours["update"], plain["update"], "s", note("update")
        ),
        Result(
            "load (validate + write), fresh store",
            "neo4j",
            size,
            validate_s + ours["plan"] + ours["fresh"],
            plain["fresh"],
            "s",
            f"{claims / (validate_s + ours['plan'] + ours['fresh']):,.0f} claims/s (validate, plan_write, write)",
        ),
    ]


# -- standalone ---------------------------------------------------------------------------------------


def generate(folder: Path, claims: int, seed: int = 7) -> GeneratedGraph:
    """Vendors, projects and SUPPLIES claims between them, in files of at most 20,000 claims."""
    rng = random.Random(seed)
    vendors, projects = max(10, claims // 25), max(10, claims // 6)
    src = [{"id": "source:bench", "publisher": "Benchmark", "kind": "dataset", "title": "Synthetic", "date": "2020"}]
    countries = [{"id": f"country:{c}", "name": c, "sources": ["source:bench"]} for c in ("CN", "PK", "ZW", "KE", "EC")]
    entities: list[dict[str, Any]] = [
        {
            "id": f"vendor:v{i}",
            "name": f"Vendor {i}",
            "hq_country": "CN",
            "sources": ["source:bench"],
            "confidence": "reported",
        }
        for i in range(vendors)
    ]
    entities += [
        {
            "id": f"project:p{i}",
            "name": f"Project {i}",
            "country": rng.choice(["PK", "ZW", "KE", "EC"]),
            "technologies": ["cctv"],
            "sources": ["source:bench"],
            "confidence": "reported",
        }
        for i in range(projects)
    ]
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(0, len(entities), 20_000):
        body: dict[str, Any] = {"sources": src, "entities": countries} if n == 0 else {"entities": []}
        body["entities"] = body["entities"] + entities[n : n + 20_000]
        (folder / f"entities-{n // 20_000:03d}.yaml").write_text(yaml.safe_dump(body, sort_keys=False))
    seen: set[tuple[int, int]] = set()
    rels: list[dict[str, Any]] = []
    while len(rels) < claims:
        v, p = rng.randrange(vendors), rng.randrange(projects)
        if (v, p) in seen:
            continue
        seen.add((v, p))
        rels.append(
            {
                "type": "SUPPLIES",
                "from": f"vendor:v{v}",
                "to": f"project:p{p}",
                "sources": ["source:bench"],
                "confidence": "alleged",
                "start": str(2010 + v % 10),
            }
        )
    for n in range(0, len(rels), 20_000):
        (folder / f"claims-{n // 20_000:03d}.yaml").write_text(
            yaml.safe_dump({"claims": rels[n : n + 20_000]}, sort_keys=False)
        )
    return GeneratedGraph(claims=claims, entities=len(entities) + 5, sources=1, seed=seed, root=folder, yaml_dir=folder)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_neo4j_side":
        _neo4j_side(sys.argv[2], Path(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--store", choices=["embedded", "neo4j"], default="embedded")
    ap.add_argument("--records", type=Path, help="load these record files (e.g. generate.py's DIR/yaml) instead")
    args = ap.parse_args()
    if args.store == "neo4j" and not os.environ.get("NEO4J_URI"):
        raise SystemExit("set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to a scratch database (it is cleared)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.records:
            manifest = args.records.parent / "manifest.json"
            claims = json.loads(manifest.read_text())["claims"] if manifest.exists() else args.claims
            graph = GeneratedGraph(claims, 0, 0, 0, args.records, yaml_dir=args.records)
        else:
            graph = generate(Path(tmp) / "records", args.claims)
        rows = run(graph, args.store, Path(tmp))
    print("| work | store | claims | survgraph (s) | plain (s) | ratio | note |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.work} | {r.store} | {r.size:,} | {r.ours:.2f} | {r.plain:.2f} | {r.ratio:.2f} | {r.note} |")


if __name__ == "__main__":
    main()
