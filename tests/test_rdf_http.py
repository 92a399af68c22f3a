"""Linked data over HTTP, on a real uvicorn server against both engines: /id/{id} with content negotiation,
/export/rdf, /context.jsonld, /ontology and /shapes."""

from __future__ import annotations

import importlib
import io
import itertools
import shlex
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SH

from survgraph.api.provider import StoreProvider
from survgraph.api.routers import entities as entities_router
from survgraph.api.routers import rdf as rdf_router
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_paths
from survgraph.rdf import RdfFormat, Vocab, build_context, export, import_rdf, parse_rdf, validate_graph
from survgraph.rdf.vocab import SG

from .conftest import SEED
from .readme_support import readme_section
from .test_api_support import ENGINES, app_for, assert_error, engine_store, serve, settings, snapshot


class Site:
    def __init__(self, store: GraphStore, client: httpx.Client, url: str) -> None:
        self.store = store
        self.client = client
        self.vocab = Vocab(f"{url}/id/")

    def get(self, path: str, accept: str | None = None, **params: object) -> httpx.Response:
        headers = {"Accept": accept} if accept is not None else {}
        return self.client.get(path, params=params or None, headers=headers)  # type: ignore[arg-type]

    def rdf(self, response: httpx.Response, fmt: RdfFormat) -> Graph:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == fmt.media_type
        return parse_rdf(response.content, fmt, vocab=self.vocab)


@pytest.fixture(scope="module", params=ENGINES)
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SURVGRAPH_BASE_IRI", raising=False)  # IRIs follow the server's own address
        with engine_store(request.param, tmp_path_factory, request) as store, serve(app_for(store)) as (server, client):
            before = snapshot(store)
            yield Site(store, client, server.url)
            assert snapshot(store) == before  # linked-data reads are reads


# -- /id/{id}: content negotiation ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(RdfFormat), ids=[f.value for f in RdfFormat])
def test_entity_in_every_format(site: Site, fmt: RdfFormat) -> None:
    g = site.rdf(site.get("/id/vendor:acme", accept=fmt.media_type), fmt)
    acme = site.vocab.iri("vendor:acme")
    assert (acme, RDF.type, SG.Vendor) in g
    assert (acme, SG.supplies, site.vocab.iri("project:city-cams")) in g
    claims = set(g.subjects(RDF.subject, acme)) | set(g.subjects(RDF.object, acme))
    assert len(claims) == 3  # two camera counts to city-cams, and its headquarters
    assert validate_graph(g) == []  # the description stands on its own: ends and sources included


def test_every_iri_in_a_description_dereferences(site: Site) -> None:
    g = site.rdf(site.get("/id/project:city-cams"), RdfFormat.turtle)
    iris = {str(t) for t in g.all_nodes() if isinstance(t, URIRef) and str(t).startswith(site.vocab.base)}
    assert len(iris) > 10 and any("/id/claim:" in i for i in iris) and any("/id/source:" in i for i in iris)
    for iri in sorted(iris):
        r = site.client.get(iri, headers={"Accept": "application/n-triples"})
        assert r.status_code == 200, iri
        assert f"<{iri}> <{RDF.type}>" in r.text


def test_claim_description(site: Site) -> None:
    g = site.rdf(site.get("/id/project:cable", accept="text/turtle"), RdfFormat.turtle)
    (claim,) = set(g.subjects(RDF.predicate, SG.fundedBy))
    described = site.rdf(site.client.get(str(claim), headers={"Accept": "text/turtle"}), RdfFormat.turtle)
    assert (claim, RDF.type, SG.Claim) in described
    assert (site.vocab.iri("project:cable"), SG.fundedBy, site.vocab.iri("org:state-bank")) in described
    assert validate_graph(described) == []


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, RdfFormat.turtle),
        ("*/*", RdfFormat.turtle),
        ("application/*", RdfFormat.jsonld),
        ("application/json", RdfFormat.jsonld),
        ("text/turtle;q=0.5, application/ld+json", RdfFormat.jsonld),
        ("application/rdf+xml;q=0.9, application/trig;q=0.1, image/png", RdfFormat.xml),
        ("image/png, */*;q=0.1", RdfFormat.turtle),
        ("Application/N-Triples", RdfFormat.nt),
    ],
)
def test_accept_header_picks_the_format(site: Site, accept: str | None, fmt: RdfFormat) -> None:
    r = site.get("/id/vendor:acme", accept=accept)
    site.rdf(r, fmt)
    assert r.headers["vary"] == "Accept"


