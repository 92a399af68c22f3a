"""RDF imports that reach out, expand, or carry values no record may hold, in every import format, on both stores.

No parse may touch the network or a file beyond the bytes given: a loopback HTTP server stands in for every
remote context, entity and DTD, and must receive zero requests; a file:// context names a real local file
that must not be read. Each case asserts the refusal (MalformedRdf, or the located InvalidRecords problem)
and that the store's fingerprint is unchanged. The cases that once ran for minutes (entity expansion, deep
nesting, long N-Triples lines) also parse in a child process bounded in time and memory (bounded_run.py).
"""

from __future__ import annotations

import io
import json
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords
from survgraph.rdf import MAX_RDF_BYTES, MalformedRdf, RdfFormat, Vocab, export, import_rdf, parse_rdf
from survgraph.rdf.safe_parse import MAX_XML_DEPTH, FetchRefused, no_io
from survgraph.rdf.vocab import property_map
from survgraph.schema import REGISTRY
from survgraph.schema.types import MAX_TEXT_CHARS

from ..fingerprint import fingerprint
from ..test_api_support import ENGINES, engine_store
from .bounded_run import run_code_bounded

VOCAB = Vocab("http://127.0.0.1:8000/id/")
FORMATS = list(RdfFormat)
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


class Trap:
    """A loopback HTTP server that answers every request with a valid JSON-LD context (so that a fetch
    would make the parse succeed) and counts the requests: every test asserts zero."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                body = json.dumps({"@context": {"name": "http://schema.org/name"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/ld+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def trap() -> Iterator[Trap]:
    t = Trap()
    t.thread.start()
    try:
        yield t
    finally:
        t.server.shutdown()
        t.server.server_close()
    assert t.hits == [], f"the parse made requests: {t.hits}"


@pytest.fixture(scope="module", params=ENGINES)
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """One store per engine holding the small graph, for the whole module: every test here refuses an
    import and checks (by fingerprint, before and after) that it wrote nothing."""
    with engine_store(request.param, tmp_path_factory, request) as store:
        yield store


def refused(store: GraphStore, data: bytes, fmt: RdfFormat, says: str) -> None:
    """import_rdf refuses with MalformedRdf containing `says`, and writes nothing."""
    before = fingerprint(store)
    with pytest.raises(MalformedRdf) as exc:
        import_rdf(store, data, fmt, name="attack", vocab=VOCAB)
    assert says in str(exc.value), str(exc.value)
    assert str(exc.value).startswith("attack: ")
    assert fingerprint(store) == before


# -- JSON-LD: no context is fetched, wherever it is declared ------------------------------------------


def _jsonld(context: object, node: dict[str, object] | None = None) -> bytes:
    doc: dict[str, object] = {"@context": context, "@id": "http://x/a", "name": "A"}
    doc.update(node or {})
    return json.dumps(doc).encode()


JSONLD_CASES: dict[str, Callable[[str, str], tuple[bytes, str]]] = {
    # name -> (trap url, file url) -> (document, the URL the refusal names)
    "top-level-http": lambda u, f: (_jsonld(f"{u}/ctx"), f"{u}/ctx"),
    "top-level-https": lambda u, f: (_jsonld(u.replace("http:", "https:") + "/ctx"), "https://127.0.0.1"),
    "top-level-file": lambda u, f: (_jsonld(f), f),
    "top-level-list": lambda u, f: (_jsonld([{"name": "http://schema.org/name"}, f"{u}/list"]), f"{u}/list"),
    "top-level-import": lambda u, f: (_jsonld({"@import": f"{u}/imp", "name": "http://s/n"}), f"{u}/imp"),
    "property-scoped": lambda u, f: (
        _jsonld({"name": "http://s/n", "knows": {"@id": "http://s/k", "@context": f"{u}/prop"}}, {"knows": {"x": 1}}),
        f"{u}/prop",
    ),
    "property-scoped-import": lambda u, f: (
        _jsonld(
            {"name": "http://s/n", "knows": {"@id": "http://s/k", "@context": {"@import": f"{u}/pimp"}}},
            {"knows": {"x": 1}},
        ),
        f"{u}/pimp",
    ),
    "property-scoped-file": lambda u, f: (
        _jsonld({"name": "http://s/n", "knows": {"@id": "http://s/k", "@context": f}}, {"knows": {"x": 1}}),
        f,
    ),
    "type-scoped": lambda u, f: (
        _jsonld({"name": "http://s/n", "T": {"@id": "http://s/T", "@context": f"{u}/type"}}, {"@type": "T"}),
        f"{u}/type",
    ),
    "type-scoped-import": lambda u, f: (
        _jsonld(
            {"name": "http://s/n", "T": {"@id": "http://s/T", "@context": {"@import": f"{u}/timp"}}}, {"@type": "T"}
        ),
        f"{u}/timp",
    ),
    "node-level": lambda u, f: (
        _jsonld({"name": "http://s/n"}, {"http://s/k": {"@context": f"{u}/node", "name": "B"}}),
        f"{u}/node",
    ),
    "relative": lambda u, f: (_jsonld("other-context.json"), "http://127.0.0.1:8000/id/other-context.json"),
}


@pytest.mark.parametrize("case", list(JSONLD_CASES))
def test_jsonld_fetches_no_context(loaded: GraphStore, trap: Trap, tmp_path: Path, case: str) -> None:
    secret = tmp_path / "secret-context.json"
    secret.write_text(json.dumps({"@context": {"name": "http://schema.org/name"}}), encoding="utf-8")
    data, url = JSONLD_CASES[case](trap.url, secret.as_uri())
    refused(loaded, data, RdfFormat.jsonld, f"remote JSON-LD @context '{url}")


def test_our_published_context_resolves_to_the_packaged_copy(trap: Trap) -> None:
    doc = {"@context": f"{trap.url}/context.jsonld", "@id": "http://x/a", "name": "A"}
    g = parse_rdf(json.dumps(doc).encode(), RdfFormat.jsonld, vocab=VOCAB)
    assert len(g) == 1  # `name` is defined by our context; the trap saw no request (fixture)


# -- the guard under every format: no socket, no file, during any parse -------------------------------


def test_no_io_refuses_network_and_files_for_any_parser(trap: Trap, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    with no_io("attack"):
        with pytest.raises(FetchRefused, match="no network request"):
            urllib.request.urlopen(f"{trap.url}/x", timeout=5)
        with pytest.raises(FetchRefused, match="reads no file"):
            secret.read_text()
        with pytest.raises(FetchRefused, match="no network request"):
            import socket

            socket.create_connection(("127.0.0.1", trap.server.server_address[1]), timeout=5)
    assert secret.read_text() == "secret"  # outside a parse, nothing is refused


# -- RDF/XML: no entity, no DTD fetch, bounded depth --------------------------------------------------


def _xml(doctype: str, body: str = "") -> bytes:
    return (
        f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="{RDF_NS}" xmlns:x="http://x/">'
        f'<rdf:Description rdf:about="http://x/a">{body}</rdf:Description></rdf:RDF>'
    ).encode()


LAUGHS = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
XML_CASES: dict[str, Callable[[str, str], tuple[bytes, str]]] = {
    "billion-laughs": lambda u, f: (
        _xml(f'<!DOCTYPE rdf:RDF [<!ENTITY l0 "lol">{LAUGHS}]>', "<x:p>&l9;</x:p>"),
        "XML entity declaration 'l0' refused",
    ),
    "quadratic-blowup": lambda u, f: (
        _xml(f'<!DOCTYPE rdf:RDF [<!ENTITY a "{"a" * 50_000}">]>', "<x:p>" + "&a;" * 50_000 + "</x:p>"),
        "XML entity declaration 'a' refused",
    ),
    "one-internal-entity": lambda u, f: (
        _xml('<!DOCTYPE rdf:RDF [<!ENTITY sg "https://w3id.org/survgraph/ns#">]>'),
        "XML entity declaration 'sg' refused",
    ),
    "external-entity-http": lambda u, f: (
        _xml(f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{u}/e">]>', "<x:p>&e;</x:p>"),
        "XML entity declaration 'e' refused",
    ),
    "external-entity-file": lambda u, f: (
        _xml(f'<!DOCTYPE rdf:RDF [<!ENTITY e SYSTEM "{f}">]>', "<x:p>&e;</x:p>"),
        "XML entity declaration 'e' refused",
    ),
    "parameter-entity": lambda u, f: (
        _xml(f'<!DOCTYPE rdf:RDF [<!ENTITY % p SYSTEM "{u}/p"> %p;]>'),
        "XML parameter entity declaration 'p' refused",
    ),
    "external-dtd": lambda u, f: (_xml(f'<!DOCTYPE rdf:RDF SYSTEM "{u}/dtd">'), f"XML external entity '{u}/dtd'"),
    "deep-nesting": lambda u, f: (
        _xml("", "<x:p><rdf:Description>" * 100_000 + "</rdf:Description></x:p>" * 100_000),
        f"nested deeper than {MAX_XML_DEPTH} levels",
    ),
}

#: Parse in a bounded child; exit 3 with the refusal on stdout.
PARSE_CHILD = """
import sys
from pathlib import Path
from survgraph.rdf import MalformedRdf, RdfFormat, parse_rdf
try:
    parse_rdf(Path(sys.argv[1]).read_bytes(), RdfFormat(sys.argv[2]), name="attack")
