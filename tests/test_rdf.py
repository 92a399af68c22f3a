"""RDF export and import on both engines: round trips in every format, a second parser, SHACL, subsets."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pyoxigraph
import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS, XSD

from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords, load_paths
from survgraph.rdf import (
    MalformedRdf,
    Neighbourhood,
    QueryRows,
    RdfError,
    RdfFormat,
    Resources,
    Selection,
    UnknownEntity,
    Vocab,
    WholeGraph,
    build_context,
    build_ontology,
    build_shapes,
    export,
    import_rdf,
    iter_triples,
    load_context,
    parse_rdf,
    validate_graph,
)
from survgraph.rdf.export import references
from survgraph.rdf.ontology import (
    CLASS_ALIGNMENT,
    EDGE_ALIGNMENT,
    PROPERTY_ALIGNMENT,
    PROPERTY_COMMENTS,
    local_name,
)
from survgraph.rdf.vocab import SCHEMA, SG, WD, property_map
from survgraph.schema import REGISTRY

from .conftest import FIXTURES, ROOT, SEED

SMALL = FIXTURES / "small"
VOCAB = Vocab("http://127.0.0.1:8000/id/")
FORMATS = list(RdfFormat)

#: Every kind of value the RDF carries: Wikidata, URL, day/month/year dates, money, counts, keys, notes,
#: and text that N-Triples must escape (quotes, backslashes, newlines, tabs, non-ASCII).
RICH = """\
sources:
  - id: source:rich
    publisher: 'Rich "Quoted" Publisher'
    kind: news_report
    title: "Line one\\nline two \\u2014 \\u00fcn\\u00efc\\u00f6d\\u00e9 \\\\ backslash"
    date: "2021-03-04"
    date_note: approximate
    url: https://example.org/rich?a=1&b=<2>
    accessed: "2024-01"
entities:
  - id: vendor:rich
    name: Rich Vendor
    aliases: ['R "V"', "\\u0154ich"]
    wikidata: Q42
    description: "tab\\there"
    hq_country: US
    ownership: publicly_listed
    sources: [source:rich, source:test-a]
    confidence: reported
  - id: project:rich
    name: Rich Project
    status: cancelled
    start: "2019"
    end: "2020-02-29"
    country: ZW
    city: Harare
    technologies: [data_centre]
    value: {amount: 12.5, currency: EUR}
    sources: [source:rich]
    confidence: alleged
claims:
  - type: SUPPLIES
    from: vendor:rich
    to: project:rich
    sources: [source:rich, source:test-b]
    figure_sources: [source:rich]
    confidence: alleged
    start: "2019-07"
    end: "2020"
    technologies: [data_centre, cctv]
    amount: {amount: 1250000000, currency: CNY}
    quantity: {value: 3, unit: data-centres}
    notes: "first line\\nsecond \\"line\\""
    key: phase-1
  - type: SUPPLIES
    from: vendor:rich
    to: project:rich
    sources: [source:rich]
    confidence: reported
    key: phase-2
"""


def rich_file(tmp_path: Path) -> Path:
    path = tmp_path / "rich.yaml"
    path.write_text(RICH, encoding="utf-8")
    return path


@pytest.fixture
def loaded(store: GraphStore, tmp_path: Path) -> GraphStore:
    """`store` holding the small fixture plus the rich records."""
    ds, _ = load_paths(store, [SMALL, rich_file(tmp_path)])
    assert not ds.errors, ds.errors
    return store


def export_bytes(store: GraphStore, fmt: RdfFormat, selection: Selection | None = None, **kw: Any) -> bytes:
    buf = io.BytesIO()
    export(store, buf, fmt, selection, kw.pop("vocab", VOCAB), **kw)
    return buf.getvalue()


def snapshot(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and edge with all properties. Lists compare as sets: RDF has no order for repeated values."""

    def norm(row: dict[str, Any]) -> dict[str, Any]:
        return {k: sorted(v) if isinstance(v, list) else v for k, v in row.items()}

    nodes = store.query("MATCH (n) RETURN n ORDER BY n.id")
    edges = store.query("MATCH ()-[r]->() RETURN r ORDER BY r.id")
    return [norm(r["n"]) for r in nodes], [norm(r["r"]) for r in edges]


