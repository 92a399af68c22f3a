"""POST /records on both engines: it exists only with an API key, requires it, and loads all or nothing."""

from __future__ import annotations

import pytest

from survgraph.api import ApiSettings
from survgraph.graph import GraphStore
from survgraph.schema import REGISTRY

from .test_api_support import API_KEY, app_for, assert_error, load_small, serve, snapshot

KEY = {"X-API-Key": API_KEY}

#: A new source and vendor, and claims that reach entities already in the graph.
NEW_RECORDS = """\
sources:
  - id: source:new-report
    publisher: New Publisher
    kind: news_report
    title: A new report
    date: "2024-02"
entities:
  - id: vendor:newco
    name: NewCo
    aliases: [New Company]
    hq_country: PK
    sources: [source:new-report]
    confidence: reported
claims:
  - type: SUPPLIES
    from: vendor:newco
    to: project:city-cams
    sources: [source:new-report, source:test-a]
    confidence: reported
    technologies: [cctv]
  - {type: SUBSIDIARY_OF, from: vendor:initech, to: vendor:newco, sources: [source:new-report], confidence: alleged}
"""

#: One good entity, then three mistakes: the good one must not be written either.
BAD_RECORDS = """\
entities:
  - id: vendor:goodco
    name: GoodCo
    sources: [source:test-a]
    confidence: reported
claims:
  - {type: SUPPLIES, from: vendor:goodco, to: project:nowhere, sources: [source:test-a], confidence: reported}
  - {type: SUPPLIES, from: vendor:goodco, to: project:cable, sources: [source:test-a], confidence: sure}
  - {type: LIKES, from: vendor:goodco, to: project:cable, sources: [source:test-a], confidence: alleged}
"""


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    load_small(store)
    return store


def test_no_key_configured_means_no_write_route(loaded: GraphStore) -> None:
    with serve(app_for(loaded)) as (_, client):
        before = snapshot(loaded)
        assert_error(client.post("/records", content=NEW_RECORDS, headers=KEY), 404)
        assert "/records" not in client.get("/openapi.json").json()["paths"]
        assert snapshot(loaded) == before


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": ""}, {"X-API-Key": "wrong"}, {"X-API-Key": API_KEY + "x"}])
def test_write_needs_the_key(loaded: GraphStore, headers: dict[str, str]) -> None:
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        before = snapshot(loaded)
        r = client.post("/records", content=NEW_RECORDS, headers=headers)
        assert_error(r, 401)
        assert r.headers["www-authenticate"] == "X-API-Key"
        assert snapshot(loaded) == before
        assert "/records" in client.get("/openapi.json").json()["paths"]


def test_post_records_loads_and_links_to_stored_entities(loaded: GraphStore) -> None:
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        r = client.post("/records", content=NEW_RECORDS, headers={**KEY, "Content-Type": "application/yaml"})
        assert r.status_code == 200, r.text
        assert r.json() == {
            "nodes": {"Source": {"created": 1, "updated": 0}, "Vendor": {"created": 1, "updated": 0}},
            "edges": {
                "HEADQUARTERED_IN": {"created": 1, "updated": 0},
                "SUBSIDIARY_OF": {"created": 1, "updated": 0},
                "SUPPLIES": {"created": 1, "updated": 0},
            },
            "warnings": [],
        }
        newco = client.get("/entities/vendor:newco").json()
        assert newco["entity"]["properties"]["hq_country"] == "PK"
        assert [(c["type"], c["other"]["id"]) for c in newco["outgoing"]] == [
            ("HEADQUARTERED_IN", "country:PK"),
            ("SUPPLIES", "project:city-cams"),
        ]
        supplies = newco["outgoing"][1]
        assert [s["title"] for s in supplies["sources"]] == ["A new report", "Report A"]
        assert [(c["type"], c["other"]["id"]) for c in newco["incoming"]] == [("SUBSIDIARY_OF", "vendor:initech")]
        # Stored entities the body referred to were read, not rewritten.
        assert client.get("/entities/project:city-cams").json()["entity"]["name"] == "City Cameras"
        stats = client.get("/stats").json()
        assert stats["nodes"]["Vendor"] == 4 and stats["edges"]["SUPPLIES"] == 5

        # Idempotent: the same body again creates nothing.
        again = client.post("/records", content=NEW_RECORDS, headers=KEY).json()
        assert all(c["created"] == 0 for part in ("nodes", "edges") for c in again[part].values())
        assert client.get("/stats").json() == stats


