"""POST /cypher: one read-only Cypher statement on Neo4j, behind the guard of survgraph.graph.raw_cypher."""

from __future__ import annotations

from fastapi import APIRouter

from survgraph.api.deps import SettingsDep, StoreDep
from survgraph.api.errors import BadRequest
from survgraph.api.models import CypherIn, ErrorOut, RowsOut
from survgraph.api.reads import json_safe
from survgraph.graph import ReadOnlyViolation, StoreError
from survgraph.graph.config import StoreKind
from survgraph.graph.raw_cypher import MAX_RESULT_BYTES, ResultTooLarge, run_read_only

router = APIRouter(tags=["cypher"])


@router.post(
    "/cypher",
    summary="Run one read-only Cypher query (Neo4j store only)",
    responses={
        400: {
            "model": ErrorOut,
            "description": "Not provably read-only, failed, stopped (timeout, memory), over the byte cap "
            f"({MAX_RESULT_BYTES} bytes of rows as JSON), or not on Neo4j",
        }
    },
)
def cypher(body: CypherIn, store: StoreDep, settings: SettingsDep) -> RowsOut:
    if store.name != StoreKind.neo4j.value:
        raise BadRequest(
            "raw Cypher needs the Neo4j store; this server runs the embedded store",
            ["use /queries for the named templates, or run the API with SURVGRAPH_STORE=neo4j"],
        )
    try:
        rows = run_read_only(
            store,
            body.query,
            params=body.params,
            timeout_s=settings.cypher_timeout_s,
            row_cap=settings.cypher_row_cap,
        )
    except ReadOnlyViolation:
        raise
    except ResultTooLarge as exc:
        raise BadRequest(
            "the result is too large",
            [
                f"truncated: reading stopped at the byte cap, after {exc.rows_read} row(s); nothing is returned",
                f"limit: {exc.limit} bytes of rows as JSON",
                "add LIMIT, or return fewer or smaller values",
            ],
        ) from exc
    except StoreError as exc:
        if exc.__class__ is not StoreError:
            raise  # StoreUnavailable / StoreAuthError: 503, like everywhere
        # The text is the client's: a runtime error or a timeout is theirs to fix, not a server fault.
        raise BadRequest("the query failed", [str(exc)]) from exc
    return RowsOut(columns=rows.columns, rows=[json_safe(r) for r in rows], truncated=rows.truncated)
