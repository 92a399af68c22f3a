"""Shared fixtures: a real Neo4j for the session, a fresh embedded store per test, and both behind `store`."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from survgraph.graph import GraphStore, StoreSettings
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.loaders import load_paths

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seed_data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SERVER_SCRIPT = ROOT / "tools" / "neo4j" / "neo4j-test-server"
TEST_PASSWORD = "survgraph-test-pw"


@dataclass(frozen=True)
class Neo4jServer:
    uri: str
    user: str
    password: str
    database: str | None
    home: Path | None  # None when the server is not ours (NEO4J_URI given)

    def env(self) -> dict[str, str]:
        env = {"NEO4J_URI": self.uri, "NEO4J_USER": self.user, "NEO4J_PASSWORD": self.password}
        if self.database:
            env["NEO4J_DATABASE"] = self.database
        return env

    def open(self) -> Neo4jStore:
        return Neo4jStore(self.uri, self.user, self.password, self.database)


def _start_server(home: Path) -> str:
    proc = subprocess.run(
        [str(SERVER_SCRIPT), "start", "--home", str(home), "--password", TEST_PASSWORD],
        capture_output=True,
        text=True,
        timeout=900,
    )
    ready = [ln for ln in proc.stdout.splitlines() if ln.startswith("NEO4J_READY ")]
    if proc.returncode != 0 or not ready:
        raise RuntimeError(f"Neo4j did not start (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return ready[-1].split()[1]


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    """A real Neo4j: ours (started from Maven Central jars), or the one NEO4J_URI names.

    A server that does not start FAILS the tests that need it: nothing is skipped, in CI or here.
    Under pytest-xdist (`pytest -n 2`) each worker starts its own server, on a free port, with its home
    under the worker's own basetemp: the workers share nothing. One NEO4J_URI cannot serve several
    workers (each test wipes the database it uses), so that combination fails.
    """
    uri = os.environ.get("NEO4J_URI")
    if uri and int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
        pytest.fail(
            f"NEO4J_URI={uri} is one database, and the tests wipe it: run them serially against it "
            "(without -n), or unset NEO4J_URI so that each worker starts its own Neo4j."
        )
    if uri:
        settings = StoreSettings()
        server = Neo4jServer(uri, settings.neo4j_user, settings.neo4j_password, settings.neo4j_database, None)
        store = server.open()
        try:
            total = int(store.query("MATCH (n) RETURN count(n) AS n")[0]["n"])
        finally:
            store.close()
        if total and os.environ.get("SURVGRAPH_TEST_ALLOW_WIPE") != "1":
            pytest.fail(
                f"NEO4J_URI={uri} holds data; the tests wipe the database they use. "
                "Point them at an empty database, or set SURVGRAPH_TEST_ALLOW_WIPE=1."
            )
        yield server
        return
    home = tmp_path_factory.mktemp("neo4j-home")
    try:
        bolt = _start_server(home)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as exc:
        pytest.fail(f"could not start the test Neo4j: {exc}")
    try:
        yield Neo4jServer(bolt, "neo4j", TEST_PASSWORD, None, home)
    finally:
        subprocess.run([str(SERVER_SCRIPT), "stop", "--home", str(home)], capture_output=True, timeout=120)


@pytest.fixture
def neo4j_store(neo4j_server: Neo4jServer) -> Iterator[Neo4jStore]:
    store = neo4j_server.open()
    store.clear()
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(scope="module")
def neo4j_small(neo4j_server: Neo4jServer) -> Iterator[Neo4jStore]:
    """Neo4j holding the small fixture graph, for a whole module whose tests only read."""
    store = neo4j_server.open()
    store.clear()
    load_paths(store, [FIXTURES / "small"])
    try:
        yield store
    finally:
        store.clear()
        store.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "embedded")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest) -> GraphStore:
    """The same behavioural test on both engines."""
    if request.param == "neo4j":
        request.applymarker(pytest.mark.neo4j)
        return request.getfixturevalue("neo4j_store")  # type: ignore[no-any-return]
    return request.getfixturevalue("embedded_store")  # type: ignore[no-any-return]
