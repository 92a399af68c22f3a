"""`survgraph serve` as a user runs it: a real process that seeds an empty store, then serves HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from survgraph.graph.neo4j_store import Neo4jStore

from .conftest import FIXTURES, Neo4jServer
from .test_api_support import API_KEY, free_port

SMALL = FIXTURES / "small"
SMALL_NODES = 18


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SURVGRAPH_", "NEO4J_"))}
    return {**env, **extra}


@contextmanager
def running(args: list[str], env: dict[str, str], cwd: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    cmd = [sys.executable, "-m", "survgraph.cli", "serve", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise AssertionError(
                    f"serve exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}"
                )
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("serve did not answer /health within 120 s")
            time.sleep(0.2)
        yield url, proc
    finally:
        proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _stderr(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    proc.wait(timeout=30)
    return proc.stderr.read() if proc.stderr else ""


def test_serve_seeds_an_empty_embedded_store_once(tmp_path: Path) -> None:
    env = _env(SURVGRAPH_DATA_DIR=str(tmp_path / "data"))
    with running(["--seed", str(SMALL)], env, tmp_path) as (url, proc):
        assert httpx.get(f"{url}/ready").json() == {"status": "ready", "store": "embedded"}
        stats = httpx.get(f"{url}/stats").json()
        assert sum(stats["nodes"].values()) == SMALL_NODES
        assert httpx.get(f"{url}/entities/vendor:acme").json()["entity"]["name"] == "Acme Vision"
        assert httpx.get(f"{url}/docs").status_code == 200
        assert httpx.post(f"{url}/records", content="entities: []").status_code == 404  # no key, no writes
        assert "seeded the empty embedded store" in _stderr(proc)
    # Second start on the same data: the store is not empty, so nothing is loaded again.
    with running(["--seed", str(SMALL)], env, tmp_path) as (url, proc):
        assert httpx.get(f"{url}/stats").json() == stats
        assert "already holds data; not seeded" in _stderr(proc)


def test_serve_finds_seed_data_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "seed_data").symlink_to(SMALL, target_is_directory=True)
    env = _env(SURVGRAPH_DATA_DIR=str(tmp_path / "data"), SURVGRAPH_API_KEY=API_KEY)
    with running([], env, tmp_path) as (url, _):
        assert sum(httpx.get(f"{url}/stats").json()["nodes"].values()) == SMALL_NODES
        # The key from the environment turns the write endpoint on.
        assert httpx.post(f"{url}/records", content="entities: []").status_code == 401
        assert httpx.post(f"{url}/records", content="entities: []", headers={"X-API-Key": API_KEY}).status_code == 400


def test_serve_no_seed(tmp_path: Path) -> None:
    (tmp_path / "seed_data").symlink_to(SMALL, target_is_directory=True)
    with running(["--no-seed"], _env(SURVGRAPH_DATA_DIR=str(tmp_path / "data")), tmp_path) as (url, _):
        assert sum(httpx.get(f"{url}/stats").json()["nodes"].values()) == 0


@pytest.mark.parametrize(
    ("seed", "code", "message"),
    [
        ("no/such/dir", 2, "no such file or directory"),
        (str(FIXTURES / "bad"), 1, "nothing was written"),
    ],
)
def test_serve_refuses_a_bad_seed(tmp_path: Path, seed: str, code: int, message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "survgraph.cli", "serve", "--port", str(free_port()), "--seed", seed],
        env=_env(SURVGRAPH_DATA_DIR=str(tmp_path / "data")),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr


@pytest.mark.neo4j
def test_serve_seeds_an_empty_neo4j(neo4j_store: Neo4jStore, neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    """What the container does: `serve --store neo4j --seed ...` against an empty database."""
    env = _env(**neo4j_server.env())
    with running(["--store", "neo4j", "--seed", str(SMALL), "--wait", "30"], env, tmp_path) as (url, proc):
        assert httpx.get(f"{url}/ready").json() == {"status": "ready", "store": "neo4j"}
        assert sum(httpx.get(f"{url}/stats").json()["nodes"].values()) == SMALL_NODES
        rows = httpx.post(f"{url}/cypher", json={"query": "MATCH (v:Vendor) RETURN count(v) AS n"}).json()["rows"]
        assert rows == [{"n": 3}]
        assert "seeded the empty neo4j store" in _stderr(proc)
    assert sum(neo4j_store.stats().nodes.values()) == SMALL_NODES
