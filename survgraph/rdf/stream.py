"""Streamed RDF: triples made page by page from the store and written as they come, as text.

N-Triples, Turtle and TriG are written here, straight from the stored rows: `LineMaker` makes the
N-Triples line of every triple, `TurtleMaker` one Turtle block per subject (`<s> a sg:Vendor ; p o ; ...
.`, predicates and classes as prefixed names), which is also TriG's default graph. RDF/XML is the
N-Triples lines parsed back and re-serialised by pyoxigraph as they come (`serialize`). Memory is bounded
by one page of rows. Building rdflib or pyoxigraph term objects costs microseconds a triple; formatting
text costs a fraction of that. The triples are those `export.TripleMaker` builds with rdflib, down to the
lexical form of every literal (tests/test_rdf_stream.py checks that the outputs are isomorphic, read by
rdflib and by pyoxigraph).

The escaping is the one N-Triples and Turtle share (RDF 1.1 canonical N-Triples): in a string, '"', '\\',
line feed and carriage return as ECHAR (required by the grammar), backspace, tab and form feed as ECHAR
and the other C0 controls and DEL as \\u00XX (allowed raw, escaped so that no control character reaches
a file); everything else as UTF-8. IRIs are the base and validated ids, and a stored value that could not
stand in an IRI is percent-encoded first (`vocab.iri_part`), so an IRI never needs an escape.

JSON-LD is not streamed: it is compacted with our context by rdflib (export.py), which needs the whole
graph in memory, so it is refused above `export.MAX_BUFFERED_TRIPLES`.
"""

from __future__ import annotations

import contextlib
import io
import queue
import re
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
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
    iri_part,
    partial_date_datatype,
    plain_ids,
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
#: The streamed formats written as text here, without pyoxigraph.
WRITTEN: frozenset[RdfFormat] = frozenset({RdfFormat.nt, RdfFormat.turtle, RdfFormat.trig})

#: Prefixes declared in Turtle, TriG and RDF/XML (the shapes' namespaces are never used by an export).
EXPORT_PREFIXES: dict[str, str] = {p: str(ns) for p, ns in PREFIXES.items() if p not in ("sh", "sgsh")}

_ECHAR = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_ESCAPES = str.maketrans({**{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F)}, **_ECHAR})


def escape(text: str) -> str:
    """A string's characters as they stand between the quotes of an N-Triples or Turtle literal."""
    # Every character _ESCAPES maps is '"', '\\' or a control character, and controls are not printable.
    if '"' in text or "\\" in text or not text.isprintable():
        return text.translate(_ESCAPES)
    return text


def quoted(value: Any) -> str:
    """A value as a quoted N-Triples / Turtle string."""
    return f'"{escape(str(value))}"'


def _double(value: Any) -> str:
    # rdflib's lexical form of the double, so that this export and rdflib's write the same literal.
    return quoted(Literal(float(value), datatype=XSD.double))


#: A local name written after a prefix as it is (a conservative part of Turtle's PN_LOCAL).
_LOCAL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-+[A-Za-z0-9_]+)*")


def turtle_name(iri: str) -> str:
    """An IRI as Turtle writes it: a prefixed name (sg:supplies) when a declared prefix and a plain local
    name make it, else <iri>."""
    for prefix, ns in EXPORT_PREFIXES.items():
        if iri.startswith(ns) and _LOCAL.fullmatch(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def turtle_header() -> str:
    """The prefix declarations that open a Turtle or TriG export."""
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in EXPORT_PREFIXES.items()) + "\n"


Convert = Callable[[Any], str]
#: (column, predicate as written, the function writing a value's term (None: an entity's IRI), many values)
_Column = tuple[str, str, Convert | None, bool]


