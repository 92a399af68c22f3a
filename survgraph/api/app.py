"""The app factory: settings, the store provider, error handlers and one router per concern."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

import survgraph
from survgraph.api.errors import install_error_handlers
from survgraph.api.models import ErrorOut
from survgraph.api.provider import StoreProvider
from survgraph.api.routers import claims, cypher, entities, health, paths, queries, rdf, records, stats, viz
from survgraph.api.settings import ApiSettings
from survgraph.graph import GraphStore

DESCRIPTION = """\
A cited knowledge graph of surveillance vendors, states and projects.

Every edge is a **claim** with its own sources and confidence. Errors are JSON:
`{"error": "...", "details": ["..."]}`. Endpoints that write exist only when the server has an API key
(`SURVGRAPH_API_KEY`) and require it in the `X-API-Key` header.
"""


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
        responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut, "description": "The store is unreachable"}},
    )
    app.state.settings = settings
    app.state.provider = provider
    install_error_handlers(app)
    for module in (health, entities, claims, queries, paths, stats, cypher, rdf, viz):
        app.include_router(module.router)
    if settings.writes_enabled:
        app.include_router(records.router)
    return app