def is_empty(store: GraphStore) -> bool:
    stats = store.stats()
    return not any(stats.nodes.values()) and not any(stats.edges.values())


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.value for f in FORMATS])
def test_round_trip_through_an_empty_store(loaded: GraphStore, fmt: RdfFormat) -> None:
    before = snapshot(loaded)
    first = export_bytes(loaded, fmt)
    loaded.clear()
    assert is_empty(loaded)
    result = import_rdf(loaded, first, fmt, name=f"export{fmt.extension}", vocab=VOCAB)
    assert not result.records.errors
    assert result.records.warnings == []
    second = export_bytes(loaded, fmt)
    assert isomorphic(parse_rdf(first, fmt, vocab=VOCAB), parse_rdf(second, fmt, vocab=VOCAB))
    assert snapshot(loaded) == before  # the store holds exactly what it held (lists as sets)


def test_every_format_describes_the_same_graph(loaded: GraphStore) -> None:
    graphs = {fmt: parse_rdf(export_bytes(loaded, fmt), fmt, vocab=VOCAB) for fmt in FORMATS}
    turtle = graphs[RdfFormat.turtle]
    for fmt, g in graphs.items():
        assert isomorphic(g, turtle), fmt


def test_seed_data_round_trip(store: GraphStore) -> None:
    ds, _ = load_paths(store, [SEED])
    assert not ds.errors
    first = export_bytes(store, RdfFormat.turtle)
    g = parse_rdf(first, RdfFormat.turtle, vocab=VOCAB)
    assert validate_graph(g) == []
    store.clear()
    import_rdf(store, first, RdfFormat.turtle, vocab=VOCAB)
    assert isomorphic(g, parse_rdf(export_bytes(store, RdfFormat.turtle), RdfFormat.turtle, vocab=VOCAB))


# -- what the RDF says -------------------------------------------------------------------------


def test_claims_are_direct_triples_and_sourced_claim_resources(loaded: GraphStore) -> None:
    g = parse_rdf(export_bytes(loaded, RdfFormat.turtle), RdfFormat.turtle, vocab=VOCAB)
    vendor, project = VOCAB.iri("vendor:rich"), VOCAB.iri("project:rich")
    assert (vendor, SG.supplies, project) in g
    claims = set(g.subjects(RDF.subject, vendor)) & set(g.subjects(RDF.object, project))
    assert len(claims) == 2  # two claims (keys phase-1, phase-2), one direct triple
    keyed = {str(g.value(c, SG.key)): c for c in claims}
    c = keyed["phase-1"]
    assert (c, RDF.type, SG.Claim) in g and (c, RDF.predicate, SG.supplies) in g
    assert set(g.objects(c, PROV.wasDerivedFrom)) == {VOCAB.iri("source:rich"), VOCAB.iri("source:test-b")}
    assert g.value(c, SG.confidence) == Literal("alleged")
    assert g.value(c, SG.start) == Literal("2019-07", datatype=XSD.gYearMonth)
    assert g.value(c, SG.end) == Literal("2020", datatype=XSD.gYear)
    assert g.value(c, SG.amount) == Literal(1250000000.0, datatype=XSD.double)
    assert g.value(c, SG.amountCurrency) == Literal("CNY")
    assert g.value(c, SG.quantityUnit) == Literal("data-centres")
    assert str(g.value(c, SG.notes)) == 'first line\nsecond "line"'
    assert set(g.objects(c, SG.technology)) == {Literal("data_centre"), Literal("cctv")}
    # The sources are resources with their title, publisher, date and URL.
    src = VOCAB.iri("source:rich")
    assert (src, RDF.type, SG.Source) in g
    assert g.value(src, SG.publisher) == Literal('Rich "Quoted" Publisher')
    assert g.value(src, SG.date) == Literal("2021-03-04", datatype=XSD.date)
    assert g.value(src, SG.url) == Literal("https://example.org/rich?a=1&b=<2>", datatype=XSD.anyURI)
    # Wikidata QIDs are owl:sameAs links.
    assert (vendor, OWL.sameAs, WD.Q42) in g
    assert g.value(VOCAB.iri("project:rich"), SG.end) == Literal("2020-02-29", datatype=XSD.date)