class LineMaker:
    """Stored rows to N-Triples lines: the triples of `export.TripleMaker`, written as text directly.
    `count` is the number of triples made so far."""

    def __init__(self, vocab: Vocab, registry: Registry) -> None:
        self.base = vocab.base
        self.count = 0
        pm = property_map(registry)
        self.type = self.name(RDF.type)
        self.rdf_predicate = self.name(RDF.predicate)
        self.classes = {label: self.name(class_iri(label)) for label in registry.node_kinds}
        self.claim_class = self.name(CLAIM_CLASS)
        self.edges = {t: self.name(edge_iri(t, registry)) for t in registry.edge_types}
        self.node_props = {label: tuple(self._column(p) for p in props) for label, props in pm.nodes.items()}
        self.claim_props = tuple(self._column(p) for p in pm.claim)

    def name(self, iri: URIRef) -> str:
        """A fixed IRI (a class, a predicate, a datatype) as written."""
        return f"<{iri}>"

    def iri(self, value: Any) -> str:
        """An entity's or a claim's IRI from its id."""
        return f"<{self.base}{iri_part(str(value))}>"

    def _column(self, prop: Prop) -> _Column:
        convert = None if prop.kind is ValueKind.entity else self._converter(prop.kind)
        return prop.column, self.name(prop.iri), convert, prop.many

    def _converter(self, kind: ValueKind) -> Convert:
        """The function from a stored value to its term as written: the rules of `vocab.term`, one per kind."""
        if kind is ValueKind.wikidata:
            return self._wikidata
        if kind is ValueKind.double:
            double = f"^^{self.name(XSD.double)}"
            return lambda v: _double(v) + double
        if kind is ValueKind.partial_date:
            # The datatype depends on the length only (year, year-month, day).
            by_length = {n: f"^^{self.name(partial_date_datatype('x' * n))}" for n in (4, 7, 10)}
            day = by_length[10]
            return lambda v: quoted(v) + by_length.get(len(str(v)), day)
        if kind is ValueKind.url:
            any_uri = f"^^{self.name(XSD.anyURI)}"
            return lambda v: quoted(v) + any_uri
        return quoted

    def _wikidata(self, value: Any) -> str:
        return f"<{WD}{iri_part(str(value))}>"

    @staticmethod
    def _page(props: tuple[_Column, ...], rows: list[Row]) -> tuple[tuple[_Column, ...], bool]:
        """The columns of `props` the rows of a page hold (a scan returns the filled columns only), and
        whether every id in the page's IRIs (`id` and the entity columns) goes into an IRI as it is: then
        the page's IRIs are written without looking at each id (one pattern match for the page)."""
        present = tuple(c for c in props if c[0] in rows[0]) if rows else props
        parts = ["".join([r["id"] for r in rows])]
        for column, _, convert, many in present:
            if convert is None:
                values = [r[column] for r in rows if r[column]]
                parts.append("".join(["".join(v) for v in values] if many else values))
        return present, plain_ids("".join(parts))

    def nodes(self, label: str, rows: list[Row], out: list[str]) -> None:
        """Append the lines of a page of nodes of one kind to `out`."""
        try:
            props, plain = self._page(self.node_props[label], rows)
        except TypeError:  # a value that is not a string: each is written on its own
            props, plain = self.node_props[label], False
        head = f" {self.type} {self.classes[label]} .\n"
        base, n = self.base, len(out)
        for row in rows:
            s = f"<{base}{row['id']}>" if plain else self.iri(row["id"])
            out.append(s + head)
            self._values(s, props, row, out, plain)
        self.count += len(out) - n

    def claims(self, rows: list[Row], out: list[str], etype: str | None = None) -> None:
        """Append each claim's direct triple and its claim resource's lines to `out`; `etype` is the type of
        every row, or None when each row names its own (`type`)."""
        try:
            props, plain = self._page(self.claim_props, rows)
        except TypeError:
            props, plain = self.claim_props, False
        rdf_type, claim_class, rdf_predicate = self.type, self.claim_class, self.rdf_predicate
        iri, base, n = self.iri, self.base, len(out)
        for row in rows:
            predicate = self.edges[etype or row["type"]]
            if plain:
                c = f"<{base}{row['id']}>"
                out.append(f"<{base}{row['from_id']}> {predicate} <{base}{row['to_id']}> .\n")
            else:
                c = iri(row["id"])
                out.append(f"{iri(row['from_id'])} {predicate} {iri(row['to_id'])} .\n")
            out.append(f"{c} {rdf_type} {claim_class} .\n{c} {rdf_predicate} {predicate} .\n")
            self._values(c, props, row, out, plain)
        self.count += len(out) - n + len(rows)  # two triples in one of the appended strings per claim

    def _values(self, s: str, props: tuple[_Column, ...], row: Row, out: list[str], plain: bool) -> None:
        base = self.base
        for column, p, convert, many in props:
            value = row.get(column)
            if value is None:
                continue
            if convert is None:
                if not plain:
                    convert = self.iri
                elif many:
                    out.extend([f"{s} {p} <{base}{v}> .\n" for v in value])
                    continue
                else:
                    out.append(f"{s} {p} <{base}{value}> .\n")
                    continue
            if many:
                out.extend([f"{s} {p} {convert(v)} .\n" for v in value])
            else:
                out.append(f"{s} {p} {convert(value)} .\n")


