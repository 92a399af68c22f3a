"""Streamed RDF: triples made page by page from the store and serialised by pyoxigraph as they come.

N-Triples, Turtle, TriG and RDF/XML stream: pyoxigraph's serialisers write each triple when it arrives
(Turtle groups the consecutive triples of one subject), so memory is bounded by one page of rows, not
by the graph. The terms are pyoxigraph's own (built once per value, predicates and classes once per
export), which is what makes this fast; they are the same terms `TripleMaker` builds with rdflib, down
to the lexical form of every literal (tests/test_rdf_stream.py checks that the two outputs are
isomorphic).

JSON-LD is not streamed: it is compacted with our context by rdflib (export.py), which needs the whole
graph in memory, so it is refused above `export.MAX_BUFFERED_TRIPLES`.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Literal
from rdflib.namespace import RDF, XSD

from survgraph.graph.view import Row
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    PREFIXES,
    WD,
    Prop,
    ValueKind,
    Vocab,
    class_iri,
    edge_iri,
    partial_date_datatype,
    property_map,
)
from survgraph.schema import Registry

#: The formats pyoxigraph writes as a stream, and its name for each.
OX_FORMATS: dict[RdfFormat, ox.RdfFormat] = {
    RdfFormat.nt: ox.RdfFormat.N_TRIPLES,
    RdfFormat.turtle: ox.RdfFormat.TURTLE,
    RdfFormat.trig: ox.RdfFormat.TRIG,
    RdfFormat.xml: ox.RdfFormat.RDF_XML,
}
STREAMED: frozenset[RdfFormat] = frozenset(OX_FORMATS)

#: Prefixes declared in Turtle, TriG and RDF/XML (the shapes' namespaces are never used by an export).
EXPORT_PREFIXES: dict[str, str] = {p: str(ns) for p, ns in PREFIXES.items() if p not in ("sh", "sgsh")}

Convert = Callable[[Any], str]

_RDF_TYPE = f"<{RDF.type}>"
_RDF_PREDICATE = f"<{RDF.predicate}>"
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def quoted(value: Any) -> str:
    """A string as an N-Triples literal's quoted part: what N-Triples requires escaped, the rest as is."""
    text = str(value)
    if "\\" in text or '"' in text or "\n" in text or "\r" in text:
        text = text.translate(_ESCAPES)
    return f'"{text}"'


def _double(value: Any) -> str:
    # rdflib's lexical form of the double, so that this export and rdflib's write the same literal.
    return f"{quoted(Literal(float(value), datatype=XSD.double))}^^<{XSD.double}>"


class LineMaker:
    """Stored rows to N-Triples lines: the triples of `export.TripleMaker`, written as text directly.

    Building rdflib or pyoxigraph term objects costs microseconds a triple; formatting a line costs a
    fraction of that, and pyoxigraph parses the lines back natively (stream_triples)."""

    def __init__(self, vocab: Vocab, registry: Registry) -> None:
        base = vocab.base
        pm = property_map(registry)
        self.iri: Callable[[Any], str] = lambda i: f"<{base}{i}>"
        self.classes = {label: f"<{class_iri(label)}>" for label in registry.node_kinds}
        self.claim_class = f"<{CLAIM_CLASS}>"
        self.edges = {t: f"<{edge_iri(t, registry)}>" for t in registry.edge_types}
        self.node_props = {label: self._props(props) for label, props in pm.nodes.items()}
        self.claim_props = self._props(pm.claim)

    def _props(self, props: Iterable[Prop]) -> tuple[tuple[str, str, Convert, bool], ...]:
        return tuple((p.column, f"<{p.iri}>", self._converter(p.kind), p.many) for p in props)

    def _converter(self, kind: ValueKind) -> Convert:
        """The function from a stored value to its term: the rules of `vocab.term`, one per kind."""
        if kind is ValueKind.entity:
            return self.iri
        if kind is ValueKind.wikidata:
            return lambda v: f"<{WD}{v}>"
        if kind is ValueKind.double:
            return _double
        if kind is ValueKind.partial_date:
            # The datatype depends on the length only (year, year-month, day).
            by_length = {n: f"^^<{partial_date_datatype('x' * n)}>" for n in (4, 7, 10)}
            day = by_length[10]
            return lambda v: quoted(v) + by_length.get(len(str(v)), day)
        if kind is ValueKind.url:
            any_uri = f"^^<{XSD.anyURI}>"
            return lambda v: quoted(v) + any_uri
        return quoted

    def node(self, label: str, row: Row, out: list[str]) -> None:
        """Append the node's lines to `out`."""
        s = self.iri(row["id"])
        out.append(f"{s} {_RDF_TYPE} {self.classes[label]} .\n")
        self._values(s, self.node_props[label], row, out)

    def claim(self, row: Row, out: list[str]) -> None:
        """Append the claim's direct triple and its claim resource's lines to `out`."""
        predicate = self.edges[row["type"]]
        out.append(f"{self.iri(row['from_id'])} {predicate} {self.iri(row['to_id'])} .\n")
        c = self.iri(row["id"])
        out.append(f"{c} {_RDF_TYPE} {self.claim_class} .\n")
        out.append(f"{c} {_RDF_PREDICATE} {predicate} .\n")
        self._values(c, self.claim_props, row, out)

    @staticmethod
    def _values(s: str, props: tuple[tuple[str, str, Convert, bool], ...], row: Row, out: list[str]) -> None:
        for column, p, convert, many in props:
            value = row.get(column)
            if value is None:
                continue
            if many:
                out.extend(f"{s} {p} {convert(v)} .\n" for v in value)
            else:
                out.append(f"{s} {p} {convert(value)} .\n")


