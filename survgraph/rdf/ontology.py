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
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS
from rdflib.term import Node as RdfNode

from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    DATATYPES,
    DC,
    ENTITY_CLASS,
    ORG,
    PREFIXES,
    SCHEMA,
    SG,
    Prop,
    ValueKind,
    class_iri,
    edge_iri,
    property_map,
)
from survgraph.schema import REGISTRY, Registry

ONTOLOGY_IRI = URIRef(str(SG).rstrip("#"))
VERSION = "0.1.0"

#: Outside classes each node kind specialises. A kind with no entry has no close match (a surveillance
#: "project" or "initiative" is not schema:Project, which schema.org makes a kind of Organization).
CLASS_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    "Country": (SCHEMA.Country,),
    "Vendor": (SCHEMA.Organization, ORG.FormalOrganization),
    "Organization": (SCHEMA.Organization, ORG.Organization),
    "Database": (SCHEMA.Dataset,),
    "Source": (SCHEMA.CreativeWork, DCTERMS.BibliographicResource, PROV.Entity),
    # A claim is a reified statement (rdf:subject/predicate/object) that was derived from its sources.
    "Claim": (RDF.Statement, PROV.Entity),
}

#: Outside properties each of ours specialises, by our property's local name. Only where the outside
#: term's range fits our values: a publisher is a plain name here, so dc: (no range), not dcterms: (an Agent).
PROPERTY_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    "name": (RDFS.label, SCHEMA.name),
    "alias": (SKOS.altLabel, SCHEMA.alternateName),
    "description": (DCTERMS.description, SCHEMA.description),
    "title": (DCTERMS.title,),
    "publisher": (DC.publisher,),
    "date": (DCTERMS.issued,),
    "url": (SCHEMA.url,),
    "notes": (SKOS.note,),
    "start": (SCHEMA.startDate,),
    "end": (SCHEMA.endDate,),
}

#: Outside properties each edge type specialises.
EDGE_ALIGNMENT: dict[str, tuple[URIRef, ...]] = {
    "SUBSIDIARY_OF": (ORG.subOrganizationOf, SCHEMA.parentOrganization),
    "PART_OF": (DCTERMS.isPartOf,),
    "FUNDED_BY": (SCHEMA.funder,),
    "LOCATED_IN": (SCHEMA.location,),
}