class TurtleMaker(LineMaker):
    """Stored rows to Turtle (and TriG) text: one block per subject, predicates, classes and datatypes as
    prefixed names, a list column's values after one predicate (`p o1, o2`). The same triples as
    LineMaker's lines, each written once in its block (a claim's direct triple stands alone)."""

    def name(self, iri: URIRef) -> str:
        return turtle_name(str(iri))

    def _wikidata(self, value: Any) -> str:
        return turtle_name(f"{WD}{iri_part(str(value))}")

    def nodes(self, label: str, rows: list[Row], out: list[str]) -> None:
        try:
            props, plain = self._page(self.node_props[label], rows)
        except TypeError:
            props, plain = self.node_props[label], False
        head = f" a {self.classes[label]}"
        base = self.base
        for row in rows:
            s = f"<{base}{row['id']}>" if plain else self.iri(row["id"])
            out.append(self._block(s + head, props, row, plain))
        self.count += len(rows)

    def claims(self, rows: list[Row], out: list[str], etype: str | None = None) -> None:
        try:
            props, plain = self._page(self.claim_props, rows)
        except TypeError:
            props, plain = self.claim_props, False
        head = f" a {self.claim_class} ;\n    {self.rdf_predicate} "
        iri, base = self.iri, self.base
        for row in rows:
            predicate = self.edges[etype or row["type"]]
            if plain:
                c = f"<{base}{row['id']}>"
                out.append(f"<{base}{row['from_id']}> {predicate} <{base}{row['to_id']}> .\n")
            else:
                c = iri(row["id"])
                out.append(f"{iri(row['from_id'])} {predicate} {iri(row['to_id'])} .\n")
            out.append(self._block(c + head + predicate, props, row, plain))
        self.count += 3 * len(rows)

    def _block(self, head: str, props: tuple[_Column, ...], row: Row, plain: bool) -> str:
        parts = [head]
        base, n = self.base, 0
        for column, p, convert, many in props:
            value = row.get(column)
            if value is None:
                continue
            if convert is None:
                if not plain:
                    convert = self.iri
                elif many:
                    if value:
                        parts.append(f" ;\n    {p} {', '.join([f'<{base}{v}>' for v in value])}")
                        n += len(value)
                    continue
                else:
                    parts.append(f" ;\n    {p} <{base}{value}>")
                    n += 1
                    continue
            if many:
                if value:
                    parts.append(f" ;\n    {p} {', '.join([convert(v) for v in value])}")
                    n += len(value)
            else:
                parts.append(f" ;\n    {p} {convert(value)}")
                n += 1
        parts.append(" .\n")
        self.count += n
        return "".join(parts)


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


class _XmlCarriageReturns:
    """A binary file writing a carriage return as the character reference `&#13;`. pyoxigraph's RDF/XML
    writer leaves one in a literal as it is, and an XML parser reads a raw CR LF as LF (rdflib does; the
    literal would lose its CR). A CR byte can only come from a literal (the writer's own layout is LF and
    tab, and UTF-8 never uses the byte inside another character), so the replacement is exact."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out

    def write(self, data: bytes) -> int:
        self.out.write(bytes(data).replace(b"\r", b"&#13;"))
        return len(data)

    def flush(self) -> None:
        self.out.flush()


def serialize(chunks: Iterable[bytes], out: IO[bytes], fmt: RdfFormat) -> None:
    """Write N-Triples chunks to a binary stream in a streamed format, as they come."""
    prefixes = None if fmt is RdfFormat.nt else EXPORT_PREFIXES
    target: Any = _XmlCarriageReturns(out) if fmt is RdfFormat.xml else out
    ox.serialize(stream_triples(chunks), target, OX_FORMATS[fmt], prefixes=prefixes)


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
