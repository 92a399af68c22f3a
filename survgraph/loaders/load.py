"""Load validated records into a store: validate everything first, then write all or nothing."""

from __future__ import annotations

from pathlib import Path

from survgraph.graph import GraphStore, WriteSummary, plan_write
from survgraph.graph.store import DEFAULT_BATCH_SIZE, Progress
from survgraph.loaders.validate import Dataset, InvalidRecords, gc_paused, validate_paths


def load_dataset(
    store: GraphStore, ds: Dataset, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
) -> WriteSummary:
    """Write a dataset; refuses (InvalidRecords) without touching the store if it has any error. A streamed
    dataset (validate_streamed) is written from its rows on disk, while its PlanSpill is open."""
    if ds.errors:
        raise InvalidRecords(ds.errors)
    with gc_paused():
        plan = ds.plan.plan() if ds.plan is not None else plan_write(ds.nodes, ds.claims, store.registry)
        return store.write(plan, batch_size=batch_size, progress=progress)


def load_paths(
    store: GraphStore, paths: list[Path], *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
) -> tuple[Dataset, WriteSummary]:
    ds = validate_paths(paths, store.registry)
    return ds, load_dataset(store, ds, batch_size=batch_size, progress=progress)
