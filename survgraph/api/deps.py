"""FastAPI dependencies: the settings, the store, and the write key check.

They are `async` where they do no blocking work: FastAPI runs a sync dependency on its thread pool, one
hop (and a wake-up of the event loop) per dependency per request.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool

from survgraph.api.errors import NotFound, Unauthorized
from survgraph.api.provider import StoreProvider
from survgraph.api.settings import ApiSettings
from survgraph.graph import GraphStore


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_provider(request: Request) -> StoreProvider:
    provider: StoreProvider = request.app.state.provider
    return provider


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
ProviderDep = Annotated[StoreProvider, Depends(get_provider)]


async def get_store(request: Request, provider: ProviderDep) -> GraphStore:
    # Opening a store (and pinging Neo4j) blocks: only then on the thread pool.
    store = provider.current
    if store is None:
        store = await run_in_threadpool(provider.get)
    # Remembered so that the StoreUnavailable handler retires exactly the store that failed.
    request.state.store = store
    return store


StoreDep = Annotated[GraphStore, Depends(get_store)]

# auto_error=False: a missing key must give our 401 JSON, not FastAPI's default 403.
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Required by endpoints that write.")


async def require_api_key(settings: SettingsDep, key: Annotated[str | None, Depends(_api_key_header)]) -> None:
    expected = settings.api_key
    if expected is None:  # routes that write are not mounted then; this is a second line of defence
        raise NotFound("writes are disabled on this server (no SURVGRAPH_API_KEY)")
    if key is None:
        raise Unauthorized("this endpoint writes: send the API key in the X-API-Key header")
    if not secrets.compare_digest(key.encode(), expected.get_secret_value().encode()):
        raise Unauthorized("wrong API key")


ApiKeyDep = Depends(require_api_key)
