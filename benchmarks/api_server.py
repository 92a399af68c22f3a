"""The API server bench_api.py measures: survgraph's app on an embedded store, plus one constant route.

    python benchmarks/api_server.py --data-dir DIR --port PORT [--serial]

`/__bench/constant` answers {"ok": true} without touching the store: the same server's ceiling (uvicorn,
FastAPI, the thread pool, JSON), measured in the same run as the store-backed routes. `--serial` serves the
store the way the API did before reads ran in parallel (every call behind one lock, LockedStore).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from survgraph.api import ApiSettings, create_app
from survgraph.api.provider import LockedStore
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--serial", action="store_true", help="one lock around every store call (the old API)")
    args = ap.parse_args()
    settings = ApiSettings.model_validate(
        {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(args.data_dir), "SURVGRAPH_API_KEY": None}
    )
    store: GraphStore | None = None
    if args.serial:
        store = LockedStore(EmbeddedStore(args.data_dir))
    app = create_app(settings, store=store)

    @app.get("/__bench/constant", include_in_schema=False)
    def constant() -> dict[str, bool]:  # a sync route, like the store-backed ones: it runs on the thread pool
        return {"ok": True}

    # A long keep-alive: on a saturated machine a client may take longer than uvicorn's default 5 s to reuse
    # a connection, and would then race the server closing it ("Server disconnected without a response").
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, timeout_keep_alive=300)


if __name__ == "__main__":
    main()
