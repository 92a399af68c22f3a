"""Streamed RDF exports (survgraph/rdf/stream.py) on both engines: the same graph as rdflib's serialisation,
read by two independent parsers, prefixes kept, output written while pages are still being read, and the
formats that are not streamed refused past their bound."""

from __future__ import annotations

import importlib
import io
import json
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.graph.view import GraphView
from survgraph.loaders import load_paths
from survgraph.rdf import (
    STREAMED,
    ExportTooLarge,
    Neighbourhood,
    RdfFormat,
    Selection,
    WholeGraph,
    buffered,
    iter_ntriples,
    iter_triples,
    ntriples_lines,
    serialize_graph,
    stream_bytes,
    to_graph,
)
from survgraph.rdf.export import RowPage, text_chunks
from survgraph.rdf.stream import EXPORT_PREFIXES, LineMaker, TurtleMaker, escape
from survgraph.rdf.vocab import SG
from survgraph.schema import REGISTRY

from .conftest import ROOT, SEED
from .test_rdf import OXIGRAPH_FORMATS, SMALL, VOCAB, _rdflib, export_bytes, rich_file
from .test_rdf_cli import embedded_env, loaded_dir, runner

#: The module, not the function the package exports under the same name.
export_module = importlib.import_module("survgraph.rdf.export")

STREAMED_FORMATS = sorted(STREAMED, key=lambda f: f.value)
RDFLIB_NAMES = {RdfFormat.turtle: "turtle", RdfFormat.nt: "nt", RdfFormat.xml: "xml", RdfFormat.trig: "trig"}


def rdflib_output(store: GraphStore, fmt: RdfFormat, selection: Selection) -> bytes:
    """What the export wrote before it streamed: every triple in an rdflib graph, serialised by rdflib."""
    return serialize_graph(to_graph(iter_triples(store, selection, VOCAB), fmt), fmt, VOCAB)


def rdflib_parse(data: bytes, fmt: RdfFormat) -> Graph:
    g = Graph()
    g.parse(data=data, format=RDFLIB_NAMES[fmt])
    return g


def oxigraph_parse(data: bytes, fmt: RdfFormat) -> set[tuple[object, ...]]:
    return {
        tuple(_rdflib(t) for t in (q.subject, q.predicate, q.object))
        for q in pyoxigraph.parse(data, OXIGRAPH_FORMATS[fmt])
    }


def assert_same_as_rdflib(store: GraphStore, fmt: RdfFormat, selection: Selection, old_fmt: RdfFormat) -> None:
    new = export_bytes(store, fmt, selection)
    old = rdflib_output(store, old_fmt, selection)
    ours, before = rdflib_parse(new, fmt), rdflib_parse(old, old_fmt)
    assert len(ours) > 0
    assert isomorphic(ours, before)
    # A second, independent parser reads the same triples (both lexical forms read as rdflib reads them).
    assert oxigraph_parse(new, fmt) == oxigraph_parse(old, old_fmt) == set(ours)


@pytest.mark.parametrize("fmt", STREAMED_FORMATS, ids=[f.value for f in STREAMED_FORMATS])
def test_streamed_output_is_the_graph_rdflib_wrote(store: GraphStore, tmp_path: Path, fmt: RdfFormat) -> None:
    ds, _ = load_paths(store, [SMALL, rich_file(tmp_path)])
    assert not ds.errors
    assert_same_as_rdflib(store, fmt, WholeGraph(), fmt)
    assert_same_as_rdflib(store, fmt, Neighbourhood("vendor:acme", 2), fmt)


@pytest.mark.parametrize("fmt", [RdfFormat.nt, RdfFormat.turtle], ids=["nt", "turtle"])
def test_seed_data_streams_the_graph_rdflib_wrote(store: GraphStore, fmt: RdfFormat) -> None:
    """Against rdflib's N-Triples: its Turtle rounded doubles to seven digits (see the next test)."""
    ds, _ = load_paths(store, [SEED])
    assert not ds.errors
    assert_same_as_rdflib(store, fmt, WholeGraph(), RdfFormat.nt)