def test_base_iri_from_the_environment(loaded: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_BASE_IRI", "https://data.example.org/survgraph/")
    buf = io.BytesIO()
    export(loaded, buf, RdfFormat.nt, Neighbourhood("vendor:acme", 0))
    assert b"<https://data.example.org/survgraph/vendor:acme> <http://www.w3.org/1999/02/22-rdf" in buf.getvalue()
    monkeypatch.setenv("SURVGRAPH_BASE_IRI", "not an iri")
    with pytest.raises(Exception, match="must be an absolute http"):
        Vocab.from_env()


def test_import_reads_data_exported_under_another_base(loaded: GraphStore) -> None:
    before = snapshot(loaded)
    elsewhere = Vocab("https://other.example/ld/")
    data = export_bytes(loaded, RdfFormat.turtle, vocab=elsewhere)
    assert b"https://other.example/ld/vendor:acme" in data
    loaded.clear()
    import_rdf(loaded, data, RdfFormat.turtle, vocab=VOCAB)
    assert snapshot(loaded) == before


# -- a second, independent parser ----------------------------------------------------------------

OXIGRAPH_FORMATS = {
    RdfFormat.turtle: pyoxigraph.RdfFormat.TURTLE,
    RdfFormat.nt: pyoxigraph.RdfFormat.N_TRIPLES,
    RdfFormat.xml: pyoxigraph.RdfFormat.RDF_XML,
    RdfFormat.trig: pyoxigraph.RdfFormat.TRIG,
    RdfFormat.jsonld: pyoxigraph.RdfFormat.JSON_LD,
}


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.value for f in FORMATS])
def test_pyoxigraph_reads_the_same_triples(loaded: GraphStore, fmt: RdfFormat) -> None:
    data = export_bytes(loaded, fmt)
    ours = parse_rdf(data, fmt, vocab=VOCAB)
    theirs = {
        tuple(_rdflib(t) for t in (q.subject, q.predicate, q.object))
        for q in pyoxigraph.parse(data, OXIGRAPH_FORMATS[fmt])
    }
    assert len(theirs) == len(ours) > 250
    assert theirs == set(ours)  # the same terms, once both lexical forms are read the same way


def _rdflib(term: Any) -> Any:
    """An oxigraph term as rdflib's (so "1e+06"^^xsd:double and "1000000.0"^^xsd:double compare equal)."""
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.Literal):
        # RDF 1.1: a plain literal is an xsd:string; rdflib keeps the two apart, so write it plain.
        plain = term.language or term.datatype.value == str(XSD.string)
        return Literal(term.value, lang=term.language, datatype=None if plain else URIRef(term.datatype.value))
    raise AssertionError(f"unexpected term {term!r}")


# -- SHACL ----------------------------------------------------------------------------------------


def test_export_validates_against_the_shipped_shapes(loaded: GraphStore) -> None:
    data = Graph().parse(data=export_bytes(loaded, RdfFormat.turtle), format="turtle")
    shapes = Graph().parse(data=build_shapes().serialize(format="turtle"), format="turtle")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, inference="none")
    assert conforms, text


def _exported(store: GraphStore) -> Graph:
    return parse_rdf(export_bytes(store, RdfFormat.turtle), RdfFormat.turtle, vocab=VOCAB)


def _claim(g: Graph, subject: str, predicate: URIRef, obj: str) -> URIRef:
    found = set(g.subjects(RDF.subject, VOCAB.iri(subject))) & set(g.subjects(RDF.object, VOCAB.iri(obj)))
    found &= set(g.subjects(RDF.predicate, predicate))
    claim = sorted(found)[0]
    assert isinstance(claim, URIRef)
    return claim


