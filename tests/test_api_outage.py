"""503 while Neo4j is down, and recovery without restarting the API, on a Neo4j of this test's own
(stopped and started again at the same port; the shared session server is never touched)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from survgraph.api import create_app
from survgraph.graph.neo4j_store import Neo4jStore

from .conftest import TEST_PASSWORD
from .test_api_support import DedicatedNeo4j, assert_error, load_small, serve, settings

pytestmark = pytest.mark.neo4j

#: The first request after the server goes away may wait out the driver's retries (max 15 s) before
#: its 503; every later one must fail fast, because the dead driver is not kept.
FIRST_FAILURE_S = 40.0
FAST_FAILURE_S = 5.0


@pytest.fixture
def dedicated(tmp_path: Path) -> Iterator[DedicatedNeo4j]:
    server = DedicatedNeo4j(tmp_path / "outage-neo4j")
    try:
        yield server
    finally:
        server.stop()


def _timed(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    start = time.monotonic()
    r = client.get(url)
    return r, time.monotonic() - start


def test_503_while_neo4j_is_down_then_recovers(dedicated: DedicatedNeo4j) -> None:
    app = create_app(
        settings(SURVGRAPH_STORE="neo4j", NEO4J_URI=dedicated.uri, NEO4J_USER="neo4j", NEO4J_PASSWORD=TEST_PASSWORD)
    )
    provider = app.state.provider
    with serve(app) as (_, client):
        # 1. The API starts before its database: alive, not ready, every store endpoint 503.
        assert client.get("/health").json() == {"status": "ok"}
        for url in ("/ready", "/entities", "/entities/vendor:acme", "/stats", "/claims"):
            r, took = _timed(client, url)
            body = assert_error(r, 503)
            assert "unavailable" in body["error"] and body["details"], body
            # The store's address is the server's business: neither the Bolt URI nor host:port is shown.
            host_port = dedicated.uri.split("://", 1)[1]
            assert host_port not in r.text and "bolt://" not in r.text, body
            assert r.headers["retry-after"] == "5"
            assert took < FAST_FAILURE_S, (url, took)

        # 2. The database comes up: the same API process answers, with no restart.
        dedicated.start()
        store = Neo4jStore(dedicated.uri, "neo4j", TEST_PASSWORD)
        try:
            store.clear()
            load_small(store)
        finally:
            store.close()
        assert client.get("/ready").json() == {"status": "ready", "store": "neo4j"}
        acme = client.get("/entities/vendor:acme")
        assert acme.status_code == 200 and acme.json()["entity"]["name"] == "Acme Vision"
        first_driver = provider.get()

        # 3. The database stops: 503 in the error shape, the process stays alive.
        dedicated.stop()
        r, took = _timed(client, "/entities/vendor:acme")
        assert_error(r, 503)
        assert took < FIRST_FAILURE_S, took
        for url in ("/ready", "/entities/vendor:acme", "/stats"):
            r, took = _timed(client, url)
            assert_error(r, 503)
            assert took < FAST_FAILURE_S, (url, took)
        assert client.get("/health").status_code == 200

        # 4. It comes back at the same address: the API recovers by itself, on a new driver.
        dedicated.start()
        assert client.get("/ready").status_code == 200
        r = client.get("/entities/vendor:acme")
        assert r.status_code == 200 and r.json() == acme.json()
        assert client.get("/stats").json()["nodes"]["Vendor"] == 3
        assert provider.get() is not first_driver
