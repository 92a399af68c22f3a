"""Import RDF back into a store: parse, rebuild records from entities and claim resources, validate, load.

Validation is the loaders' own (`survgraph.loaders.validate.build`: every field, id, kind and reference)
plus the SHACL shapes; problems from both are collected and reported together, and a file with any error
writes nothing. Claims are read from the sg:Claim resources, which carry the sources; direct triples are
checked (by the shapes) to match a claim, and otherwise not needed.

RDF has no line numbers: problems name the record by its id, at line 0 of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node as RdfNode

from survgraph.graph import GraphStore, WriteSummary
from survgraph.loaders import Dataset as Records
from survgraph.loaders import InvalidRecords, Problem, RawRecord, load_dataset
from survgraph.loaders.validate import build
from survgraph.rdf.formats import RdfFormat
from survgraph.rdf.safe_parse import MAX_RDF_BYTES, MalformedRdf, parse_document
from survgraph.rdf.shapes import validate_graph
from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    SG,
    WD,
    Prop,
    PropertyMap,
    RdfError,
    ValueKind,
    Vocab,
    property_map,
)
from survgraph.schema import REGISTRY, Registry
from survgraph.schema.registry import Column


@dataclass(frozen=True)
class ImportResult:
    records: Records
    summary: WriteSummary


# -- parsing ------------------------------------------------------------------------------------


def parse_rdf(data: bytes, fmt: RdfFormat, name: str = "<input>", vocab: Vocab | None = None) -> Graph:
    """Parse one document into a Graph (TriG: the union of its graphs). Raises MalformedRdf.

    JSON-LD may refer to our published context (resolved to the packaged copy); no other context, and
    nothing else, is fetched or read (see survgraph.rdf.safe_parse)."""
    vocab = vocab or Vocab.from_env()
    target: Graph = Dataset() if fmt is RdfFormat.trig else Graph()
    # No network, no file, no XML entity, bounded size: enforced for every format in safe_parse.
    parse_document(target, data, fmt.value, vocab.base, name)
    if isinstance(target, Dataset):
        union = Graph()
        for ctx in target.graphs():
            for t in ctx:
                union.add(t)
        return union
    return target


def read_rdf_input(path: Path, stdin: Any = None) -> bytes:
    """The bytes of an RDF file (or of `stdin`, a binary stream, for "-"), refused unread beyond MAX_RDF_BYTES.
    Raises MalformedRdf, or OSError if the file cannot be read."""
    name = "<stdin>" if stdin is not None else str(path)
    if stdin is None and path.stat().st_size > MAX_RDF_BYTES:
        raise MalformedRdf(f"{name}: the file is {path.stat().st_size} bytes; the limit is {MAX_RDF_BYTES} bytes")
    if stdin is not None:
        data: bytes = stdin.read(MAX_RDF_BYTES + 1)
    else:
        with path.open("rb") as f:
            data = f.read(MAX_RDF_BYTES + 1)
    if len(data) > MAX_RDF_BYTES:
        raise MalformedRdf(f"{name}: more than {MAX_RDF_BYTES} bytes; the limit is {MAX_RDF_BYTES} bytes")
    return data


# -- records from the graph --------------------------------------------------------------------


def _field_names(columns: tuple[Column, ...]) -> dict[str, tuple[str, str | None]]:
    """Column -> (record field as written in YAML, sub-field of a nested value)."""
    aliases = {"source_ids": "sources", "from_id": "from", "to_id": "to"}
    return {c.name: (aliases.get(c.field, c.field), c.sub) for c in columns}


class _Reader:
    """Turns the triples about one resource into the raw record the YAML loader would have produced."""

    def __init__(self, g: Graph, vocab: Vocab, name: str, registry: Registry) -> None:
        self.g = g
        self.vocab = vocab
        self.name = name
        self.registry = registry
        self.pm: PropertyMap = property_map(registry)
        self.problems: list[Problem] = []
        self.ignored: Counter[str] = Counter()

    def problem(self, record: str, field: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.name, 0, record, field, message, severity))

    def value(self, prop: Prop, node: RdfNode, record: str) -> Any:
        """One RDF term as the value the YAML would hold; None (and a problem) if it cannot be."""
        if prop.kind is ValueKind.entity:
            if isinstance(node, URIRef):
                try:
                    return self.vocab.id_of(str(node))
                except RdfError as exc:
                    self.problem(record, prop.column, str(exc))
                    return None
            self.problem(record, prop.column, f"expected the IRI of an entity, found {node.n3()}")
            return None
        if prop.kind is ValueKind.wikidata:
            return str(node)[len(str(WD)) :]
        if not isinstance(node, Literal):
            self.problem(record, prop.column, f"expected a literal value, found {node.n3()}")
            return None
        if prop.kind is ValueKind.double:
            try:
                return float(str(node))
            except ValueError:
                self.problem(record, prop.column, f"{str(node)!r} is not a number")
                return None
        return str(node)

    def fields(
        self, subject: RdfNode, props: tuple[Prop, ...], columns: tuple[Column, ...], record: str
    ) -> dict[str, Any]:
        names = _field_names(columns)
        data: dict[str, Any] = {}
        for prop in props:
            objects = list(self.g.objects(subject, prop.iri))
            if prop.kind is ValueKind.wikidata:
                links = [o for o in objects if str(o).startswith(str(WD))]
                for other in set(objects) - set(links):
                    self.problem(
                        record, "wikidata", f"owl:sameAs {other.n3()} is not a Wikidata link: ignored", "warning"
                    )
                objects = links
            if not objects:
                continue
            values = [v for v in (self.value(prop, o, record) for o in objects) if v is not None]
            if len(values) != len(objects):
                continue
            field, sub = names[prop.column]
            if prop.many:
                value: Any = sorted(values)  # RDF has no order: a stable one makes loads reproducible
            elif len(values) > 1:
                self.problem(
                    record,
                    field,
                    f"{len(values)} values for {prop.iri.n3(self.g.namespace_manager)}; at most one is allowed",
                )
                continue
            else:
                value = values[0]
            if sub is None:
                data[field] = value
            else:
                data.setdefault(field, {})[sub] = value
        return data

    def known_predicates(self, props: tuple[Prop, ...]) -> set[URIRef]:
        return {p.iri for p in props} | {RDF.type}

    def leftovers(self, subject: RdfNode, known: set[URIRef], record: str, owner: str) -> None:
        for p in set(self.g.predicates(subject, None)) - known:
            assert isinstance(p, URIRef)
            if str(p).startswith(str(SG)):
                self.problem(record, p.n3(self.g.namespace_manager), f"not a property of {owner}")
            else:
                self.ignored[p.n3(self.g.namespace_manager)] += 1


def _types(g: Graph, subject: RdfNode) -> list[URIRef]:
    return [t for t in g.objects(subject, RDF.type) if isinstance(t, URIRef) and str(t).startswith(str(SG))]


def records_from_graph(
    g: Graph, vocab: Vocab, name: str = "<input>", registry: Registry = REGISTRY
) -> tuple[list[RawRecord], list[Problem]]:
    """Raw records (as the YAML loader makes them) for every entity and claim resource in `g`."""
    r = _Reader(g, vocab, name, registry)
    pm = r.pm
    edges = set(pm.edge_by_predicate)
    records: list[RawRecord] = []
    described: set[RdfNode] = set()
    for subject in sorted(set(g.subjects(RDF.type, None)), key=str):
        types = _types(g, subject)
        if not types:
            continue
        described.add(subject)
        label_text = str(subject)
        unknown = [t for t in types if t not in pm.kind_by_class and t != CLAIM_CLASS]
        if unknown:
            r.problem(label_text, "rdf:type", f"unknown class {unknown[0].n3(g.namespace_manager)}")
            continue
        if len(types) > 1:
            names = ", ".join(sorted(t.n3(g.namespace_manager) for t in types))
            r.problem(label_text, "rdf:type", f"one resource of several kinds ({names})")
            continue
        if types[0] == CLAIM_CLASS:
            records.append(_claim_record(r, subject))
            continue
        label = pm.kind_by_class[types[0]]
        if not isinstance(subject, URIRef):
            r.problem("-", "id", f"a {label} needs an IRI (a blank node has no id)")
            continue
        try:
            node_id = vocab.id_of(str(subject))
        except RdfError as exc:
            r.problem(label_text, "id", str(exc))
            continue
        props = pm.nodes[label]
        data = {"id": node_id, "type": label, **r.fields(subject, props, registry.node_columns[label], node_id)}
        r.leftovers(subject, r.known_predicates(props) | edges | {OWL.sameAs}, node_id, label)
        section = "sources" if label == "Source" else "entities"
        records.append(RawRecord(section, data, name, 0))
    others = Counter(p.n3(g.namespace_manager) for s, p, _ in g if s not in described and isinstance(p, URIRef))
    r.ignored.update(others)
    for predicate, count in sorted(r.ignored.items()):
        r.problem("-", predicate, f"{count} triple(s) outside the survgraph model: ignored", "warning")
    return records, r.problems


def _claim_record(r: _Reader, subject: RdfNode) -> RawRecord:
    g = r.g
    claim_id: str | None = None
    if isinstance(subject, URIRef):
        try:
            claim_id = r.vocab.id_of(str(subject))
        except RdfError as exc:
            r.problem(str(subject), "id", str(exc))
    # A blank-node claim (one a researcher added by hand) gets its id derived from its defining fields.
    label = claim_id or f"claim {subject.n3() if isinstance(subject, BNode) else subject}"
    data: dict[str, Any] = {} if claim_id is None else {"id": claim_id}
    predicates = list(g.objects(subject, RDF.predicate))
    if len(predicates) != 1:
        r.problem(label, "type", f"a claim needs exactly one rdf:predicate, found {len(predicates)}")
    elif predicates[0] not in r.pm.edge_by_predicate:
        r.problem(label, "type", f"{predicates[0].n3(g.namespace_manager)} is not a survgraph edge property")
    else:
        assert isinstance(predicates[0], URIRef)
        data["type"] = r.pm.edge_by_predicate[predicates[0]]
    data.update(r.fields(subject, r.pm.claim, r.registry.edge_columns, label))
    r.leftovers(subject, r.known_predicates(r.pm.claim) | {RDF.predicate}, label, "a Claim")
    return RawRecord("claims", data, r.name, 0)


def _shape_problems(g: Graph, vocab: Vocab, name: str, registry: Registry) -> Iterator[Problem]:
    for res in validate_graph(g, registry):
        try:
            record = vocab.id_of(res.focus)
        except RdfError:
            record = res.focus
        severity = "error" if res.severity == "Violation" else "warning"
        yield Problem(name, 0, record, f"shacl {res.path}", res.message, severity)


def records_to_dataset(
    g: Graph, vocab: Vocab | None = None, name: str = "<input>", registry: Registry = REGISTRY
) -> Records:
    """Validated records from a parsed graph, with every problem from the loaders' checks and the shapes."""
    vocab = vocab or Vocab.from_env()
    raw, problems = records_from_graph(g, vocab, name, registry)
    ds = build(raw, registry)
    ds.problems = problems + ds.problems + list(_shape_problems(g, vocab, name, registry))
    return ds


def import_rdf(
    store: GraphStore,
    data: bytes,
    fmt: RdfFormat,
    *,
    name: str = "<input>",
    vocab: Vocab | None = None,
) -> ImportResult:
    """Parse, validate and load all or nothing. Raises MalformedRdf or InvalidRecords (store untouched)."""
    vocab = vocab or Vocab.from_env()
    g = parse_rdf(data, fmt, name, vocab)
    ds = records_to_dataset(g, vocab, name, store.registry)
    if ds.errors:
        raise InvalidRecords(ds.errors)
    return ImportResult(ds, load_dataset(store, ds))
