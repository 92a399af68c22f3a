"""Query parameters shared by several routers: pagination bounds, id and text lengths."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from survgraph.api.errors import Unprocessable
from survgraph.schema import REGISTRY

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
#: Ids are short slugs; anything longer cannot be in the graph and is refused before it reaches a store.
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 200

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]


def edge_type(value: str) -> str:
    """An edge type from the registry (case-insensitive), or 422 listing the allowed ones."""
    name = value.strip().upper()
    if name not in REGISTRY.edge_types:
        raise Unprocessable(
            f"unknown edge type {value[:MAX_ID_LENGTH]!r}",
            [f"allowed: {', '.join(REGISTRY.edge_types)}"],
        )
    return name


def edge_types(values: list[str] | None) -> list[str] | None:
    """Repeated (`types=A&types=B`) or comma-separated (`types=A,B`) edge types, validated."""
    if not values:
        return None
    names = [edge_type(part) for v in values for part in v.split(",") if part.strip()]
    return sorted(set(names)) or None


def node_kind(value: str) -> str:
    """A node kind by label or id prefix, case-insensitive ("Vendor", "vendor"), or 422."""
    wanted = value.strip().lower()
    for kind in REGISTRY.node_kinds.values():
        if wanted in (kind.label.lower(), kind.prefix):
            return kind.label
    raise Unprocessable(
        f"unknown kind {value[:MAX_ID_LENGTH]!r}",
        [f"allowed: {', '.join(REGISTRY.node_kinds)}"],
    )
