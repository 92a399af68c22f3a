"""Export the graph, or part of it, as RDF: entities, direct triples, and one claim resource per edge.

Each edge becomes two things: the direct triple (<vendor:huawei> sg:supplies <project:x>), which any RDF
tool can query, and an sg:Claim resource that names the same subject, predicate and object (rdf:subject,
rdf:predicate, rdf:object) and carries what makes the claim trustworthy: confidence, dates, figures and
prov:wasDerivedFrom links to the sources, which are exported too.

N-Triples, Turtle, TriG and RDF/XML stream: rows are read page by page from the store (a whole graph
through GraphView's scans: the filled columns only, claims by ranges of their start nodes), written as
N-Triples lines or Turtle blocks (TriG: the same) straight from the rows (stream.py), and for RDF/XML
re-serialised by pyoxigraph from the lines as they come, so memory does not grow with the graph.
JSON-LD, compacted with our context, is built whole in rdflib and so refused above a bound
(MAX_BUFFERED_TRIPLES).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple
from typing import Literal as TypingLiteral

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from survgraph.graph import GraphStore
from survgraph.graph.time import AS_OF_PARAM, claim_in_force
from survgraph.graph.view import PAGE_SIZE, GraphView, Row
from survgraph.progress import progress
from survgraph.rdf.context import load_context
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.stream import (
    EXPORT_PREFIXES,
    STREAMED,
    WRITTEN,
    LineMaker,
    TurtleMaker,
    quoted,
    serialize,
    stream_bytes,
    turtle_header,
)
from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    PropertyMap,
    RdfError,
    RdfOptionError,
    Vocab,
    class_iri,
    edge_iri,
    property_map,
    term,
)
from survgraph.schema import Registry
from survgraph.schema.types import check_as_of

Triple = tuple[URIRef, URIRef, URIRef | Literal]

#: Rows per page of a whole-graph export: memory is bounded by one page of rows and their triples.
EXPORT_PAGE_SIZE = PAGE_SIZE

#: The deepest neighbourhood --entity/--depth exports (each hop can multiply the size).
MAX_DEPTH = 6

JsonLdContext = TypingLiteral["inline", "url"]


class UnknownEntity(RdfError):
    """--entity names an id the graph does not hold."""

    status = 404


# -- what to export ---------------------------------------------------------------------------
# A selection with `as_of` (YYYY-MM-DD) exports only the claims in force on that day (survgraph.graph.time).


def _check_as_of(as_of: str | None) -> None:
    if as_of:
        try:
            check_as_of(as_of)
        except ValueError as exc:
            raise RdfOptionError(f"as_of: {exc}") from exc


@dataclass(frozen=True)
class WholeGraph:
    """Every node and every claim (in force on `as_of`, if given: every entity stays all the same)."""

    as_of: str | None = None

    def __post_init__(self) -> None:
        _check_as_of(self.as_of)


@dataclass(frozen=True)
class Neighbourhood:
    """An entity and everything within `depth` hops: the claims of every node closer than `depth`,
    and the nodes at their ends. Depth 0 is the entity alone; depth 1 adds its claims and their far ends.
    With `as_of`, the walk follows only claims in force that day."""

    entity_id: str
    depth: int = 1
    as_of: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.depth <= MAX_DEPTH:
            raise RdfError(f"depth must be between 0 and {MAX_DEPTH}, not {self.depth}")
        _check_as_of(self.as_of)


@dataclass(frozen=True)
class QueryRows:
    """What a query template's rows reference: nodes (as node dicts, ids, or inside paths) and claims
    (as relationship dicts, claim ids, or inside paths), plus the two ends of every claim. With `as_of`,
    the claims not in force that day are left out (and a template with its own `as_of` gets the day)."""

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    as_of: str | None = None

    def __post_init__(self) -> None:
        _check_as_of(self.as_of)


@dataclass(frozen=True)
class Resources:
    """Entities and claims by id, with the two ends of every claim: what /id/{claim} describes."""

    ids: tuple[str, ...]


Selection = WholeGraph | Neighbourhood | QueryRows | Resources


@dataclass
class Subset:
    """A part of the graph: nodes as id -> (label, row), claims as id -> row."""

    nodes: dict[str, tuple[str, Row]] = field(default_factory=dict)
    claims: dict[str, Row] = field(default_factory=dict)


def references(rows: Iterable[Any], registry: Registry) -> tuple[set[str], set[str], dict[str, Row]]:
    """Node ids, claim ids and whole claim rows that query result rows mention, at any depth."""
    node_ids: set[str] = set()
    claim_ids: set[str] = set()
    claims: dict[str, Row] = {}

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            # A relationship as the store returns it; anything else (a node, a row) is read key by key,
            # since a row may carry an entity's id beside lists of claim and source ids.
            if value.get("type") in registry.edge_types and "from_id" in value and value.get("id"):
                claims[str(value["id"])] = dict(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif isinstance(value, str):
            if registry.kind_of_id(value) is not None:
                node_ids.add(value)
            elif value.startswith("claim:"):
                claim_ids.add(value)

    for row in rows:
        walk(row)
    return node_ids, claim_ids, claims


def _nodes(view: GraphView, ids: Iterable[str]) -> dict[str, tuple[str, Row]]:
    return {node_id: (row["label"], row) for node_id, row in view.entities(ids).items()}


def select(store: GraphStore, selection: Neighbourhood | QueryRows | Resources) -> Subset:
    """The nodes and claims a selection names, with the sources they cite (so every link resolves)."""
    as_of = None if isinstance(selection, Resources) else selection.as_of
    view = GraphView(store, as_of=as_of)
    registry = store.registry
    if isinstance(selection, Neighbourhood):
        if view.get_entity(selection.entity_id) is None:
            raise UnknownEntity(f"no entity with id {selection.entity_id!r}")
        reach = view.neighbourhood([selection.entity_id], selection.depth)
        node_ids, claims = set(reach.dist), reach.claims
    else:
        if isinstance(selection, Resources):
            node_ids = {i for i in selection.ids if registry.kind_of_id(i) is not None}
            claim_ids, claims = set(selection.ids) - node_ids, {}
        else:
            from survgraph.queries import TEMPLATES, run_template  # the query layer, only when --query is used

            params = dict(selection.params)
            if as_of and any(p.name == AS_OF_PARAM for p in TEMPLATES.get(selection.name).params):
                params.setdefault(AS_OF_PARAM, as_of)
            rows = run_template(store, selection.name, params)
            node_ids, claim_ids, claims = references(rows, registry)
            # Claims the rows carry whole were not read through the view: keep those in force only.
            claims = {k: c for k, c in claims.items() if claim_in_force(c.get("start"), c.get("end"), as_of)}
        claims.update(view.claims(claim_ids - set(claims)))
        for row in claims.values():
            node_ids.update((row["from_id"], row["to_id"]))
    subset = Subset(nodes=_nodes(view, node_ids), claims=claims)
    # Close the subset over what its records name, so that it loads on its own: countries named by code
    # (the loader derives LOCATED_IN / HEADQUARTERED_IN claims from those fields), then cited sources.
    pm = property_map(registry)
    named = {
        f"{registry.node_kinds['Country'].prefix}:{row[p.column]}"
        for label, row in subset.nodes.values()
        for p in pm.nodes[label]
        if p.country_ref and row.get(p.column)
    }
    subset.nodes.update(_nodes(view, named - set(subset.nodes)))
    cited = {s for _, row in subset.nodes.values() for s in row.get("source_ids") or []}
    cited |= {s for row in claims.values() for s in row.get("source_ids") or []}
    subset.nodes.update(_nodes(view, cited - set(subset.nodes)))
    # ... and the originals of cited reposts (a repost names what it reposts), to the end of the chain.
    while reposted := {str(row["reposts"]) for _, row in subset.nodes.values() if row.get("reposts")} - set(
        subset.nodes
    ):
        found = _nodes(view, reposted)
        if not found:
            break
        subset.nodes.update(found)
    return subset


# -- triples ----------------------------------------------------------------------------------


class TripleMaker:
    """Stored rows to triples, with one vocabulary and base IRI."""

    def __init__(self, vocab: Vocab, registry: Registry) -> None:
        self.vocab = vocab
        self.registry = registry
        self.pm: PropertyMap = property_map(registry)

    def node(self, label: str, row: Row) -> Iterator[Triple]:
        s = self.vocab.iri(row["id"])
        yield s, RDF.type, class_iri(label)
        for prop in self.pm.nodes[label]:
            value = row.get(prop.column)
            if value is None:
                continue
            for v in value if prop.many else (value,):
                yield s, prop.iri, term(prop, v, self.vocab)

    def claim(self, row: Row) -> Iterator[Triple]:
        predicate = edge_iri(row["type"], self.registry)
        iri = self.vocab.iri
        yield iri(row["from_id"]), predicate, iri(row["to_id"])
        c = iri(row["id"])
        yield c, RDF.type, CLAIM_CLASS
        yield c, RDF.predicate, predicate
        for prop in self.pm.claim:
            value = row.get(prop.column)
            if value is None:
                continue
            for v in value if prop.many else (value,):
                yield c, prop.iri, term(prop, v, self.vocab)


class RowPage(NamedTuple):
    """A page of rows: nodes of one kind (`label`), or claims (label None) of one type (`etype`; None when
    each row names its own `type`)."""

    label: str | None
    rows: list[Row]
    etype: str | None = None


def row_pages(store: GraphStore, selection: Selection, *, page_size: int = PAGE_SIZE) -> Iterator[RowPage]:
    """The rows of the export, a page at a time: nodes by label, then claims by edge type (whole graph: the
    view's scans, with the columns that hold a value in some row of the kind only; a part: what `select`
    gathered, in id order, in pages)."""
    if isinstance(selection, WholeGraph):
        view = GraphView(store, as_of=selection.as_of)
        for label in store.registry.node_kinds:
            if columns := view.filled_columns(label):  # none: the kind has no node
                for page in view.scan_entities(label, columns, page_size=page_size):
                    yield RowPage(label, page)
        for etype in store.registry.edge_types:
            if columns := view.filled_columns(etype):
                for page in view.scan_claims(etype, columns, page_size=page_size):
                    yield RowPage(None, page, etype)
        return
    subset = select(store, selection)
    run: list[Row] = []
    run_label = ""
    for node_id in sorted(subset.nodes):  # in id order, a run of one label at a time
        label, row = subset.nodes[node_id]
        if run and (label != run_label or len(run) >= page_size):
            yield RowPage(run_label, run)
            run = []
        run_label = label
        run.append(row)
    if run:
        yield RowPage(run_label, run)
    claim_ids = sorted(subset.claims)
    for i in range(0, len(claim_ids), page_size):
        yield RowPage(None, [subset.claims[c] for c in claim_ids[i : i + page_size]])


def iter_triples(
    store: GraphStore, selection: Selection, vocab: Vocab, *, page_size: int = PAGE_SIZE
) -> Iterator[Triple]:
    """Every triple of the export as rdflib terms, produced lazily (whole graph: a page of the store at a time)."""
    maker = TripleMaker(vocab, store.registry)
    for label, rows, etype in row_pages(store, selection, page_size=page_size):
        for row in rows:
            if label is None:
                yield from maker.claim(row if etype is None else {**row, "type": etype})
            else:
                yield from maker.node(label, row)


def iter_ntriples(
    store: GraphStore, selection: Selection, vocab: Vocab, *, page_size: int = PAGE_SIZE
) -> Iterator[bytes]:
    """The same triples as N-Triples, one chunk of UTF-8 lines per page: what every streamed format is made of."""
    return ntriples_chunks(row_pages(store, selection, page_size=page_size), vocab, store.registry)


def iter_serialised(
    store: GraphStore, selection: Selection, vocab: Vocab, fmt: RdfFormat, *, page_size: int = PAGE_SIZE
) -> Iterator[bytes]:
    """A streamed format as chunks of UTF-8, one or so per page: N-Triples, Turtle and TriG written here,
    RDF/XML by pyoxigraph from the N-Triples (in a thread, `stream.stream_bytes`).

    The first page is read before this returns, so that an unknown entity (UnknownEntity) or a store
    outage is raised to the caller, not in the middle of a streamed body."""
    pages = row_pages(store, selection, page_size=page_size)
    first = next(pages, None)
    if first is not None:
        pages = itertools.chain([first], pages)
    if fmt not in WRITTEN:
        return stream_bytes(ntriples_chunks(pages, vocab, store.registry), fmt)
    return text_chunks(pages, _maker(fmt, vocab, store.registry))


def _maker(fmt: RdfFormat, vocab: Vocab, registry: Registry) -> LineMaker:
    """Turtle's maker for Turtle and TriG (a TriG file of the default graph only is Turtle); N-Triples
    lines for the rest (RDF/XML is made from them)."""
    return TurtleMaker(vocab, registry) if fmt in (RdfFormat.turtle, RdfFormat.trig) else LineMaker(vocab, registry)


def ntriples_chunks(pages: Iterable[RowPage], vocab: Vocab, registry: Registry) -> Iterator[bytes]:
    """Pages of rows as chunks of N-Triples lines.

    A relation stated by two claims (say, with different dates) gives its direct triple twice: N-Triples
    allows repeats and parsers merge them, and dropping them here would need memory that grows."""
    return text_chunks(pages, LineMaker(vocab, registry))


def text_chunks(pages: Iterable[RowPage], maker: LineMaker) -> Iterator[bytes]:
    """Pages of rows as chunks of text made by `maker` (N-Triples lines, or Turtle after its prefixes);
    `maker.count` counts the triples."""
    if isinstance(maker, TurtleMaker):
        yield turtle_header().encode()
    for label, rows, etype in pages:
        text: list[str] = []
        if label is None:
            maker.claims(rows, text, etype)
        else:
            maker.nodes(label, rows, text)
        if text:
            yield "".join(text).encode()


# -- N-Triples from rdflib triples -----------------------------------------------------------------
# For callers holding rdflib triples (a graph, `iter_triples`); the export itself writes lines straight
# from the rows (stream.LineMaker), which is several times faster.


def nt_term(t: URIRef | Literal) -> str:
    """One term in N-Triples syntax. IRIs are built from validated ids and a checked base, so they need
    no escaping; literals escape what N-Triples requires and stay UTF-8 otherwise."""
    if isinstance(t, Literal):
        text = quoted(t)
        if t.language:
            return f"{text}@{t.language}"
        if t.datatype is not None and t.datatype != XSD.string:
            return f"{text}^^<{t.datatype}>"
        return text
    return f"<{t}>"


def ntriples_lines(triples: Iterable[Triple], lines_per_chunk: int = 2000) -> Iterator[str]:
    """N-Triples text in chunks of lines, ready to write or to stream over HTTP."""
    buf: list[str] = []
    for s, p, o in triples:
        buf.append(f"<{s}> <{p}> {nt_term(o)} .\n")
        if len(buf) >= lines_per_chunk:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


# -- everything else, through rdflib ----------------------------------------------------------

#: The most triples a format that is not streamed (JSON-LD) may hold in memory: rdflib keeps a graph of them
#: (about a kilobyte a triple) and then the JSON document. A larger export is refused, pointing to a
#: streamed format, rather than allocated without limit.
MAX_BUFFERED_TRIPLES = 200_000


class ExportTooLarge(RdfOptionError):
    """The export would exceed what a non-streamed format may hold in memory."""


def _too_large(fmt: RdfFormat, at_least: int, limit: int) -> ExportTooLarge:
    streamed = ", ".join(f.value for f in RdfFormat if f in STREAMED)
    return ExportTooLarge(
        f"{fmt.value} is built in memory and this export has at least {at_least:,} triples "
        f"(the limit is {limit:,}): use a streamed format ({streamed}) or export a part "
        "(an entity's neighbourhood or a query's rows)"
    )


def lower_bound(store: GraphStore, selection: Selection) -> int:
    """A floor on the triples of a whole-graph export, from two counts: a type triple per entity, and the
    direct triple, rdf:type, rdf:predicate, rdf:subject and rdf:object of each claim. 0 for a part."""
    if not isinstance(selection, WholeGraph):
        return 0
    view = GraphView(store)
    return view.count_entities() + 5 * view.count_claims()


def bounded(triples: Iterable[Triple], fmt: RdfFormat, limit: int) -> Iterator[Triple]:
    """The triples, raising ExportTooLarge past the limit (the direct triples a claim repeats count once
    per claim, so this is a little stricter than the graph's size)."""
    for n, t in enumerate(triples, 1):
        if n > limit:
            raise _too_large(fmt, n, limit)
        yield t


def bind_prefixes(g: Graph) -> None:
    for prefix, ns in EXPORT_PREFIXES.items():
        g.bind(prefix, ns, replace=True)


def to_graph(triples: Iterable[Triple], fmt: RdfFormat) -> Graph:
    """An rdflib graph (a Dataset for TriG, whose triples go to the default graph)."""
    g: Graph = Dataset() if fmt is RdfFormat.trig else Graph()
    bind_prefixes(g)
    for t in triples:
        g.add(t)
    return g


def serialize_graph(g: Graph, fmt: RdfFormat, vocab: Vocab, jsonld_context: JsonLdContext = "inline") -> bytes:
    """A graph in any format but N-Triples; JSON-LD compacted with the published context.

    `jsonld_context="inline"` embeds the context, so the file stands alone; "url" refers to the copy the
    API serves at /context.jsonld (same content), as linked-data clients expect."""
    if fmt is RdfFormat.jsonld:
        ctx = load_context()["@context"]
        data = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
        if jsonld_context == "url":
            data["@context"] = vocab.context_url
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()
    return g.serialize(format=fmt.rdflib_name, encoding="utf-8")


def buffered(
    store: GraphStore,
    selection: Selection,
    fmt: RdfFormat,
    vocab: Vocab,
    jsonld_context: JsonLdContext = "inline",
    *,
    limit: int | None = None,
) -> tuple[bytes, int]:
    """A format that is not streamed, built in memory through rdflib: (the document, its triples).
    Raises ExportTooLarge, before reading a page if two counts suffice to tell, past `limit` triples."""
    limit = MAX_BUFFERED_TRIPLES if limit is None else limit
    floor = lower_bound(store, selection)
    if floor > limit:
        raise _too_large(fmt, floor, limit)
    g = to_graph(bounded(iter_triples(store, selection, vocab), fmt, limit), fmt)
    return serialize_graph(g, fmt, vocab, jsonld_context), len(g)


def export(
    store: GraphStore,
    out: IO[bytes],
    fmt: RdfFormat = RdfFormat.turtle,
    selection: Selection | None = None,
    vocab: Vocab | None = None,
    jsonld_context: JsonLdContext = "inline",
) -> int:
    """Write the export to a binary stream; returns the number of triples written (streamed formats count
    a direct triple once per claim that states it, as N-Triples writes it).

    N-Triples, Turtle, TriG and RDF/XML stream: memory is bounded by a page of rows. JSON-LD is built in
    memory and refused above MAX_BUFFERED_TRIPLES (ExportTooLarge)."""
    vocab = vocab or Vocab.from_env()
    selection = selection or WholeGraph()
    if fmt not in STREAMED:
        body, count = buffered(store, selection, fmt, vocab, jsonld_context)
        out.write(body)
        return count
    total = None
    if isinstance(selection, WholeGraph):
        view = GraphView(store)
        total = view.count_entities() + view.count_claims()

    with progress(total=total, desc=f"exporting {fmt.value}", unit="record") as bar:

        def pages() -> Iterator[RowPage]:
            for page in row_pages(store, selection, page_size=EXPORT_PAGE_SIZE):
                yield page
                bar.update(len(page.rows))

        maker = _maker(fmt, vocab, store.registry)
        chunks = text_chunks(pages(), maker)
        if fmt in WRITTEN:
            for chunk in chunks:
                out.write(chunk)
        else:
            serialize(chunks, out, fmt)
    count = maker.count
    return count
