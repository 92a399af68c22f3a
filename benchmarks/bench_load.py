"""Benchmark pair: loading records, survgraph's way against the plain engine's, in the same run.

    python benchmarks/bench_load.py --claims 100000 [--store embedded|neo4j]   # standalone, generates a graph
    python benchmarks/bench_load.py --graph DIR                                # a graph generate.py wrote
    python benchmarks/bench_load.py --graph DIR --store neo4j --repeat 3       # Neo4j: sides alternate, medians
    python benchmarks/run.py --sizes 100000 --only load                        # through the harness

Rows (seconds; ratio > 1 means survgraph is slower):

- validate (YAML), validate (CSV): `validate_paths` over the record files of each layout (read with line
  numbers, every model and reference checked) against a plain parse of the same files: libyaml's
  `yaml.load(..., CSafeLoader)` for YAML, the csv module's reader for CSV tables (no checks either way);
- write, fresh store: `load_dataset` on the last validated dataset into an empty store (one all-or-nothing
  load) against the plain engine's bulk path: embedded, `COPY ... FROM` CSV tables of the same rows
  (written beforehand, not timed) into a fresh LadybugDB; Neo4j, the driver's `UNWIND $rows ... MERGE` in
  transactions of 10,000 rows (the usual hand-written load; neo4j-admin import needs a stopped server and
  is not measured here); Neo4j also writes the same rows again (every row an update of an unchanged item),
  and then rows that change every item (a note or description added: every row a real update);
- load, fresh store: validate + write, against the same plain figure (the plain engine validates nothing);
  the note gives the process's peak RSS so far;
- write, incremental (embedded): the last 10% of the claims into a store holding the rest (survgraph's
  MERGE path) against COPY FROM CSV of the same rows into a LadybugDB holding the same rest.

The graph is the harness's (benchmarks/generate.py: its `yaml_dir` and `csv_dir`), or, standalone, one
generated with both layouts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import GeneratedGraph, Result
from generate import generate, load_graph

from survgraph.graph import StoreKind, StoreSettings, open_store, plan_write
from survgraph.graph.ddl import ladybug_statements
from survgraph.graph.embedded import DB_FILE, EmbeddedStore
from survgraph.graph.store import EdgeBatch, WritePlan
from survgraph.loaders import load_dataset, validate_paths
from survgraph.loaders.validate import Dataset
from survgraph.schema import REGISTRY

NEO4J_PLAIN_BATCH = 10_000
#: The share of the claims an incremental load adds to a store holding the rest.
INCREMENT = 0.1


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


def _copy_statements(plan: WritePlan, tables: Path, tag: str) -> list[str]:
    """CSV files of the plan's rows in `tables`, and the COPY FROM statements that load them."""
    tables.mkdir(parents=True, exist_ok=True)
    copies: list[str] = []
    for label, rows in plan.nodes.items():
        cols = [c.name for c in REGISTRY.node_columns[label]]
        path = tables / f"{tag}-{label}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerows([_csv_value(r.get(c)) for c in cols] for r in rows)
        copies.append(f"COPY {label} FROM '{path}' (header=false)")
    ecols = [c.name for c in REGISTRY.edge_columns]
    for n, batch in enumerate(plan.edges):
        path = tables / f"{tag}-{batch.type}-{n}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerows([r["from_id"], r["to_id"], *(_csv_value(r.get(c)) for c in ecols)] for r in batch.rows)
        copies.append(
            f"COPY {batch.type} FROM '{path}' (header=false, from='{batch.from_label}', to='{batch.to_label}')"
        )
    return copies


def _plain_copy(plan: WritePlan, workdir: Path, base: WritePlan | None = None) -> float:
    """A fresh LadybugDB with survgraph's tables, loaded by COPY FROM CSV files of the plan's rows (after,
    untimed, those of `base`); the seconds the plan's COPY statements took."""
    import ladybug

    tables = workdir / "copy-tables"
    shutil.rmtree(tables, ignore_errors=True)
    timed = _copy_statements(plan, tables, "plan")
    untimed = _copy_statements(base, tables, "base") if base is not None else []
    folder = workdir / "plain-store"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    db = ladybug.Database(str(folder / DB_FILE))
    conn = ladybug.Connection(db)
    try:
        for stmt in ladybug_statements(REGISTRY):
            conn.execute(stmt)
        for stmt in untimed:
            conn.execute(stmt)
        t0 = time.perf_counter()
        for stmt in timed:
            conn.execute(stmt)
        return time.perf_counter() - t0
    finally:
        conn.close()
        db.close()


