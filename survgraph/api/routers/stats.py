"""/stats: node counts per kind and edge counts per type."""

from __future__ import annotations

from fastapi import APIRouter

from survgraph.api.deps import StoreDep
from survgraph.api.models import StatsOut

router = APIRouter(tags=["graph"])


@router.get("/stats", summary="Count nodes per kind and claims per edge type")
def stats(store: StoreDep) -> StatsOut:
    result = store.stats()
    return StatsOut(nodes=result.nodes, edges=result.edges)
