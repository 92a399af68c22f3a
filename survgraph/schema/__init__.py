"""The data model: validated types, record models and the registry every other layer derives from."""

from survgraph.schema.models import (
    Claim,
    Country,
    Database,
    Initiative,
    Node,
    Organization,
    Project,
    Source,
    SourceKind,
    Vendor,
)
from survgraph.schema.registry import (
    INTERNAL_LABELS,
    LOAD_JOURNAL_LABEL,
    LOAD_MARKER_LABEL,
    REGISTRY,
    Column,
    ColumnType,
    EdgeType,
    NodeKind,
    Registry,
)
from survgraph.schema.types import Confidence, Money, Quantity, Technology

__all__ = [
    "INTERNAL_LABELS",
    "LOAD_JOURNAL_LABEL",
    "LOAD_MARKER_LABEL",
    "REGISTRY",
    "Claim",
    "Column",
    "ColumnType",
    "Confidence",
    "Country",
    "Database",
    "EdgeType",
    "Initiative",
    "Money",
    "Node",
    "NodeKind",
    "Organization",
    "Project",
    "Quantity",
    "Registry",
    "Source",
    "SourceKind",
    "Technology",
    "Vendor",
]
