"""The OWL/RDFS ontology, generated from the schema registry and aligned with established vocabularies.

Alignment is by rdfs:subClassOf / rdfs:subPropertyOf, never by replacing our terms: a tool that knows
schema.org, PROV-O, Dublin Core or ORG can read our data through them (with RDFS inference), while our
terms keep their narrower meaning. No class here means exactly what any outside class means, so there is
no owl:equivalentClass.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node as RdfNode

from survgraph import __version__
from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    DATATYPES,
    ENTITY_CLASS,
    PREFIXES,
    SG,
    Prop,
    ValueKind,
    class_iri,
    edge_iri,
    expand,
    property_map,
)
from survgraph.schema import REGISTRY, Registry

ONTOLOGY_IRI = URIRef(str(SG).rstrip("#"))

#: Read from the registry (where the names, alignments and descriptions are declared), by our term's name.
CLASS_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    **{k.label: tuple(map(expand, k.aligned)) for k in REGISTRY.node_kinds.values() if k.aligned},
    "Claim": tuple(map(expand, REGISTRY.claim_aligned)),
}
EDGE_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    e.name: tuple(map(expand, e.aligned)) for e in REGISTRY.edge_types.values() if e.aligned
}
_COLUMNS = [*(c for cols in REGISTRY.node_columns.values() for c in cols), *REGISTRY.edge_columns]
PROPERTY_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    c.rdf_name: tuple(map(expand, c.aligned)) for c in _COLUMNS if c.aligned
}
PROPERTY_COMMENTS: dict[str, str] = {c.rdf_name: c.description for c in reversed(_COLUMNS) if c.description}


def _aligned(prop: Prop, registry: Registry) -> tuple[str, ...]:
    cols = [*(c for cols in registry.node_columns.values() for c in cols), *registry.edge_columns]
    return next((c.aligned for c in cols if c.name == prop.column), ())


def _ordered_iris(items: Iterable[URIRef]) -> list[URIRef]:
    return list(dict.fromkeys(items))


def local_name(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1]


def _union(g: Graph, classes: list[URIRef]) -> URIRef | BNode:
    """One class, or an owl:unionOf: several rdfs:domain values would mean their intersection."""
    if len(classes) == 1:
        return classes[0]
    node = BNode()
    g.add((node, RDF.type, OWL.Class))
    Collection(g, _list_node(g, node, OWL.unionOf), list[RdfNode](classes))
    return node


def _list_node(g: Graph, owner: BNode, predicate: URIRef) -> BNode:
    head = BNode()
    g.add((owner, predicate, head))
    return head


def _datatype_range(g: Graph, kind: ValueKind) -> URIRef | BNode:
    types = list(DATATYPES[kind])
    if len(types) == 1:
        return types[0]
    node = BNode()
    g.add((node, RDF.type, RDFS.Datatype))
    Collection(g, _list_node(g, node, OWL.unionOf), list[RdfNode](types))
    return node


def _ordered(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _domain(owners: list[str], registry: Registry) -> list[URIRef]:
    """The owning classes, with sg:Entity standing for all the node kinds together."""
    kinds = set(registry.node_kinds)
    if kinds <= set(owners):
        return [ENTITY_CLASS] + [class_iri(o) for o in _ordered(owners) if o not in kinds]
    return [class_iri(o) for o in _ordered(owners)]


def build_ontology(registry: Registry = REGISTRY) -> Graph:
    """The whole vocabulary as an rdflib Graph (small: serialise it in any format)."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    pm = property_map(registry)

    g.add((ONTOLOGY_IRI, RDF.type, OWL.Ontology))
    g.add((ONTOLOGY_IRI, RDFS.label, Literal("survgraph ontology", lang="en")))
    g.add(
        (
            ONTOLOGY_IRI,
            DCTERMS.description,
            Literal(
                "Vendors, states, organisations, projects and databases of surveillance and network "
                "infrastructure, related by claims. Each claim is a resource of class sg:Claim carrying its "
                "subject, predicate and object, its confidence and dates, and prov:wasDerivedFrom links to "
                "its sources; the same relation is also stated as a direct triple. Generated from the "
                "survgraph schema registry.",
                lang="en",
            ),
        )
    )
    g.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(__version__)))
    g.add((ONTOLOGY_IRI, DCTERMS.license, URIRef("https://opensource.org/licenses/MIT")))

    g.add((ENTITY_CLASS, RDF.type, OWL.Class))
    g.add((ENTITY_CLASS, RDFS.label, Literal("Entity", lang="en")))
    g.add((ENTITY_CLASS, RDFS.comment, Literal("Any node of the graph: the superclass of every kind.", lang="en")))
    for label, kind in registry.node_kinds.items():
        cls = class_iri(label)
        g.add((cls, RDF.type, OWL.Class))
        g.add((cls, RDFS.subClassOf, ENTITY_CLASS))
        g.add((cls, RDFS.label, Literal(label, lang="en")))
        g.add((cls, RDFS.comment, Literal(kind.description, lang="en")))
        g.add((cls, SKOS.notation, Literal(kind.prefix)))
        for outside in map(expand, kind.aligned):
            g.add((cls, RDFS.subClassOf, outside))
    for a in registry.node_kinds:  # the kinds do not overlap: an entity has exactly one
        for b in registry.node_kinds:
            if a < b:
                g.add((class_iri(a), OWL.disjointWith, class_iri(b)))

    g.add((CLAIM_CLASS, RDF.type, OWL.Class))
    g.add((CLAIM_CLASS, RDFS.label, Literal("Claim", lang="en")))
    g.add(
        (
            CLAIM_CLASS,
            RDFS.comment,
            Literal(
                "One sourced statement that rdf:subject relates to rdf:object by rdf:predicate (an edge type), "
                "with its confidence, dates, figures and prov:wasDerivedFrom links to its sources. Like a "
                "Wikidata statement or a PROV qualified relation.",
                lang="en",
            ),
        )
    )
    for outside in map(expand, registry.claim_aligned):
        g.add((CLAIM_CLASS, RDFS.subClassOf, outside))

    for name, edge in registry.edge_types.items():
        predicate = edge_iri(name, registry)
        g.add((predicate, RDF.type, OWL.ObjectProperty))
        g.add((predicate, RDFS.label, Literal(edge.rdf_name, lang="en")))
        g.add((predicate, RDFS.comment, Literal(edge.description, lang="en")))
        g.add((predicate, SKOS.notation, Literal(name)))
        g.add((predicate, RDFS.domain, _union(g, [class_iri(a) for a in _ordered(a for a, _ in edge.endpoints)])))
        g.add((predicate, RDFS.range, _union(g, [class_iri(b) for b in _ordered(b for _, b in edge.endpoints)])))
        for outside in map(expand, edge.aligned):
            g.add((predicate, RDFS.subPropertyOf, outside))

    for iri, owners in pm.all_props().items():
        if not str(iri).startswith(str(SG)):
            continue  # an outside term (prov:wasDerivedFrom, owl:sameAs, rdf:subject ...): not ours to define
        first: Prop = owners[0][1]
        name = local_name(iri)
        # Values that are other records (a repost's original, a claim's figure sources) are IRIs: object
        # properties ranging over entities; everything else is a literal of its datatype.
        links = first.kind is ValueKind.entity
        g.add((iri, RDF.type, OWL.ObjectProperty if links else OWL.DatatypeProperty))
        g.add((iri, RDFS.label, Literal(name, lang="en")))
        comment = first.comment or f"The {first.column.replace('_', ' ')} of the record."
        if first.values and len({p.values for _, p in owners}) == 1:
            comment += " One of: " + ", ".join(first.values) + "."
        g.add((iri, RDFS.comment, Literal(comment, lang="en")))
        g.add((iri, RDFS.domain, _union(g, _domain([o for o, _ in owners], registry))))
        g.add((iri, RDFS.range, ENTITY_CLASS if links else _datatype_range(g, first.kind)))
        if not first.many and all(not p.many for _, p in owners):
            g.add((iri, RDF.type, OWL.FunctionalProperty))
        for outside in _ordered_iris(expand(a) for _, p in owners for a in _aligned(p, registry)):
            g.add((iri, RDFS.subPropertyOf, outside))
    return g
