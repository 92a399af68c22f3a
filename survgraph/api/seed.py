"""Seed an empty store from the curated records, so a fresh server (or container) answers with data."""

from __future__ import annotations

from pathlib import Path

import survgraph
from survgraph.graph import GraphStore, WriteSummary
from survgraph.loaders import load_paths

SEED_DIR_NAME = "seed_data"


def find_seed_dir(cwd: Path | None = None) -> Path | None:
    """`seed_data/` in the working directory, else next to the package (a source checkout), else None."""
    candidates = [
        (cwd or Path.cwd()) / SEED_DIR_NAME,
        Path(survgraph.__file__).resolve().parent.parent / SEED_DIR_NAME,
    ]
    return next((c for c in candidates if c.is_dir()), None)


def is_empty(store: GraphStore) -> bool:
    return sum(store.stats().nodes.values()) == 0


def seed_if_empty(store: GraphStore, path: Path) -> WriteSummary | None:
    """Load `path` when the store holds no node; never touches a store that has data.

    Raises InvalidRecords (nothing written) if the records do not validate, StoreError if the store fails.
    """
    if not is_empty(store):
        return None
    _, summary = load_paths(store, [path])
    return summary