def test_post_records_all_or_nothing(loaded: GraphStore) -> None:
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        before = snapshot(loaded)
        body = assert_error(client.post("/records", content=BAD_RECORDS, headers=KEY), 422)
        assert body["error"] == "3 problem(s) in the records; nothing was written"
        assert body["details"] == [
            "request.yaml:7: vendor:goodco -SUPPLIES-> project:nowhere: to: unknown id 'project:nowhere'",
            "request.yaml:8: vendor:goodco -SUPPLIES-> project:cable: confidence: "
            "Input should be 'confirmed', 'reported' or 'alleged'",
            "request.yaml:9: vendor:goodco -LIKES-> project:cable: type: unknown edge type 'LIKES'; expected one of "
            + ", ".join(REGISTRY.edge_types),
        ]
        assert snapshot(loaded) == before
        assert_error(client.get("/entities/vendor:goodco"), 404)


@pytest.mark.parametrize(
    ("text", "status", "detail"),
    [
        ("entities: [\n  {id: vendor:x, name: X\n", 422, "request.yaml:3: -: -: YAML syntax"),
        ("- just\n- a list\n", 422, "request.yaml:1: -: -: top level must be a mapping"),
        ("vendors: []\n", 422, "request.yaml:1: -: vendors: unknown section"),
        ("", 400, None),
        ("entities: []\n", 400, None),
    ],
)
def test_post_records_bad_files(loaded: GraphStore, text: str, status: int, detail: str | None) -> None:
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        before = snapshot(loaded)
        body = assert_error(client.post("/records", content=text, headers=KEY), status)
        if detail is not None:
            assert body["details"][0].startswith(detail), body
        assert snapshot(loaded) == before


def test_cypher_in_data_is_stored_as_data(loaded: GraphStore) -> None:
    evil = "}) MATCH (n) DETACH DELETE n //"
    text = f"""\
entities:
  - id: vendor:odd
    name: "{evil}"
    aliases: ["x' OR 1=1", "漢字 🙂"]
    description: "'; MATCH (n) SET n.name = 'pwned' //"
    sources: [source:test-a]
    confidence: alleged
"""
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        before = client.get("/stats").json()
        r = client.post("/records", content=text.encode(), headers=KEY)
        assert r.status_code == 200, r.text
        odd = client.get("/entities/vendor:odd").json()["entity"]
        assert odd["name"] == evil and odd["aliases"] == ["x' OR 1=1", "漢字 🙂"]
        after = client.get("/stats").json()
        assert after["nodes"]["Vendor"] == before["nodes"]["Vendor"] + 1
        assert sum(after["nodes"].values()) == sum(before["nodes"].values()) + 1
        assert client.get("/entities/vendor:acme").json()["entity"]["name"] == "Acme Vision"
        assert [e["id"] for e in client.get("/entities", params={"q": "漢字"}).json()["items"]] == ["vendor:odd"]


def test_key_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_API_KEY", "from-env")
    assert ApiSettings().writes_enabled
    monkeypatch.setenv("SURVGRAPH_API_KEY", "  ")  # compose's `${SURVGRAPH_API_KEY:-}`: blank is unset
    assert not ApiSettings().writes_enabled
    monkeypatch.delenv("SURVGRAPH_API_KEY")
    assert not ApiSettings().writes_enabled


def test_concurrent_reads_during_writes(loaded: GraphStore) -> None:
    """Many request threads share one store (one LadybugDB connection for the embedded engine): reads
    running while writes commit all succeed and never see a half-written load."""
    from concurrent.futures import ThreadPoolExecutor

    bodies = [NEW_RECORDS.replace("vendor:newco", f"vendor:newco-{i}").replace("NewCo", f"NewCo {i}") for i in range(4)]
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (server, _):

        def read(i: int) -> int:
            with server.client() as c:
                r = c.get("/entities/vendor:acme" if i % 2 else "/claims", params=None if i % 2 else {"limit": 500})
                return r.status_code

        def write(body: str) -> int:
            with server.client() as c:
                return c.post("/records", content=body, headers=KEY).status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            reads = [pool.submit(read, i) for i in range(40)]
            writes = [pool.submit(write, b) for b in bodies]
            assert [f.result() for f in writes] == [200] * 4
            assert [f.result() for f in reads] == [200] * 40
        with server.client() as c:
            stats = c.get("/stats").json()
    assert stats["nodes"]["Vendor"] == 3 + 4 and stats["nodes"]["Source"] == 3 + 1
