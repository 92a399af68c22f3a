"""Hands the API its store: opened lazily, the embedded one once per process, Neo4j re-created after an outage.

Recovery: when a request meets StoreUnavailable, the error handler retires the store it used. The next
request opens a fresh store (a new driver for Neo4j) and pings it before caching it, so while the server
stays down each request fails fast with 503, and the first request after it is back gets a live driver.
A request that meets the outage on the old driver waits out the driver's retries (up to ~30 s) before
its 503; `monitor` pings the cached driver every few seconds and retires it as soon as the server is
gone, so that few requests ever start on a dead driver.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from survgraph.graph import (
    GraphStore,
    StoreError,
    StoreKind,
    StoreSettings,
    StoreUnavailable,
    WritePlan,
    WriteSummary,
    open_store,
)
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.rwlock import ReadWriteLock
from survgraph.graph.store import DEFAULT_BATCH_SIZE, Progress

#: Reads the embedded store runs at once (each on a connection of its own; more requests wait their turn).
#: Each query already uses every core (the engine's own threads): on the 2-core machine of
#: docs/performance.md, 16 reads at once served half as many lookups per second as 2 at once.
MAX_READERS = max(2, os.cpu_count() or 2)

#: How long a retired Neo4j driver stays open for requests still using it.
RETIRED_GRACE_S = 60.0

log = logging.getLogger("survgraph.api")


class LockedStore(GraphStore):
    """Serialises every call into a store that shares one connection between threads but is not an
    EmbeddedStore that ConcurrentStore can open more connections to (a wrapper of one, say)."""

    def __init__(self, inner: GraphStore) -> None:
        super().__init__(inner.registry)
        self.inner = inner
        self.name = inner.name
        self.rel_type_function = inner.rel_type_function
        self._lock = threading.RLock()

    def ensure_schema(self) -> None:
        with self._lock:
            self.inner.ensure_schema()

    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        with self._lock:
            return self.inner.write(plan, batch_size=batch_size, progress=progress)

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return self.inner.query(cypher, params)

    def ping(self) -> None:
        with self._lock:
            self.inner.ping()

    def clear(self) -> None:
        with self._lock:
            self.inner.clear()

    def close(self) -> None:
        with self._lock:
            self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # Engine-specific extras (data_dir, explain_query_type ...) still reach the wrapped store.
        return getattr(self.inner, name)


class ConcurrentStore(GraphStore):
    """The embedded store as the API's request threads share it: reads in parallel, writes alone.

    Each read borrows a connection of its own from a pool (LadybugDB runs queries on several connections
    of one database at once, and its Python binding lets go of the GIL while a query runs), so that
    requests no longer queue behind one shared connection. A write (and `clear`, `ensure_schema`) runs on
    the store's own connection as BEGIN ... COMMIT, and alone: it waits for the reads in flight, and reads
    arriving meanwhile wait for it. The engine itself lets a read on another connection run beside an open
    write transaction (it sees the last commit: tried on 0.22), but each write starts with a CHECKPOINT that
    the engine refuses while another connection has a transaction open (docs/crash-consistency.md relies
    on it), so the write waits for quiet; a reader sees either all of a load or none of it.

    At most `max_readers` reads run at once (and the pool holds at most that many connections, each closed
    with the store): each query already spreads over the engine's threads, and many more at once only
    contend (measured, docs/performance.md).
    """

    def __init__(self, inner: EmbeddedStore, *, max_readers: int = MAX_READERS) -> None:
        super().__init__(inner.registry)
        self.inner = inner
        self.name = inner.name
        self.rel_type_function = inner.rel_type_function
        self.max_readers = max(1, max_readers)
        self._readers = threading.BoundedSemaphore(self.max_readers)
        self._rw = ReadWriteLock()
        self._idle: list[Any] = []  # ladybug.Connection, returned after each read
        self._all: list[Any] = []
        self._pool_lock = threading.Lock()
        self._closed = False
        self._schema_ready = False
        self._pinned = threading.local()  # .conn: the connection one_connection lent this thread

    # -- connections -------------------------------------------------------------------------

    def _borrow(self) -> Any:
        with self._pool_lock:
            if self._closed:
                raise StoreUnavailable("the embedded store is closed")
            if self._idle:
                return self._idle.pop()
        conn = self.inner.connect()
        with self._pool_lock:
            self._all.append(conn)
        return conn

    def _give_back(self, conn: Any) -> None:
        with self._pool_lock:
            self._idle.append(conn)

    def _drop_pool(self) -> None:
        """Close every read connection (all idle: the caller holds the write lock). A write may reopen the
        engine's database (after a rolled-back COPY, and in `clear`: EmbeddedStore._reopen), and a
        connection to the database it closed must not be used again; reads open new ones as they need."""
        with self._pool_lock:
            conns, self._all, self._idle = self._all, [], []
        for conn in conns:
            with suppress(RuntimeError):
                conn.close()

    @property
    def pool_size(self) -> int:
        """How many read connections this store has opened (for tests and the benchmarks)."""
        return len(self._all)

    # -- GraphStore ----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._rw.writing():
            self.inner.ensure_schema()
            self._schema_ready = True

    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        self._refuse_inside_read("write")
        self.ensure_schema()
        with self._rw.writing():
            self._drop_pool()
            return self.inner.write(plan, batch_size=batch_size, progress=progress)

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """This thread's reads inside the block share one pooled connection and one read slot: a request
        that runs several queries takes the slot, the read share and a connection once, not per query."""
        if getattr(self._pinned, "conn", None) is not None or self._rw.held_by_me():
            yield  # nested, or inside this thread's own write (whose reads use its transaction)
            return
        self.ensure_schema()
        with self._readers, self._rw.reading():
            conn = self._borrow()
            self._pinned.conn = conn
            try:
                yield
            finally:
                self._pinned.conn = None
                self._give_back(conn)

    def _refuse_inside_read(self, what: str) -> None:
        # The write would wait for every read share to end, this thread's own included: a deadlock.
        if getattr(self._pinned, "conn", None) is not None:
            raise RuntimeError(f"a {what} inside one_connection (a read block) of the same thread")

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.ensure_schema()
        if self._rw.held_by_me():
            return self.inner.query(cypher, params)  # inside this thread's own write: its transaction
        with self.one_connection():
            return self.inner.query_on(self._pinned.conn, cypher, params)

    def ping(self) -> None:
        self.query("RETURN 1 AS ok")

    def clear(self) -> None:
        self._refuse_inside_read("clear")
        self.ensure_schema()
        with self._rw.writing():
            self._drop_pool()
            self.inner.clear()

    def close(self) -> None:
        with self._rw.writing():
            with self._pool_lock:
                self._closed = True
            self._drop_pool()
            self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # Engine-specific extras (data_dir, read_only, torn_wal ...) still reach the wrapped store.
        return getattr(self.inner, name)


_embedded: dict[Path, ConcurrentStore] = {}
_embedded_lock = threading.Lock()


def _close_embedded() -> None:
    with _embedded_lock:
        for store in _embedded.values():
            store.close()
        _embedded.clear()


atexit.register(_close_embedded)


def _as_embedded(store: GraphStore) -> EmbeddedStore:
    if not isinstance(store, EmbeddedStore):
        store.close()
        raise TypeError(f"expected the embedded store, got the {store.name} store")
    return store


def shared_store(settings: StoreSettings) -> GraphStore:
    """The store `settings` name. Embedded: the one instance of this process (LadybugDB locks its files,
    so a second open would fail); callers must not close it. Neo4j: a new store the caller owns."""
    if settings.store is not StoreKind.embedded:
        return open_store(settings)
    key = settings.data_dir.expanduser().resolve()
    with _embedded_lock:
        store = _embedded.get(key)
        if store is None:
            # Loads through the API stay one transaction (SURVGRAPH_EMBEDDED_TX_ROWS does not apply): its
            # reads run on other connections of the same database, which would see a load committing a
            # statement at a time part way.
            one_transaction = settings.model_copy(update={"embedded_tx_rows": 0})
            store = ConcurrentStore(_as_embedded(open_store(one_transaction)))
            _embedded[key] = store
        return store


class StoreProvider:
    """The store for one app. A store passed in by the caller is used as is and never closed or replaced."""

    def __init__(self, settings: StoreSettings, store: GraphStore | None = None) -> None:
        self.settings = settings
        self._given = store is not None
        if isinstance(store, EmbeddedStore):
            store = ConcurrentStore(store)
        elif (
            store is not None
            and store.name == StoreKind.embedded.value
            and not isinstance(store, ConcurrentStore | LockedStore)
        ):
            store = LockedStore(store)
        self._store = store
        self._lock = threading.Lock()
        self._retired: list[tuple[threading.Timer, GraphStore]] = []

    @property
    def owns_store(self) -> bool:
        return not self._given

    @property
    def current(self) -> GraphStore | None:
        """The store in use, without opening one (None until `get` has opened it, and after `retire`)."""
        return self._store

    def get(self) -> GraphStore:
        """The current store, opening (and pinging) a new one if there is none: raises StoreUnavailable."""
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                fresh = shared_store(self.settings)
                if self.settings.store is StoreKind.neo4j:
                    # Ping before caching: a driver to a dead server must not be kept as "the" store.
                    # The schema is ensured here, under the lock, and not by concurrent first queries.
                    try:
                        fresh.ping()
                        fresh.ensure_schema()
                    except BaseException:
                        fresh.close()
                        raise
                self._store = fresh
            return self._store

    def retire(self, store: GraphStore | None) -> None:
        """Forget `store` after it failed with StoreUnavailable, so that the next request reconnects."""
        if self._given or store is None or store.name != StoreKind.neo4j.value:
            return  # the embedded store is per process, and a caller's store is the caller's
        with self._lock:
            if self._store is not store:
                return  # another request already replaced it
            self._store = None
        # Requests still running on the old driver may finish; close it once they surely have.
        timer = threading.Timer(RETIRED_GRACE_S, store.close)
        timer.daemon = True
        timer.start()
        self._retired.append((timer, store))

    async def monitor(self, interval_s: float) -> None:
        """Ping the cached Neo4j store every `interval_s` and retire it once it stops answering (runs as a
        task for the app's lifetime). Pings run on asyncio's own executor, not the request thread pool,
        so that requests stuck in driver retries cannot delay the check that would unstick the rest."""
        while True:
            await asyncio.sleep(interval_s)
            store = self._store
            if store is None or self._given or store.name != StoreKind.neo4j.value:
                continue
            try:
                await asyncio.to_thread(store.ping)
            except StoreError as exc:
                log.warning("graph store stopped answering; reconnecting on the next request: %s", exc)
                self.retire(store)

    def close(self) -> None:
        """Close what this provider opened (not a caller's store, not the process's embedded store)."""
        with self._lock:
            store, self._store = self._store, None
            retired, self._retired = self._retired, []
        for timer, old in retired:
            timer.cancel()
            old.close()
        if store is not None and not self._given and store.name == StoreKind.neo4j.value:
            store.close()
