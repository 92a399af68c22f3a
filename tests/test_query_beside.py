"""GraphStore.query_beside: a read started in a thread of its own (the vendors template's total, beside
its page), on both engines: the same rows as `query`, its error where it is waited for, and neither a
close nor a write that runs over it (a query must not outlive its connection; the embedded store's
CHECKPOINT is refused while another connection reads)."""

from __future__ import annotations

import pathlib

import pytest

from survgraph.graph import GraphStore, StoreError, plan_write
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import validate_paths

from .conftest import SEED

#: Long enough (a few hundred ms on either engine) that the store is closed or written while it runs.
SLOW = "UNWIND range(1, $n) AS i RETURN count(i) AS n"
N = 30_000_000


def test_beside_gives_the_rows_query_gives(store: GraphStore) -> None:
    cypher = "UNWIND $xs AS x RETURN x * 2 AS y ORDER BY y"
    rows = store.query_beside(cypher, {"xs": [3, 1, 2]})
    assert store.query("RETURN 1 AS one") == [{"one": 1}]  # the store serves reads meanwhile
    assert rows() == store.query(cypher, {"xs": [3, 1, 2]}) == [{"y": 2}, {"y": 4}, {"y": 6}]
    assert rows() == [{"y": 2}, {"y": 4}, {"y": 6}]  # waiting again gives the same rows


def test_a_failing_beside_read_raises_where_it_is_waited_for(store: GraphStore) -> None:
    rows = store.query_beside("RETURN 1 +")  # a syntax error on both engines
    with pytest.raises(StoreError):
        rows()
    assert store.query("RETURN 1 AS one") == [{"one": 1}]


def test_close_waits_for_a_beside_read(store: GraphStore) -> None:
    rows = store.query_beside(SLOW, {"n": N})
    store.close()
    assert rows() == [{"n": N}]


def test_clear_waits_for_a_beside_read(tmp_path: pathlib.Path) -> None:
    """`clear` reopens the database (LadybugDB 0.22 crashes on a COPY into a table emptied in the same
    process): a read on a connection of the database it closes must have ended first."""
    with EmbeddedStore(tmp_path / "db") as store:
        ds = validate_paths([SEED])
        store.write(plan_write(ds.nodes, ds.claims, store.registry))
        rows = store.query_beside(SLOW, {"n": N})
        store.clear()
        assert rows() == [{"n": N}]
        assert store.query("MATCH (v:Vendor) RETURN count(v) AS n") == [{"n": 0}]