def _plain_csv_parse(folder: Path) -> float:
    """The CSV tables read by the csv module and the YAML files beside them parsed by libyaml (no checks)."""
    t0 = time.perf_counter()
    for path in sorted(folder.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            for _row in csv.reader(f):
                pass
    for path in _yaml_files(folder):
        yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return time.perf_counter() - t0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


def run(graph: GeneratedGraph, store: str, workdir: Path, repeat: int = 1) -> list[Result]:
    """`repeat`: Neo4j only, how many times each side's child runs (alternating; medians reported)."""
    if store == "neo4j" and not os.environ.get("NEO4J_URI"):
        # Unlike the paths and neo4j_import pairs, this one writes into a live server: the user's scratch one.
        raise RuntimeError("the load pair on neo4j needs NEO4J_URI (and NEO4J_PASSWORD): a scratch database it clears")
    if graph.yaml_dir is None and graph.csv_dir is None:
        raise ValueError("the graph was generated without record files (YAML or CSV)")
    size = graph.claims
    results: list[Result] = []
    ds: Dataset | None = None
    for fmt, folder, plain in (
        ("YAML", graph.yaml_dir, _plain_parse),
        ("CSV", graph.csv_dir, _plain_csv_parse),
    ):
        if folder is None:
            continue
        ds = None  # one dataset in memory at a time
        t0 = time.perf_counter()
        ds = validate_paths([folder])
        validate_s = time.perf_counter() - t0
        if ds.errors:
            raise SystemExit(f"the generated records do not validate: {ds.errors[0]}")
        records = len(ds.nodes) + len(ds.claims)
        plain_s = plain(folder)
        note = f"{records / validate_s:,.0f} records/s; plain: " + (
            "libyaml parse" if fmt == "YAML" else "csv module read (+ libyaml for YAML beside)"
        )
        results.append(Result(f"validate ({fmt})", store, size, validate_s, plain_s, "s", note))
    assert ds is not None
    plan = plan_write(ds.nodes, ds.claims, REGISTRY)
    if store == "embedded":
        with EmbeddedStore(workdir / "ours-store") as ours:
            ours.ensure_schema()
            t0 = time.perf_counter()
            load_dataset(ours, ds)
            write_s = time.perf_counter() - t0
        shutil.rmtree(workdir / "ours-store", ignore_errors=True)
        plain_s = _plain_copy(plan, workdir)
        note = "plain: COPY FROM CSV"
    else:
        return results + _neo4j_pair(graph.yaml_dir, size, validate_s, workdir, repeat)
    results.append(Result("write, fresh store", store, size, write_s, plain_s, "s", note))
    validate_s = results[-2].ours
    results.append(
        Result(
            f"load ({results[-2].work.split('(')[1].rstrip(')')}: validate + write), fresh store",
            store,
            size,
            validate_s + write_s,
            plain_s,
            "s",
            f"{len(ds.claims) / (validate_s + write_s):,.0f} claims/s; peak RSS so far {_peak_rss_mb():,.0f} MB",
        )
    )
    if store == "embedded":
        results.append(_incremental(ds, workdir, size))
    return results


def _incremental(ds: Dataset, workdir: Path, size: int) -> Result:
    """An incremental load: the last INCREMENT of the claims into a store holding every entity and the other
    claims (survgraph's MERGE path: the tables are not empty), against the plain engine's COPY FROM CSV of
    the same rows into a store holding the same base."""
    cut = len(ds.claims) - max(1, int(len(ds.claims) * INCREMENT))
    base = Dataset(nodes=ds.nodes, claims=ds.claims[:cut])
    more = Dataset(nodes=[], claims=ds.claims[cut:])
    folder = workdir / "incremental-store"
    shutil.rmtree(folder, ignore_errors=True)
    with EmbeddedStore(folder) as ours:
        ours.ensure_schema()
        load_dataset(ours, base)
        t0 = time.perf_counter()
        load_dataset(ours, more)
        ours_s = time.perf_counter() - t0
    shutil.rmtree(folder, ignore_errors=True)
    plain_s = _plain_copy(
        plan_write([], more.claims, REGISTRY), workdir, base=plan_write(base.nodes, base.claims, REGISTRY)
    )
    return Result(
        f"write, incremental ({len(more.claims):,} new claims into a store holding the rest)",
        "embedded",
        size,
        ours_s,
        plain_s,
        "s",
        "survgraph: MERGE path; plain: COPY FROM CSV into the non-empty tables",
    )


# -- Neo4j: each side in a process of its own, for its peak RSS --------------------------------------


def _changed(plan: WritePlan) -> WritePlan:
    """The plan's rows with one more property each (an entity's description, a claim's notes): written
    over the plan's own graph, every row changes its item."""
    return WritePlan(
        {
            label: [{**r, "description": f"{r.get('description') or ''} (revised)"} for r in rows]
            for label, rows in plan.nodes.items()
        },
        [
            EdgeBatch(
                b.type, b.from_label, b.to_label, [{**r, "notes": f"{r.get('notes') or ''} (revised)"} for r in b.rows]
            )
            for b in plan.edges
        ],
    )


#: The Neo4j passes, in order: into the empty database, the same rows again, rows that change every item.
NEO4J_WORKS = ("fresh", "update", "changed")


def _neo4j_side(side: str, records: Path) -> None:
    """Child: validate `records`, then write them to the (cleared) Neo4j of NEO4J_*: `ours` through
    load_dataset (a plan larger than SURVGRAPH_NEO4J_TX_ROWS goes in batches behind a load marker),
    `plain` through the driver's UNWIND MERGE in 10,000-row transactions; three times (NEO4J_WORKS: into
    the empty database, the same rows again, then rows that change every item). Prints one JSON line:
    seconds, peak RSS."""
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
        plans = {"fresh": plan, "update": plan, "changed": _changed(plan)}  # made before any is timed
        for work in NEO4J_WORKS:
            t0 = time.perf_counter()
            if side == "ours":
                neo.write(plans[work], batch_size=NEO4J_PLAIN_BATCH)  # what load_dataset does after plan_write
            else:
                _plain_unwind(neo, plans[work])
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


def _neo4j_pair(records: Path, size: int, validate_s: float, workdir: Path, repeat: int = 1) -> list[Result]:
    """survgraph's load against the plain driver's UNWIND in 10,000-row transactions, the same run, each
    in a child process (so that each peak RSS is its own): into an empty database, then again (updates),
    then with every row changed. Both sides first load a small graph of the same shape (ours in batches
    too), untimed, so that neither pays for the server's first planning and JIT of the statements. With
    `repeat` > 1 the sides alternate (ours, plain, plain, ours, ...) and each figure is the median."""
    from generate import generate as generate_graph

    warm = generate_graph(workdir / "neo4j-warmup", 3_000, seed=8, formats={"yaml"})
    assert warm.yaml_dir is not None
    for side in ("ours", "plain"):
        _neo4j_child(side, warm.yaml_dir, {"SURVGRAPH_NEO4J_TX_ROWS": "1000"})
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "plain": []}
    for n in range(repeat):
        for side in ("ours", "plain") if n % 2 == 0 else ("plain", "ours"):
            runs[side].append(_neo4j_child(side, records))
    ours, plain = (
        {k: statistics.median(r[k] for r in runs[side]) for k in runs[side][0]} for side in ("ours", "plain")
    )
    if ours["nodes"] != plain["nodes"]:
        raise RuntimeError(f"the two loads wrote different graphs: {ours['nodes']} vs {plain['nodes']} nodes")
    claims = ours["claims"]

    def note(work: str) -> str:
        each = ""
        if repeat > 1:
            each = "; median of {} alternating runs (ours {} s, plain {} s)".format(
                repeat, *("/".join(f"{r[work]:.1f}" for r in runs[side]) for side in ("ours", "plain"))
            )
        return (
            f"claims/s {claims / ours[work]:,.0f} vs {claims / plain[work]:,.0f}; peak RSS {ours['rss_mb']:,.0f} "
            f"vs {plain['rss_mb']:,.0f} MB; both write the same rows (plan_write, untimed on both sides); plain: "
            f"UNWIND MERGE, {NEO4J_PLAIN_BATCH:,} rows a transaction{each}"
        )

    return [
        Result("write, fresh store", "neo4j", size, ours["fresh"], plain["fresh"], "s", note("fresh")),
        Result(
            "write again (every row an update, none changes its item)",
            "neo4j",
            size,
            ours["update"],
            plain["update"],
            "s",
            note("update") + "; survgraph writes none of them (compared on the server)",
        ),
        Result(
            "write again (every row changes its item)",
            "neo4j",
            size,
            ours["changed"],
            plain["changed"],
            "s",
            note("changed"),
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


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_neo4j_side":
        _neo4j_side(sys.argv[2], Path(sys.argv[3]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--store", choices=["embedded", "neo4j"], default="embedded")
    ap.add_argument("--records", type=Path, help="load these record files (e.g. generate.py's DIR/yaml) instead")
    ap.add_argument("--graph", type=Path, help="a folder benchmarks/generate.py wrote (default: generate one)")
    ap.add_argument("--repeat", type=int, default=1, help="Neo4j: runs of each side, alternating (medians)")
    args = ap.parse_args()
    if args.store == "neo4j" and not os.environ.get("NEO4J_URI"):
        raise SystemExit("set NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD to a scratch database (it is cleared)")
    with tempfile.TemporaryDirectory() as tmp:
        if args.graph is not None:
            graph = load_graph(args.graph)
        elif args.records:
            manifest = args.records.parent / "manifest.json"
            claims = json.loads(manifest.read_text())["claims"] if manifest.exists() else args.claims
            graph = GeneratedGraph(claims, 0, 0, 0, args.records, yaml_dir=args.records)
        else:
            graph = generate(Path(tmp) / "graph", args.claims, formats={"yaml", "csv"})
        rows = run(graph, args.store, Path(tmp), args.repeat)
    print("| work | store | claims | survgraph (s) | plain (s) | ratio | note |\n|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.work} | {r.store} | {r.size:,} | {r.ours:.2f} | {r.plain:.2f} | {r.ratio:.2f} | {r.note} |")


if __name__ == "__main__":
    main()
