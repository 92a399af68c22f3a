"""Benchmark: time every query template's default run on the seed data (or a folder you name).

    python benchmarks/queries.py [--store embedded|neo4j] [--data seed_data] [--runs 3]

Loads the records into a fresh embedded store (or the Neo4j that NEO4J_URI names, which it clears:
point it at a scratch database), then prints the best of N runs per template, warm.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from survgraph.graph import StoreKind, StoreSettings, open_store
from survgraph.loaders import load_paths
from survgraph.queries import run_template

#: Parameters for the templates that need some, chosen from the seed data.
PARAMS: dict[str, dict[str, object]] = {
    "vendors_touching_national_data_centres": {"max_hops": 6},
    "vendor_footprint": {"vendor": "vendor:huawei"},
    "country_profile": {"country": "PK"},
    "initiative_projects": {"initiative": "initiative:bri"},
    "funding_chains": {"id": "project:islamabad-safe-city", "max_hops": 3},
    "data_linkage": {"database": "database:zw-national-data-centre", "max_hops": 3},
    "shortest_path": {"from": "vendor:cloudwalk", "to": "database:zw-national-data-centre", "max_hops": 6},
    "neighbourhood": {"id": "vendor:huawei", "depth": 2},
    "vendors_by_technology": {"technology": "facial_recognition"},
    "countries_by_vendor_origin": {"origin": "CN"},
    "claims_by_source": {"source": "source:dawn-2016-lahore-8000-cameras"},
    "search": {"text": "safe city"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", choices=[k.value for k in StoreKind], default="embedded")
    ap.add_argument("--data", type=Path, default=Path("seed_data"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = StoreSettings()
        settings.store = StoreKind(args.store)
        settings.data_dir = Path(tmp)
        store = open_store(settings)
        if args.store == "neo4j":
            store.clear()
        load_paths(store, [args.data])
        for name, params in PARAMS.items():
            best = float("inf")
            rows = 0
            for _ in range(args.runs):
                start = time.perf_counter()
                rows = len(run_template(store, name, params))
                best = min(best, time.perf_counter() - start)
            print(f"{name:42s} {rows:4d} rows  {best * 1000:8.1f} ms")
        store.close()


if __name__ == "__main__":
    main()
