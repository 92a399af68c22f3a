"""The RDF vocabulary, generated from the schema registry: namespaces, entity IRIs, and one `Prop` per column.

Terms (classes, properties) live in one fixed namespace, `sg:`, so that exports from different deployments
share predicates; only the IRIs of entities and claims depend on the deployment (SURVGRAPH_BASE_IRI).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD

from survgraph.errors import SurvgraphError
from survgraph.schema import REGISTRY, Claim, Registry
from survgraph.schema.annotations import enum_of, marks, sub_model
from survgraph.schema.models import Node
from survgraph.schema.registry import Column, ColumnType
from survgraph.schema.types import CountryCode, HttpUrl, PartialDate

#: Our terms. Fixed, not derived from the base IRI: predicates must not change with the server's address.
SG = Namespace("https://w3id.org/survgraph/ns#")
#: Names of the generated SHACL shapes.
SGSH = Namespace("https://w3id.org/survgraph/shapes#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DC = Namespace("http://purl.org/dc/elements/1.1/")
WD = Namespace("http://www.wikidata.org/entity/")

#: Prefixes bound in every serialisation (the instance base is bound as `id:` on top of these).
PREFIXES: dict[str, Namespace] = {
    "sg": SG,
    "sgsh": SGSH,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "prov": Namespace(str(PROV)),
    "dcterms": Namespace(str(DCTERMS)),
    "dc": DC,
    "skos": Namespace(str(SKOS)),
    "schema": SCHEMA,
    "org": ORG,
    "foaf": FOAF,
    "sh": Namespace(str(SH)),
    "wd": WD,
}


def expand(curie: str) -> URIRef:
    """A CURIE of PREFIXES (the registry names outside terms this way, e.g. schema:Country) as an IRI."""
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix][local]


#: The class of claim resources (one per edge of the graph).
CLAIM_CLASS = SG.Claim
#: The superclass of every node kind.
ENTITY_CLASS = SG.Entity

DEFAULT_BASE_IRI = "http://127.0.0.1:8000/id/"

#: Characters that may not appear in an IRI written between <...> in Turtle or N-Triples.
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_ID = re.compile(r"[a-z]+:[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")
#: What a stored value may hold to be written into an IRI as it is: RFC 3986's unreserved characters,
#: sub-delimiters, ':', '@' and '/'. Every id the loaders accept is made of these.
_IRI_PLAIN = re.compile(r"[A-Za-z0-9\-._~:@!$&'()*+,;=/]*")


def plain_ids(text: str) -> bool:
    """Whether every character of `text` (say, ids joined) may stand in an IRI as it is."""
    return _IRI_PLAIN.fullmatch(text) is not None


def iri_part(value: str) -> str:
    """A stored value (an id, a QID) as it goes into an IRI: as it is when every character may stand there
    (the case for every id the loaders accept), else with each other character percent-encoded as UTF-8
    ('%' too), so that a hostile id in a store still makes a valid IRI and never breaks the syntax."""
    if _IRI_PLAIN.fullmatch(value):
        return value
    return "".join(c if _IRI_PLAIN.fullmatch(c) else "".join(f"%{b:02X}" for b in c.encode()) for c in value)


class RdfError(SurvgraphError, ValueError):
    """RDF that cannot be read as survgraph data, or an entity an export cannot find; the message says why.
    (Also a ValueError, so that pydantic settings validators may raise it.)"""

    status = 422
    exit_code = 1


class RdfOptionError(RdfError):
    """A bad RDF option: an unknown format, a base IRI that is not one."""

    exit_code = 2


def check_base_iri(value: str) -> str:
    """An absolute http(s) IRI ending in / or #, safe to write between <...>."""
    if not re.match(r"^https?://[^/]+", value) or not value.endswith(("/", "#")):
        raise RdfOptionError(f"base IRI {value!r}: must be an absolute http(s) IRI ending in '/' or '#'")
    if _IRI_FORBIDDEN.search(value):
        raise RdfOptionError(f"base IRI {value!r}: contains a character that is not allowed in an IRI")
    return value