def _refused(store: GraphStore, g: Graph) -> list[str]:
    """Import `g` into the (emptied) store: must be refused, writing nothing; returns the problems."""
    store.clear()
    with pytest.raises(InvalidRecords) as info:
        import_rdf(store, g.serialize(format="turtle").encode(), RdfFormat.turtle, name="edited.ttl", vocab=VOCAB)
    assert is_empty(store)
    return [str(p) for p in info.value.problems]


def test_claim_with_an_endpoint_of_the_wrong_kind_fails(loaded: GraphStore) -> None:
    g = _exported(loaded)
    claim = _claim(g, "vendor:globex", SG.supplies, "project:cable")
    wrong = VOCAB.iri("source:test-a")  # a Source cannot be supplied
    g.remove((claim, RDF.object, None))
    g.add((claim, RDF.object, wrong))
    g.remove((VOCAB.iri("vendor:globex"), SG.supplies, VOCAB.iri("project:cable")))
    g.add((VOCAB.iri("vendor:globex"), SG.supplies, wrong))
    results = [str(r) for r in validate_graph(g)]
    cid = str(claim)
    assert f"{cid}: -: type: sg:supplies cannot go from Vendor to Source" in results
    assert any(
        r.startswith("http://127.0.0.1:8000/id/vendor:globex: sg:supplies: SUPPLIES from Vendor goes to ")
        and r.endswith("(found <http://127.0.0.1:8000/id/source:test-a>)")
        for r in results
    ), results
    problems = _refused(loaded, g)
    short = cid.rsplit("/", 1)[-1]
    # The loaders' own check, and the shapes', both name the claim and say what is wrong.
    assert (
        f"edited.ttl:0: {short}: type: SUPPLIES cannot go from Vendor to Source; allowed: "
        "Vendor->Project, Vendor->Database, Vendor->Organization, Vendor->Country"
    ) in problems
    assert f"edited.ttl:0: {short}: shacl -: type: sg:supplies cannot go from Vendor to Source" in problems


def test_claim_without_a_source_fails(loaded: GraphStore) -> None:
    g = _exported(loaded)
    claim = _claim(g, "project:cable", SG.fundedBy, "org:state-bank")
    g.remove((claim, PROV.wasDerivedFrom, None))
    results = [str(r) for r in validate_graph(g)]
    assert results == [
        f"{claim}: prov:wasDerivedFrom: sources: Claim takes one or more IRI(s) of an sg:Source "
        "(every Claim cites its sources with prov:wasDerivedFrom)"
    ]
    problems = _refused(loaded, g)
    short = str(claim).rsplit("/", 1)[-1]
    assert problems == [
        f"edited.ttl:0: {short}: sources: required",
        f"edited.ttl:0: {short}: shacl prov:wasDerivedFrom: sources: Claim takes one or more IRI(s) of an sg:Source "
        "(every Claim cites its sources with prov:wasDerivedFrom)",
    ]


def test_relation_without_a_claim_fails(loaded: GraphStore) -> None:
    g = _exported(loaded)
    g.add((VOCAB.iri("vendor:acme"), SG.supplies, VOCAB.iri("project:cable")))  # no claim, so no source
    assert [str(r) for r in validate_graph(g)] == [
        "http://127.0.0.1:8000/id/vendor:acme: -: sg:supplies <http://127.0.0.1:8000/id/project:cable>: "
        "no sg:Claim states this relation, so it has no sources "
        "(add a claim with rdf:subject, rdf:predicate, rdf:object and prov:wasDerivedFrom)"
    ]
    assert len(_refused(loaded, g)) == 1


def test_claim_without_its_direct_triple_fails(loaded: GraphStore) -> None:
    g = _exported(loaded)
    g.remove((VOCAB.iri("vendor:initech"), SG.supplies, VOCAB.iri("database:registry")))
    (result,) = validate_graph(g)
    assert result.message == (
        "type: the direct triple <http://127.0.0.1:8000/id/vendor:initech> sg:supplies "
        "<http://127.0.0.1:8000/id/database:registry> is missing (a claim also states its relation directly)"
    )


