"""Neo4j loads larger than one batch: written in batch transactions behind a load marker, all or nothing
by the journal (survgraph/graph/neo4j_load.py, docs/crash-consistency.md). Batches are forced small here
(`tx_rows`) so that small fixtures take the batched path. Kills at many instants, and at exact points
(after a batch, right after the commit flip, inside the clean-up), are the kill sweep's:
tests/adversarial/test_crash_consistency.py::test_neo4j_batched_kill_sweep."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from survgraph.graph import config, plan_write
from survgraph.graph.neo4j_load import TAG, LoadBusy, LoadJournal, LoadOptions, plan_batches
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import EdgeBatch, StoreError, WritePlan, split_new
from survgraph.loaders import load_dataset, validate_paths
from survgraph.loaders.validate import Dataset, validate_streamed
from survgraph.schema import INTERNAL_LABELS, LOAD_JOURNAL_LABEL, LOAD_MARKER_LABEL, REGISTRY
from tests.adversarial.test_crash_consistency import ks
from tests.conftest import Neo4jServer
from tests.fingerprint import fingerprint

TX_ROWS = 15
SIZE = 30  # the base graph: ~60 rows; the load rewrites all of it and adds as much (~120 rows, ~8 batches)


@dataclass(frozen=True)
class Records:
    base: Dataset
    load: Dataset
    load_dir: Path
    extra: Dataset  # one new vendor, for a small (single-transaction) load beside a batched one


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Records:
    work = tmp_path_factory.mktemp("batched")
    ks.write_records(work / "base", SIZE, 1)
    ks.write_records(work / "load", SIZE, 2)
    (work / "extra").mkdir()
    (work / "extra" / "records.yaml").write_text(
        "sources:\n"
        "  - {id: source:extra, publisher: Extra, kind: dataset, title: Extra, date: '2024'}\n"
        "entities:\n"
        "  - {id: 'vendor:extra', name: Extra, sources: [source:extra], confidence: reported}\n"
    )
    sets = [validate_paths([work / name]) for name in ("base", "load", "extra")]
    for ds in sets:
        assert not ds.errors, ds.errors[:3]
    assert len(sets[1].nodes) + len(sets[1].claims) > 4 * TX_ROWS
    return Records(sets[0], sets[1], work / "load", sets[2])


def batched(server: Neo4jServer, **options: float) -> Neo4jStore:
    return Neo4jStore(
        server.uri, server.user, server.password, server.database, load_options=LoadOptions(TX_ROWS, **options)
    )


@pytest.fixture
def batched_store(neo4j_store: Neo4jStore, neo4j_server: Neo4jServer) -> Iterator[Neo4jStore]:
    store = batched(neo4j_server)
    try:
        yield store
    finally:
        store.close()


def clean(store: Neo4jStore) -> bool:
    return not any(ks.leftovers(store).values())


def test_internal_labels_are_not_kinds_and_the_settings_defaults_agree() -> None:
    assert not INTERNAL_LABELS & set(REGISTRY.node_kinds)
    assert not INTERNAL_LABELS & set(REGISTRY.edge_types)
    defaults = LoadOptions()
    assert (
        defaults.tx_rows,
        defaults.stale_after_s,
        defaults.wait_s,
    ) == (config.DEFAULT_TX_ROWS, config.DEFAULT_STALE_AFTER_S, config.DEFAULT_WAIT_S)


@pytest.mark.neo4j
def test_batched_load_gives_the_single_transaction_graph(
    neo4j_store: Neo4jStore, batched_store: Neo4jStore, records: Records
) -> None:
    load_dataset(neo4j_store, records.base)
    base_fp = fingerprint(neo4j_store)
    single = load_dataset(neo4j_store, records.load)
    after_fp, after_stats = fingerprint(neo4j_store), neo4j_store.stats()
    neo4j_store.clear()

    load_dataset(batched_store, records.base)
    assert fingerprint(batched_store) == base_fp
    summary = load_dataset(batched_store, records.load)
    assert summary.as_dict() == single.as_dict()
    assert fingerprint(batched_store) == after_fp
    assert batched_store.stats() == after_stats
    assert clean(batched_store), ks.leftovers(batched_store)
    # Loading the same records again updates every row (all through the journal's saved properties).
    again = load_dataset(batched_store, records.load)
    assert sum(c.created for c in [*again.nodes.values(), *again.edges.values()]) == 0
    assert fingerprint(batched_store) == after_fp and clean(batched_store)


class ReadCount(list[dict[str, Any]]):
    """Rows that count how often they are read (as a spill file is read again on each iteration)."""

    reads = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        self.reads += 1
        return super().__iter__()


def test_batches_read_the_rows_as_they_are_sent(records: Records) -> None:
    plan = plan_write(records.load.nodes, records.load.claims, REGISTRY)
    counted = WritePlan(
        {label: ReadCount(rows) for label, rows in plan.nodes.items()},
        [EdgeBatch(b.type, b.from_label, b.to_label, ReadCount(b.rows)) for b in plan.edges],
    )
    existing_nodes = {label: {r["id"] for r in list(rows)[::2]} for label, rows in plan.nodes.items()}
    existing_edges = {b.type: {r["id"] for r in list(b.rows)[::3]} for b in plan.edges}
    lazy = plan_batches(counted, existing_nodes, existing_edges, TX_ROWS)
    first = next(lazy)
    assert first.rows <= TX_ROWS
    last = counted.edges[-1].rows
    assert isinstance(last, ReadCount) and last.reads == 0  # nothing of the last table read yet
    rest = [first, *lazy]
    assert all(0 < b.rows <= TX_ROWS for b in rest)
    # The rows of the plan, split as split_new does (a new id's last row created, the rest updates).
    expected: list[tuple[str, str, dict[str, Any]]] = []
    for label, rows in plan.nodes.items():
        new, old = split_new(rows, existing_nodes[label])
        expected += [("create", label, r) for r in new] + [("update", label, r) for r in old]
    created: set[str] = set()
    for eb in plan.edges:
        new, old = split_new(eb.rows, existing_edges[eb.type] | created)
        created |= {r["id"] for r in new}
        expected += [("create", eb.type, r) for r in new] + [("update", eb.type, r) for r in old]
    assert [(c.op, c.name, r) for b in rest for c in b.chunks for r in c.rows] == expected
    # Each table read three times (its new ids, then its creates, then its updates), none kept.
    assert all(isinstance(t, ReadCount) and t.reads == 3 for t in [*counted.nodes.values(), last])


@pytest.mark.neo4j
def test_a_streamed_batched_load_gives_the_graph_of_a_load_from_memory(
    neo4j_store: Neo4jStore, batched_store: Neo4jStore, records: Records
) -> None:
    load_dataset(neo4j_store, records.load)
    expected = fingerprint(neo4j_store)
    neo4j_store.clear()
    with PlanSpill() as spill:
        load_dataset(batched_store, validate_streamed([records.load_dir], spill, REGISTRY))
    assert fingerprint(batched_store) == expected
    assert clean(batched_store), ks.leftovers(batched_store)


@pytest.mark.neo4j
def test_a_batched_load_that_fails_is_rolled_back(batched_store: Neo4jStore, records: Records) -> None:
    load_dataset(batched_store, records.base)
    before = fingerprint(batched_store)
    written = 0

    class Stop(Exception):
        pass

    def progress(n: int) -> None:
        nonlocal written
        written += n
        if written > 3 * TX_ROWS:  # several batches (creates and updates) are committed by now
            raise Stop

    with pytest.raises(Stop):
        load_dataset(batched_store, records.load, progress=progress)
    assert fingerprint(batched_store) == before
    assert clean(batched_store), ks.leftovers(batched_store)


def _killed_child(server: Neo4jServer, records: Records, point: str) -> None:
    env = {**ks.os.environ, **server.env(), "PYTHONPATH": str(ks.ROOT), "SURVGRAPH_NEO4J_TX_ROWS": str(TX_ROWS)}
    child = ks.Child.spawn("neo4j", records.load_dir, {**env, ks.KILL_AT_ENV: point})
    child.wait_for("READY")
    assert ks.run_to_own_kill(child) != "DONE"


@pytest.mark.neo4j
def test_a_live_load_elsewhere_is_waited_for_and_a_stale_one_rolled_back(
    neo4j_store: Neo4jStore, neo4j_server: Neo4jServer, records: Records
) -> None:
    load_dataset(neo4j_store, records.base)
    before = fingerprint(neo4j_store)
    _killed_child(neo4j_server, records, "batch:3")
    # As if the load ran on another host: its pid says nothing here, only its heartbeat counts.
    neo4j_store._driver.execute_query(
        f"MATCH (m:{LOAD_MARKER_LABEL}) SET m.host = 'elsewhere', m.heartbeat = timestamp()",
        database_=neo4j_store.database,
    )
    with batched(neo4j_server, stale_after_s=60, wait_s=0.5) as patient:
        patient.ensure_schema()  # a live load is left to its owner
        assert ks.leftovers(patient)["markers"] == 1
        t0 = time.monotonic()
        with pytest.raises(LoadBusy, match="another load holds the store"):
            load_dataset(patient, records.load)
        assert time.monotonic() - t0 >= 0.5
        with pytest.raises(LoadBusy):
            load_dataset(patient, records.extra)  # a small, single-transaction load waits for it too
    time.sleep(0.3)
    with batched(neo4j_server, stale_after_s=0.2) as recovering:
        recovering.ensure_schema()  # its heartbeat is older than 0.2 s now: abandoned, rolled back
        assert fingerprint(recovering) == before
        assert clean(recovering), ks.leftovers(recovering)


@pytest.mark.neo4j
def test_small_loads_and_reads_wait_for_a_batched_load_in_flight(
    batched_store: Neo4jStore, neo4j_server: Neo4jServer, records: Records
) -> None:
    """A single-transaction load (another store, as another process would) waits for the batched load's
    slot; this store's own readers (the API's) wait for the batched load to end: they see before or
    after, never half."""
    load_dataset(batched_store, records.base)
    vendors_before = batched_store.stats().nodes["Vendor"]
    started, errors = threading.Event(), []
    ends: dict[str, float] = {}
    total, written = len(records.load.nodes) + len(records.load.claims), 0

    def progress(n: int) -> None:
        nonlocal written
        written += n
        started.set()
        time.sleep(0.05)
        if written >= total:
            ends["last batch"] = time.monotonic()

    def load() -> None:
        try:
            load_dataset(batched_store, records.load, progress=progress)
        except Exception as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=load)
    writer.start()
    assert started.wait(60)
    vendors_read = batched_store.stats().nodes["Vendor"]  # waits for the load to end
    ends["read"] = time.monotonic()
    with neo4j_server.open() as other:
        load_dataset(other, records.extra)
        ends["small"] = time.monotonic()
    writer.join(120)
    assert not errors, errors
    vendors_after = batched_store.stats().nodes["Vendor"]
    assert vendors_read == vendors_after - 1 != vendors_before  # the whole load, not the extra vendor yet
    assert ends["small"] > ends["last batch"] and ends["read"] > ends["last batch"]
    assert clean(batched_store)


def _journal_after_commit(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The journal records of each batched load, read right after its commit flip (before the clean-up
    deletes them): op, target, name, ids, format."""
    seen: list[dict[str, Any]] = []
    commit = LoadJournal.commit

    def commit_and_read(self: LoadJournal, load: str) -> None:
        commit(self, load)
        seen.extend(
            self._run(
                f"MATCH (j:{LOAD_JOURNAL_LABEL} {{load: $load}}) RETURN j.op AS op, j.target AS target, "
                "j.name AS name, j.ids AS ids, j.v AS v ORDER BY j.seq",
                load=load,
            )
        )

    monkeypatch.setattr(LoadJournal, "commit", commit_and_read)
    return seen


