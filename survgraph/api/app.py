"""The app factory: settings, the store provider, error handlers and one router per concern."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

import survgraph
from survgraph.api.errors import error_body, install_error_handlers
from survgraph.api.models import ErrorOut
from survgraph.api.provider import StoreProvider
from survgraph.api.routers import claims, cypher, entities, health, network, paths, queries, rdf, records, stats, viz
from survgraph.api.routers.docs import install_docs
from survgraph.api.settings import ApiSettings
from survgraph.graph import GraphStore

DESCRIPTION = """\
A cited knowledge graph of surveillance vendors, states and projects.

Every edge is a **claim** with its own sources and confidence. Errors are JSON:
`{"error": "...", "details": ["..."]}`. Endpoints that write exist only when the server has an API key
(`SURVGRAPH_API_KEY`) and require it in the `X-API-Key` header.
"""


#: The longest request target (path and query string) the API reads, in bytes: 414 above it.
MAX_URL_BYTES = 16 * 1024
#: The most header bytes (names and values) a request may carry: 431 above it.
MAX_HEADERS_BYTES = 32 * 1024


class RequestHeadLimits:
    """ASGI middleware: refuse an over-long URL (414) or header block (431) in the API's JSON error shape,
    before routing. The server (serve.py) refuses heads too long for its parser to buffer the same way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b""))
            headers = sum(len(k) + len(v) + 4 for k, v in scope.get("headers", []))
            refusal = None
            if target > MAX_URL_BYTES:
                refusal = (414, "URI too long", f"the request target is longer than {MAX_URL_BYTES} bytes")
            elif headers > MAX_HEADERS_BYTES:
                refusal = (431, "request header fields too large", f"the headers exceed {MAX_HEADERS_BYTES} bytes")
            if refusal is not None:
                status, message, detail = refusal
                response = JSONResponse(error_body(message, [detail]), status_code=status)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: ApiSettings | None = None, store: GraphStore | None = None) -> FastAPI:
    """Build the API. `store`, if given, is used as is and stays the caller's to close; otherwise the store
    that `settings` (default: the environment) names is opened on the first request that needs it."""
    settings = settings or ApiSettings()
    provider = StoreProvider(settings, store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        monitor = asyncio.create_task(provider.monitor(settings.store_check_interval_s))
        try:
            yield
        finally:
            monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await monitor
            provider.close()

    app = FastAPI(
        title="survgraph",
        version=survgraph.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # No 307 to the slash-less path: a trailing slash is an unknown route, answered in the error shape.
        redirect_slashes=False,
        # Served by install_docs from the installed package, not from CDNs.
        docs_url=None,
        redoc_url=None,
        responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut, "description": "The store is unreachable"}},
    )
    app.state.settings = settings
    app.state.provider = provider
    install_error_handlers(app)
    install_docs(app)
    app.add_middleware(RequestHeadLimits)
    for module in (health, entities, claims, queries, paths, stats, cypher, rdf, network, viz):
        app.include_router(module.router)
    if settings.writes_enabled:
        app.include_router(records.router)
    return app
