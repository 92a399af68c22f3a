"""Behaviour both engines must share: loading, idempotence, all-or-nothing, stats and reads."""

from __future__ import annotations

import pathlib
import re
from collections import Counter
from collections.abc import Callable

import pytest

from survgraph.graph import GraphStore, StoreError, plan_write
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.loaders import load_dataset, load_paths, validate_paths

from .conftest import FIXTURES, SEED, Neo4jServer

SMALL = FIXTURES / "small"


def _dump(store: GraphStore) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    nodes = store.query("MATCH (n) RETURN n ORDER BY n.id")
    edges = store.query("MATCH ()-[r]->() RETURN r ORDER BY r.id")
    return [r["n"] for r in nodes], [r["r"] for r in edges]


def test_load_small_fixture_counts(store: GraphStore) -> None:
    ds, summary = load_paths(store, [SMALL])
    stats = store.stats()
    assert stats.nodes == {
        "Country": 4,
        "Vendor": 3,
        "Organization": 2,
        "Project": 2,
        "Database": 2,
        "Initiative": 2,
        "Source": 3,
    }
    assert stats.edges["SUPPLIES"] == 4  # two conflicting camera counts stay separate claims
    assert stats.edges["LOCATED_IN"] == 6 and stats.edges["HEADQUARTERED_IN"] == 3
    assert sum(stats.edges.values()) == len(ds.claims) == 20
    assert summary.nodes["Vendor"].created == 3 and summary.nodes["Vendor"].updated == 0


