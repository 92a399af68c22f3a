"""Graph stores: one interface (`GraphStore`), Neo4j and the embedded LadybugDB engine behind it."""

from survgraph.graph.config import StoreKind, StoreSettings, open_store
from survgraph.graph.store import (
    GraphStore,
    ReadOnlyViolation,
    Stats,
    StoreAuthError,
    StoreError,
    StoreUnavailable,
    WritePlan,
    WriteSummary,
    plan_write,
)
from survgraph.graph.view import GraphView, NoSuchEntity

__all__ = [
    "GraphStore",
    "GraphView",
    "NoSuchEntity",
    "ReadOnlyViolation",
    "Stats",
    "StoreAuthError",
    "StoreError",
    "StoreKind",
    "StoreSettings",
    "StoreUnavailable",
    "WritePlan",
    "WriteSummary",
    "open_store",
    "plan_write",
]
