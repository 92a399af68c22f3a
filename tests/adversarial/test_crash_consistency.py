"""Crash consistency: a load killed at any instant leaves the store exactly as before or as after it,
and the store opens afterwards (docs/crash-consistency.md).

The kill sweeps run `benchmarks/kill_sweep.py` in a bounded profile: a child process loads a dataset and
is SIGKILLed at many instants (most of them across COMMIT and the checkpoint after it); each outcome is
classed by the store's fingerprint. The full sweep is `python benchmarks/kill_sweep.py --instants 500`.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from survgraph.graph.embedded import DB_FILE, TORN_SUFFIX, WAL_SUFFIX, EmbeddedStore
from survgraph.loaders import load_dataset, validate_paths
from tests.conftest import ROOT, Neo4jServer
from tests.fingerprint import fingerprint

CI_INSTANTS = 30
CI_SIZE = 120


def _kill_sweep() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kill_sweep", ROOT / "benchmarks" / "kill_sweep.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_sweep"] = module
    spec.loader.exec_module(module)
    return module


ks = _kill_sweep()


def _assert_only_before_or_after(res: ks.Result, instants: int = CI_INSTANTS) -> None:  # type: ignore[name-defined]
    table = ks.table([res])
    assert res.attempts == instants, table
    assert res.counts["other"] == 0, table
    assert res.counts["unopenable"] == 0, table
    assert res.counts["before"] + res.counts["after"] == res.attempts, table
    # The instants fell on both sides of the commit, so the sweep did test the window.
    assert res.counts["before"] > 0 and res.counts["after"] > 0, table


def test_embedded_kill_sweep(tmp_path: Path) -> None:
    res = ks.sweep_embedded(CI_INSTANTS, CI_SIZE, tmp_path, progress=False)
    _assert_only_before_or_after(res)
    # A read-only opener (another process, as `survgraph query` opens) never sees a half state either.
    assert res.ro_counts["other"] == 0, ks.table([res])
    assert res.ro_counts["unopenable"] == 0, ks.table([res])


def test_embedded_kill_sweep_bulk_path(tmp_path: Path) -> None:
    """The load into empty tables goes through COPY (inside the same one transaction): killed at any
    instant, the store is empty (before) or whole (after), for readers too."""
    instants = CI_INSTANTS // 2
    res = ks.sweep_embedded(instants, CI_SIZE, tmp_path, progress=False, empty_base=True)
    _assert_only_before_or_after(res, instants)
    assert res.ro_counts["other"] == 0, ks.table([res])
    assert res.ro_counts["unopenable"] == 0, ks.table([res])


def test_embedded_kill_sweep_fresh_load_committing_each_statement(tmp_path: Path) -> None:
    """A load into a store holding no entity, larger than SURVGRAPH_EMBEDDED_TX_ROWS (1 here, so every load
    is), commits a COPY at a time behind a marker file: killed at any instant (between two commits too),
    the store is empty (before) or whole (after) once opened, read-only or read-write."""
    instants = CI_INSTANTS // 2
    res = ks.sweep_embedded(instants, CI_SIZE, tmp_path, progress=False, empty_base=True, tx_rows=1)
    _assert_only_before_or_after(res, instants)
    assert res.ro_counts["other"] == 0, ks.table([res])
    assert res.ro_counts["unopenable"] == 0, ks.table([res])
    # Some kills fell between the first commit and the last (the phase the marker exists for).
    assert res.phases["OPENED"] > 0, ks.table([res])


@pytest.mark.neo4j
def test_neo4j_kill_sweep(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    # Each kill is followed by the next load, which must be accepted and give the "after" graph.
    res = ks.sweep_neo4j(CI_INSTANTS, CI_SIZE, tmp_path, neo4j_server.env(), progress=False)
    _assert_only_before_or_after(res)


#: The Neo4j batched-load profile: a load of ~170 rows in batch transactions of 20 rows (so ~9 batches,
#: a commit flip and ~9 journal records to clean up), killed at 8 instants over the run plus the exact
#: points of ks.EXACT_KILLS (after batches 1 and 2, right after the flip, inside the clean-up): 12 kills,
#: 34 s on the shared 2-core machine at load average 12-16 (2026-12-01).
CI_BATCHED_INSTANTS = 8
CI_BATCHED_SIZE = 60
CI_BATCHED_TX_ROWS = 20


@pytest.mark.neo4j
def test_neo4j_batched_kill_sweep(neo4j_server: Neo4jServer, tmp_path: Path) -> None:
    """Each kill is followed by a new store opening the database (its recovery rolls the load back, or
    completes it after the commit flip): exactly before or after, nothing of the load left. The load
    rewrites every entity and claim of the base graph, so the rollback restores updated properties too."""
    res = ks.sweep_neo4j_batched(
        CI_BATCHED_INSTANTS,
        CI_BATCHED_SIZE,
        tmp_path,
        neo4j_server.env(),
        CI_BATCHED_TX_ROWS,
        progress=False,
        kill_at=ks.EXACT_KILLS,
        next_load=False,
    )
    _assert_only_before_or_after(res, CI_BATCHED_INSTANTS + len(ks.EXACT_KILLS))
    # The exact points fell where they were meant to: before the flip rolls back, after it completes.
    for point, outcome in (("batch:1", "before"), ("batch:2", "before"), ("flip", "after"), ("clean:1", "after")):
        assert res.phases[f"{point} -> {outcome}"] == 1, ks.table([res])


# -- the recovery itself, at exact byte offsets -------------------------------------------------------


@pytest.fixture(scope="module")
def committed_wal(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A store folder as a kill right after COMMIT leaves it: the database file holds the graph before
    the load and the WAL holds the whole load, committed. Returns it with the before/after fingerprints."""
    work = tmp_path_factory.mktemp("wal")
    ks.write_records(work / "base", CI_SIZE, 1)
    ks.write_records(work / "load", CI_SIZE, 2)
    with EmbeddedStore(work / "store") as store:
        load_dataset(store, validate_paths([work / "base"]))
        before = fingerprint(store)
        load_dataset(store, validate_paths([work / "load"]))
        # The WAL is written and synced at COMMIT; copy the folder before close() checkpoints it.
        shutil.copytree(work / "store", work / "crashed")
        after = fingerprint(store)
    assert (work / "crashed" / (DB_FILE + WAL_SUFFIX)).stat().st_size > 0
    return work / "crashed", before, after