def test_entity_fields_are_checked(loaded: GraphStore) -> None:
    g = _exported(loaded)
    acme = VOCAB.iri("vendor:acme")
    g.remove((acme, SG.name, None))
    g.set((acme, SG.ownership, Literal("secret")))
    g.add((acme, SG.nmae, Literal("typo")))
    results = {(r.focus, r.path) for r in validate_graph(g)}
    assert {(str(acme), "sg:name"), (str(acme), "sg:ownership")} <= results
    problems = _refused(loaded, g)
    assert "edited.ttl:0: vendor:acme: sg:nmae: not a property of Vendor" in problems
    assert "edited.ttl:0: vendor:acme: name: required" in problems
    assert any(p.startswith("edited.ttl:0: vendor:acme: ownership: Input should be") for p in problems)


# -- import: what it refuses and what it accepts ---------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "text", "says"),
    [
        (RdfFormat.turtle, "<http://a/x> <http://a/p> .", "not valid turtle"),
        (RdfFormat.nt, "<http://a/x> <http://a/p> <http://a/o>", "not valid nt"),
        (RdfFormat.jsonld, '{"@id": ', "not JSON"),
        (RdfFormat.xml, "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>", "not valid xml"),
        (RdfFormat.trig, "{ <http://a/x> <http://a/p> }", "not valid trig"),
    ],
)
def test_malformed_rdf_is_refused(store: GraphStore, fmt: RdfFormat, text: str, says: str) -> None:
    with pytest.raises(MalformedRdf, match=says):
        import_rdf(store, text.encode(), fmt, name="bad", vocab=VOCAB)
    assert is_empty(store)


def test_remote_jsonld_context_is_not_fetched(store: GraphStore) -> None:
    doc = b'{"@context": "https://evil.example/ctx.json", "@id": "http://127.0.0.1:8000/id/vendor:x"}'
    says = re.escape("remote JSON-LD @context 'https://evil.example/ctx.json' is not fetched")
    with pytest.raises(MalformedRdf, match=says):
        import_rdf(store, doc, RdfFormat.jsonld, vocab=VOCAB)
    assert is_empty(store)


def test_jsonld_referring_to_the_published_context_imports(loaded: GraphStore) -> None:
    before = snapshot(loaded)
    data = export_bytes(loaded, RdfFormat.jsonld, jsonld_context="url")
    assert b'"@context": "http://127.0.0.1:8000/context.jsonld"' in data
    loaded.clear()
    import_rdf(loaded, data, RdfFormat.jsonld, vocab=VOCAB)
    assert snapshot(loaded) == before


def test_an_edited_export_loads_with_its_edits(loaded: GraphStore) -> None:
    """A researcher renames an entity, adds a claim as a blank node, and annotates with foreign terms."""
    g = _exported(loaded)
    acme, cable = VOCAB.iri("vendor:acme"), VOCAB.iri("project:cable")
    g.set((acme, SG.name, Literal("Acme Vision Ltd")))
    c = BNode()
    for t in [
        (acme, SG.supplies, cable),
        (c, RDF.type, SG.Claim),
        (c, RDF.subject, acme),
        (c, RDF.predicate, SG.supplies),
        (c, RDF.object, cable),
        (c, PROV.wasDerivedFrom, VOCAB.iri("source:test-b")),
        (c, SG.confidence, Literal("alleged")),
        (acme, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("checked 2024")),
    ]:
        g.add(t)
    loaded.clear()
    result = import_rdf(loaded, g.serialize(format="turtle").encode(), RdfFormat.turtle, name="e.ttl", vocab=VOCAB)
    assert [str(w) for w in result.records.warnings] == [
        "e.ttl:0: -: rdfs:comment: 1 triple(s) outside the survgraph model: ignored"
    ]
    assert loaded.query("MATCH (v:Vendor) WHERE v.id = 'vendor:acme' RETURN v.name AS name") == [
        {"name": "Acme Vision Ltd"}
    ]
    rows = loaded.query(
        "MATCH (a:Vendor)-[r:SUPPLIES]->(b:Project) WHERE a.id = 'vendor:acme' AND b.id = 'project:cable' RETURN r"
    )
    assert [(r["r"]["confidence"], r["r"]["source_ids"], r["r"]["id"].startswith("claim:")) for r in rows] == [
        ("alleged", ["source:test-b"], True)
    ]


