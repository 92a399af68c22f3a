"""Export the graph, or part of it, as RDF: entities, direct triples, and one claim resource per edge.

Each edge becomes two things: the direct triple (<vendor:huawei> sg:supplies <project:x>), which any RDF
tool can query, and an sg:Claim resource that names the same subject, predicate and object (rdf:subject,
rdf:predicate, rdf:object) and carries what makes the claim trustworthy: confidence, dates, figures and
prov:wasDerivedFrom links to the sources, which are exported too.

N-Triples streams: triples are produced page by page from the store and written as lines, so memory does
not grow with the graph. The other formats need the whole graph in rdflib to pretty-print it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any
from typing import Literal as TypingLiteral

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from survgraph.graph import GraphStore
from survgraph.graph.time import AS_OF_PARAM, claim_in_force
from survgraph.graph.view import PAGE_SIZE, GraphView, Row
from survgraph.rdf.context import load_context
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    PREFIXES,
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


def iter_triples(
    store: GraphStore, selection: Selection, vocab: Vocab, *, page_size: int = PAGE_SIZE
) -> Iterator[Triple]:
    """Every triple of the export, produced lazily (whole graph: one page of the store at a time)."""
    maker = TripleMaker(vocab, store.registry)
    if isinstance(selection, WholeGraph):
        view = GraphView(store, as_of=selection.as_of)
        for label in store.registry.node_kinds:
            for page in view.iter_entities(label, page_size=page_size):
                for row in page:
                    yield from maker.node(label, row)
        for etype in store.registry.edge_types:
            for page in view.iter_claims(etype, page_size=page_size):
                for row in page:
                    yield from maker.claim(row)
        return
    subset = select(store, selection)
    for node_id in sorted(subset.nodes):
        label, row = subset.nodes[node_id]
        yield from maker.node(label, row)
    for claim_id in sorted(subset.claims):
        yield from maker.claim(subset.claims[claim_id])


# -- N-Triples, streamed ----------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_term(t: URIRef | Literal) -> str:
    """One term in N-Triples syntax. IRIs are built from validated ids and a checked base, so they need
    no escaping; literals escape what N-Triples requires and stay UTF-8 otherwise."""
    if isinstance(t, Literal):
        text = f'"{str(t).translate(_ESCAPES)}"'
        if t.language:
            return f"{text}@{t.language}"
        if t.datatype is not None and t.datatype != XSD.string:
            return f"{text}^^<{t.datatype}>"
        return text
    return f"<{t}>"


def ntriples_lines(triples: Iterable[Triple], lines_per_chunk: int = 2000) -> Iterator[str]:
    """N-Triples text in chunks of lines, ready to write or to stream over HTTP.

    A relation stated by two claims (say, with different dates) gives its direct triple twice: N-Triples
    allows repeats and parsers merge them, and dropping them here would need memory that grows."""
    buf: list[str] = []
    for s, p, o in triples:
        buf.append(f"<{s}> <{p}> {nt_term(o)} .\n")
        if len(buf) >= lines_per_chunk:
            yield "".join(buf)
            buf = []
    if buf:
        yield "".join(buf)


# -- everything else, through rdflib ----------------------------------------------------------


def bind_prefixes(g: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        if prefix not in ("sh", "sgsh"):
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


def export(
    store: GraphStore,
    out: IO[bytes],
    fmt: RdfFormat = RdfFormat.turtle,
    selection: Selection | None = None,
    vocab: Vocab | None = None,
    jsonld_context: JsonLdContext = "inline",
) -> int:
    """Write the export to a binary stream; returns the number of triples (N-Triples: lines) written."""
    vocab = vocab or Vocab.from_env()
    triples = iter_triples(store, selection or WholeGraph(), vocab)
    if fmt is RdfFormat.nt:
        count = 0
        for chunk in ntriples_lines(triples):
            out.write(chunk.encode())
            count += chunk.count("\n")
        return count
    g = to_graph(triples, fmt)
    out.write(serialize_graph(g, fmt, vocab, jsonld_context))
    return len(g)