def test_loading_twice_is_idempotent(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    first_stats, first_dump = store.stats(), _dump(store)
    _, summary = load_paths(store, [SMALL])
    assert store.stats() == first_stats
    assert _dump(store) == first_dump
    assert all(c.created == 0 for c in summary.nodes.values())
    assert all(c.created == 0 for c in summary.edges.values())


def test_failure_midway_leaves_the_store_as_it_was(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    before = _dump(store)
    ds = validate_paths([SEED])
    plan = plan_write(ds.nodes, ds.claims, store.registry)
    written = 0

    class Crash(Exception):
        pass

    def crash_after_three_batches(n: int) -> None:
        nonlocal written
        written += 1
        if written == 3:
            raise Crash("simulated crash in the middle of a load")

    with pytest.raises(Crash):
        store.write(plan, batch_size=50, progress=crash_after_three_batches)
    assert written == 3
    assert _dump(store) == before
    # and the store still works afterwards
    load_dataset(store, ds)
    assert store.stats().nodes["Country"] == 249


def test_read_known_answers(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    rows = store.query(
        "MATCH (v:Vendor)-[r:SUPPLIES]->(p:Project {id: $pid}) "
        "RETURN v.id AS vendor, r AS claim ORDER BY r.quantity_value",
        {"pid": "project:city-cams"},
    )
    assert [r["vendor"] for r in rows] == ["vendor:acme", "vendor:acme"]
    assert [r["claim"]["quantity_value"] for r in rows] == [8000.0, 10000.0]
    assert [r["claim"]["source_ids"] for r in rows] == [["source:test-a"], ["source:test-b"]]
    assert rows[0]["claim"]["from_id"] == "vendor:acme" and rows[0]["claim"]["type"] == "SUPPLIES"
    assert rows[0]["claim"]["technologies"] == ["cctv", "facial_recognition"]

    node = store.query("MATCH (p:Project {id: $id}) RETURN p", {"id": "project:city-cams"})[0]["p"]
    assert node["label"] == "Project"
    bank = store.query("MATCH (o:Organization {id: $id}) RETURN o", {"id": "org:state-bank"})[0]["o"]
    assert bank["label"] == "Organization" and bank["kind"] == "bank"
    assert node["value_amount"] == 1_000_000 and node["value_currency"] == "USD"
    assert node["start"] == "2016-05" and node["end"] is None and node["aliases"] == []

    funded = store.query(
        "MATCH (p:Project)-[:FUNDED_BY]->(o:Organization) RETURN p.id AS project, o.name AS funder ORDER BY project"
    )
    assert funded == [{"project": "project:cable", "funder": "State Bank"}]

    nested = store.query(
        "MATCH (p:Project)-[:PART_OF]->(:Initiative)-[:PART_OF]->(i:Initiative {id: $i}) "
        "RETURN p.id AS project ORDER BY project",
        {"i": "initiative:big"},
    )
    assert [r["project"] for r in nested] == ["project:cable", "project:city-cams"]

    chinese = store.query(
        "MATCH (c:Country {id: $c})<-[:HEADQUARTERED_IN]-(v:Vendor) RETURN v.id AS vendor ORDER BY vendor",
        {"c": "country:CN"},
    )
    assert [r["vendor"] for r in chinese] == ["vendor:acme", "vendor:initech"]


def test_paths_normalise_the_same_way(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    rows = store.query(
        "MATCH p = (v:Vendor {id: $v})-[:SUPPLIES]->(:Database)-[:LINKS_DATA_WITH]->(d:Database) RETURN p",
        {"v": "vendor:initech"},
    )
    assert len(rows) == 1
    path = rows[0]["p"]
    assert [n["id"] for n in path["nodes"]] == ["vendor:initech", "database:registry", "database:ndc"]
    assert [r["type"] for r in path["relationships"]] == ["SUPPLIES", "LINKS_DATA_WITH"]
    assert path["relationships"][1]["confidence"] == "reported"


def test_seed_data_loads_with_claims_for_every_edge_it_declares(store: GraphStore) -> None:
    ds, _ = load_paths(store, [SEED])
    stats = store.stats()
    assert sum(stats.nodes.values()) == len(ds.nodes)
    assert sum(stats.edges.values()) == len(ds.claims)
    assert stats.edges == dict(Counter(c.type for c in ds.claims)) | {
        t: 0 for t in store.registry.edge_types if t not in {c.type for c in ds.claims}
    }


@pytest.mark.neo4j
def test_same_stats_on_both_stores_after_seed(embedded_store: EmbeddedStore, neo4j_store: Neo4jStore) -> None:
    load_paths(embedded_store, [SEED])
    load_paths(neo4j_store, [SEED])
    assert embedded_store.stats() == neo4j_store.stats()
    assert _dump(embedded_store) == _dump(neo4j_store)


@pytest.mark.neo4j
def test_neo4j_constraints_and_fulltext_index_exist(neo4j_store: Neo4jStore) -> None:
    neo4j_store.ensure_schema()
    names = {r["name"] for r in neo4j_store.query("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"vendor_id", "supplies_id"} <= names
    idx = neo4j_store.query("SHOW FULLTEXT INDEXES YIELD name, state RETURN name, state")
    assert {"name": "survgraph_names", "state": "ONLINE"} in idx


@pytest.mark.neo4j
def test_neo4j_unreachable_and_bad_credentials_are_clear(neo4j_server: Neo4jServer) -> None:
    from survgraph.graph import StoreAuthError, StoreUnavailable

    down = Neo4jStore("bolt://127.0.0.1:1", "neo4j", "x", connection_timeout=2)
    with pytest.raises(StoreUnavailable, match=re.escape("not reachable at bolt://127.0.0.1:1")):
        down.ping()
    down.close()
    uri = neo4j_server.uri
    wrong = Neo4jStore(uri, "neo4j", "wrong-password")
    with pytest.raises(StoreAuthError, match="refused the credentials"):
        wrong.stats()
    wrong.close()
    with pytest.raises(StoreError, match="bad NEO4J_URI"):
        Neo4jStore("http://nowhere", "neo4j", "x")


@pytest.mark.neo4j
@pytest.mark.parametrize("scheme", ["bolt", "neo4j"])
def test_neo4j_uri_schemes(neo4j_server: Neo4jServer, scheme: str) -> None:
    uri = neo4j_server.uri.replace("bolt://", f"{scheme}://")
    store = Neo4jStore(uri, "neo4j", neo4j_server.password)
    try:
        store.ping()
        assert "Vendor" in store.stats().nodes
    finally:
        store.close()


def test_store_is_a_context_manager_that_closes(tmp_path: pathlib.Path) -> None:
    with EmbeddedStore(tmp_path / "cm") as store:
        store.ping()
    with pytest.raises(StoreError, match="closed"):
        store.ping()


def test_embedded_bulk_path_writes_what_the_update_path_writes(tmp_path: pathlib.Path) -> None:
    """New ids go in by COPY, existing ones by MERGE ... SET: a second load of the same records (every id
    exists, so every column is SET again) must change nothing, nulls, lists and figures included."""
    ds = validate_paths([SEED])
    assert not ds.errors
    with EmbeddedStore(tmp_path / "s") as store:
        summary = load_dataset(store, ds)
        assert all(c.updated == 0 for c in [*summary.nodes.values(), *summary.edges.values()])
        bulk = _dump(store)
        assert len(bulk[0]) == len(ds.nodes) and len(bulk[1]) == len(ds.claims)
        summary = load_dataset(store, ds)
        assert all(c.created == 0 for c in [*summary.nodes.values(), *summary.edges.values()])
        assert _dump(store) == bulk


def test_embedded_load_mixing_new_and_existing_ids(tmp_path: pathlib.Path) -> None:
    """Half the records already in the store (tables holding rows take the rest by MERGE, empty ones by
    COPY, in the same transaction), and a record given twice in one plan ends as its last copy says (as
    MERGE ... SET gives), on both paths."""
    ds = validate_paths([SEED])
    with EmbeddedStore(tmp_path / "whole") as whole:
        load_dataset(whole, ds)
        expected = _dump(whole)
    half_nodes = ds.nodes[: len(ds.nodes) // 2]
    with EmbeddedStore(tmp_path / "mixed") as store:
        store.write(plan_write(half_nodes, [], store.registry))
        summary = load_dataset(store, ds)
        assert sum(c.updated for c in summary.nodes.values()) == len(half_nodes)
        assert sum(c.created for c in summary.nodes.values()) == len(ds.nodes) - len(half_nodes)
        assert _dump(store) == expected
        renamed = ds.nodes[-1].model_copy(update={"name": "Renamed twice"})
        plan = plan_write([ds.nodes[-1], renamed], [], store.registry)
        store.write(plan)
        row = store.query("MATCH (n) WHERE n.id = $id RETURN n.name AS name", {"id": renamed.id})
        assert row == [{"name": "Renamed twice"}]
    with EmbeddedStore(tmp_path / "fresh") as store:  # the same, with the id new: the COPY path
        store.write(plan_write([ds.nodes[-1], renamed], [], store.registry))
        row = store.query("MATCH (n) WHERE n.id = $id RETURN n.name AS name", {"id": renamed.id})
        assert row == [{"name": "Renamed twice"}]


def test_embedded_buffer_pool_too_small_is_a_clear_error_and_writes_nothing(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB bounds the engine's buffer pool. An uncommitted load is held in
    that pool and never spilled, so a pool too small for a load fails it: a StoreError naming the setting,
    the store as it was (readable on the same object, whole when opened again), no crash."""
    from survgraph.graph import StoreSettings, open_store

    folder = tmp_path / "s"
    with EmbeddedStore(folder) as store:
        load_paths(store, [SMALL])
        before = _dump(store)
    monkeypatch.setenv("SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB", "32")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(folder))
    store = open_store(StoreSettings())
    assert isinstance(store, EmbeddedStore) and store.buffer_pool_mib == 32
    with store:
        with pytest.raises(StoreError, match=r"nothing was written.*32 MiB from SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB"):
            load_paths(store, [SEED])
        assert _dump(store) == before
    with EmbeddedStore(folder) as store:
        assert _dump(store) == before
        load_paths(store, [SEED])  # the default pool takes it
        assert len(_dump(store)[0]) > len(before[0])
    # a pool too small even to open the store: the same clear error, at open
    with pytest.raises(StoreError, match="1 MiB from SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB"):
        EmbeddedStore(folder, buffer_pool_mib=1)
    monkeypatch.setenv("SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB", "0")
    with pytest.raises(ValueError, match="SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB"):
        StoreSettings()


class _Crash(Exception):
    pass


def _crash_at(k: int) -> Callable[[int], None]:
    """A progress callback that raises _Crash at its k-th call (the k-th statement written)."""
    calls = 0

    def progress(n: int) -> None:
        nonlocal calls
        calls += 1
        if calls == k:
            raise _Crash(f"simulated crash after {k} statements")

    return progress


def test_embedded_fresh_load_committing_each_statement(tmp_path: pathlib.Path) -> None:
    """A load of more than tx_rows rows into a store holding no entity commits a statement at a time behind
    a marker file: the same graph as one transaction, no marker left; a failure part way (after several
    commits) empties the store again, and the next load is whole."""
    from survgraph.graph.embedded import FRESH_LOAD_MARKER
    from tests.fingerprint import fingerprint

    ds = validate_paths([SEED])
    with EmbeddedStore(tmp_path / "one", tx_rows=None) as one:
        load_dataset(one, ds)
        whole = _dump(one)
    with EmbeddedStore(tmp_path / "many", tx_rows=1) as store:
        store.ensure_schema()
        empty = fingerprint(store)
        with pytest.raises(_Crash):
            load_dataset(store, ds, progress=_crash_at(5))
        assert fingerprint(store) == empty
        assert not (tmp_path / "many" / FRESH_LOAD_MARKER).exists()
        load_dataset(store, ds)
        assert _dump(store) == whole
        assert not (tmp_path / "many" / FRESH_LOAD_MARKER).exists()


def test_embedded_store_holding_entities_keeps_one_transaction(tmp_path: pathlib.Path) -> None:
    """tx_rows applies only to a store holding no entity: into one that does, a failure part way leaves it
    as it was (one transaction rolled back), not emptied."""
    with EmbeddedStore(tmp_path / "s", tx_rows=1) as store:
        load_paths(store, [SMALL])
        before = _dump(store)
        with pytest.raises(_Crash):
            load_dataset(store, validate_paths([SEED]), progress=_crash_at(3))
        assert _dump(store) == before


def test_embedded_open_rolls_back_an_unfinished_fresh_load(tmp_path: pathlib.Path) -> None:
    """What a kill between two commits leaves (the tables part full, the marker there): the next open,
    read-only or read-write, sees the store empty, as before the load; the marker is gone."""
    from survgraph.graph.embedded import FRESH_LOAD_MARKER
    from tests.fingerprint import fingerprint

    with EmbeddedStore(tmp_path / "e") as store:
        store.ensure_schema()
        empty = fingerprint(store)
    for read_only in (True, False):
        folder = tmp_path / f"killed-{read_only}"
        with EmbeddedStore(folder) as store:
            load_paths(store, [SMALL])
        (folder / FRESH_LOAD_MARKER).write_text("a load was here\n")
        with EmbeddedStore(folder, read_only=read_only) as store:
            assert fingerprint(store) == empty
        assert not (folder / FRESH_LOAD_MARKER).exists()


def test_embedded_tx_rows_settings() -> None:
    from survgraph.graph import config, embedded

    assert config.DEFAULT_EMBEDDED_TX_ROWS == embedded.DEFAULT_TX_ROWS


def test_embedded_reader_waits_while_a_fresh_load_is_live(tmp_path: pathlib.Path) -> None:
    """A read-only opener that finds the marker while another process holds the store read-write (a load
    into the empty store under way) waits for it, never reading the part loaded so far; once that process
    is gone without finishing (killed), the reader rolls the load back and sees the store empty."""
    import subprocess
    import sys
    import time

    from survgraph.graph.embedded import DB_FILE, FRESH_LOAD_MARKER
    from tests.fingerprint import fingerprint

    with EmbeddedStore(tmp_path / "e") as store:
        store.ensure_schema()
        empty = fingerprint(store)
    folder = tmp_path / "s"
    with EmbeddedStore(folder) as store:
        load_paths(store, [SMALL])  # the part loaded so far
    (folder / FRESH_LOAD_MARKER).write_text("a load under way\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, ladybug\n"
            "db = ladybug.Database(sys.argv[1])\n"
            "print('held', flush=True)\n"
            "time.sleep(float(sys.argv[2]))\n",
            str(folder / DB_FILE),
            "3",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with EmbeddedStore(folder, read_only=True) as reader:
            waited = time.monotonic() - started
            seen = fingerprint(reader)
    finally:
        holder.wait(timeout=60)
    assert holder.returncode == 0
    assert waited > 1.5, waited  # it waited for the holder (3 s) rather than read the part loaded
    assert seen == empty
    assert not (folder / FRESH_LOAD_MARKER).exists()


def test_api_loads_into_the_embedded_store_stay_one_transaction(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The API reads on other connections of the same database, which would see a load committing a
    statement at a time part way: its store ignores SURVGRAPH_EMBEDDED_TX_ROWS."""
    from survgraph.api import provider
    from survgraph.api.provider import ConcurrentStore, shared_store
    from survgraph.graph import StoreSettings

    monkeypatch.setenv("SURVGRAPH_EMBEDDED_TX_ROWS", "1")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "api"))
    settings = StoreSettings()
    assert settings.embedded_tx_rows == 1
    store = shared_store(settings)
    try:
        assert isinstance(store, ConcurrentStore) and isinstance(store.inner, EmbeddedStore)
        assert store.inner.tx_rows is None
    finally:  # the process-wide instance: closed and forgotten here, not at exit
        provider._embedded.pop(settings.data_dir.expanduser().resolve()).close()