def test_html_redirects_to_the_entity_page(site: Site) -> None:
    r = site.get("/id/vendor:acme", accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.status_code == 303
    assert r.headers["location"] == "/viz/entity/vendor:acme"  # the entity's visualisation page
    followed = site.client.get(r.headers["location"])
    assert followed.status_code == 200 and followed.headers["content-type"].startswith("text/html")
    assert "vendor:acme" in followed.text


def test_html_without_the_viz_goes_to_the_json_view(site: Site) -> None:
    app = FastAPI()
    app.include_router(rdf_router.router)
    app.include_router(entities_router.router)
    app.state.settings = settings()
    app.state.provider = StoreProvider(app.state.settings, site.store)
    with serve(app) as (_, client):
        r = client.get("/id/vendor:acme", headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/entities/vendor:acme"
        assert client.get(r.headers["location"]).json()["entity"]["id"] == "vendor:acme"
        claim = client.get("/id/project:cable", headers={"Accept": "application/n-triples"}).text
        claim_iri = next(w for w in claim.split() if "/id/claim:" in w).strip("<>")
        r = client.get(claim_iri, headers={"Accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"].startswith("/claims?from=")


@pytest.mark.parametrize("accept", ["image/png", "text/html;q=0, text/csv", "application/xml;q=1, text/turtle;q=0"])
def test_unsupported_types_get_406(site: Site, accept: str) -> None:
    body = assert_error(site.get("/id/vendor:acme", accept=accept), 406)
    assert body["details"] == [
        "offered: text/turtle, application/ld+json, application/n-triples, application/rdf+xml, application/trig, "
        "text/html"
    ]


def test_unknown_ids_get_404(site: Site) -> None:
    assert_error(site.get("/id/vendor:nobody"), 404)
    assert_error(site.get("/id/claim:0000000000000000"), 404)
    assert_error(site.get("/id/nonsense"), 404)


# -- /export/rdf -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(RdfFormat), ids=[f.value for f in RdfFormat])
def test_export_over_http_matches_the_library(site: Site, fmt: RdfFormat, tmp_path: Path) -> None:
    g = site.rdf(site.get("/export/rdf", format=fmt.value), fmt)
    library = io.BytesIO()
    export(site.store, library, fmt, vocab=site.vocab)
    assert len(g) > 250 and isomorphic(g, parse_rdf(library.getvalue(), fmt, vocab=site.vocab))
    assert validate_graph(g) == []
    # And it loads back unchanged into an empty store.
    fresh = EmbeddedStore(tmp_path / "fresh")
    try:
        import_rdf(fresh, site.get("/export/rdf", format=fmt.value).content, fmt, vocab=site.vocab)
        buf = io.BytesIO()
        export(fresh, buf, fmt, vocab=site.vocab)
        again = parse_rdf(buf.getvalue(), fmt, vocab=site.vocab)
    finally:
        fresh.close()
    assert isomorphic(g, again)


def test_export_streams_ntriples_by_accept(site: Site) -> None:
    with site.client.stream("GET", "/export/rdf", headers={"Accept": "application/n-triples"}) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "application/n-triples"
        assert "content-length" not in r.headers  # streamed, not built in memory first
        lines = [line for chunk in r.iter_text() for line in chunk.splitlines() if line]
    library = io.BytesIO()
    export(site.store, library, RdfFormat.nt, vocab=site.vocab)
    assert sorted(lines) == sorted(library.getvalue().decode().splitlines())
    assert len(lines) == len(set(lines)) + 1 > 250  # one direct triple stated by two claims appears twice


def test_export_parts(site: Site) -> None:
    g = site.rdf(site.get("/export/rdf", entity="vendor:globex", depth=1), RdfFormat.turtle)
    assert (site.vocab.iri("vendor:globex"), SG.supplies, site.vocab.iri("project:cable")) in g
    assert (site.vocab.iri("vendor:acme"), RDF.type, SG.Vendor) not in g
    q = site.rdf(
        site.get("/export/rdf", format="nt", query="vendor_footprint", param="vendor=vendor:acme"), RdfFormat.nt
    )
    assert (site.vocab.iri("vendor:acme"), SG.supplies, site.vocab.iri("project:city-cams")) in q
    assert validate_graph(q) == []


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"format": "yaml"}, 422, "unknown RDF format 'yaml'"),
        ({"entity": "vendor:nobody"}, 404, "no entity with id 'vendor:nobody'"),
        ({"entity": "vendor:acme", "depth": 9}, 422, "invalid request"),
        ({"entity": "vendor:acme", "query": "search"}, 422, "give entity or query, not both"),
        ({"param": "x=1"}, 422, "param needs query"),
        ({"query": "no_such_template"}, 404, "unknown query template"),
        ({"query": "vendor_footprint"}, 422, "invalid parameters"),
        ({"jsonld_context": "remote"}, 422, "invalid request"),
    ],
)
def test_export_errors(site: Site, params: dict[str, object], status: int, says: str) -> None:
    body = assert_error(site.get("/export/rdf", **params), status)
    assert says in body["error"], body


