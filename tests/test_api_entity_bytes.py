"""GET /entities/{id} writes its JSON itself (one thread-pool hop, no second validation of the model): its
answers must be, byte for byte, what FastAPI wrote from the model before, for every kind of entity, hubs,
sources with their cited-by pages, `as_of`, and every error."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi import Path as PathParam

from survgraph.api.deps import StoreDep
from survgraph.api.models import EntityDetailOut
from survgraph.api.paging import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor
from survgraph.api.params import MAX_ID_LENGTH, MAX_LIMIT, AsOf, as_of_param
from survgraph.api.reads import GraphReads
from survgraph.graph import GraphView, NoSuchEntity
from survgraph.graph.embedded import EmbeddedStore

from .test_api_support import app_for, load_small, serve

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))

from common import copy_into_ladybug  # noqa: E402
from generate import generate  # noqa: E402

CLAIMS = 2000
#: Generated entity ids compared, spread over every kind (the hubs are added whole).
SPREAD = 150


def reference_app(store: EmbeddedStore) -> FastAPI:
    """The API, plus the entity route as it was: a sync route returning the model, which FastAPI validates
    and writes (under /ref)."""
    app = app_for(store)
    ref = APIRouter()

    @ref.get("/ref/entities/{entity_id}", response_model=EntityDetailOut)
    def old_get_entity(
        store: StoreDep,
        entity_id: Annotated[str, PathParam(max_length=MAX_ID_LENGTH)],
        as_of: AsOf = None,
        cited_by_limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        cited_by_after: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
    ) -> EntityDetailOut:
        day = as_of_param(as_of)
        start = decode_cursor("cited_by", cited_by_after)
        reads = GraphReads(store, as_of=day)
        detail = reads.entity_detail(entity_id)
        if detail is None:
            raise NoSuchEntity(entity_id, GraphView(store).suggest(entity_id))
        if detail.entity.kind == "Source":
            detail.cited_by, last = reads.cited_by(detail.entity.id, limit=cited_by_limit, after=start)
            detail.cited_by.next = encode_cursor("cited_by", last) if last else None
        return detail

    app.include_router(ref)
    return app


@pytest.fixture(scope="module", params=["small", "generated"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[httpx.Client, list[str]]]:
    if request.param == "small":
        store = EmbeddedStore(tmp_path_factory.mktemp("bytes-small"))
        load_small(store)
        hubs: list[str] = []
    else:
        root = tmp_path_factory.mktemp("bytes-generated")
        graph = generate(root / "graph", CLAIMS, seed=11)
        store = EmbeddedStore(copy_into_ladybug(graph, root / "store"))
        hubs = graph.hubs
    try:
        ids = [r["id"] for r in store.query("MATCH (n) RETURN n.id AS id ORDER BY id")]
        step = max(1, len(ids) // SPREAD)
        # The countries with most claims too: some are hubs that the generator does not list as such.
        busiest = store.query("MATCH (n:Country)-[r]-() RETURN n.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 5")
        chosen = sorted({*ids[::step], *hubs, *(r["id"] for r in busiest)})
        with serve(reference_app(store)) as (_, client):
            yield client, chosen
    finally:
        store.close()


def same(client: httpx.Client, entity_id: str, **params: Any) -> httpx.Response:
    new = client.get(f"/entities/{entity_id}", params=params)
    old = client.get(f"/ref/entities/{entity_id}", params=params)
    assert new.status_code == old.status_code, (entity_id, params, new.text, old.text)
    assert new.headers["content-type"] == old.headers["content-type"]
    assert new.content == old.content, (entity_id, params)
    return new


def test_entity_bodies_are_byte_for_byte_the_models(api: tuple[httpx.Client, list[str]]) -> None:
    client, ids = api
    kinds = set()
    for entity_id in ids:
        r = same(client, entity_id)
        assert r.status_code == 200
        kinds.add(r.json()["entity"]["kind"])
        for day in ("2015-06-01", "2030-01-01"):
            same(client, entity_id, as_of=day)
    assert {"Country", "Vendor", "Source"} <= kinds


def test_source_cited_by_pages_are_the_same(api: tuple[httpx.Client, list[str]]) -> None:
    client, ids = api
    for source_id in [i for i in ids if i.startswith("source:")][:10]:
        first = same(client, source_id, cited_by_limit=1).json()
        if first["cited_by"]["next"]:
            same(client, source_id, cited_by_limit=1, cited_by_after=first["cited_by"]["next"])


@pytest.mark.parametrize(
    ("entity_id", "params", "status"),
    [
        ("vendor:no-such-vendor", {}, 404),
        ("country:XX", {}, 404),
        ("nokind:thing", {}, 404),
        ("vendor:acme", {"as_of": "2019-02-30"}, 422),
        ("vendor:acme", {"as_of": "yesterday"}, 422),
        ("vendor:acme", {"cited_by_after": "not-a-cursor"}, 400),
        ("vendor:acme", {"cited_by_limit": 0}, 422),
    ],
)
def test_errors_are_the_same(
    api: tuple[httpx.Client, list[str]], entity_id: str, params: dict[str, Any], status: int
) -> None:
    client, _ = api
    assert same(client, entity_id, **params).status_code == status
