"""Benchmark: validate and load a synthetic graph into a store; prints time and peak memory.

    python benchmarks/load.py --vendors 2000 --projects 18000 --claims 60000 [--store embedded|neo4j]

The records are generated as YAML files first, so the figure covers the whole path a curator's
data takes: parse with line numbers, validate every reference, then one all-or-nothing write.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

import yaml

from survgraph.graph import StoreKind, StoreSettings, open_store
from survgraph.loaders import load_dataset, validate_paths


def generate(folder: Path, vendors: int, projects: int, claims: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    sources = [
        {
            "id": "source:bench",
            "publisher": "Benchmark",
            "kind": "dataset",
            "title": "Synthetic records",
            "date": "2020",
        }
    ]
    entities = [
        {
            "id": f"vendor:v{i}",
            "name": f"Vendor {i}",
            "hq_country": "CN",
            "sources": ["source:bench"],
            "confidence": "reported",
        }
        for i in range(vendors)
    ] + [
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
    countries = [{"id": f"country:{c}", "name": c, "sources": ["source:bench"]} for c in ("CN", "PK", "ZW", "KE", "EC")]
    rels = []
    seen: set[tuple[int, int]] = set()
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
            }
        )
    (folder / "records.yaml").write_text(
        yaml.safe_dump({"sources": sources, "entities": countries + entities, "claims": rels}, sort_keys=False)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vendors", type=int, default=2000)
    ap.add_argument("--projects", type=int, default=18000)
    ap.add_argument("--claims", type=int, default=60000)
    ap.add_argument("--store", choices=[k.value for k in StoreKind], default="embedded")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder, args.vendors, args.projects, args.claims)
        settings = StoreSettings()
        settings.store = StoreKind(args.store)
        settings.data_dir = folder / "store"
        store = open_store(settings)
        if args.store == "neo4j":
            store.clear()
        t0 = time.perf_counter()
        ds = validate_paths([folder])
        t1 = time.perf_counter()
        load_dataset(store, ds, batch_size=2000)
        t2 = time.perf_counter()
        stats = store.stats()
        store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{sum(stats.nodes.values())} nodes, {sum(stats.edges.values())} edges on {args.store}: "
        f"validate {t1 - t0:.1f} s, write {t2 - t1:.1f} s, total {t2 - t0:.1f} s, peak RSS {peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