def test_unknown_classes_and_ids_are_reported(store: GraphStore) -> None:
    ttl = """
    @prefix sg: <https://w3id.org/survgraph/ns#> .
    <http://127.0.0.1:8000/id/vendor:x> a sg:Vendr ; sg:name "X" .
    <http://127.0.0.1:8000/id/not-an-id> a sg:Vendor ; sg:name "Y" .
    <http://127.0.0.1:8000/id/project:y> a sg:Vendor, sg:Project ; sg:name "Z" .
    """
    with pytest.raises(InvalidRecords) as info:
        import_rdf(store, ttl.encode(), RdfFormat.turtle, name="t.ttl", vocab=VOCAB)
    problems = [str(p) for p in info.value.problems]
    assert "t.ttl:0: http://127.0.0.1:8000/id/vendor:x: rdf:type: unknown class sg:Vendr" in problems
    assert (
        "t.ttl:0: http://127.0.0.1:8000/id/not-an-id: id: <http://127.0.0.1:8000/id/not-an-id> does not end in "
        "a survgraph id (prefix:slug, e.g. vendor:huawei)"
    ) in problems
    assert (
        "t.ttl:0: http://127.0.0.1:8000/id/project:y: rdf:type: one resource of several kinds (sg:Project, sg:Vendor)"
    ) in problems
    assert is_empty(store)


# -- parts of the graph ----------------------------------------------------------------------------


def _ids(g: Graph) -> set[str]:
    return {VOCAB.id_of(str(s)) for s in g.subjects(RDF.type, None) if not str(s).startswith(str(SG))}


def test_neighbourhood_depths(loaded: GraphStore) -> None:
    def ids(depth: int) -> set[str]:
        data = export_bytes(loaded, RdfFormat.turtle, Neighbourhood("project:city-cams", depth))
        return {i for i in _ids(parse_rdf(data, RdfFormat.turtle, vocab=VOCAB)) if not i.startswith("claim:")}

    # Depth 0: the entity, the country its code names, and their sources.
    assert ids(0) == {"project:city-cams", "country:PK", "source:test-a", "source:test-iso"}
    one = ids(1)
    assert {"vendor:acme", "initiative:corridor", "org:interior-ministry", "source:test-b"} <= one
    assert "initiative:big" not in one and "project:cable" not in one
    assert {"initiative:big", "project:cable", "vendor:globex"} <= ids(3)


@pytest.mark.parametrize(
    "selection",
    [
        Neighbourhood("vendor:rich", 0),
        Neighbourhood("project:city-cams", 2),
        QueryRows("vendor_footprint", {"vendor": "vendor:acme"}),
        Resources(("vendor:globex",)),
    ],
    ids=["depth0", "depth2", "query", "resources"],
)
def test_parts_conform_and_load_on_their_own(loaded: GraphStore, selection: Selection) -> None:
    data = export_bytes(loaded, RdfFormat.turtle, selection)
    g = parse_rdf(data, RdfFormat.turtle, vocab=VOCAB)
    assert validate_graph(g) == []
    loaded.clear()
    import_rdf(loaded, data, RdfFormat.turtle, vocab=VOCAB)
    assert not is_empty(loaded)


def test_query_export_holds_what_the_rows_reference(loaded: GraphStore) -> None:
    data = export_bytes(loaded, RdfFormat.turtle, QueryRows("vendor_footprint", {"vendor": "vendor:acme"}))
    ids = _ids(parse_rdf(data, RdfFormat.turtle, vocab=VOCAB))
    assert {"vendor:acme", "project:city-cams", "country:PK", "country:CN", "source:test-a"} <= ids
    assert "vendor:globex" not in ids and "project:cable" not in ids