def test_jsonld_past_its_bound_is_refused_and_turtle_streams(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON-LD is built in memory, so it has a bound (here lowered); the streamed formats have none."""
    monkeypatch.setattr(importlib.import_module("survgraph.rdf.export"), "MAX_BUFFERED_TRIPLES", 10)
    body = assert_error(site.get("/export/rdf", format="jsonld"), 422)
    assert "use a streamed format" in body["error"], body
    response = site.get("/export/rdf", format="turtle")
    assert "content-length" not in response.headers  # a streamed body
    assert len(site.rdf(response, RdfFormat.turtle)) > 10


# -- the vocabulary files --------------------------------------------------------------------------


def test_context_is_served_and_used(site: Site) -> None:
    r = site.get("/context.jsonld")
    assert r.status_code == 200 and r.headers["content-type"] == "application/ld+json"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json() == build_context()
    doc = site.get("/export/rdf", format="jsonld", jsonld_context="url")
    assert doc.json()["@context"] == str(site.client.base_url.join("/context.jsonld"))
    inline = site.rdf(site.get("/export/rdf", format="jsonld"), RdfFormat.jsonld)
    assert isomorphic(site.rdf(doc, RdfFormat.jsonld), inline)


def test_ontology_and_shapes_by_content_negotiation(site: Site) -> None:
    onto = site.rdf(site.get("/ontology", accept="application/rdf+xml"), RdfFormat.xml)
    assert (None, RDF.type, OWL.Ontology) in onto
    shapes = site.rdf(site.get("/shapes"), RdfFormat.turtle)
    assert (None, RDF.type, SH.NodeShape) in shapes
    assert_error(site.get("/shapes", accept="image/png"), 406)


def test_the_readme_curl_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `curl` lines of the README's linked-data section, against a server holding the seed data."""
    monkeypatch.delenv("SURVGRAPH_BASE_IRI", raising=False)
    section = readme_section("Linked data (RDF)")
    lines = [shlex.split(line) for line in section.splitlines() if line.startswith("curl ")]
    assert len(lines) == 2
    store = EmbeddedStore(tmp_path / "seed")
    try:
        load_paths(store, [SEED])
        with serve(app_for(store)) as (server, client):
            vocab = Vocab(f"{server.url}/id/")
            for args in lines:
                headers = dict(h.split(": ", 1) for flag, h in itertools.pairwise(args) if flag == "-H")
                url = args[-1].replace("http://127.0.0.1:8000", server.url)
                r = client.get(url, headers=headers)
                assert r.status_code == 200, (args, r.text)
                fmt = next(f for f in RdfFormat if f.media_type == r.headers["content-type"].split(";")[0])
                g = parse_rdf(r.content, fmt, vocab=vocab)
                assert (vocab.iri("vendor:huawei"), RDF.type, SG.Vendor) in g
                assert validate_graph(g) == []
    finally:
        store.close()
