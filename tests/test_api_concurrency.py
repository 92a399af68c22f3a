"""The embedded store under concurrent API requests: reads in parallel on connections of their own, a write
alone; answers stay right while a write lands, and nothing crashes."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from survgraph.api.posted import validate_body
from survgraph.api.provider import ConcurrentStore, ReadWriteLock, StoreProvider
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_dataset

from .test_api_support import API_KEY, ApiServer, app_for, load_small, settings
from .test_api_write import NEW_RECORDS

READERS = 24
ROUNDS = 15


def _entity_ids(store: EmbeddedStore) -> list[str]:
    return [r["id"] for r in store.query("MATCH (n) WHERE NOT n.id STARTS WITH 'source:' RETURN n.id AS id")]


def test_read_write_lock_shares_reads_and_excludes_a_writer() -> None:
    lock = ReadWriteLock()
    inside = threading.Event()
    release = threading.Event()
    wrote = threading.Event()

    def reader() -> None:
        with lock.reading():
            inside.set()
            release.wait(10)

    t = threading.Thread(target=reader)
    t.start()
    assert inside.wait(10)
    # A second reader gets in while the first holds its share.
    with lock.reading():
        assert not lock.held_by_me()

    def writer() -> None:
        with lock.writing():
            wrote.set()

    w = threading.Thread(target=writer)
    w.start()
    time.sleep(0.2)
    assert not wrote.is_set(), "a writer ran while a read was in flight"
    # And a new reader now waits behind the waiting writer (no writer starvation).
    late = threading.Event()

    def late_reader() -> None:
        with lock.reading():
            late.set()

    r2 = threading.Thread(target=late_reader)
    r2.start()
    time.sleep(0.2)
    assert not late.is_set()
    release.set()
    for th in (t, w, r2):
        th.join(10)
    assert wrote.is_set() and late.is_set()
    # The writer's own thread may re-enter; it reads on its own transaction, never through a read share.
    with lock.writing(), lock.writing():
        assert lock.held_by_me()
        with pytest.raises(RuntimeError), lock.reading():
            pass
    assert not lock.held_by_me()


def test_concurrent_store_reads_in_parallel_while_a_write_lands(tmp_path: Path) -> None:
    inner = EmbeddedStore(tmp_path / "db")
    load_small(inner)
    ids = _entity_ids(inner)
    expected = {i: inner.query("MATCH (n {id: $id})-[r]-() RETURN count(r) AS c", {"id": i})[0]["c"] for i in ids}
    ds = validate_body(NEW_RECORDS, inner)
    assert not ds.errors
    touched = {c.from_id for c in ds.claims} | {c.to_id for c in ds.claims}
    store = ConcurrentStore(inner, max_readers=4)
    start = threading.Barrier(READERS + 1)
    errors: list[BaseException] = []

    def read(n: int) -> int:
        start.wait(10)
        checked = 0
        for k in range(ROUNDS):
            eid = ids[(n + k) % len(ids)]
            got = store.query("MATCH (n {id: $id})-[r]-() RETURN count(r) AS c", {"id": eid})[0]["c"]
            if eid in touched:
                assert got >= expected[eid], (eid, got)  # before or after the write, never less
            else:
                assert got == expected[eid], (eid, got)
            checked += 1
        return checked

    try:
        with ThreadPoolExecutor(READERS + 1) as pool:
            futures = [pool.submit(read, n) for n in range(READERS)]
            start.wait(10)
            summary = pool.submit(load_dataset, store, ds).result(60)
            done = [f.result(60) for f in futures]
        assert done == [ROUNDS] * READERS, errors
        assert summary.as_dict()
        # The write is there, and every untouched entity still reads as before.
        assert store.query("MATCH (v:Vendor {id: 'vendor:newco'}) RETURN v.name AS name") == [{"name": "NewCo"}]
        for eid in ids:
            if eid not in touched:
                got = store.query("MATCH (n {id: $id})-[r]-() RETURN count(r) AS c", {"id": eid})
                assert got == [{"c": expected[eid]}]
        # Reads ran on connections of their own, never more than max_readers of them.
        assert 1 <= store.pool_size <= 4
    finally:
        store.close()


def test_api_entity_lookups_stay_right_during_a_post(tmp_path: Path) -> None:
    """A real uvicorn server on a real embedded store: many clients read /entities/{id} while POST /records
    writes; every answer is the one from before the write or the one from after it, never an error."""
    store = EmbeddedStore(tmp_path / "db")
    load_small(store)
    ids = _entity_ids(store)
    app = app_for(store, SURVGRAPH_API_KEY=API_KEY)
    assert isinstance(app.state.provider, StoreProvider)
    with ApiServer(app) as server:
        with server.client() as client:
            before = {i: client.get(f"/entities/{i}").json() for i in ids}
        barrier = threading.Barrier(READERS + 1)
        answers: list[tuple[str, int, Any]] = []
        lock = threading.Lock()

        def reader(n: int) -> None:
            with httpx.Client(base_url=server.url, timeout=60) as c:
                barrier.wait(10)
                for k in range(ROUNDS):
                    eid = ids[(n * 7 + k) % len(ids)]
                    r = c.get(f"/entities/{eid}")
                    with lock:
                        answers.append((eid, r.status_code, r.json()))

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        for t in threads:
            t.start()
        with server.client() as client:
            barrier.wait(10)
            posted = client.post("/records", content=NEW_RECORDS, headers={"X-API-Key": API_KEY})
            for t in threads:
                t.join(60)
            assert posted.status_code == 200, posted.text
            after = {i: client.get(f"/entities/{i}").json() for i in ids}
            assert client.get("/entities/vendor:newco").status_code == 200
    assert len(answers) == READERS * ROUNDS
    for eid, status, body in answers:
        assert status == 200, body
        assert body in (before[eid], after[eid]), eid
    # The write changed some answers (vendor:initech gained a claim), so the check above could fail.
    assert any(before[i] != after[i] for i in ids)
    store.close()


def test_provider_wraps_an_embedded_store_for_concurrency(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "db")
    try:
        provider = StoreProvider(settings(), store)
        wrapped = provider.get()
        assert isinstance(wrapped, ConcurrentStore)
        assert wrapped.data_dir == store.data_dir  # engine extras still reach the store
        wrapped.ping()
    finally:
        store.close()


def test_reads_after_a_reopening_write_use_fresh_connections(tmp_path: Path) -> None:
    """`clear` reopens the engine's database (and so does the rollback of a COPY): the pool's connections to
    the database it closed are dropped, and the reads after it open new ones and see the new state."""
    store = ConcurrentStore(EmbeddedStore(tmp_path / "data"))
    try:
        load_small(store)
        before = sorted(r["id"] for r in store.query("MATCH (n:Vendor) RETURN n.id AS id"))
        assert before and store.pool_size >= 1
        store.clear()
        assert store.pool_size == 0
        assert store.query("MATCH (n:Vendor) RETURN count(n) AS n") == [{"n": 0}]
        load_small(store)  # into the emptied tables again: the bulk (COPY) path
        assert sorted(r["id"] for r in store.query("MATCH (n:Vendor) RETURN n.id AS id")) == before
    finally:
        store.close()


def test_one_connection_holds_one_read_slot_for_a_block(tmp_path: Path) -> None:
    """A request's reads share one pooled connection: inside `one_connection` a thread takes one read slot
    whatever the number of queries, other threads still read beside it, and a write inside it is refused
    (it would wait for this thread's own read share)."""
    store = ConcurrentStore(EmbeddedStore(tmp_path / "data"), max_readers=2)
    try:
        load_small(store)
        ids = _entity_ids(store)
        with store.one_connection():
            with store.one_connection():  # nested: the same connection
                for i in ids:
                    assert store.query("MATCH (n {id: $id}) RETURN n.id AS id", {"id": i}) == [{"id": i}]
            assert store.pool_size == 1
            # The other slot is free for another thread's reads meanwhile.
            with ThreadPoolExecutor(1) as pool:
                assert pool.submit(store.query, "RETURN 1 AS ok").result(10) == [{"ok": 1}]
            with pytest.raises(RuntimeError, match="inside one_connection"):
                store.clear()
        assert store.pool_size == 2
        store.clear()  # outside the block, a write goes ahead
        assert store.query("MATCH (n:Vendor) RETURN count(n) AS n") == [{"n": 0}]
    finally:
        store.close()