except MalformedRdf as exc:
    print(exc)
    sys.exit(3)
print("parsed")
"""


def refused_in_bounded_child(tmp_path: Path, data: bytes, fmt: RdfFormat, says: str) -> None:
    path = tmp_path / f"attack{fmt.extension}"
    path.write_bytes(data)
    out = run_code_bounded(PARSE_CHILD, str(path), fmt.value)
    assert out.returncode == 3, out
    assert says in out.stdout, out


@pytest.mark.parametrize("case", list(XML_CASES))
def test_rdfxml_refuses_entities_and_depth(loaded: GraphStore, trap: Trap, tmp_path: Path, case: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    data, says = XML_CASES[case](trap.url, secret.as_uri())
    if case in ("billion-laughs", "quadratic-blowup", "deep-nesting"):
        refused_in_bounded_child(tmp_path, data, RdfFormat.xml, says)
    refused(loaded, data, RdfFormat.xml, says)


# -- deep nesting and long lines in the other formats -----------------------------------------------

N = 100_000
DEEP: dict[RdfFormat, tuple[bytes, str]] = {
    RdfFormat.turtle: (b"<http://x/a> <http://x/p> " + b"[ <http://x/p> " * N + b"1" + b" ]" * N + b" .", "recursion"),
    RdfFormat.trig: (b"{ <http://x/a> <http://x/p> " + b"( " * N + b")" * N + b" . }", "recursion"),
    RdfFormat.jsonld: (b'{"@id": "http://x/a", "http://x/p": ' + b"[" * N + b"1" + b"]" * N + b"}", "recursion"),
}


@pytest.mark.parametrize("fmt", list(DEEP), ids=lambda f: f.value)
def test_deep_nesting_is_refused_fast(loaded: GraphStore, tmp_path: Path, fmt: RdfFormat) -> None:
    data, says = DEEP[fmt]
    refused_in_bounded_child(tmp_path, data, fmt, says)
    refused(loaded, data, fmt, says)


def test_a_long_ntriples_line_is_read_in_linear_time(loaded: GraphStore, tmp_path: Path) -> None:
    """rdflib's reader took 53 s for one 1 MB line; the child must read 8 MB lines well inside its bound. The
    literal is on a predicate outside the model, so the import writes nothing and says so."""
    data = b'<http://x/a> <http://x/p> "' + b"a" * (8 * 1024 * 1024) + b'" .\n'
    path = tmp_path / "long.nt"
    path.write_bytes(data)
    out = run_code_bounded(PARSE_CHILD, str(path), "nt", timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "parsed", out
    before = fingerprint(loaded)
    import_rdf(loaded, data, RdfFormat.nt, name="attack", vocab=VOCAB)
    assert fingerprint(loaded) == before


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
def test_a_document_over_the_size_limit_is_refused_unparsed(loaded: GraphStore, fmt: RdfFormat) -> None:
    data = b" " * (MAX_RDF_BYTES + 1)
    refused(loaded, data, fmt, f"the document is {MAX_RDF_BYTES + 1} bytes; the limit is {MAX_RDF_BYTES} bytes")


# -- values no record may hold, in every format ---------------------------------------------------------


def _prop(label: str | None, column: str) -> URIRef:
    props = property_map(REGISTRY).claim if label is None else property_map(REGISTRY).nodes[label]
    return next(p.iri for p in props if p.column == column)


@dataclass(frozen=True)
class Bad:
    record: str  # "claim" for the small graph's claim with an amount
    field: str
    message: str
    mutate: Callable[[Graph, URIRef], None]


def _set(prop: URIRef, value: Literal) -> Callable[[Graph, URIRef], None]:
    def mutate(g: Graph, subject: URIRef) -> None:
        g.set((subject, prop, value))

    return mutate


AMOUNT = _prop(None, "amount")
BAD_VALUES = {
    "amount-INF": Bad("claim", "amount.amount", "finite", _set(AMOUNT, Literal("INF", datatype=XSD.double))),
    "amount-1e400": Bad("claim", "amount.amount", "finite", _set(AMOUNT, Literal("1.0e+400", datatype=XSD.double))),
    "amount-NaN": Bad("claim", "amount.amount", "finite", _set(AMOUNT, Literal("NaN", datatype=XSD.double))),
    "project-value--INF": Bad(
        "project:city-cams",
        "value.amount",
        "",
        _set(_prop("Project", "value_amount"), Literal("-INF", datatype=XSD.double)),
    ),
    "start-0000": Bad(
        "project:city-cams",
        "start",
        "year 0000 is refused",
        _set(_prop("Project", "start"), Literal("0000", datatype=XSD.gYear)),
    ),
    "description-too-long": Bad(
        "vendor:acme",
        "description",
        f"at most {MAX_TEXT_CHARS} characters",
        _set(_prop("Vendor", "description"), Literal("d" * (MAX_TEXT_CHARS + 1))),
    ),
}


def _exported(store: GraphStore) -> Graph:
    buf = io.BytesIO()
    export(store, buf, RdfFormat.turtle, None, VOCAB)
    return parse_rdf(buf.getvalue(), RdfFormat.turtle, vocab=VOCAB)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.value)
@pytest.mark.parametrize("bad", list(BAD_VALUES))
def test_a_value_no_record_may_hold_is_refused(loaded: GraphStore, fmt: RdfFormat, bad: str) -> None:
    case = BAD_VALUES[bad]
    g = _exported(loaded)
    if case.record == "claim":
        subject = next(s for s in g.subjects(AMOUNT, None) if isinstance(s, URIRef))
        record = VOCAB.id_of(str(subject))
    else:
        subject, record = URIRef(VOCAB.iri(case.record)), case.record
    case.mutate(g, subject)
    data = g.serialize(format=fmt.rdflib_name, encoding="utf-8")
    before = fingerprint(loaded)
    with pytest.raises(InvalidRecords) as exc:
        import_rdf(loaded, data, fmt, name="attack", vocab=VOCAB)
    head = f"attack:0: {record}: {case.field}: "
    problems = [str(p) for p in exc.value.problems]
    assert any(p.startswith(head) and case.message in p for p in problems), (head, problems)
    assert fingerprint(loaded) == before
