"""SHACL shapes generated from the schema registry, and validation of RDF against them with pySHACL.

What the shapes check: every class's properties (datatype, allowed values, how many), that entities and
claims cite sources (prov:wasDerivedFrom an sg:Source), that each relation goes between the kinds its edge
type allows, and that direct triples and claim resources come in pairs, so that no relation is unsourced.
Checks needing a lookup (ISO codes, dates that exist, ids referenced but never described) are the
loaders' job: the importer runs both.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node as RdfNode

from survgraph.rdf.vocab import (
    CLAIM_CLASS,
    DATATYPES,
    PREFIXES,
    SGSH,
    WD,
    Prop,
    ValueKind,
    class_iri,
    edge_iri,
    property_map,
)
from survgraph.schema import REGISTRY, Registry

#: Prefixes the SPARQL constraints use, declared on this node (sh:prefixes points at it).
PREFIX_DECLARATIONS = SGSH[""]


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL violation, in a curator's terms."""

    focus: str  # the IRI (or blank node label) of the offending resource
    path: str  # the property, as a CURIE where one fits; "-" for whole-node constraints
    message: str
    severity: str  # Violation, Warning or Info

    def __str__(self) -> str:
        return f"{self.focus}: {self.path}: {self.message}"


def _rdf_list(g: Graph, items: list[RdfNode]) -> BNode:
    head = BNode()
    Collection(g, head, items)
    return head


def _words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _describe(prop: Prop, owner: str) -> str:
    """The sh:message of a property shape: the whole rule, so a violation of any part explains itself."""
    name = "sources" if prop.column == "source_ids" else prop.column
    count = (
        "one or more"
        if prop.many and prop.required
        else "any number of"
        if prop.many
        else ("exactly one" if prop.required else "at most one")
    )
    what = {
        ValueKind.string: "plain string(s)",
        ValueKind.enum: f"value(s) among {', '.join(prop.values)}",
        ValueKind.double: "non-negative xsd:double number(s)",
        ValueKind.partial_date: "date(s) typed xsd:gYear, xsd:gYearMonth or xsd:date",
        ValueKind.url: "URL(s) typed xsd:anyURI",
        ValueKind.entity: "IRI(s) of an sg:Source" if prop.column == "source_ids" else "IRI(s) of an entity",
        ValueKind.wikidata: "Wikidata entity IRI(s)",
    }[prop.kind]
    rule = f"{name}: {owner} takes {count} {what}"
    if prop.column == "source_ids" and prop.required:
        rule += f" (every {owner} cites its sources with prov:wasDerivedFrom)"
    return rule


def _property_shape(g: Graph, shape: URIRef, prop: Prop, owner: str) -> None:
    ps = BNode()
    g.add((shape, SH.property, ps))
    g.add((ps, SH.path, prop.iri))
    g.add((ps, SH.name, Literal(prop.column)))
    g.add((ps, SH.message, Literal(_describe(prop, owner))))
    if prop.required:
        g.add((ps, SH.minCount, Literal(1)))
    if prop.kind is ValueKind.wikidata:
        # owl:sameAs may also link elsewhere; only Wikidata links are ours, and there is at most one.
        qualified = BNode()
        g.add((qualified, SH.pattern, Literal(f"^{str(WD).replace('.', '[.]')}Q[1-9][0-9]*$")))
        g.add((ps, SH.qualifiedValueShape, qualified))
        g.add((ps, SH.qualifiedMaxCount, Literal(1)))
        g.add((ps, SH.nodeKind, SH.IRI))
        return
    if not prop.many:
        g.add((ps, SH.maxCount, Literal(1)))
    if prop.kind is ValueKind.entity:
        g.add((ps, SH.nodeKind, SH.IRI))
        if prop.column == "source_ids":
            g.add((ps, SH["class"], class_iri("Source")))
        return
    if prop.kind is ValueKind.enum:
        g.add((ps, SH["in"], _rdf_list(g, [Literal(v) for v in prop.values])))
        return
    types = DATATYPES[prop.kind]
    if len(types) == 1:
        g.add((ps, SH.datatype, types[0]))
    else:
        alternatives: list[RdfNode] = []
        for t in types:
            alt = BNode()
            g.add((alt, SH.datatype, t))
            alternatives.append(alt)
        g.add((ps, SH["or"], _rdf_list(g, alternatives)))
    if prop.kind is ValueKind.double:
        g.add((ps, SH.minInclusive, Literal(0.0)))