#: What each generated datatype property means (by local name); others get a generic comment.
PROPERTY_COMMENTS: dict[str, str] = {
    "name": "The name the record is known by.",
    "alias": "Another name of the record (one value per triple).",
    "description": "A short description written by the curators.",
    "confidence": "How far the cited sources support the record or claim: confirmed, reported or alleged. "
    "Never stronger than what a source says.",
    "code": "ISO 3166-1 alpha-2 code of the country.",
    "alpha3": "ISO 3166-1 alpha-3 code of the country.",
    "hqCountryCode": "ISO 3166-1 alpha-2 code of the country of the headquarters.",
    "countryCode": "ISO 3166-1 alpha-2 code of the country the record belongs to.",
    "ownership": "Ownership of the company.",
    "kind": "The kind of organisation, database or initiative, or of source: primary (official_document, contract, "
    "government_statement, company_statement, court_filing, dataset) or secondary (news_report, research_report, "
    "blog, repost). Values depend on the class; see the shapes.",
    "publisherKey": "Who publishes the source, as a slug shared by all its sources: independence is counted on it.",
    "reposts": "The source that this repost republishes; the two count as one publisher.",
    "figureSources": "The claim's sources that state its figure (amount, quantity, start or end).",
    "status": "Status of the project.",
    "start": "When it started, to the year, month or day (xsd:gYear, xsd:gYearMonth or xsd:date).",
    "end": "When it ended, to the year, month or day (xsd:gYear, xsd:gYearMonth or xsd:date).",
    "city": "The city the project is in.",
    "technology": "A technology involved, from a controlled list (one value per triple).",
    "valueAmount": "The project's value as the source gives it, in valueCurrency.",
    "valueCurrency": "ISO 4217 code of the currency of valueAmount.",
    "publisher": "Who published the source.",
    "title": "Title of the source.",
    "date": "When the source was published, to the year, month or day.",
    "dateNote": "A note on the date, e.g. when it is approximate.",
    "url": "Where the source was seen.",
    "accessed": "When the URL was last accessed.",
    "amount": "A sum of money the claim states, in amountCurrency, as the source gives it.",
    "amountCurrency": "ISO 4217 code of the currency of amount.",
    "quantityValue": "A counted figure the claim states (e.g. 8000), in quantityUnit.",
    "quantityUnit": "What quantityValue counts (e.g. cameras).",
    "notes": "Curators' notes on the claim.",
    "key": "Tells apart claims that would otherwise be the same (same type, endpoints, dates and figures).",
}


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
    g.add((ONTOLOGY_IRI, OWL.versionInfo, Literal(VERSION)))
    g.add((ONTOLOGY_IRI, DCTERMS.license, URIRef("https://opensource.org/licenses/MIT")))

    g.add((ENTITY_CLASS, RDF.type, OWL.Class))
    g.add((ENTITY_CLASS, RDFS.label, Literal("Entity", lang="en")))
    g.add((ENTITY_CLASS, RDFS.comment, Literal("Any node of the graph: the superclass of every kind.", lang="en")))
    for label, kind in registry.node_kinds.items():
        cls = class_iri(label)
        g.add((cls, RDF.type, OWL.Class))
        g.add((cls, RDFS.subClassOf, ENTITY_CLASS))
        g.add((cls, RDFS.label, Literal(label, lang="en")))
        g.add((cls, RDFS.comment, Literal((kind.model.__doc__ or kind.description).strip(), lang="en")))
        g.add((cls, SKOS.notation, Literal(kind.prefix)))
        for outside in CLASS_ALIGNMENT.get(label, ()):
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
    for outside in CLASS_ALIGNMENT["Claim"]:
        g.add((CLAIM_CLASS, RDFS.subClassOf, outside))

    for name, edge in registry.edge_types.items():
        predicate = edge_iri(name, registry)
        g.add((predicate, RDF.type, OWL.ObjectProperty))
        g.add((predicate, RDFS.label, Literal(edge.rdf_name, lang="en")))
        g.add((predicate, RDFS.comment, Literal(edge.description, lang="en")))
        g.add((predicate, SKOS.notation, Literal(name)))
        g.add((predicate, RDFS.domain, _union(g, [class_iri(a) for a in _ordered(a for a, _ in edge.endpoints)])))
        g.add((predicate, RDFS.range, _union(g, [class_iri(b) for b in _ordered(b for _, b in edge.endpoints)])))
        for outside in EDGE_ALIGNMENT.get(name, ()):
            g.add((predicate, RDFS.subPropertyOf, outside))

    for iri, owners in pm.all_props().items():
        if not str(iri).startswith(str(SG)):
            continue  # an outside term (prov:wasDerivedFrom, owl:sameAs, rdf:subject ...): not ours to define
        first: Prop = owners[0][1]
        name = local_name(iri)
        g.add((iri, RDF.type, OWL.DatatypeProperty))
        g.add((iri, RDFS.label, Literal(name, lang="en")))
        comment = PROPERTY_COMMENTS.get(name, f"The {first.column.replace('_', ' ')} of the record.")
        if first.values and len({p.values for _, p in owners}) == 1:
            comment += " One of: " + ", ".join(first.values) + "."
        g.add((iri, RDFS.comment, Literal(comment, lang="en")))
        g.add((iri, RDFS.domain, _union(g, _domain([o for o, _ in owners], registry))))
        g.add((iri, RDFS.range, _datatype_range(g, first.kind)))
        if not first.many and all(not p.many for _, p in owners):
            g.add((iri, RDF.type, OWL.FunctionalProperty))
        for outside in PROPERTY_ALIGNMENT.get(name, ()):
            g.add((iri, RDFS.subPropertyOf, outside))
    return g