class RdfSettings(BaseSettings):
    """SURVGRAPH_BASE_IRI: the prefix of entity and claim IRIs (default: the API's /id/ on 127.0.0.1:8000)."""

    model_config = SettingsConfigDict(extra="ignore")

    base_iri: str | None = Field(default=None, validation_alias="SURVGRAPH_BASE_IRI")

    @field_validator("base_iri", mode="before")
    @classmethod
    def _blank_means_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            return check_base_iri(value.strip())
        return value


@dataclass(frozen=True)
class Vocab:
    """Entity and claim IRIs under one base: `<base><id>`, e.g. http://127.0.0.1:8000/id/vendor:huawei."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        check_base_iri(self.base)

    @classmethod
    def from_env(cls, base: str | None = None) -> Vocab:
        """`base` if given, else SURVGRAPH_BASE_IRI, else the default."""
        return cls(check_base_iri(base) if base else RdfSettings().base_iri or DEFAULT_BASE_IRI)

    def iri(self, entity_id: str) -> URIRef:
        return URIRef(self.base + iri_part(entity_id))

    def id_of(self, iri: str) -> str:
        """The id an IRI names: the part after our base, or else after its last '/' or '#', so that data
        exported under another base (another deployment, another researcher) still reads back."""
        rest = iri[len(self.base) :] if iri.startswith(self.base) else re.split(r"[/#]", iri)[-1]
        if not _ID.fullmatch(rest):
            raise RdfError(f"<{iri}> does not end in a survgraph id (prefix:slug, e.g. vendor:huawei)")
        return rest

    @property
    def context_url(self) -> str:
        """Where the API serves the JSON-LD context: next to /id/ on the same server."""
        root = self.base.rstrip("/#")
        return (root.rsplit("/", 1)[0] if root.endswith("/id") else root) + "/context.jsonld"


class ValueKind(StrEnum):
    """How a stored value becomes an RDF term, and back."""

    string = "string"
    double = "double"
    enum = "enum"
    partial_date = "partial_date"  # xsd:gYear, xsd:gYearMonth or xsd:date by precision
    url = "url"  # xsd:anyURI literal: a curator's URL need not be a valid IRI
    entity = "entity"  # the IRI of another entity (sources, claim endpoints)
    wikidata = "wikidata"  # owl:sameAs wd:Q...


@dataclass(frozen=True)
class Prop:
    """One stored column as an RDF property."""

    column: str
    iri: URIRef
    kind: ValueKind
    many: bool
    required: bool
    values: tuple[str, ...] = ()  # allowed values of an enum
    comment: str = ""
    #: An ISO country code: it names a Country node (`country:<code>`), so a partial export includes it.
    country_ref: bool = False


#: Columns whose RDF property is an established term rather than a generated sg: one.
_FIXED_PREDICATES: dict[str, URIRef] = {
    "source_ids": PROV.wasDerivedFrom,
    "wikidata": OWL.sameAs,
    "from_id": RDF.subject,
    "to_id": RDF.object,
}
#: Columns whose values are ids of other records, written as their IRIs: a claim's endpoints and sources,
#: the sources that state a claim's figure, and the source a repost reposts.
_ENTITY_COLUMNS = frozenset({"source_ids", "from_id", "to_id", "figure_sources", "reposts"})
#: Not written as properties: the IRI is the id.
_NOT_WRITTEN = frozenset({"id"})


def _prop(model: type[BaseModel], col: Column, required: bool) -> Prop:
    info = model.model_fields[col.field]
    if col.sub is not None:
        info = sub_model(info.annotation).model_fields[col.sub]
    predicate = _FIXED_PREDICATES.get(col.name) or SG[col.rdf_name]
    many = col.type is ColumnType.string_list
    enum = enum_of(info.annotation)
    if col.name in _ENTITY_COLUMNS:
        kind = ValueKind.entity
    elif col.name == "wikidata":
        kind = ValueKind.wikidata
    elif col.type is ColumnType.float:
        kind = ValueKind.double
    elif enum is not None:
        kind = ValueKind.enum
    elif marks(info, PartialDate):
        kind = ValueKind.partial_date
    elif marks(info, HttpUrl):
        kind = ValueKind.url
    else:
        kind = ValueKind.string
    values = tuple(str(e.value) for e in enum) if enum is not None else ()
    country_ref = marks(info, CountryCode)
    return Prop(col.name, predicate, kind, many, required, values, col.description, country_ref)


def _node_required(model: type[Node], col: Column) -> bool:
    info = model.model_fields[col.field]
    if col.field in ("source_ids", "confidence"):
        # The model demands them of every kind but the self-evident ones (countries, sources).
        return not model.self_evident
    return col.name == "name" or (col.sub is None and info.is_required())


@dataclass(frozen=True)
class PropertyMap:
    """The properties of each node kind and of claims, in column order."""

    nodes: dict[str, tuple[Prop, ...]]
    claim: tuple[Prop, ...]
    edge_by_predicate: dict[URIRef, str]
    kind_by_class: dict[URIRef, str]

    def all_props(self) -> dict[URIRef, list[tuple[str, Prop]]]:
        """Every property with the owners (node labels, or "Claim") that use it."""
        out: dict[URIRef, list[tuple[str, Prop]]] = {}
        for label, props in self.nodes.items():
            for p in props:
                out.setdefault(p.iri, []).append((label, p))
        for p in self.claim:
            out.setdefault(p.iri, []).append(("Claim", p))
        return out


def class_iri(label: str) -> URIRef:
    return CLAIM_CLASS if label == "Claim" else SG[label]


def edge_iri(edge_type: str, registry: Registry = REGISTRY) -> URIRef:
    return SG[registry.edge_types[edge_type].rdf_name]


@cache
def property_map(registry: Registry = REGISTRY) -> PropertyMap:
    nodes = {
        label: tuple(
            _prop(kind.model, c, _node_required(kind.model, c))
            for c in registry.node_columns[label]
            if c.name not in _NOT_WRITTEN
        )
        for label, kind in registry.node_kinds.items()
    }
    claim = tuple(
        _prop(Claim, c, c.name in ("from_id", "to_id", "source_ids", "confidence"))
        for c in registry.edge_columns
        if c.name not in _NOT_WRITTEN
    )
    edges = {edge_iri(e, registry): e for e in registry.edge_types}
    clash = set(edges) & {p.iri for props in nodes.values() for p in props} | (set(edges) & {p.iri for p in claim})
    if clash:  # a new column or edge type must not reuse a name the other already has
        raise ValueError(f"RDF name used by both an edge type and a column: {sorted(clash)}")
    return PropertyMap(nodes, claim, edges, {SG[label]: label for label in registry.node_kinds})


def partial_date_datatype(value: str) -> URIRef:
    return {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)


def term(prop: Prop, value: Any, vocab: Vocab) -> URIRef | Literal:
    """One stored value as an RDF term. The one place values are typed, so every export agrees."""
    if prop.kind is ValueKind.entity:
        return vocab.iri(str(value))
    if prop.kind is ValueKind.wikidata:
        return WD[iri_part(str(value))]
    if prop.kind is ValueKind.double:
        return Literal(float(value), datatype=XSD.double)
    if prop.kind is ValueKind.partial_date:
        return Literal(str(value), datatype=partial_date_datatype(str(value)))
    if prop.kind is ValueKind.url:
        return Literal(str(value), datatype=XSD.anyURI)
    return Literal(str(value))


#: Datatypes each kind of value may carry, for SHACL and for reading values back.
DATATYPES: dict[ValueKind, tuple[URIRef, ...]] = {
    ValueKind.string: (XSD.string,),
    ValueKind.enum: (XSD.string,),
    ValueKind.double: (XSD.double,),
    ValueKind.partial_date: (XSD.gYear, XSD.gYearMonth, XSD.date),
    ValueKind.url: (XSD.anyURI,),
}