def test_references_found_in_rows() -> None:
    rel = {"type": "SUPPLIES", "id": "claim:abc", "from_id": "vendor:a", "to_id": "project:b", "source_ids": []}
    rows = [
        {"id": "country:PK", "claims": ["claim:def"], "sources": ["source:s"], "via": ["SUPPLIES"]},
        {"path": {"nodes": [{"kind": "Vendor", "id": "vendor:a"}], "relationships": [rel]}},
        {"n": 3, "text": "no id here"},
    ]
    nodes, claim_ids, claims = references(rows, REGISTRY)
    assert nodes == {"country:PK", "source:s", "vendor:a", "project:b"}
    assert set(claims) == {"claim:abc"} and claim_ids - set(claims) == {"claim:def"}


def test_unknown_entity_and_bad_depth(loaded: GraphStore) -> None:
    with pytest.raises(UnknownEntity, match="no entity with id 'vendor:nobody'"):
        export_bytes(loaded, RdfFormat.turtle, Neighbourhood("vendor:nobody", 1))
    with pytest.raises(RdfError, match="depth must be between 0 and 6"):
        Neighbourhood("vendor:acme", 7)


# -- N-Triples, streamed ---------------------------------------------------------------------------


def test_ntriples_pages_cover_the_graph_once(loaded: GraphStore) -> None:
    everything = set(iter_triples(loaded, Neighbourhood("vendor:acme", 6), VOCAB))
    paged = list(iter_triples(loaded, WholeGraph(), VOCAB, page_size=2))
    whole = list(iter_triples(loaded, WholeGraph(), VOCAB))
    assert paged == whole
    # Only direct triples repeat (one per claim that states the relation); everything else is unique.
    repeats = {t for t in whole if whole.count(t) > 1}
    assert repeats == {
        (VOCAB.iri("vendor:rich"), SG.supplies, VOCAB.iri("project:rich")),
        (VOCAB.iri("vendor:acme"), SG.supplies, VOCAB.iri("project:city-cams")),
    }
    assert everything <= set(whole)


def test_ntriples_escapes_what_it_must(loaded: GraphStore) -> None:
    data = export_bytes(loaded, RdfFormat.nt)
    text = data.decode()
    # Canonical N-Triples: a tab as \t (allowed raw, but no control character reaches the file).
    assert '"R \\"V\\""' in text and '"tab\\there"' in text and '"first line\\nsecond \\"line\\""' in text
    assert "Line one\\nline two \u2014 \u00fcn\u00efc\u00f6d\u00e9 \\\\ backslash" in text
    assert all(line.endswith(" .") for line in text.splitlines())


# -- the vocabulary: generated from the registry -------------------------------------------------


def test_context_file_is_up_to_date() -> None:
    """survgraph/rdf/context.jsonld is generated: `python -m survgraph.rdf.context` after a schema change."""
    assert load_context() == build_context()


def test_ontology_covers_the_registry() -> None:
    g = build_ontology()
    for label in REGISTRY.node_kinds:
        assert (SG[label], RDF.type, OWL.Class) in g and (SG[label], RDFS.subClassOf, SG.Entity) in g
    for name, edge in REGISTRY.edge_types.items():
        prop = SG[edge.rdf_name]
        assert (prop, RDF.type, OWL.ObjectProperty) in g and g.value(prop, SKOS.notation) == Literal(name)
        assert _classes(g, g.value(prop, RDFS.domain)) == {SG[a] for a, _ in edge.endpoints}
        assert _classes(g, g.value(prop, RDFS.range)) == {SG[b] for _, b in edge.endpoints}
    # Each datatype property has a label, a comment, a domain and a range.
    for prop in g.subjects(RDF.type, OWL.DatatypeProperty):
        assert all(g.value(prop, p) is not None for p in (RDFS.label, RDFS.comment, RDFS.domain, RDFS.range)), prop
    assert (SG.Claim, RDFS.subClassOf, RDF.Statement) in g and (SG.Claim, RDFS.subClassOf, PROV.Entity) in g
    assert (SG.Vendor, RDFS.subClassOf, SCHEMA.Organization) in g
    assert (SG.name, RDFS.subPropertyOf, RDFS.label) in g


def _classes(g: Graph, node: Any) -> set[Any]:
    if isinstance(node, URIRef):
        return {node}
    return set(Collection(g, g.value(node, OWL.unionOf)))


