"""The API's exceptions, each carrying its HTTP status, and the one place every error becomes JSON.

Every error response, whatever raised it, has the shape {"error": "...", "details": ["...", ...]}.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from survgraph.errors import SurvgraphError
from survgraph.graph import NoSuchEntity, ReadOnlyViolation, StoreAuthError, StoreError, StoreUnavailable
from survgraph.graph.raw_cypher import public_message
from survgraph.loaders import InvalidRecords
from survgraph.queries import TemplateParamError, UnknownTemplate

log = logging.getLogger("survgraph.api")


class ApiError(SurvgraphError):
    """An error a client can act on, raised by the API itself; `status` is the HTTP status it maps to."""

    status: ClassVar[int] = 500

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status = 401


class NotFound(ApiError):
    status = 404


class PayloadTooLarge(ApiError):
    status = 413


class Unprocessable(ApiError):
    status = 422


class Unavailable(ApiError):
    status = 503


def error_body(message: str, details: Sequence[str] = ()) -> dict[str, Any]:
    return {"error": message, "details": list(details)}


def _json(
    status: int, message: str, details: Sequence[str] = (), headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(message, details), status_code=status, headers=headers)


def validation_details(errors: Sequence[Any]) -> list[str]:
    """Pydantic/FastAPI error dicts as "location: message" lines, e.g. "query.max_hops: ..."."""
    out = []
    for err in errors:
        loc = ".".join(str(part) for part in err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        out.append(f"{loc}: {msg}" if loc else msg)
    return out


def describe(exc: SurvgraphError) -> tuple[str, list[str]]:
    """The message and details a client is shown for `exc` (its status is `exc.status`)."""
    if isinstance(exc, ApiError):
        return exc.message, exc.details
    if isinstance(exc, TemplateParamError):
        # details: one {"param", "message", "type"} per problem
        return f"invalid parameters for query template {exc.template!r}", [
            f"{d.get('param', '-')}: {d.get('message', '')}" for d in exc.details
        ] or [str(exc)]
    if isinstance(exc, UnknownTemplate):
        return f"unknown query template {exc.name!r}", [f"known: {', '.join(exc.known)}"]
    if isinstance(exc, InvalidRecords):
        return str(exc), [str(p) for p in exc.problems]
    if isinstance(exc, StoreUnavailable):
        return "the graph store is unavailable; try again shortly", [str(exc)]
    if isinstance(exc, StoreAuthError):
        return "the graph store refused the API's credentials", [str(exc)]
    if isinstance(exc, ReadOnlyViolation):
        return "refused: the query cannot be shown to only read", [str(exc)]
    if isinstance(exc, StoreError):
        return "internal error: the graph store failed to answer", []
    if exc.status >= 500:
        return "internal error", []
    return str(exc), []


def _store_address(request: Request) -> tuple[str, ...]:
    """The configured store's URI and its host:port, as they may appear in a driver's message."""
    uri = str(getattr(getattr(request.app.state, "settings", None), "neo4j_uri", "") or "")
    netloc = uri.split("://", 1)[-1].split("/", 1)[0] if uri else ""
    return (uri, netloc)


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception the API can meet to its status and the common JSON shape."""

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return _json(422, "invalid request", validation_details(exc.errors()))

    @app.exception_handler(SurvgraphError)
    async def _survgraph_error(request: Request, exc: SurvgraphError) -> JSONResponse:
        if isinstance(exc, StoreUnavailable):
            # Drop the store that failed so that the next request connects afresh (see provider.py).
            provider = getattr(request.app.state, "provider", None)
            if provider is not None:
                provider.retire(getattr(request.state, "store", None))
        elif exc.status >= 500 and not isinstance(exc, StoreAuthError):
            # Queries the API builds itself should never fail; when one does it is our bug, not the client's.
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
        message, details = describe(exc)
        if isinstance(exc, StoreError):
            # A store's own words may name its address (the Bolt URI, host:port) or Java classes: never shown.
            details = [public_message(d, *_store_address(request)) for d in details]
        headers = {"WWW-Authenticate": "X-API-Key"} if exc.status == 401 else None
        if isinstance(exc, StoreUnavailable):
            headers = {"Retry-After": "5"}
        if isinstance(exc, NoSuchEntity):
            # The closest existing ids of the same kind, for a client to offer ("did you mean").
            body = {**error_body(message, details), "suggestions": exc.suggestions}
            return JSONResponse(body, status_code=exc.status)
        return _json(exc.status, message, details, headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.url.path}"
        return _json(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _json(500, "internal error")