class _ChunkReader(io.RawIOBase):
    """A binary file that reads from an iterator of byte chunks (pyoxigraph parses from it as it comes)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.pending:
            chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = memoryview(chunk)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def stream_triples(chunks: Iterable[bytes]) -> Iterator[ox.Quad]:
    """N-Triples chunks parsed back by pyoxigraph, lazily: terms built natively, and every line checked."""
    return ox.parse(io.BufferedReader(_ChunkReader(iter(chunks)), 1 << 16), ox.RdfFormat.N_TRIPLES)


def serialize(chunks: Iterable[bytes], out: IO[bytes], fmt: RdfFormat) -> None:
    """Write N-Triples chunks to a binary stream in a streamed format, as they come."""
    prefixes = None if fmt is RdfFormat.nt else EXPORT_PREFIXES
    ox.serialize(stream_triples(chunks), out, OX_FORMATS[fmt], prefixes=prefixes)


# -- bytes for an HTTP body ---------------------------------------------------------------------


class _Closed(Exception):
    """The reader of a stream went away (a client disconnected): the writer stops."""


class _QueueWriter:
    """A binary file whose writes go, in chunks of about `chunk` bytes, to a bounded queue."""

    def __init__(self, q: queue.Queue[bytes | BaseException | None], stop: threading.Event, chunk: int) -> None:
        self.q, self.stop, self.chunk = q, stop, chunk
        self.buf = bytearray()

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self.stop.is_set():
            try:
                self.q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Closed

    def write(self, data: bytes) -> int:
        self.buf += data
        if len(self.buf) >= self.chunk:
            self._put(bytes(self.buf))
            self.buf.clear()
        return len(data)

    def flush(self) -> None:
        pass

    def finish(self, error: BaseException | None) -> None:
        if self.buf and error is None:
            self._put(bytes(self.buf))
        self._put(error)


def stream_bytes(chunks: Iterable[bytes], fmt: RdfFormat, *, chunk: int = 1 << 16, depth: int = 8) -> Generator[bytes]:
    """The serialisation as chunks of bytes, for a streamed HTTP body.

    pyoxigraph writes to a file, so it runs in a thread writing into a queue of at most `depth` chunks
    that this generator drains: memory stays bounded by the queue and one page of triples. Closing the
    generator early (the client went away) stops the writer at its next write. An error while making
    triples (a store outage) is raised here, in the reader."""
    q: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    writer = _QueueWriter(q, stop, chunk)

    def work() -> None:
        error: BaseException | None = None
        try:
            serialize(chunks, writer, fmt)  # type: ignore[arg-type]  # a duck-typed binary file
        except _Closed:
            return
        except BaseException as exc:  # handed to the reader, which raises it
            error = exc
        with contextlib.suppress(_Closed):
            writer.finish(error)

    thread = threading.Thread(target=work, name="rdf-stream", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
