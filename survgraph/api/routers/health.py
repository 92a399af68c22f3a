"""Liveness (/health: the process answers) and readiness (/ready: the store answers)."""

from __future__ import annotations

from fastapi import APIRouter

from survgraph.api.deps import StoreDep
from survgraph.api.models import ErrorOut, HealthOut, ReadyOut

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is alive")
async def health() -> HealthOut:
    # Never touches the store (an orchestrator must not restart the API because Neo4j is down), and
    # async so that it answers even while every worker thread waits on a store.
    return HealthOut()


@router.get(
    "/ready",
    summary="The graph store is reachable",
    responses={503: {"model": ErrorOut, "description": "The store is unreachable"}},
)
def ready(store: StoreDep) -> ReadyOut:
    store.ping()
    return ReadyOut(store=store.name)
