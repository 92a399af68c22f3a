"""`survgraph serve`: seed an empty store, then run the API under uvicorn."""

from __future__ import annotations

import time
from pathlib import Path

import uvicorn

from survgraph.api.app import create_app
from survgraph.api.provider import shared_store
from survgraph.api.seed import seed_if_empty
from survgraph.api.settings import ApiSettings
from survgraph.graph import StoreKind, StoreUnavailable, WriteSummary


def seed_store(settings: ApiSettings, seed: Path) -> WriteSummary | None:
    """Load `seed` if the store is empty. Raises InvalidRecords or StoreError (nothing written)."""
    store = shared_store(settings)
    try:
        return seed_if_empty(store, seed)
    finally:
        if settings.store is StoreKind.neo4j:
            store.close()  # the app opens its own driver; the embedded store stays open for it


def seed_or_warn(settings: ApiSettings, seed: Path, wait_s: float = 0.0) -> str:
    """Seed, reporting what happened as one line. An unreachable store is retried for `wait_s` seconds
    (a database container may still be starting), then given up: the server still starts and answers
    503 until the store is back."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            summary = seed_store(settings, seed)
            break
        except StoreUnavailable as exc:
            if time.monotonic() >= deadline:
                return f"warning: not seeded, the store is unreachable: {exc}"
            time.sleep(2.0)
    if summary is None:
        return "the store already holds data; not seeded"
    counts = summary.as_dict()
    nodes = sum(c["created"] for c in counts["nodes"].values())
    edges = sum(c["created"] for c in counts["edges"].values())
    return f"seeded the empty {settings.store.value} store from {seed}: {nodes} entities, {edges} claims"


def run(settings: ApiSettings, host: str, port: int, log_level: str = "info") -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True)
