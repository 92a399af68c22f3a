"""The fingerprint used by the adversarial tests sees a changed property, not just changed counts."""

from __future__ import annotations

from survgraph.graph import GraphStore, plan_write
from survgraph.loaders import load_paths
from tests.conftest import FIXTURES
from tests.fingerprint import fingerprint


def test_fingerprint_changes_with_one_property(store: GraphStore) -> None:
    ds, _ = load_paths(store, [FIXTURES / "small"])
    before = fingerprint(store)
    assert fingerprint(store) == before
    vendor = next(n for n in ds.nodes if n.id.startswith("vendor:"))
    store.write(plan_write([vendor.model_copy(update={"description": "changed"})], []))
    assert fingerprint(store) != before
