"""What one `GET /entities/{id}` costs in process, without HTTP: wall and CPU time per entity, engine queries
per entity, and the time spent in them (the route's own body function, one thread, on an embedded store).

    python benchmarks/entity_reads.py STORE_DIR GRAPH_DIR [--count 400]

STORE_DIR: a store bench_api made (`<workdir>/ladybug-graph-1000000-seed7`); GRAPH_DIR: the generated graph
(for its hubs, left out as bench_api leaves them out). The ids are bench_api's, `--count` of them, each read
once after a warm-up over the first 50. To compare two trees on one store, run this file with PYTHONPATH
set to each tree in turn (the survgraph imported is the tree's), alternating, and compare the medians: on a
busy machine one run alone says little.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_api import entity_ids


def main() -> None:
    from survgraph.api.provider import ConcurrentStore
    from survgraph.api.routers.entities import _entity_json
    from survgraph.graph.embedded import EmbeddedStore

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store", type=Path)
    ap.add_argument("graph", type=Path)
    ap.add_argument("--count", type=int, default=400)
    args = ap.parse_args()
    hubs = json.loads((args.graph / "manifest.json").read_text())["hubs"]
    ids = entity_ids(args.store, hubs, args.count)
    store = ConcurrentStore(EmbeddedStore(args.store))
    queries: Counter[str] = Counter()
    spent = [0.0]
    query_on = store.inner.query_on

    def counted(conn: Any, cypher: str, params: Any = None) -> list[dict[str, Any]]:
        start = time.perf_counter()
        try:
            return query_on(conn, cypher, params)
        finally:
            spent[0] += time.perf_counter() - start
            queries[cypher] += 1

    store.inner.query_on = counted  # type: ignore[method-assign]
    try:
        for entity_id in ids[:50]:
            _entity_json(store, entity_id, None, 50, "")
        queries.clear()
        spent[0] = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        for entity_id in ids:
            _entity_json(store, entity_id, None, 50, "")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        store.close()
    n = len(ids)
    print(
        f"{n} entities: {wall / n * 1e3:.2f} ms each (CPU {cpu / n * 1e3:.2f} ms), "
        f"{sum(queries.values()) / n:.2f} queries each, {spent[0] / n * 1e3:.2f} ms of them in queries"
    )


if __name__ == "__main__":
    main()
