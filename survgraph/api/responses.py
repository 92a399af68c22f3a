"""The error responses routes declare in the OpenAPI schema, always as JSON.

FastAPI files a response declared with `model=` under the route's own media type, so an HTML or RDF route
would claim that its 404 is text/html. Errors are JSON whatever the route answers on success
(errors.py builds every one of them), and this says so explicitly.
"""

from __future__ import annotations

from typing import Any

from survgraph.api.models import ErrorOut

#: The JSON Schema of every error body: {"error": str, "details": [str]}.
ERROR_SCHEMA: dict[str, Any] = ErrorOut.model_json_schema()

#: What each status means on this API, unless a route says more.
DEFAULT_DESCRIPTIONS: dict[int, str] = {
    400: "Bad request",
    401: "Missing or wrong X-API-Key",
    404: "Not found",
    406: "None of the Accept header's types is offered",
    413: "The body is too large",
    422: "Invalid parameters: each problem in `details`",
    503: "The store is unreachable",
}


def json_error(status: int, description: str | None = None) -> dict[str, Any]:
    """One error response, JSON whatever the route's own media type."""
    return {
        "description": description or DEFAULT_DESCRIPTIONS.get(status, "Error"),
        "content": {"application/json": {"schema": ERROR_SCHEMA}},
    }


def json_errors(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """`json_errors(404, 422)`, or with descriptions: `json_errors(422, e404="No entity has this id")`."""
    out: dict[int | str, dict[str, Any]] = {status: json_error(status) for status in statuses}
    for key, description in described.items():
        status = int(key.lstrip("e"))
        out[status] = json_error(status, description)
    return out