def _class_alternatives(g: Graph, labels: list[str]) -> BNode:
    alts: list[RdfNode] = []
    for label in labels:
        alt = BNode()
        g.add((alt, SH["class"], class_iri(label)))
        alts.append(alt)
    return _rdf_list(g, alts)


def _sparql(g: Graph, shape: URIRef, message: str, select: str) -> None:
    c = BNode()
    g.add((shape, SH.sparql, c))
    g.add((c, RDF.type, SH.SPARQLConstraint))
    g.add((c, SH.message, Literal(message)))
    g.add((c, SH.prefixes, PREFIX_DECLARATIONS))
    g.add((c, SH.select, Literal(select)))


def _allowed_pairs_filter(registry: Registry) -> str:
    """A SPARQL boolean expression over ?predicate ?sc ?oc listing every allowed (edge, from, to).
    Generated, because SHACL-SPARQL forbids VALUES in constraints."""
    terms = [
        f"(?predicate = sg:{edge.rdf_name} && ?sc = sg:{a} && ?oc = sg:{b})"
        for edge in registry.edge_types.values()
        for a, b in edge.endpoints
    ]
    return " ||\n          ".join(terms)


def build_shapes(registry: Registry = REGISTRY) -> Graph:
    """Every shape, as an rdflib Graph."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    pm = property_map(registry)

    for prefix in ("sg", "rdf", "rdfs", "prov", "owl", "xsd"):
        decl = BNode()
        g.add((PREFIX_DECLARATIONS, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(str(PREFIXES[prefix]), datatype=XSD.anyURI)))
    g.add((PREFIX_DECLARATIONS, RDF.type, OWL.Ontology))
    g.add((PREFIX_DECLARATIONS, RDFS.label, Literal("survgraph SHACL shapes", lang="en")))

    for label, props in pm.nodes.items():
        shape = SGSH[label]
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, SH.targetClass, class_iri(label)))
        g.add((shape, RDFS.label, Literal(f"{label} shape", lang="en")))
        for prop in props:
            _property_shape(g, shape, prop, label)
        for name, edge in registry.edge_types.items():
            targets = list(dict.fromkeys(b for a, b in edge.endpoints if a == label))
            if not targets:
                continue
            ps = BNode()
            g.add((shape, SH.property, ps))
            g.add((ps, SH.path, edge_iri(name, registry)))
            g.add((ps, SH.nodeKind, SH.IRI))
            g.add((ps, SH["or"], _class_alternatives(g, targets)))
            g.add((ps, SH.message, Literal(f"{name} from {label} goes to {_words(targets)}")))

    # The subject side of each relation: a kind with no allowed pair is caught here.
    for name, edge in registry.edge_types.items():
        shape = SGSH[f"{edge.rdf_name}Subject"]
        subjects = list(dict.fromkeys(a for a, _ in edge.endpoints))
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, SH.targetSubjectsOf, edge_iri(name, registry)))
        g.add((shape, SH["or"], _class_alternatives(g, subjects)))
        g.add((shape, SH.message, Literal(f"{name} (sg:{edge.rdf_name}) goes from {_words(subjects)} only")))

    claim = SGSH.Claim
    g.add((claim, RDF.type, SH.NodeShape))
    g.add((claim, SH.targetClass, CLAIM_CLASS))
    g.add((claim, RDFS.label, Literal("Claim shape", lang="en")))
    predicate = BNode()
    g.add((claim, SH.property, predicate))
    g.add((predicate, SH.path, RDF.predicate))
    g.add((predicate, SH.minCount, Literal(1)))
    g.add((predicate, SH.maxCount, Literal(1)))
    g.add((predicate, SH["in"], _rdf_list(g, [edge_iri(e, registry) for e in registry.edge_types])))
    g.add((predicate, SH.message, Literal("type: a claim has exactly one rdf:predicate, an sg: edge property")))
    for prop in pm.claim:
        _property_shape(g, claim, prop, "Claim")
    # Whole-graph checks: one SPARQL query each, focused on the node sg:Claim itself, because pySHACL
    # parses a constraint's query again for every focus node and that would cost seconds per hundred claims.
    # Each result's sh:value is the offending resource. The NOT EXISTS patterns start from a bound variable:
    # rdflib orders patterns by their count of variables, not by what is bound at run time.
    consistency = SGSH.ClaimConsistency
    g.add((consistency, RDF.type, SH.NodeShape))
    g.add((consistency, SH.targetNode, CLAIM_CLASS))
    g.add((consistency, RDFS.label, Literal("Claims and direct triples agree", lang="en")))
    _sparql(
        g,
        consistency,
        "type: sg:{?pname} cannot go from {?sname} to {?oname}",
        f"""SELECT $this ?value ?pname ?sname ?oname WHERE {{
      ?value a sg:Claim ; rdf:predicate ?predicate ; rdf:subject ?s ; rdf:object ?o .
      OPTIONAL {{ ?s a ?sk . FILTER(STRSTARTS(STR(?sk), STR(sg:))) }}
      OPTIONAL {{ ?o a ?ok . FILTER(STRSTARTS(STR(?ok), STR(sg:))) }}
      BIND(STRAFTER(STR(?predicate), "#") AS ?pname)
      BIND(COALESCE(STRAFTER(STR(?sk), "#"), "a resource of no survgraph class") AS ?sname)
      BIND(COALESCE(STRAFTER(STR(?ok), "#"), "a resource of no survgraph class") AS ?oname)
      FILTER NOT EXISTS {{
        ?s a ?sc . ?o a ?oc .
        FILTER({_allowed_pairs_filter(registry)})
      }}
    }}""",
    )
    _sparql(
        g,
        consistency,
        "type: the direct triple <{?s}> sg:{?pname} <{?o}> is missing (a claim also states its relation directly)",
        """SELECT $this ?value ?s ?pname ?o WHERE {
      ?value a sg:Claim ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
      FILTER(STRSTARTS(STR(?p), STR(sg:)))
      FILTER NOT EXISTS { ?s ?p ?o }
      BIND(STRAFTER(STR(?p), "#") AS ?pname)
    }""",
    )
    # A UNION of one pattern per edge property: each is an index look-up, where FILTER(?p IN (...)) would
    # test every triple of the graph.
    relations = "\n      UNION ".join(
        f"{{ ?value sg:{e.rdf_name} ?o . BIND(sg:{e.rdf_name} AS ?p) }}" for e in registry.edge_types.values()
    )
    _sparql(
        g,
        consistency,
        "sg:{?pname} <{?o}>: no sg:Claim states this relation, so it has no sources "
        "(add a claim with rdf:subject, rdf:predicate, rdf:object and prov:wasDerivedFrom)",
        f"""SELECT $this ?value ?pname ?o WHERE {{
      {relations}
      FILTER NOT EXISTS {{ ?c rdf:subject ?value ; rdf:predicate ?p ; rdf:object ?o . }}
      BIND(STRAFTER(STR(?p), "#") AS ?pname)
    }}""",
    )
    return g


def _curie(g: Graph, node: RdfNode | None) -> str:
    if node is None:
        return "-"
    if isinstance(node, URIRef):
        try:
            return g.namespace_manager.curie(str(node), generate=False)
        except (KeyError, ValueError):
            return str(node)
    return str(node)


def validate_graph(data: Graph, registry: Registry = REGISTRY) -> list[ShapeResult]:
    """Every SHACL result for `data`; an empty list means it conforms."""
    import pyshacl  # slow to import; only import and the HTTP shapes check need it

    shapes = build_shapes(registry)
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", abort_on_first=False)
    assert isinstance(report, Graph)
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        severity = report.value(result, SH.resultSeverity)
        messages = [str(m) for m in report.objects(result, SH.resultMessage)]
        value = report.value(result, SH.value)
        message = messages[0] if messages else "violates a constraint"
        if focus == CLAIM_CLASS and value is not None:
            focus = value  # a whole-graph check: the value is the resource at fault
        elif value is not None and value != focus and path is not None:
            message += f" (found {_value_text(shapes, value)})"
        results.append(
            ShapeResult(
                focus=str(focus),
                path=_curie(shapes, path),
                message=message,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            )
        )
    return sorted(results, key=lambda r: (r.focus, r.path, r.message))


def _value_text(g: Graph, value: RdfNode) -> str:
    if isinstance(value, Literal):
        dt = f"^^{_curie(g, value.datatype)}" if value.datatype else ""
        return f'"{value}"{dt}'
    if isinstance(value, URIRef):
        return f"<{value}>"
    return "a blank node"


__all__ = ["ShapeResult", "build_shapes", "validate_graph"]