def test_lines_are_those_of_the_rdflib_terms(store: GraphStore, tmp_path: Path) -> None:
    """The lines made from rows are byte for byte those written from rdflib's terms (escapes, datatypes)."""
    load_paths(store, [SMALL, rich_file(tmp_path)])
    from_terms = "".join(ntriples_lines(iter_triples(store, WholeGraph(), VOCAB))).encode()
    assert b"".join(iter_ntriples(store, WholeGraph(), VOCAB)) == from_terms


def test_turtle_keeps_every_digit_of_an_amount(store: GraphStore) -> None:
    load_paths(store, [SEED])
    stored = {
        VOCAB.iri(r["id"]): float(r["amount"])
        for r in store.query("MATCH ()-[r]->() WHERE r.amount IS NOT NULL RETURN r.id AS id, r.amount AS amount")
    }
    assert any(len(str(int(v))) > 7 and v % 1000 for v in stored.values())  # some need more than 7 digits
    for fmt in (RdfFormat.turtle, RdfFormat.trig, RdfFormat.xml):
        g = rdflib_parse(export_bytes(store, fmt), fmt)
        assert {c: float(str(v)) for c, v in g.subject_objects(SG.amount)} == stored, fmt


def test_turtle_keeps_the_prefixes(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    data = export_bytes(store, RdfFormat.turtle)
    bound = dict(rdflib_parse(data, RdfFormat.turtle).namespaces())
    for prefix, ns in EXPORT_PREFIXES.items():
        assert str(bound[prefix]) == ns
    body = "\n".join(line for line in data.decode().splitlines() if not line.startswith("@prefix"))
    # ... and uses them: predicates and classes are written as prefixed names, not whole IRIs.
    assert " a sg:Vendor ;" in body and "prov:wasDerivedFrom" in body and f"<{SG}" not in body


def test_pages_do_not_change_the_stream(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [SMALL, rich_file(tmp_path)])
    whole = b"".join(iter_ntriples(store, WholeGraph(), VOCAB))
    paged = list(iter_ntriples(store, WholeGraph(), VOCAB, page_size=2))
    assert len(paged) > 10 and b"".join(paged) == whole
    lines = whole.decode().splitlines()
    assert len(lines) == sum(1 for _ in iter_triples(store, WholeGraph(), VOCAB))


# -- hostile text, hostile ids, both engines alike --------------------------------------------------

#: Text the loaders accept that a writer must escape or keep exactly: quotes (one, three), backslashes (one
#: at the end, before a quote, before a 'u'), line feed, CR LF, tab, a line separator, a byte order mark,
#: characters beyond the BMP, an N-Triples line and a Turtle directive inside a string, and a URL holding
#: the characters an IRI may not.
HOSTILE_TEXT = [
    'Hostile "Quoted" \\ Vendor \\" .',
    "ends with a backslash \\",
    '"""three quotes""" and \'single\'',
    "\U0001f600 grinning, \U0001d518 fraktur, \u00e9 e-acute",
    "line\u2028separator and bom\ufeffhere",
    "tab\tand\r\ncrlf\nand a line",
    '<http://e.org/x> <http://e.org/y> "z" .',
    "@prefix x: <http://e.org/> . a literal \\u0041 backslash-u",
]
HOSTILE_URL = 'https://e.org/p?q="a"&r=<b>{c}|^`\\d'


def _yaml(text: str) -> str:
    """A YAML double-quoted scalar holding `text` exactly (escapes for everything but printable ASCII)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\U{ord(ch):08X}")
    return '"' + "".join(out) + '"'


def hostile_file(tmp_path: Path) -> Path:
    aliases = ", ".join(_yaml(t) for t in HOSTILE_TEXT[1:])
    path = tmp_path / "hostile.yaml"
    path.write_text(
        f"""sources:
  - id: source:hostile
    publisher: {_yaml(HOSTILE_TEXT[0])}
    kind: news_report
    title: {_yaml(HOSTILE_TEXT[5])}
    url: {_yaml(HOSTILE_URL)}
entities:
  - id: vendor:hostile
    name: {_yaml(HOSTILE_TEXT[0])}
    aliases: [{aliases}]
    description: {_yaml(HOSTILE_TEXT[6])}
    hq_country: US
    sources: [source:hostile]
    confidence: reported
  - id: project:hostile
    name: {_yaml(HOSTILE_TEXT[3])}
    country: ZW
    sources: [source:hostile]
    confidence: alleged
claims:
  - type: SUPPLIES
    from: vendor:hostile
    to: project:hostile
    sources: [source:hostile]
    confidence: alleged
    notes: {_yaml(HOSTILE_TEXT[7])}
""",
        encoding="utf-8",
    )
    return path


def literal_values(data: bytes, fmt: RdfFormat) -> set[str]:
    return {
        q.object.value
        for q in pyoxigraph.parse(data, OXIGRAPH_FORMATS[fmt])
        if isinstance(q.object, pyoxigraph.Literal)
    }


@pytest.mark.parametrize("fmt", STREAMED_FORMATS, ids=[f.value for f in STREAMED_FORMATS])
def test_hostile_text_reads_back_exactly(store: GraphStore, tmp_path: Path, fmt: RdfFormat) -> None:
    ds, _ = load_paths(store, [SMALL, hostile_file(tmp_path)])
    assert not ds.errors, ds.errors
    # The graph rdflib builds from the same rows, read by two parsers (pyoxigraph's is strict) ...
    assert_same_as_rdflib(store, fmt, WholeGraph(), RdfFormat.nt)
    # ... and every hostile string is a literal's exact value.
    assert {*HOSTILE_TEXT, HOSTILE_URL} <= literal_values(export_bytes(store, fmt), fmt)


#: Every ASCII character but NUL-free text cannot hold, and a few beyond: what a store written by other
#: means than the loaders (which refuse control characters) could hand an export.
ALL_ASCII = "".join(map(chr, range(128))) + "\u0085\u2028\U0001f600"
HOSTILE_IDS = ['vendor:a b<c>"{d}|^`\\e%25#f', "vendor:\u00e9\U0001f600", "project:ok"]


def test_control_characters_and_bad_ids_are_written_exactly() -> None:
    """The text makers on rows no loader would accept: every ASCII character in literals, ids that cannot
    stand in an IRI (percent-encoded, as `Vocab.iri` does for rdflib's terms)."""
    registry = REGISTRY
    vendor = {
        "id": HOSTILE_IDS[0],
        "name": ALL_ASCII,
        "aliases": [ALL_ASCII[::-1], "x"],
        "source_ids": [HOSTILE_IDS[1]],
    }
    claim = {
        "id": "claim:0",
        "type": "SUPPLIES",
        "from_id": HOSTILE_IDS[0],
        "to_id": HOSTILE_IDS[2],
        "notes": ALL_ASCII,
    }
    pages = [RowPage("Vendor", [vendor]), RowPage(None, [claim])]
    maker = export_module.TripleMaker(VOCAB, registry)
    expected = Graph()
    for t in [*maker.node("Vendor", vendor), *maker.claim(claim)]:
        expected.add(t)
    for fmt, made in ((RdfFormat.nt, LineMaker(VOCAB, registry)), (RdfFormat.turtle, TurtleMaker(VOCAB, registry))):
        data = b"".join(text_chunks(pages, made))
        assert made.count == len(expected)
        ours = rdflib_parse(data, fmt)
        assert isomorphic(ours, expected), fmt
        assert oxigraph_parse(data, fmt) == set(expected), fmt
        assert ALL_ASCII in literal_values(data, fmt)
        assert not any(ord(c) < 0x20 or ord(c) == 0x7F for c in data.decode().replace("\n", "")), fmt


def test_the_escapes_are_canonical_ntriples() -> None:
    """RDF 1.1 canonical N-Triples: ECHAR for '"', '\\', LF, CR, BS, TAB, FF; UCHAR for the other C0
    controls and DEL; every other character as itself."""
    echar = {'"': '"', "\\": "\\", "\n": "n", "\r": "r", "\b": "b", "\t": "t", "\f": "f"}
    for ch in ALL_ASCII:
        if ch in echar:
            want = "\\" + echar[ch]
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            want = f"\\u{ord(ch):04X}"
        else:
            want = ch
        assert escape(ch) == want, repr(ch)
        assert escape(f"a{ch}b") == f"a{want}b"


@pytest.mark.neo4j
def test_both_engines_write_the_same_export(
    embedded_store: GraphStore, neo4j_store: GraphStore, tmp_path: Path
) -> None:
    files = [SMALL, rich_file(tmp_path), hostile_file(tmp_path)]
    for s in (embedded_store, neo4j_store):
        ds, _ = load_paths(s, files)
        assert not ds.errors
    for fmt in (RdfFormat.nt, RdfFormat.turtle):
        a, b = export_bytes(embedded_store, fmt), export_bytes(neo4j_store, fmt)
        assert len(a) > 1000
        if fmt is RdfFormat.nt:  # the same lines, byte for byte (in the same order, give or take ties)
            assert sorted(a.splitlines()) == sorted(b.splitlines())
        assert isomorphic(rdflib_parse(a, fmt), rdflib_parse(b, fmt))


def test_scans_page_every_claim_once(store: GraphStore, tmp_path: Path) -> None:
    """The export's claim scan (pages by start-node id ranges; a node with more claims than a page paged
    on its own) gives every claim once, in (from_id, id) order, pages no larger than asked, with the
    filled columns only; and the same with as_of."""
    load_paths(store, [SMALL, rich_file(tmp_path)])
    for as_of in (None, "2020-01-01"):
        view = GraphView(store, as_of=as_of)
        for etype in store.registry.edge_types:
            every = [c for page in view.iter_claims(etype, page_size=1000) for c in page]
            filled = view.filled_columns(etype)
            starts = list(dict.fromkeys(a for a, _ in store.registry.edge_types[etype].endpoints))

            def order(c: dict[str, str], starts: list[str] = starts, view: GraphView = view) -> tuple[int, str, str]:
                return starts.index(str(view.label_of(c["from_id"]))), c["from_id"], c["id"]  # label, start, id

            assert filled == [
                c.name for c in store.registry.edge_columns if any(r[c.name] not in (None, []) for r in every)
            ]
            for size in (1, 2, 3, 1000):
                pages = list(view.scan_claims(etype, filled, page_size=size))
                assert all(0 < len(p) <= size for p in pages)
                rows = [r for p in pages for r in p]
                assert [r["id"] for r in rows] == [c["id"] for c in sorted(every, key=order)]
                assert all(set(r) == set(filled) for r in rows)
    ends = [(c["type"], c["from_id"]) for c in GraphView(store).page_claims(limit=1000).items]
    assert max(map(ends.count, ends)) > 1  # a start node with more claims of a type than a page of 1 holds


# -- streaming: output before input ends, bounded memory, early close, errors ------------------------


def _lines(n: int, pulled: list[int]) -> Iterator[bytes]:
    for i in range(n):
        pulled[0] += 1
        yield f'<http://e.org/s{i}> <http://e.org/p> "value {i}" .\n'.encode()


@pytest.mark.parametrize("fmt", STREAMED_FORMATS, ids=[f.value for f in STREAMED_FORMATS])
def test_output_comes_while_input_is_still_read(fmt: RdfFormat) -> None:
    total, pulled = 20_000, [0]
    chunks = stream_bytes(_lines(total, pulled), fmt, chunk=1024)
    first = next(chunks)
    assert first and pulled[0] < total / 2
    rest = b"".join(chunks)
    assert pulled[0] == total
    assert len(oxigraph_parse(first + rest, fmt)) == total


def _peak_heap(n: int) -> int:
    tracemalloc.start()
    try:
        for _ in stream_bytes(_lines(n, [0]), RdfFormat.turtle):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_stream() -> None:
    small, large = _peak_heap(5_000), _peak_heap(50_000)
    assert large < 2 * small + 256 * 1024, (small, large)


def test_closing_the_stream_stops_the_writer() -> None:
    pulled = [0]
    chunks = stream_bytes(_lines(100_000, pulled), RdfFormat.turtle, chunk=1024, depth=2)
    next(chunks)
    chunks.close()  # what a disconnected HTTP client does
    assert not any(t.name == "rdf-stream" for t in threading.enumerate())
    assert pulled[0] < 100_000


def test_an_error_while_reading_reaches_the_reader() -> None:
    def failing() -> Iterator[bytes]:
        yield b"<http://e.org/s> <http://e.org/p> <http://e.org/o> .\n"
        raise OSError("store went away")

    with pytest.raises(OSError, match="store went away"):
        b"".join(stream_bytes(failing(), RdfFormat.turtle))


# -- JSON-LD: built in memory, bounded -----------------------------------------------------------------


def test_jsonld_refuses_past_its_bound(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [SMALL, rich_file(tmp_path)])
    n = len(rdflib_parse(export_bytes(store, RdfFormat.nt), RdfFormat.nt))
    body, count = buffered(store, WholeGraph(), RdfFormat.jsonld, VOCAB, limit=n + 10)
    assert count == n and body.startswith(b"{")
    # The whole graph is refused from two counts, before a page is read ...
    streamed = r"use a streamed format \(turtle, nt, xml, trig\)"
    with pytest.raises(ExportTooLarge, match=rf"jsonld is built in memory .* {streamed}"):
        buffered(store, WholeGraph(), RdfFormat.jsonld, VOCAB, limit=10)
    # ... and a part as soon as it passes the bound.
    with pytest.raises(ExportTooLarge, match="at least 11 triples"):
        buffered(store, Neighbourhood("vendor:acme", 2), RdfFormat.jsonld, VOCAB, limit=10)


def test_jsonld_bound_in_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = embedded_env(loaded_dir(tmp_path))
    monkeypatch.setattr(export_module, "MAX_BUFFERED_TRIPLES", 10)
    out = tmp_path / "g.jsonld"
    result = runner.invoke(app, ["export", "rdf", "--format", "jsonld", "-o", str(out)], env=env)
    assert result.exit_code == 2, result.output
    assert "use a streamed format" in result.output and not out.exists()
    ok = runner.invoke(app, ["export", "rdf", "--format", "turtle", "-o", str(tmp_path / "g.ttl")], env=env)
    assert ok.exit_code == 0, ok.output
    assert len(rdflib_parse((tmp_path / "g.ttl").read_bytes(), RdfFormat.turtle)) > 10


def test_the_count_is_the_statements_written(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    nt = export_bytes(store, RdfFormat.nt)
    buf = io.BytesIO()
    count = export_module.export(store, buf, RdfFormat.xml, WholeGraph(), VOCAB)
    assert count == len(nt.splitlines()) > 100
    assert oxigraph_parse(buf.getvalue(), RdfFormat.xml) == oxigraph_parse(nt, RdfFormat.nt)


def test_the_benchmark_runs() -> None:
    """benchmarks/bench_rdf.py at a tiny size: it generates, measures ours and pyoxigraph's, and reports."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_rdf.py"), "--claims", "200", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["work"] for r in rows] == ["rdf export nt", "rdf export turtle"]
    assert all(r["ours"] > 0 and r["plain"] > 0 and r["unit"] == "triples/s" and r["size"] == 200 for r in rows)
    assert all(r["ratio"] == r["plain"] / r["ours"] for r in rows)
