"""Injection attempts in every parameter of every endpoint, on both engines: each answer is a 4xx or an
empty result, never a 500, and the graph is exactly as before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from survgraph.graph import GraphStore

from .test_api_support import API_KEY, ENGINES, app_for, engine_store, serve, snapshot

PAYLOADS = {
    "quote": "x' OR 1=1",
    "quote-id": "vendor:acme' OR '1'='1",
    "double-quote": 'x" OR 1=1 //',
    "close-and-delete": "}) MATCH (n) DETACH DELETE n //",
    "with-delete": "x' }) WITH 1 AS x MATCH (n) DETACH DELETE n RETURN 1 //",
    "label-break": "Vendor`) DETACH DELETE (n",
    "type-break": "SUPPLIES]->() DETACH DELETE r //",
    "parameter": "$id",
    "newline": "a\nMATCH (n) DETACH DELETE n",
    "comment": "/* */ MATCH (n) DETACH DELETE n",
    "long": "A" * 10_000,
    "unicode": "é漢字🙂\u202eΩ",
    "nul": "a\u0000b",
    "path-ish": "../../etc/passwd",
    "number-ish": "1e309",
}
IDS = list(PAYLOADS)

#: (path, parameter, other parameters that make the request otherwise valid)
QUERY_TARGETS: list[tuple[str, str, dict[str, Any]]] = [
    ("/entities", "kind", {}),
    ("/entities", "q", {}),
    ("/entities", "limit", {}),
    ("/entities", "after", {}),
    ("/claims", "type", {}),
    ("/claims", "from", {}),
    ("/claims", "to", {}),
    ("/claims", "confidence", {}),
    ("/claims", "limit", {}),
    ("/claims", "after", {}),
    ("/paths", "from", {"to": "initiative:big"}),
    ("/paths", "to", {"from": "vendor:acme"}),
    ("/paths", "types", {"from": "vendor:acme", "to": "initiative:big"}),
    ("/paths", "max_hops", {"from": "vendor:acme", "to": "initiative:big"}),
]


class Target:
    def __init__(self, store: GraphStore, client: httpx.Client) -> None:
        self.store = store
        self.client = client
        self.before = snapshot(store)


@pytest.fixture(scope="module", params=ENGINES)
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    # With an API key, so that the write endpoint exists and is attacked too.
    with (
        engine_store(request.param, tmp_path_factory, request) as store,
        serve(app_for(store, SURVGRAPH_API_KEY=API_KEY)) as (_, client),
    ):
        yield Target(store, client)


def _harmless(r: httpx.Response) -> None:
    """A 4xx in the error shape, or a 200 whose answer is empty."""
    assert r.status_code < 500, r.text[:2000]
    body = r.json()
    if r.status_code >= 400:
        assert set(body) - ({"suggestions"} if r.status_code == 404 else set()) == {"error", "details"}, body
        return
    assert r.status_code == 200, r.text[:2000]
    for key in ("items", "rows", "paths"):
        if key in body:
            assert body[key] == [], body
            return
    raise AssertionError(f"a 200 with no list to check: {body}")


@pytest.fixture
def check(target: Target) -> Iterator[Target]:
    yield target
    assert snapshot(target.store) == target.before


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
@pytest.mark.parametrize(("path", "param", "others"), QUERY_TARGETS, ids=[f"{p}?{n}" for p, n, _ in QUERY_TARGETS])
def test_query_parameters(check: Target, path: str, param: str, others: dict[str, Any], payload: str) -> None:
    _harmless(check.client.get(path, params={**others, param: payload}))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
@pytest.mark.parametrize("path", ["/entities/{}", "/queries/{}"])
def test_path_parameters(check: Target, path: str, payload: str) -> None:
    r = check.client.get(path.format(quote(payload, safe="")))
    assert r.status_code in (404, 422), r.text[:2000]
    _harmless(r)


#: Valid values for the other parameters of a request, by name, so that only the attacked one is bad.
SAMPLES = {"from": "vendor:acme", "to": "initiative:big", "entity_id": "vendor:acme", "name": "shortest_path"}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_every_parameter_of_every_get_endpoint(check: Target, payload: str) -> None:
    """Walks the OpenAPI description, so endpoints added later are attacked too."""
    spec = check.client.get("/openapi.json").json()
    attacked = 0
    for path, operations in spec["paths"].items():
        params = operations.get("get", {}).get("parameters", [])
        for target in params:
            query = {p["name"]: SAMPLES.get(p["name"], "x") for p in params if p["in"] == "query" and p.get("required")}
            url = path
            for p in params:
                if p["in"] == "path":
                    value = payload if p is target else SAMPLES.get(p["name"], "x")
                    url = url.replace("{" + p["name"] + "}", quote(value, safe=""))
            if target["in"] == "query":
                query[target["name"]] = payload
            r = check.client.get(url, params=query)
            assert r.status_code < 500, (url, target["name"], r.text[:2000])
            if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
                extra = {"suggestions"} if r.status_code == 404 else set()
                assert set(r.json()) - extra == {"error", "details"}, (url, r.text[:2000])
            attacked += 1
    assert attacked >= 20


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_template_parameters(check: Target, payload: str) -> None:
    templates = check.client.get("/queries").json()["items"]
    assert templates
    for template in templates:
        names = [p["name"] for p in template["params"]] + ["not_a_parameter"]
        for name in names:
            _harmless(check.client.get(f"/queries/{template['name']}", params={name: payload}))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_cypher_body(check: Target, payload: str) -> None:
    r = check.client.post("/cypher", json={"query": payload})
    assert r.status_code in (400, 422), r.text[:2000]
    _harmless(r)


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=IDS)
def test_records_body(check: Target, payload: str) -> None:
    """Payloads as ids and references are refused (422) before anything is written; as the whole body, too."""
    as_id = {"claims": [{"type": "SUPPLIES", "from": payload, "to": "project:cable", "sources": [payload]}]}
    as_type = {
        "claims": [
            {"type": payload, "from": "vendor:acme", "to": "project:cable", "sources": ["source:test-a"]},
        ]
    }
    as_entity = {"entities": [{"id": payload, "name": payload, "sources": ["source:test-a"], "confidence": "alleged"}]}
    headers = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
    for body in (as_id, as_type, as_entity):
        r = check.client.post("/records", json=body, headers=headers)  # JSON is YAML
        assert r.status_code == 422, r.text[:2000]
        _harmless(r)
    r = check.client.post("/records", content=payload.encode(), headers={"X-API-Key": API_KEY})
    assert 400 <= r.status_code < 500, r.text[:2000]
    _harmless(r)


@pytest.mark.parametrize("payload", [p for p in PAYLOADS.values() if p.isascii() and "\n" not in p and "\0" not in p])
def test_api_key_header(check: Target, payload: str) -> None:
    r = check.client.post("/records", content="entities: []", headers={"X-API-Key": payload})
    assert r.status_code == 401
    _harmless(r)


def test_huge_bodies(check: Target) -> None:
    huge = "MATCH (n) RETURN n // " + "x" * 1_000_000
    _harmless(check.client.post("/cypher", json={"query": huge}))
    r = check.client.post("/records", content=b"entities: []\n#" + b"x" * 6_000_000, headers={"X-API-Key": API_KEY})
    assert r.status_code == 413
    _harmless(r)