def test_alignments_name_terms_we_have() -> None:
    assert set(CLASS_ALIGNMENT) <= set(REGISTRY.node_kinds) | {"Claim"}
    assert set(EDGE_ALIGNMENT) <= set(REGISTRY.edge_types)
    ours = {local_name(iri) for iri in property_map().all_props() if str(iri).startswith(str(SG))}
    assert set(PROPERTY_ALIGNMENT) <= ours
    assert set(PROPERTY_COMMENTS) <= ours


def test_every_term_an_export_uses_is_defined(embedded_store: GraphStore, tmp_path: Path) -> None:
    load_paths(embedded_store, [SMALL, rich_file(tmp_path)])
    data = parse_rdf(export_bytes(embedded_store, RdfFormat.turtle), RdfFormat.turtle, vocab=VOCAB)
    onto = build_ontology()
    outside = {RDF.type, RDF.subject, RDF.predicate, RDF.object, PROV.wasDerivedFrom, OWL.sameAs}
    for p in set(data.predicates()) - outside:
        assert (p, RDF.type, None) in onto, p
    for cls in set(data.objects(None, RDF.type)):
        assert (cls, RDF.type, OWL.Class) in onto, cls


def test_the_turtle_example_in_the_docs_is_real(embedded_store: GraphStore) -> None:
    """Every triple of docs/rdf.md's example is in the seed data's export (under the default base)."""
    text = (ROOT / "docs" / "rdf.md").read_text(encoding="utf-8")
    example = Graph().parse(data=text.split("```turtle\n", 1)[1].split("```", 1)[0], format="turtle")
    assert len(example) > 25
    load_paths(embedded_store, [SEED])
    data = export_bytes(embedded_store, RdfFormat.turtle, Neighbourhood("vendor:huawei", 1), vocab=Vocab())
    exported = parse_rdf(data, RdfFormat.turtle, vocab=Vocab())
    assert set(example) - set(exported) == set()


def test_links_between_records_are_object_properties() -> None:
    """A repost's original and a claim's figure sources are IRIs of sources: object properties, not literals."""
    from rdflib.namespace import OWL, RDF, RDFS

    from survgraph.rdf import build_ontology
    from survgraph.rdf.vocab import ENTITY_CLASS, SG

    g = build_ontology()
    for prop in (SG.reposts, SG.figureSources):
        assert (prop, RDF.type, OWL.ObjectProperty) in g
        assert (prop, RDF.type, OWL.DatatypeProperty) not in g
        assert (prop, RDFS.range, ENTITY_CLASS) in g


def test_docs_alignment_table_states_the_registry() -> None:
    """docs/rdf.md's table of alignments says what the registry declares: each class row exactly, and every
    aligned edge type and property in the row that names it, with each outside term."""
    from survgraph.schema import REGISTRY

    from .conftest import ROOT

    text = (ROOT / "docs" / "rdf.md").read_text(encoding="utf-8")
    rows = [ln for ln in text.split("| ours | specialises |", 1)[1].split("\n\n", 1)[0].splitlines()[2:]]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    classes = {
        ours.strip("`"): {t.strip("` ") for t in outside.split(",")}
        for ours, outside in cells
        if ours.count("`") == 2 and ours.strip("`")[3:4].isupper()
    }
    declared = {f"sg:{k.label}": set(k.aligned) for k in REGISTRY.node_kinds.values() if k.aligned}
    declared["sg:Claim"] = set(REGISTRY.claim_aligned)
    assert classes == declared
    columns = [*(c for cols in REGISTRY.node_columns.values() for c in cols), *REGISTRY.edge_columns]
    terms = {(e.rdf_name, e.aligned) for e in REGISTRY.edge_types.values() if e.aligned}
    terms |= {(c.rdf_name, c.aligned) for c in columns if c.aligned}
    for name, aligned in sorted(terms):
        row = next((r for r in rows if f"`sg:{name}`" in r), None)
        assert row is not None, f"sg:{name} is aligned in the registry but not in docs/rdf.md"
        for outside in aligned:
            assert f"`{outside}`" in row, (name, outside, row)
