"""The read endpoints over HTTP, on a real uvicorn server, against both engines loaded with the small graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from survgraph.graph import GraphStore
from survgraph.graph.time import claim_in_force

from .test_api_support import ENGINES, app_for, assert_error, engine_store, serve, snapshot


class Api:
    def __init__(self, store: GraphStore, client: httpx.Client) -> None:
        self.store = store
        self.client = client

    def get(self, url: str, **params: Any) -> httpx.Response:
        return self.client.get(url, params=params or None)

    def ok(self, url: str, **params: Any) -> Any:
        r = self.get(url, **params)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture(scope="module", params=ENGINES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    with engine_store(request.param, tmp_path_factory, request) as store, serve(app_for(store)) as (_, client):
        before = snapshot(store)
        yield Api(store, client)
        # Reads are reads: the whole module must leave the graph exactly as it found it.
        assert snapshot(store) == before


ALL_IDS = sorted(
    [
        *(f"country:{c}" for c in ("CN", "PK", "US", "ZW")),
        "vendor:acme",
        "vendor:globex",
        "vendor:initech",
        "org:interior-ministry",
        "org:state-bank",
        "project:cable",
        "project:city-cams",
        "database:ndc",
        "database:registry",
        "initiative:big",
        "initiative:corridor",
        "source:test-a",
        "source:test-b",
        "source:test-iso",
    ]
)


# -- health -------------------------------------------------------------------------------


def test_health_and_ready(api: Api) -> None:
    assert api.ok("/health") == {"status": "ok"}
    assert api.ok("/ready") == {"status": "ready", "store": api.store.name}


def test_openapi_docs(api: Api) -> None:
    r = api.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    spec = api.ok("/openapi.json")
    assert {"/health", "/ready", "/entities", "/entities/{entity_id}", "/claims", "/queries"} <= set(spec["paths"])
    # Each template is an operation of its own, its required parameters declared so.
    run = spec["paths"]["/queries/shortest_path"]["get"]
    assert sorted(p["name"] for p in run["parameters"] if p["required"]) == ["from", "to"]
    assert {"/paths", "/stats", "/cypher"} <= set(spec["paths"])
    assert "/records" not in spec["paths"]  # no API key configured: the write endpoint does not exist


# -- entities -----------------------------------------------------------------------------


def test_entities_all_in_id_order(api: Api) -> None:
    body = api.ok("/entities", limit=500)
    assert body["total"] == len(ALL_IDS) and body["limit"] == 500 and body["next"] is None
    assert [e["id"] for e in body["items"]] == ALL_IDS


def test_entities_pages_cover_everything_once(api: Api) -> None:
    seen: list[str] = []
    sizes = []
    page = api.ok("/entities", limit=5)
    while True:
        assert page["total"] == len(ALL_IDS)
        seen += [e["id"] for e in page["items"]]
        sizes.append(len(page["items"]))
        if page["next"] is None:
            break
        page = api.ok("/entities", limit=5, after=page["next"])
    assert seen == ALL_IDS
    assert len(ALL_IDS) == 18 and sizes == [5, 5, 5, 3]  # a short last page, and no empty page after it


def test_entities_cursor_pages_keep_their_filters(api: Api) -> None:
    first = api.ok("/entities", kind="Country", limit=3)
    assert [e["id"] for e in first["items"]] == ["country:CN", "country:PK", "country:US"]
    rest = api.ok("/entities", kind="Country", limit=3, after=first["next"])
    assert [e["id"] for e in rest["items"]] == ["country:ZW"] and rest["next"] is None


@pytest.mark.parametrize("listing", ["/entities", "/claims"])
def test_offset_is_refused_with_a_pointer_to_cursors(api: Api, listing: str) -> None:
    body = assert_error(api.get(listing, offset=5), 400)
    assert "offset" in body["error"] and "next" in body["details"][0]


def test_cursors_are_checked(api: Api) -> None:
    claims_cursor = api.ok("/claims", limit=1)["next"]
    body = assert_error(api.get("/entities", after=claims_cursor), 400)
    assert body["details"] == ["this cursor pages /claims, not /entities"]
    for forged in ("garbage", "eyJ2IjoxfQ", "%%%", "e30", "bnVsbA"):
        assert_error(api.get("/entities", after=forged), 400)


@pytest.mark.parametrize("kind", ["Vendor", "vendor", "VENDOR"])
def test_entities_by_kind(api: Api, kind: str) -> None:
    body = api.ok("/entities", kind=kind)
    assert [e["id"] for e in body["items"]] == ["vendor:acme", "vendor:globex", "vendor:initech"]
    assert all(e["kind"] == "Vendor" for e in body["items"])
    acme = body["items"][0]
    assert acme["properties"] == {"hq_country": "CN", "ownership": "private"}  # the kind's own columns


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("acme", ["vendor:acme"]),
        ("ACME co", ["vendor:acme"]),  # an alias, any case
        ("co", ["initiative:corridor", "source:test-iso", "vendor:acme"]),
        ("ministry", ["org:interior-ministry"]),
        ("no such name", []),
    ],
)
def test_entities_search(api: Api, q: str, expected: list[str]) -> None:
    body = api.ok("/entities", q=q)
    assert [e["id"] for e in body["items"]] == expected and body["total"] == len(expected)


def test_entities_search_within_kind(api: Api) -> None:
    assert [e["id"] for e in api.ok("/entities", q="co", kind="Initiative")["items"]] == ["initiative:corridor"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"limit": "ten"},
        {"after": "x" * 1000},
        {"kind": "Spaceship"},
        {"q": "x" * 201},
    ],
)
def test_entities_bad_parameters_are_422(api: Api, params: dict[str, Any]) -> None:
    body = assert_error(api.get("/entities", **params), 422)
    assert body["details"]


def test_entity_detail_with_colon_in_id(api: Api) -> None:
    body = api.ok("/entities/vendor:acme")
    assert body["entity"]["id"] == "vendor:acme" and body["entity"]["name"] == "Acme Vision"
    assert body["entity"]["aliases"] == ["Acme", "ACME Co"]
    assert [s["id"] for s in body["sources"]] == ["source:test-a"]
    assert body["sources"][0] == {
        "id": "source:test-a",
        "title": "Report A",
        "publisher": "Test Publisher",
        "publisher_key": "test-publisher",
        "kind": "official_document",
        "reposts": None,
        "date": "2020-06-21",
        "date_note": None,
        "url": "https://example.org/a",
        "accessed": None,
    }
    out = [(c["type"], c["other"]["id"]) for c in body["outgoing"]]
    assert out == [
        ("HEADQUARTERED_IN", "country:CN"),
        ("SUPPLIES", "project:city-cams"),
        ("SUPPLIES", "project:city-cams"),
    ]
    assert body["incoming"] == []
    supplies = [c for c in body["outgoing"] if c["type"] == "SUPPLIES"]
    # Two sources disagree on the number of cameras: two claims, each with its own source, resolved.
    by_count = {c["quantity"]["value"]: c for c in supplies}
    assert set(by_count) == {8000, 10000}
    assert [s["title"] for s in by_count[8000]["sources"]] == ["Report A"]
    assert [s["title"] for s in by_count[10000]["sources"]] == ["Report B"]
    assert by_count[8000]["technologies"] == ["cctv", "facial_recognition"]
    assert by_count[8000]["from_id"] == "vendor:acme" and by_count[8000]["to_id"] == "project:city-cams"
    assert by_count[8000]["other"] == {"id": "project:city-cams", "kind": "Project", "name": "City Cameras"}


def test_entity_detail_incoming_and_nested_money(api: Api) -> None:
    body = api.ok("/entities/project:city-cams")
    props = body["entity"]["properties"]
    assert props["value"] == {"amount": 1000000, "currency": "USD"}
    assert props["technologies"] == ["cctv", "facial_recognition"] and props["city"] == "Lahore"
    incoming = [(c["type"], c["other"]["id"], c["confidence"]) for c in body["incoming"]]
    assert sorted(incoming) == [("SUPPLIES", "vendor:acme", "confirmed"), ("SUPPLIES", "vendor:acme", "reported")]
    outgoing = [(c["type"], c["other"]["id"]) for c in body["outgoing"]]
    assert outgoing == [
        ("LOCATED_IN", "country:PK"),
        ("OPERATED_BY", "org:interior-ministry"),
        ("PART_OF", "initiative:corridor"),
    ]
    funded = api.ok("/entities/project:cable")["outgoing"]
    amount = next(c["amount"] for c in funded if c["type"] == "FUNDED_BY")
    assert amount == {"amount": 44000000, "currency": "USD"}


def test_entity_detail_of_a_source_and_a_country(api: Api) -> None:
    source = api.ok("/entities/source:test-b")["entity"]
    assert source["kind"] == "Source" and source["properties"]["publisher"] == "Other Publisher"
    bank = api.ok("/entities/org:state-bank")["entity"]
    # The Organization's own `kind` column does not clash with the node kind.
    assert bank["kind"] == "Organization" and bank["properties"] == {"kind": "bank", "country": "CN"}
    pk = api.ok("/entities/country:PK")
    assert sorted(c["other"]["id"] for c in pk["incoming"] if c["type"] == "LOCATED_IN") == [
        "org:interior-ministry",
        "project:cable",
        "project:city-cams",
    ]
    assert [(c["type"], c["other"]["id"]) for c in pk["outgoing"]] == [("MEMBER_OF", "initiative:big")]


@pytest.mark.parametrize("entity_id", ["vendor:nope", "nope", "spaceship:x", "vendor:", ":", "VENDOR:ACME"])
def test_unknown_entity_is_404(api: Api, entity_id: str) -> None:
    assert_error(api.get(f"/entities/{entity_id}"), 404)


# -- claims -------------------------------------------------------------------------------


def test_claims_all_and_paginated(api: Api) -> None:
    everything = api.ok("/claims", limit=500)
    assert everything["total"] == 20
    ids = [c["id"] for c in everything["items"]]
    assert ids == sorted(ids)
    paged: list[str] = []
    page = api.ok("/claims", limit=7)
    while True:
        assert page["total"] == 20
        paged += [c["id"] for c in page["items"]]
        if page["next"] is None:
            break
        page = api.ok("/claims", limit=7, after=page["next"])
    assert paged == ids
    for claim in everything["items"]:
        assert claim["source_ids"] and [s["id"] for s in claim["sources"]] == claim["source_ids"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "SUPPLIES"}, 4),
        ({"type": "supplies"}, 4),
        ({"type": "CONSIDERS"}, 0),
        ({"from": "vendor:acme"}, 3),
        ({"from": "vendor:acme", "type": "SUPPLIES"}, 2),
        ({"to": "project:city-cams"}, 2),
        ({"to": "project:city-cams", "confidence": "reported"}, 1),
        ({"from": "vendor:acme", "to": "country:CN"}, 1),
        ({"confidence": "alleged"}, 2),  # the claim, and the HQ claim derived from the vendor
        ({"from": "vendor:nope"}, 0),
        ({"from": "nope"}, 0),
    ],
)
def test_claims_filters(api: Api, params: dict[str, str], expected: int) -> None:
    body = api.ok("/claims", **params, limit=500)
    assert body["total"] == expected == len(body["items"])
    for claim in body["items"]:
        if "type" in params:
            assert claim["type"] == params["type"].upper()
        if "from" in params:
            assert claim["from_id"] == params["from"]
        if "to" in params:
            assert claim["to_id"] == params["to"]
        if "confidence" in params:
            assert claim["confidence"] == params["confidence"]


@pytest.mark.parametrize(
    "params",
    [
        {"type": "LIKES"},
        {"confidence": "certain"},
        {"limit": 0},
        {"limit": 10_000},
        {"after": "y" * 1000},
        {"from": "x" * 300},
    ],
)
def test_claims_bad_parameters_are_422(api: Api, params: dict[str, Any]) -> None:
    assert_error(api.get("/claims", **params), 422)


# -- queries ------------------------------------------------------------------------------


def test_queries_list_with_parameter_schemas(api: Api) -> None:
    from survgraph.queries import TEMPLATES

    items = api.ok("/queries")["items"]
    assert [t["name"] for t in items] == [t.name for t in TEMPLATES.listing()]
    by_name = {t["name"]: t for t in items}
    sp = by_name["shortest_path"]
    assert sp["title"] and sp["description"]
    params = {p["name"]: p for p in sp["params"]}
    assert params["from"]["required"] and params["from"]["type"] == "str" and params["from"]["check"] == "entity_id"
    assert params["max_hops"]["min"] == 1 and params["max_hops"]["default"] == 4
    schema = sp["parameters_schema"]
    assert schema["type"] == "object" and {"from", "to", "max_hops"} <= set(schema["properties"])
    assert "from" in schema["required"]
    assert [c["name"] for c in sp["columns"]] == ["rank", "hops", "path", "path_text", "sources"]


def test_query_run_with_get_parameters(api: Api) -> None:
    from survgraph.queries import TEMPLATES

    body = api.ok("/queries/vendor_countries", vendor="Acme")  # by alias
    assert body["template"] == "vendor_countries" and body["params"] == {"vendor": "Acme"}
    assert body["columns"] == TEMPLATES.get("vendor_countries").columns
    # Acme supplies one project, in Pakistan (column names are the template's business).
    assert len(body["rows"]) == 1 and {"vendor:acme", "country:PK"} <= set(body["rows"][0].values())
    assert all(list(r) == body["columns"] for r in body["rows"])
    rows = api.ok("/queries/claims_by_source", source="source:test-b")["rows"]
    assert {r["id"] for r in rows if r["element"] == "claim" and r["kind"] == "SUPPLIES"} == {
        "claim:1a3135436f5dffbe",
        "claim:10c9f2b971e0d175",
        "claim:c37282c3ea76755a",
    }
    listed = api.client.get(
        "/queries/shortest_path",
        params=[("from", "vendor:acme"), ("to", "initiative:big"), ("types", "SUPPLIES"), ("types", "PART_OF")],
    )
    assert listed.status_code == 200, listed.text
    assert {r["hops"] for r in listed.json()["rows"]} == {3}


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "vendor: required"),
        ({"vendor": "Acme", "colour": "red"}, "colour: unknown parameter"),
        ({"vendor": "Acme", "source": "vendor:acme"}, "source: expected the id of a Source"),
        ({"vendor": "x" * 201}, "vendor: "),
    ],
)
def test_query_bad_parameters_are_422(api: Api, params: dict[str, str], detail: str) -> None:
    body = assert_error(api.get("/queries/vendor_countries", **params), 422)
    assert "vendor_countries" in body["error"]
    assert any(d.startswith(detail) for d in body["details"]), body


def test_query_hop_bound_out_of_range_is_422(api: Api) -> None:
    body = assert_error(
        api.get("/queries/shortest_path", **{"from": "vendor:acme", "to": "initiative:big", "max_hops": 99}), 422
    )
    assert any(d.startswith("max_hops:") for d in body["details"]), body


@pytest.mark.parametrize("day", ["2015-06-30", "2019-06-30", "2019-07-01"])
def test_query_as_of(api: Api, day: str) -> None:
    """?as_of= keeps the claims in force that day (the Python rule on the store's own claims)."""
    from survgraph.graph.time import claim_in_force

    rows = api.ok("/queries/timeline", id="country:PK", as_of=day)["rows"]
    every = api.ok("/queries/timeline", id="country:PK")["rows"]
    kept = [r["claim_id"] for r in every if claim_in_force(r["start"], r["end"], day)]
    direct = {r["claim_id"] for r in rows if r["about_id"] == "country:PK"}
    assert [r["claim_id"] for r in rows if r["claim_id"] in direct] == [c for c in kept if c in direct]
    assert all(claim_in_force(r["start"], r["end"], day) for r in rows)
    assert len(rows) < len(every)


@pytest.mark.parametrize("bad", ["2019-02-30", "2019-06", "tomorrow", "2019-06-30T00:00:00"])
def test_query_bad_as_of_is_422(api: Api, bad: str) -> None:
    body = assert_error(api.get("/queries/timeline", id="vendor:acme", as_of=bad), 422)
    assert any(d.startswith("as_of:") for d in body["details"]), body


@pytest.mark.parametrize(
    ("url", "params", "suggested"),
    [
        ("/queries/vendor_footprint", {"vendor": "vendor:acm"}, "vendor:acme"),
        ("/queries/timeline", {"id": "project:cables"}, "project:cable"),
        ("/queries/claims_by_source", {"source": "source:test-z"}, "source:test-a"),
        ("/entities/vendor:initek", {}, "vendor:initech"),
        ("/entities/vendor:globex-networks", {}, "vendor:globex"),
    ],
)
def test_unknown_entity_404_suggests(api: Api, url: str, params: dict[str, str], suggested: str) -> None:
    body = assert_error(api.get(url, **params), 404)
    assert suggested in body["suggestions"], body
    assert body["error"].startswith("no entity ") and suggested in body["error"]


def test_query_rows_name_their_source_records(api: Api) -> None:
    """Each `sources` cell lists the source records, as the fixture file has them, ids in the runner's order."""
    from survgraph.loaders import validate_paths
    from survgraph.queries import run_template
    from survgraph.schema.models import Source

    from .conftest import FIXTURES

    records = {n.id: n for n in validate_paths([FIXTURES / "small"]).nodes if isinstance(n, Source)}
    rows = api.ok("/queries/vendor_footprint", vendor="vendor:acme")["rows"]
    plain = run_template(api.store, "vendor_footprint", {"vendor": "vendor:acme"})
    assert [[s["id"] for s in r["sources"]] for r in rows] == [r["sources"] for r in plain]
    assert any(r["sources"] for r in rows)
    for s in (s for r in rows for s in r["sources"]):
        rec = records[s["id"]]
        url = None if rec.url is None else str(rec.url)
        assert s == {"id": rec.id, "publisher": rec.publisher, "title": rec.title, "date": rec.date, "url": url}


def test_unknown_query_is_404(api: Api) -> None:
    body = assert_error(api.get("/queries/drop_everything"), 404)
    assert "drop_everything" in body["error"] and "shortest_path" in body["details"][0]


# -- stats --------------------------------------------------------------------------------


def test_stats(api: Api) -> None:
    body = api.ok("/stats")
    assert body["nodes"] == {
        "Country": 4,
        "Vendor": 3,
        "Organization": 2,
        "Project": 2,
        "Database": 2,
        "Initiative": 2,
        "Source": 3,
    }
    assert body["edges"]["SUPPLIES"] == 4 and sum(body["edges"].values()) == 20


# -- paths --------------------------------------------------------------------------------


VIA_PK = ("vendor:acme", "project:city-cams", "country:PK", "initiative:big")
VIA_CORRIDOR = ("vendor:acme", "project:city-cams", "initiative:corridor", "initiative:big")


def test_shortest_paths(api: Api) -> None:
    body = api.ok("/paths", **{"from": "vendor:acme", "to": "initiative:big", "max_hops": 4})
    assert body["from_id"] == "vendor:acme" and body["to_id"] == "initiative:big" and body["max_hops"] == 4
    # Two routes of three claims each, and two SUPPLIES claims (8,000 and 10,000 cameras) for the first
    # step: four paths, ranked.
    routes = [tuple(n["id"] for n in p["nodes"]) for p in body["paths"]]
    assert sorted(routes) == [VIA_PK, VIA_PK, VIA_CORRIDOR, VIA_CORRIDOR]
    assert [p["rank"] for p in body["paths"]] == [1, 2, 3, 4] and {p["hops"] for p in body["paths"]} == {3}
    via_pk = next(p for p in body["paths"] if tuple(n["id"] for n in p["nodes"]) == VIA_PK)
    assert via_pk["nodes"][0] == {"id": "vendor:acme", "kind": "Vendor", "name": "Acme Vision"}
    assert [(r["type"], r["direction"]) for r in via_pk["relationships"]] == [
        ("SUPPLIES", "->"),
        ("LOCATED_IN", "->"),
        ("MEMBER_OF", "->"),
    ]
    assert (
        via_pk["text"]
        == "Acme Vision -[SUPPLIES]-> City Cameras -[LOCATED_IN]-> Pakistan -[MEMBER_OF]-> Big Initiative"
    )
    reverse = api.ok("/paths", **{"from": "initiative:big", "to": "vendor:acme"})["paths"]
    assert {r["direction"] for p in reverse for r in p["relationships"]} == {"<-"}  # walked against each claim
    for path in body["paths"]:
        for rel in path["relationships"]:
            assert rel["sources"] and [s["id"] for s in rel["sources"]] == rel["source_ids"]
            assert rel["confidence"] in ("confirmed", "reported", "alleged")
    assert len(api.ok("/paths", **{"from": "vendor:acme", "to": "initiative:big", "limit": 1})["paths"]) == 1


def test_shortest_path_hop_limit_and_types(api: Api) -> None:
    base = {"from": "vendor:acme", "to": "initiative:big"}
    assert api.ok("/paths", **base, max_hops=2)["paths"] == []
    assert api.ok("/paths", **base, max_hops=4, types="SUPPLIES")["paths"] == []
    through = api.ok("/paths", **base, max_hops=4, types="SUPPLIES,PART_OF")
    assert through["types"] == ["PART_OF", "SUPPLIES"]
    assert [tuple(n["id"] for n in p["nodes"]) for p in through["paths"]] == [VIA_CORRIDOR, VIA_CORRIDOR]
    repeated = api.client.get(
        "/paths",
        params=[("from", "vendor:acme"), ("to", "initiative:big"), ("types", "supplies"), ("types", "part_of")],
    )
    assert repeated.status_code == 200 and repeated.json()["paths"] == through["paths"]


def test_paths_as_of(api: Api) -> None:
    """Only claims in force on the day: of the two SUPPLIES claims from Acme to City Cameras, the one
    that ended in 2019-06 is gone in 2020, so each route has one first step left, not two."""
    base = {"from": "vendor:acme", "to": "initiative:big", "max_hops": 4}
    for as_of, routes in [("2018-01-01", 4), ("2020-01-01", 2)]:
        body = api.ok("/paths", **base, as_of=as_of)
        assert len(body["paths"]) == routes
        for path in body["paths"]:
            for rel in path["relationships"]:
                assert claim_in_force(rel["start"], rel["end"], as_of), (as_of, rel)
    for path in api.ok("/paths", **base, as_of="2015-01-01")["paths"]:
        assert all(claim_in_force(r["start"], r["end"], "2015-01-01") for r in path["relationships"])
    body = assert_error(api.get("/paths", **base, as_of="2019-02-30"), 422)
    assert "as_of" in str(body)


@pytest.mark.parametrize("hops", [0, -1, 7, 100, "two"])
def test_paths_hop_bounds_are_422(api: Api, hops: Any) -> None:
    body = assert_error(api.get("/paths", **{"from": "vendor:acme", "to": "initiative:big", "max_hops": hops}), 422)
    assert any("max_hops" in d for d in body["details"])


def test_paths_unknown_edge_type_is_422(api: Api) -> None:
    body = assert_error(api.get("/paths", **{"from": "vendor:acme", "to": "initiative:big", "types": "LIKES"}), 422)
    assert "LIKES" in body["error"]


def test_paths_unknown_endpoint_is_404_and_missing_is_422(api: Api) -> None:
    assert_error(api.get("/paths", **{"from": "vendor:nope", "to": "initiative:big"}), 404)
    assert_error(api.get("/paths", **{"from": "vendor:acme", "to": "initiative:nope"}), 404)
    assert_error(api.get("/paths", **{"from": "vendor:acme"}), 422)


# -- errors everywhere ---------------------------------------------------------------------


def test_unknown_route_and_method_use_the_error_shape(api: Api) -> None:
    assert_error(api.get("/nowhere"), 404)
    assert_error(api.client.delete("/entities"), 405)
    assert_error(api.client.post("/records", content="entities: []"), 404)  # no key: no write route


def test_cypher(api: Api) -> None:
    r = api.client.post("/cypher", json={"query": "MATCH (n:Vendor) RETURN n.id AS id ORDER BY id"})
    if api.store.name == "embedded":
        body = assert_error(r, 400)
        assert "Neo4j" in body["error"]
        return
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [{"id": "vendor:acme"}, {"id": "vendor:globex"}, {"id": "vendor:initech"}]


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n) DETACH DELETE n",
        "CREATE (n:Vendor {id: 'vendor:evil'})",
        "MATCH (n:Vendor) SET n.name = 'x' RETURN n",
        "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
        "CALL { MATCH (n) DETACH DELETE n } RETURN 1",
        "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
        "CREATE CONSTRAINT evil IF NOT EXISTS FOR (n:Vendor) REQUIRE n.name IS UNIQUE",
        "this is not cypher",
    ],
)
def test_cypher_refuses_anything_but_one_read(api: Api, query: str) -> None:
    r = api.client.post("/cypher", json={"query": query})
    assert_error(r, 400)


@pytest.mark.parametrize("body", [{}, {"query": ""}, {"query": 1}, {"query": "RETURN 1", "extra": True}, []])
def test_cypher_bad_body_is_422(api: Api, body: Any) -> None:
    assert_error(api.client.post("/cypher", json=body), 422)
