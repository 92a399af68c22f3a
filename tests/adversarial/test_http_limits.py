"""Request heads that cost far more than their size: an over-long URL gets a JSON 414, over-long headers a JSON
431, in the API's error shape, and never a connection reset; the server keeps serving; nothing is written.

The attacks are sent as raw bytes over a socket (an HTTP client library refuses to send most of them), to a
real `survgraph serve` process on 127.0.0.1 on both stores, and to uvicorn in a thread configured exactly as
`survgraph serve` configures it (serve.server_options), one case a test.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from survgraph.api.app import MAX_HEADERS_BYTES, MAX_URL_BYTES
from survgraph.api.serve import MAX_HEAD_BYTES, server_options
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore

from ..fingerprint import fingerprint
from ..test_api_support import app_for, free_port, load_small

MB = 1024 * 1024


@dataclass(frozen=True)
class Attack:
    id: str
    head: bytes
    status: int
    error: str | None  # the "error" of the JSON body; None: any JSON error body


def _get(target: bytes, *headers: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(headers) + b"Connection: close\r\n\r\n"


URI = "URI too long"
HEADERS = "request header fields too large"

ATTACKS = [
    Attack("query-1MB", _get(b"/entities?q=" + b"a" * MB), 414, URI),
    Attack("query-just-over", _get(b"/entities?q=" + b"a" * MAX_URL_BYTES), 414, URI),
    Attack("query-100KB-params", _get(b"/entities?" + b"&".join(b"k%d=v" % i for i in range(20_000))), 414, URI),
    Attack("path-1MB", _get(b"/entities/" + b"a" * MB), 414, URI),
    Attack("path-just-over", _get(b"/id/" + b"a" * MAX_URL_BYTES), 414, URI),
    Attack("header-1MB", _get(b"/health", b"X-Big: " + b"a" * MB + b"\r\n"), 431, HEADERS),
    Attack("header-just-over", _get(b"/health", b"X-Big: " + b"a" * MAX_HEADERS_BYTES + b"\r\n"), 431, HEADERS),
    Attack("cookie-1MB", _get(b"/stats", b"Cookie: " + b"c=1; " * (MB // 5) + b"\r\n"), 431, HEADERS),
    Attack(
        "headers-10000", _get(b"/health", *(b"X-%d: %s\r\n" % (i, b"v" * 100) for i in range(10_000))), 431, HEADERS
    ),
    Attack("headers-600", _get(b"/health", *(b"X-%d: %s\r\n" % (i, b"v" * 60) for i in range(600))), 431, HEADERS),
    # A head that never ends: refused once it passes the bound, without waiting for the rest.
    Attack("head-never-ends", b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * (MAX_HEAD_BYTES + 1), 431, HEADERS),
    # Control: just under the URL bound is an ordinary request, answered by the route (q is too long for it).
    Attack("query-under-bound", _get(b"/entities?q=" + b"a" * (MAX_URL_BYTES - 100)), 422, "invalid request"),
]


def raw_request(url: str, head: bytes, timeout: float = 30) -> tuple[int, dict[str, object]]:
    """Send `head` over a fresh connection; the status and JSON body of the answer. A reset fails the test."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)  # a reset here, or below, fails the test: the server must read the head and answer
        # No half-close: uvicorn drops a connection whose client stops sending before it answers.
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    status_line = head_part.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 "), data[:200]
    status = int(status_line.split()[1])
    header_lines = [line.lower() for line in head_part.split(b"\r\n")[1:]]
    assert b"content-type: application/json" in header_lines, head_part
    return status, json.loads(body)


def assert_refused(url: str, attack: Attack) -> None:
    status, body = raw_request(url, attack.head)
    assert status == attack.status, (attack.id, status, body)
    assert set(body) == {"error", "details"}, body
    assert isinstance(body["details"], list)
    if attack.error is not None:
        assert body["error"] == attack.error, body


# -- uvicorn in a thread, configured as `survgraph serve` configures it ----------------------------


@contextmanager
def threaded_server(store: GraphStore) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app_for(store), log_level="error", lifespan="on", **server_options())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    load_small(store)
    return store


@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.id)
def test_oversized_head_gets_a_json_status(loaded: GraphStore, attack: Attack) -> None:
    before = fingerprint(loaded)
    with threaded_server(loaded) as url:
        assert_refused(url, attack)
        assert httpx.get(f"{url}/health", timeout=30).status_code == 200
    assert fingerprint(loaded) == before


# -- a real `survgraph serve` process ----------------------------------------------------------------


@contextmanager
def serve_process(env: dict[str, str], cwd: Path) -> Iterator[str]:
    port = free_port()
    cmd = [sys.executable, "-m", "survgraph.cli", "serve", "--no-seed", "--port", str(port), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # a loaded CI machine imports slowly
        while True:
            assert proc.poll() is None, f"serve exited: {proc.stderr.read() if proc.stderr else b''!r}"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /health within 300 s"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SURVGRAPH_", "NEO4J_"))}
    return {**env, **extra}


def test_real_server_answers_every_oversized_head_in_json(
    loaded: GraphStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    before = fingerprint(loaded)
    if isinstance(loaded, EmbeddedStore):
        loaded.close()  # the server process opens the same store
        env = _env(SURVGRAPH_STORE="embedded", SURVGRAPH_DATA_DIR=str(tmp_path / "embedded"))
    else:
        env = _env(SURVGRAPH_STORE="neo4j", **request.getfixturevalue("neo4j_server").env())
    with serve_process(env, tmp_path) as url:
        for attack in ATTACKS:
            assert_refused(url, attack)
        # Still serving, on a new connection, after all of them.
        assert httpx.get(f"{url}/stats", timeout=30).status_code == 200
    if isinstance(loaded, EmbeddedStore):
        with EmbeddedStore(tmp_path / "embedded") as reopened:
            assert fingerprint(reopened) == before
    else:
        assert fingerprint(loaded) == before
