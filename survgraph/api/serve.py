"""`survgraph serve`: seed an empty store, then run the API under uvicorn."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from survgraph.api.app import MAX_HEADERS_BYTES, MAX_URL_BYTES, create_app
from survgraph.api.provider import shared_store
from survgraph.api.seed import seed_if_empty
from survgraph.api.settings import ApiSettings
from survgraph.graph import StoreKind, StoreUnavailable, WriteSummary


def seed_store(settings: ApiSettings, seed: Path) -> WriteSummary | None:
    """Load `seed` if the store is empty. Raises InvalidRecords or StoreError (nothing written)."""
    store = shared_store(settings)
    try:
        return seed_if_empty(store, seed)
    finally:
        if settings.store is StoreKind.neo4j:
            store.close()  # the app opens its own driver; the embedded store stays open for it


def seed_or_warn(settings: ApiSettings, seed: Path, wait_s: float = 0.0) -> str:
    """Seed, reporting what happened as one line. An unreachable store is retried for `wait_s` seconds
    (a database container may still be starting), then given up: the server still starts and answers
    503 until the store is back."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            summary = seed_store(settings, seed)
            break
        except StoreUnavailable as exc:
            if time.monotonic() >= deadline:
                return f"warning: not seeded, the store is unreachable: {exc}"
            time.sleep(2.0)
    if summary is None:
        return "the store already holds data; not seeded"
    counts = summary.as_dict()
    nodes = sum(c["created"] for c in counts["nodes"].values())
    edges = sum(c["created"] for c in counts["edges"].values())
    return f"seeded the empty {settings.store.value} store from {seed}: {nodes} entities, {edges} claims"


#: The largest request head (request line and headers) the HTTP parser buffers while it waits for the head
#: to end. Above the app's own bounds (MAX_URL_BYTES, MAX_HEADERS_BYTES), so that a head the parser does
#: read whole is refused by the app with the same statuses.
MAX_HEAD_BYTES = MAX_URL_BYTES + MAX_HEADERS_BYTES
#: After refusing a head, how much more of the request is read (and dropped) before the connection closes,
#: and for how long: closing with unread data makes the kernel reset the connection, and the client would
#: never see the answer.
DRAIN_BYTES = 8 * 1024 * 1024
DRAIN_SECONDS = 5.0


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering a request head that is too long with the API's JSON error:
    414 when the request line alone is over MAX_URL_BYTES, else 431, instead of a bare 400 or a reset."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._drain_left: int | None = None
        self._drain_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._drain_left is None:
            super().data_received(data)
            return
        self._drain_left -= len(data)
        if self._drain_left <= 0:
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._drain_timer is not None:
            self._drain_timer.cancel()
        super().connection_lost(exc)

    def _close(self) -> None:
        if self._drain_timer is not None:
            self._drain_timer.cancel()
            self._drain_timer = None
        self.transport.close()

    def send_400_response(self, msg: str) -> None:
        buffered, _ = self.conn.trailing_data
        if len(buffered) <= MAX_HEAD_BYTES:  # a malformed request, not an oversized one
            super().send_400_response(msg)
            return
        line_end = buffered.find(b"\n")
        if line_end < 0 or line_end > MAX_URL_BYTES:
            status, reason, error = 414, b"URI Too Long", "URI too long"
            detail = f"the request line is longer than {MAX_URL_BYTES} bytes"
        else:
            status, reason, error = 431, b"Request Header Fields Too Large", "request header fields too large"
            detail = f"the request head is longer than {MAX_HEAD_BYTES} bytes"
        body = json.dumps({"error": error, "details": [detail]}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        self.logger.warning("refused an oversized request head: %s %s", status, detail)
        for event in (
            h11.Response(status_code=status, headers=headers, reason=reason),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            output = self.conn.send(event)
            if output:
                self.transport.write(output)
        # Read and drop what the client is still sending, then close: see DRAIN_BYTES.
        self._drain_left = DRAIN_BYTES
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._drain_timer = self.loop.call_later(DRAIN_SECONDS, self._close)


def server_options() -> dict[str, Any]:
    """The uvicorn options that bound what a request head may cost (see BoundedH11Protocol)."""
    return {"http": BoundedH11Protocol, "h11_max_incomplete_event_size": MAX_HEAD_BYTES}


def run(settings: ApiSettings, host: str, port: int, log_level: str = "info") -> None:
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=True, **server_options())
