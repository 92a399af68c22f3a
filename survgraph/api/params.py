"""Query parameters shared by several routers: pagination bounds, id and text lengths."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from survgraph.api.errors import Unprocessable
from survgraph.queries import Template
from survgraph.schema import REGISTRY

MAX_LIMIT = 500
#: Ids are short slugs; anything longer cannot be in the graph and is refused before it reaches a store.
MAX_ID_LENGTH = 200
MAX_TEXT_LENGTH = 200

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]


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


def template_params(template: Template, request: Request) -> dict[str, Any]:
    """A template's parameters from the query string: list parameters repeated (`types=A&types=B`)
    or comma-separated (`types=A,B`). Unknown names go through too: the template's validation names
    them in its 422."""
    specs = {p.name: p for p in template.params}
    params: dict[str, Any] = {}
    for key in request.query_params:
        values = request.query_params.getlist(key)
        spec = specs.get(key)
        if spec is not None and spec.type == "list[str]":
            params[key] = [part for v in values for part in v.split(",")]
        else:
            params[key] = values[0] if len(values) == 1 else values
    return params
