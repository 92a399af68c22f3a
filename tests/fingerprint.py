"""A fingerprint of everything in a store: every node and edge with all its properties, hashed.

Adversarial tests take it before and after an attack: equal fingerprints mean nothing was written,
changed or deleted (counts alone would miss a changed property).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from survgraph.graph import GraphStore


def _canonical(row: dict[str, Any]) -> dict[str, Any]:
    # Lists compare as sets: neither engine promises an order for repeated values.
    return {k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in sorted(row.items())}


def snapshot(store: GraphStore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every node and edge with all its properties, in id order."""
    nodes = store.query("MATCH (n) RETURN n ORDER BY n.id")
    edges = store.query("MATCH ()-[r]->() RETURN r ORDER BY r.id")
    return [_canonical(r["n"]) for r in nodes], [_canonical(r["r"]) for r in edges]


def fingerprint(store: GraphStore) -> str:
    """sha256 of the canonical JSON of `snapshot(store)`."""
    text = json.dumps(snapshot(store), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
