"""Loads through the spill (validate_streamed, rows in temporary files) against loads from models in memory:
the same graph on both stores (first load and an update into a live store), the same problems, all or
nothing, and no temporary file left behind, after success or failure."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.graph.spill import SPILL_CHUNK, PlanSpill, SpilledRows
from survgraph.loaders import InvalidRecords, load_dataset, validate_paths
from survgraph.loaders.validate import validate_streamed
from tests.adversarial.test_crash_consistency import ks
from tests.conftest import FIXTURES, ROOT
from tests.fingerprint import fingerprint, snapshot

SEED = ROOT / "seed_data"


@pytest.fixture
def tmp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process's temporary folder, empty, so that a leftover spill shows."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    yield root


def _streamed_load(store: GraphStore, paths: list[Path]) -> None:
    with PlanSpill() as spill:
        load_dataset(store, validate_streamed(paths, spill, store.registry))


def _records(tmp_path: Path) -> tuple[Path, Path]:
    base, update = tmp_path / "base", tmp_path / "load"
    ks.write_records(base, 60, 1)
    ks.write_records(update, 60, 2)  # rewrites every record of base and adds as many
    return base, update


def test_spilled_rows_read_back_in_order(tmp_path: Path) -> None:
    rows = SpilledRows(tmp_path / "rows.pickle")
    items = [{"id": f"x:{i}", "n": i} for i in range(SPILL_CHUNK * 2 + 7)]
    for item in items:
        rows.append(item)
    assert len(rows) == len(items)
    assert list(rows) == items
    assert list(rows) == items  # read again, from the file
    with pytest.raises(RuntimeError):
        rows.append({"id": "late"})


def test_a_flush_ends_a_chunk(tmp_path: Path) -> None:
    """validate_streamed flushes after a claim table's text, so that it is read back in a chunk of its own."""
    rows = SpilledRows(tmp_path / "rows.pickle")
    rows.append("a")
    rows.append("b")
    rows.flush()
    rows.flush()  # nothing to write: no empty chunk
    rows.append("c")
    assert list(rows.chunks()) == [["a", "b"], ["c"]]
    assert len(rows) == 3
    with pytest.raises(RuntimeError):
        rows.flush()


@pytest.mark.parametrize("paths", [[SEED], [FIXTURES / "small"]], ids=["seed", "small"])
def test_same_graph_as_a_load_from_memory(store: GraphStore, paths: list[Path], tmp_root: Path) -> None:
    load_dataset(store, validate_paths(paths, store.registry))
    expected = snapshot(store)
    store.clear()
    _streamed_load(store, paths)
    assert snapshot(store) == expected
    assert expected[0] and expected[1]
    assert list(tmp_root.iterdir()) == []


def test_update_load_into_a_live_store(store: GraphStore, tmp_path: Path, tmp_root: Path) -> None:
    base, update = _records(tmp_path)
    load_dataset(store, validate_paths([base], store.registry))
    load_dataset(store, validate_paths([update], store.registry))
    expected = snapshot(store)
    store.clear()
    _streamed_load(store, [base])
    _streamed_load(store, [update])
    assert snapshot(store) == expected
    assert list(tmp_root.iterdir()) == []


def test_a_failed_write_leaves_the_store_and_no_files(store: GraphStore, tmp_path: Path, tmp_root: Path) -> None:
    base, update = _records(tmp_path)
    _streamed_load(store, [base])
    before = fingerprint(store)

    class Crash(Exception):
        pass

    def crash(n: int) -> None:
        raise Crash("crash midway")

    with pytest.raises(Crash), PlanSpill() as spill:
        load_dataset(store, validate_streamed([update], spill, store.registry), batch_size=20, progress=crash)
    assert fingerprint(store) == before
    assert list(tmp_root.iterdir()) == []


def test_same_problems_and_nothing_written(embedded_store: GraphStore, tmp_root: Path) -> None:
    paths = [FIXTURES / "small", FIXTURES / "bad"]
    expected = validate_paths(paths).problems
    with PlanSpill() as spill:
        ds = validate_streamed(paths, spill)
        assert ds.problems == expected
        assert {p.severity for p in ds.problems} == {"error", "warning"}
        before = fingerprint(embedded_store)
        with pytest.raises(InvalidRecords) as refused:
            load_dataset(embedded_store, ds)
        assert refused.value.problems == [p for p in expected if p.severity == "error"]
        assert fingerprint(embedded_store) == before
    assert list(tmp_root.iterdir()) == []


def test_cli_load_and_validate_report_the_same_and_clean_up(tmp_path: Path, tmp_root: Path) -> None:
    runner = CliRunner()
    env = {"SURVGRAPH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "400"}
    bad = [str(FIXTURES / "small"), str(FIXTURES / "bad")]
    expected = [str(p) for p in validate_paths([Path(p) for p in bad]).problems]
    validated = runner.invoke(app, ["validate", *bad], env=env)
    loaded = runner.invoke(app, ["load", *bad], env=env)
    assert validated.exit_code == 1 and loaded.exit_code == 1
    for result in (validated, loaded):
        for problem in expected:
            assert problem in result.output
    assert list(tmp_root.iterdir()) == []
    ok = runner.invoke(app, ["load", str(FIXTURES / "small")], env=env)
    assert ok.exit_code == 0, ok.output
    assert list(tmp_root.iterdir()) == []


def test_validate_only_makes_no_rows_and_reports_the_same(tmp_path: Path, tmp_root: Path) -> None:
    """`survgraph validate` (rows=False): the problems of validate_paths in its order, the same counts, no
    write plan, and nothing left on disk."""
    paths = [FIXTURES / "small", FIXTURES / "bad"]
    expected = validate_paths(paths)
    with PlanSpill() as spill:
        ds = validate_streamed(paths, spill, rows=False)
        assert ds.problems == expected.problems
        assert (ds.entity_count, ds.claim_count) == (expected.entity_count, expected.claim_count)
        assert ds.plan is None and spill.nodes == {} and spill.edges == {}
    assert list(tmp_root.iterdir()) == []
    env = {"SURVGRAPH_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "400"}
    result = CliRunner().invoke(app, ["validate", *map(str, paths)], env=env)
    assert result.exit_code == 1
    at = [result.output.index(str(p)) for p in expected.problems]
    assert at == sorted(at)  # in validate_paths's order
    assert f"{expected.entity_count} entities, {expected.claim_count} claims" in result.output
    assert list(tmp_root.iterdir()) == []