def _torn_copy(src: Path, dest: Path, keep: int, flip_last: bool = False) -> Path:
    shutil.copytree(src, dest)
    wal = dest / (DB_FILE + WAL_SUFFIX)
    data = wal.read_bytes()[:keep]
    if flip_last:
        data = data[:-1] + bytes([data[-1] ^ 0xFF])
    wal.write_bytes(data)
    return dest


@pytest.mark.parametrize("fraction", [0.05, 0.5, 0.9, 0.999])
def test_torn_wal_tail_opens_the_state_before_the_load(
    committed_wal: tuple[Path, str, str], tmp_path: Path, fraction: float
) -> None:
    src, before, after = committed_wal
    size = (src / (DB_FILE + WAL_SUFFIX)).stat().st_size
    folder = _torn_copy(src, tmp_path / "store", int(size * fraction))
    # A reader first: it must see the state before the load and leave the files as they are.
    with EmbeddedStore(folder, read_only=True) as reader:
        assert reader.torn_wal is None
        assert fingerprint(reader) == before
    assert not list(folder.glob(f"*{TORN_SUFFIX}*"))
    # The next read-write open recovers: the state before the load, the torn WAL kept for forensics.
    with EmbeddedStore(folder) as store:
        assert fingerprint(store) == before
        assert store.torn_wal is not None and store.torn_wal.stat().st_size == int(size * fraction)
    # The recovered store is whole: it opens cleanly, and the load then goes through.
    with EmbeddedStore(folder) as store:
        assert store.torn_wal is None
        assert fingerprint(store) == before
        load_dataset(store, validate_paths([src.parent / "load"]))
        assert fingerprint(store) == after


def test_every_cut_of_the_wal_opens_the_state_before_the_load(
    committed_wal: tuple[Path, str, str], tmp_path: Path
) -> None:
    """A kill while COMMIT writes can cut the WAL anywhere, inside a record's header too (the engine then
    reads past the end of the file rather than failing a checksum): 48 cuts, from a few bytes to one short."""
    src, before, _ = committed_wal
    size = (src / (DB_FILE + WAL_SUFFIX)).stat().st_size
    cuts = sorted({1, 7, 16, 64, 100, 257, 1000, size - 1, *(size * i // 40 for i in range(1, 40))})
    outcomes = []
    for cut in cuts:
        folder = _torn_copy(src, tmp_path / f"cut-{cut}", cut)
        with EmbeddedStore(folder) as store:
            outcomes.append((cut, fingerprint(store) == before))
    assert [cut for cut, ok in outcomes if not ok] == [], outcomes


def test_corrupt_last_byte_of_wal_opens_the_state_before_the_load(
    committed_wal: tuple[Path, str, str], tmp_path: Path
) -> None:
    src, before, _ = committed_wal
    size = (src / (DB_FILE + WAL_SUFFIX)).stat().st_size
    folder = _torn_copy(src, tmp_path / "store", size, flip_last=True)
    with EmbeddedStore(folder) as store:
        assert fingerprint(store) == before
        assert store.torn_wal is not None


def test_whole_wal_is_replayed(committed_wal: tuple[Path, str, str], tmp_path: Path) -> None:
    src, _, after = committed_wal
    shutil.copytree(src, tmp_path / "store")
    with EmbeddedStore(tmp_path / "store", read_only=True) as reader:
        assert fingerprint(reader) == after
    with EmbeddedStore(tmp_path / "store") as store:
        assert store.torn_wal is None
        assert fingerprint(store) == after
