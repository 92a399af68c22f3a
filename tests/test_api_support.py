"""Helpers for the API tests (no tests here): a real uvicorn server in a thread, a loaded graph per engine,
graph snapshots to prove nothing changed, and the error-shape check every error response must pass."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from survgraph.api import ApiSettings, create_app
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_paths

from .conftest import FIXTURES, SERVER_SCRIPT, TEST_PASSWORD, Neo4jServer

SMALL = FIXTURES / "small"
ENGINES = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]
API_KEY = "test-key-0123456789"


class ApiServer:
    """uvicorn serving `app` on a free 127.0.0.1 port, in a daemon thread."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        # Bind first and hand uvicorn the socket: no window in which another process could take the port.
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        # The server keeps an idle connection longer than the client (httpx drops it after 5 s): with both at
        # 5 s, a request sent as the server closes the connection met "Server disconnected" on a loaded machine.
        config = uvicorn.Config(
            app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5, timeout_keep_alive=30
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> ApiServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        self.sock.close()

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)


@contextmanager
def serve(app: FastAPI) -> Iterator[tuple[ApiServer, httpx.Client]]:
    with ApiServer(app) as server, server.client() as client:
        yield server, client


def settings(**values: Any) -> ApiSettings:
    """ApiSettings from explicit values, by their environment names (SURVGRAPH_API_KEY=...). Writes stay
    off unless asked for, whatever the environment of the test run says."""
    values.setdefault("SURVGRAPH_API_KEY", None)
    return ApiSettings(**values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_small(store: GraphStore) -> None:
    load_paths(store, [SMALL])


@contextmanager
def engine_store(
    engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[GraphStore]:
    """A store of `engine` holding the small fixture graph, for a module's read-only tests."""
    store: GraphStore
    if engine == "neo4j":
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        store = server.open()
        store.clear()
    else:
        store = EmbeddedStore(tmp_path_factory.mktemp("api-embedded"))
    try:
        load_small(store)
        yield store
    finally:
        store.close()


def snapshot(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with all its properties, in a stable order."""
    nodes = store.query("MATCH (n) RETURN n ORDER BY n.id")
    edges = store.query("MATCH ()-[r]->() RETURN r ORDER BY r.id")
    return [r["n"] for r in nodes], [r["r"] for r in edges]


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    """`response` is an error of `status` in the API's one shape: {"error": str, "details": [str]}."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    # An unknown entity id's 404 also names the closest ids (`suggestions`); nothing else adds a key.
    extra = {"suggestions"} if status == 404 and "suggestions" in body else set()
    assert set(body) == {"error", "details"} | extra, body
    assert all(isinstance(s, str) for s in body.get("suggestions", []))
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["details"], list) and all(isinstance(d, str) for d in body["details"])
    return dict(body)


def app_for(store: GraphStore, **values: Any) -> FastAPI:
    return create_app(settings(**values), store=store)


class DedicatedNeo4j:
    """A Neo4j of one test's own (never the shared session server), on a fixed port so that it can be
    stopped and started again at the same address."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.uri = f"bolt://127.0.0.1:{self.port}"

    def start(self) -> None:
        proc = subprocess.run(
            [
                str(SERVER_SCRIPT),
                "start",
                "--home",
                str(self.home),
                "--port",
                str(self.port),
                "--password",
                TEST_PASSWORD,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0 or f"NEO4J_READY {self.uri}" not in proc.stdout:
            raise RuntimeError(f"dedicated Neo4j did not start (exit {proc.returncode}):\n{proc.stderr[-4000:]}")

    def stop(self) -> None:
        subprocess.run([str(SERVER_SCRIPT), "stop", "--home", str(self.home)], capture_output=True, timeout=180)

    def env(self) -> dict[str, str]:
        return {
            "SURVGRAPH_STORE": "neo4j",
            "NEO4J_URI": self.uri,
            "NEO4J_USER": "neo4j",
            "NEO4J_PASSWORD": TEST_PASSWORD,
        }