@pytest.mark.neo4j
def test_an_update_load_writes_and_journals_only_the_items_it_changes(
    neo4j_store: Neo4jStore, batched_store: Neo4jStore, records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows of stored ids are compared on the server: the unchanged ones are neither written nor saved in
    the journal; the graph is the one a single-transaction load of the same rows gives."""
    vendor = next(n for n in records.base.nodes if n.id.startswith("vendor:"))
    claim = records.base.claims[0]
    edited = Dataset(
        nodes=[n.model_copy(update={"name": "Renamed"}) if n is vendor else n for n in records.base.nodes],
        claims=[c.model_copy(update={"notes": "a note"}) if c is claim else c for c in records.base.claims],
    )
    load_dataset(neo4j_store, records.base)
    load_dataset(neo4j_store, edited)
    expected = fingerprint(neo4j_store)
    neo4j_store.clear()

    load_dataset(batched_store, records.base)
    journal = _journal_after_commit(monkeypatch)
    summary = load_dataset(batched_store, edited)
    assert fingerprint(batched_store) == expected
    assert clean(batched_store), ks.leftovers(batched_store)
    # Every row found its stored item (counted as updated), but only the two changed ones were journalled.
    assert sum(c.updated for c in [*summary.nodes.values(), *summary.edges.values()]) == len(edited.nodes) + len(
        edited.claims
    )
    assert journal and all(r["op"] == "update" and r["v"] == 2 for r in journal)
    assert sorted(i for r in journal for i in r["ids"]) == sorted([vendor.id, str(claim.id)])


@pytest.mark.neo4j
def test_a_claim_id_stored_between_other_endpoints_fails_the_load_and_rolls_it_back(
    batched_store: Neo4jStore, records: Records
) -> None:
    load_dataset(batched_store, records.base)
    before = fingerprint(batched_store)
    claim = records.base.claims[-1]
    assert claim.id is not None
    other = next(
        c.to_id
        for c in records.base.claims
        if c.type == claim.type and c.to_id != claim.to_id and c.to_id.split(":")[0] == claim.to_id.split(":")[0]
    )
    moved = claim.model_copy(update={"to_id": other})  # the same id, kept, between other endpoints
    load = Dataset(nodes=records.load.nodes, claims=[*records.load.claims, moved])
    with pytest.raises(StoreError, match=f"did not find their stored item \\({claim.id}\\)"):
        load_dataset(batched_store, load)
    assert fingerprint(batched_store) == before
    assert clean(batched_store), ks.leftovers(batched_store)


def _legacy_load(store: Neo4jStore, state: str) -> list[str]:
    """A batched load as the journal's format 1 left it when its process died: a stale marker, one
    record (no `v`) per created vendor table, the vendors tagged with the load id. Returns their ids."""
    ids = ["vendor:legacy1", "vendor:legacy2"]
    store._driver.execute_query(
        f"CREATE (:{LOAD_MARKER_LABEL} {{slot: 'active', id: 'old', state: $state, rows: 2, started: 0, "
        "heartbeat: 0, host: 'elsewhere', pid: 1, pstart: ''}) "
        f"CREATE (:{LOAD_JOURNAL_LABEL} {{load: 'old', seq: 0, op: 'create', target: 'node', name: 'Vendor', "
        "ids: $ids, before: ''}) "
        f"WITH 1 AS one UNWIND $ids AS id CREATE (:Vendor {{id: id, name: id, {TAG}: 'old'}})",
        state=state,
        ids=ids,
        database_=store.database,
    )
    return ids


@pytest.mark.neo4j
@pytest.mark.parametrize("state", ["running", "committed"])
def test_a_load_left_by_the_old_journal_format_is_still_finished(
    neo4j_store: Neo4jStore, neo4j_server: Neo4jServer, records: Records, state: str
) -> None:
    """Records without `v` (format 1: created items tagged) are rolled back by tag, or untagged after a
    commit, as the format that wrote them meant."""
    load_dataset(neo4j_store, records.base)
    before = fingerprint(neo4j_store)
    ids = _legacy_load(neo4j_store, state)
    with batched(neo4j_server, stale_after_s=1) as recovering:
        recovering.ensure_schema()  # the marker's heartbeat (0) is long stale: taken over, finished
        assert clean(recovering), ks.leftovers(recovering)
        found = recovering.existing_ids("Vendor", ids)
        if state == "running":
            assert found == set() and fingerprint(recovering) == before
        else:
            assert found == set(ids)
