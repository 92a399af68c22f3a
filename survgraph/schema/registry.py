"""The one registry of node kinds and edge types. Store DDL, RDF, SHACL and the viz legend derive from it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from operator import attrgetter
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from survgraph.schema.annotations import unwrap_optional
from survgraph.schema.models import (
    Claim,
    ClaimLike,
    Country,
    Database,
    Initiative,
    Node,
    Organization,
    Project,
    Source,
    Vendor,
)


class ColumnType(StrEnum):
    string = "STRING"
    string_list = "STRING[]"
    float = "DOUBLE"
    int = "INT64"
    bool = "BOOLEAN"


@dataclass(frozen=True)
class Column:
    """One stored property. Nested models (Money, Quantity) flatten into `field_sub` columns.
    `rdf_name` is its RDF property's local name, `aligned` the outside properties (CURIEs) it specialises,
    `description` what it means (from the model's `Field(description=...)`)."""

    name: str
    type: ColumnType
    field: str
    sub: str | None = None
    rdf_name: str = ""
    aligned: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class NodeKind:
    """A node kind: its label, id prefix, record model, colour and shape in the viz. `aligned`: the outside
    classes (CURIEs) it specialises in RDF, only where one is close (a surveillance "project" is not
    schema:Project, which schema.org makes a kind of Organization)."""

    label: str
    prefix: str
    model: type[Node]
    colour: str
    shape: str
    aligned: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """What the kind is: its model's docstring (the ontology, the API and the viz legend show it)."""
        return " ".join((self.model.__doc__ or "").split())


@dataclass(frozen=True)
class EdgeType:
    """An edge type. `aligned`: the outside properties (CURIEs) it specialises in RDF."""

    name: str
    endpoints: tuple[tuple[str, str], ...]
    description: str
    aligned: tuple[str, ...] = ()

    @property
    def rdf_name(self) -> str:
        """camelCase predicate name: SUPPLIES -> supplies, LINKS_DATA_WITH -> linksDataWith."""
        head, *rest = self.name.lower().split("_")
        return head + "".join(w.capitalize() for w in rest)


_ALL = ("Country", "Vendor", "Organization", "Project", "Database", "Initiative")

NODE_KINDS: tuple[NodeKind, ...] = (
    NodeKind("Country", "country", Country, "#4e79a7", "dot", ("schema:Country",)),
    NodeKind("Vendor", "vendor", Vendor, "#e15759", "diamond", ("schema:Organization", "org:FormalOrganization")),
    NodeKind("Organization", "org", Organization, "#f28e2b", "triangle", ("schema:Organization", "org:Organization")),
    NodeKind("Project", "project", Project, "#59a14f", "square"),
    NodeKind("Database", "database", Database, "#b07aa1", "database", ("schema:Dataset",)),
    NodeKind("Initiative", "initiative", Initiative, "#edc948", "star"),
    NodeKind(
        "Source",
        "source",
        Source,
        "#bab0ac",
        "box",
        ("schema:CreativeWork", "dcterms:BibliographicResource", "prov:Entity"),
    ),
)

EDGE_TYPES: tuple[EdgeType, ...] = (
    EdgeType(
        "SUPPLIES",
        tuple(("Vendor", t) for t in ("Project", "Database", "Organization", "Country")),
        "The vendor supplies technology, equipment or services to the target.",
    ),
    EdgeType(
        "LINKS_DATA_WITH",
        tuple((a, b) for a in ("Database", "Organization") for b in ("Database", "Organization")),
        "Records of one are linked with, or flow into, the other.",
    ),
    EdgeType(
        "FUNDED_BY",
        tuple((a, b) for a in ("Project", "Database", "Initiative") for b in ("Organization", "Country", "Initiative")),
        "The subject is financed (loan, grant, credit) by the object.",
        ("schema:funder",),
    ),
    EdgeType(
        "PART_OF",
        (("Project", "Initiative"), ("Project", "Project"), ("Initiative", "Initiative")),
        "The subject is a component of the object.",
        ("dcterms:isPartOf",),
    ),
    EdgeType(
        "LOCATED_IN",
        tuple((a, "Country") for a in ("Project", "Database", "Organization")),
        "The subject is in the country.",
        ("schema:location",),
    ),
    EdgeType(
        "HEADQUARTERED_IN",
        (("Vendor", "Country"), ("Organization", "Country")),
        "The company or organisation has its headquarters in the country.",
    ),
    EdgeType(
        "OPERATED_BY",
        tuple((a, "Organization") for a in ("Project", "Database")),
        "The project or database is run by the organisation.",
    ),
    EdgeType(
        "SUBSIDIARY_OF",
        tuple((a, b) for a in ("Vendor", "Organization") for b in ("Vendor", "Organization")),
        "The subject is owned or controlled by the object.",
        ("org:subOrganizationOf", "schema:parentOrganization"),
    ),
    EdgeType("MEMBER_OF", (("Country", "Initiative"),), "The country has signed up to the initiative."),
    EdgeType(
        "ACCESSES_DATA_OF",
        tuple((a, "Database") for a in ("Vendor", "Organization")),
        "The subject has access to the records held in the database.",
    ),
    EdgeType(
        "CONTRACTED",
        tuple((a, b) for a in ("Organization", "Country") for b in ("Vendor",)),
        "The buyer signed a contract or agreement with the vendor.",
    ),
    EdgeType(
        "DEPLOYS",
        tuple((a, b) for a in ("Country", "Organization") for b in ("Project", "Database")),
        "The state or body uses the system.",
    ),
    EdgeType(
        "CONSIDERS",
        (("Country", "Project"), ("Organization", "Project")),
        "The state or body is reported to be considering the project.",
    ),
    EdgeType(
        "USES_TECHNOLOGY_FROM",
        (("Project", "Country"),),
        "The project uses technology from companies of that country, whether or not a vendor is named "
        "(e.g. the AIGS Index's Chinese, US and Japanese technology flags).",
    ),
)


#: Internal labels of a batched Neo4j load (survgraph/graph/neo4j_load.py): the load's marker node, and its
#: journal records (what each batch created, and the properties of what it updated, for a rollback). They
#: are not node kinds: stats, exports, the API's kinds and the viz never list them, and they exist only
#: while a batched load runs or awaits its recovery.
LOAD_MARKER_LABEL = "SurvgraphLoad"
LOAD_JOURNAL_LABEL = "SurvgraphLoadJournal"
INTERNAL_LABELS: frozenset[str] = frozenset({LOAD_MARKER_LABEL, LOAD_JOURNAL_LABEL})

#: A claim, in RDF, is a reified statement (rdf:subject/predicate/object) derived from its sources.
CLAIM_ALIGNED: tuple[str, ...] = ("rdf:Statement", "prov:Entity")

#: RDF names that are not the column's name in camelCase: a list column takes the singular (each triple
#: carries one value), and a country code must not read as the class beside it (sg:country, sg:Country).
RDF_NAMES: dict[str, str] = {
    "country": "countryCode",
    "hq_country": "hqCountryCode",
    "aliases": "alias",
    "technologies": "technology",
}

#: Outside properties each column's RDF property specialises, by column name. Only where the outside
#: term's range fits our values: a publisher is a plain name here, so dc: (no range), not dcterms: (an Agent).
PROPERTY_ALIGNED: dict[str, tuple[str, ...]] = {
    "name": ("rdfs:label", "schema:name"),
    "aliases": ("skos:altLabel", "schema:alternateName"),
    "description": ("dcterms:description", "schema:description"),
    "title": ("dcterms:title",),
    "publisher": ("dc:publisher",),
    "date": ("dcterms:issued",),
    "url": ("schema:url",),
    "notes": ("skos:note",),
    "start": ("schema:startDate",),
    "end": ("schema:endDate",),
}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w.capitalize() for w in rest)


def _column(name: str, ctype: ColumnType, field: str, sub: str | None, description: str | None) -> Column:
    return Column(
        name,
        ctype,
        field,
        sub,
        RDF_NAMES.get(name, camel(name)),
        PROPERTY_ALIGNED.get(name, ()),
        (description or "").strip(),
    )


def _scalar_type(annotation: Any) -> ColumnType:
    if annotation is bool:
        return ColumnType.bool
    if annotation is int:
        return ColumnType.int
    if annotation is float:
        return ColumnType.float
    if annotation is str or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return ColumnType.string
    raise TypeError(f"no column type for {annotation!r}")


def columns_of(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> tuple[Column, ...]:
    """Stored columns of a model, in field order; `id` first."""
    cols: list[Column] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        ann = unwrap_optional(info.annotation)
        if get_origin(ann) is list:
            item = unwrap_optional(get_args(ann)[0])
            if _scalar_type(item) is not ColumnType.string:
                raise TypeError(f"{model.__name__}.{name}: only lists of strings are stored")
            cols.append(_column(name, ColumnType.string_list, name, None, info.description))
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            for sub, sub_info in ann.model_fields.items():
                col = name if sub == name else f"{name}_{sub}"
                text = " ".join(d for d in (info.description, sub_info.description) if d)
                cols.append(_column(col, _scalar_type(unwrap_optional(sub_info.annotation)), name, sub, text))
        else:
            cols.append(_column(name, _scalar_type(ann), name, None, info.description))
    return tuple(cols)


class Registry:
    """Lookups over the node kinds and edge types, and the flattening of models into stored rows."""

    def __init__(self, node_kinds: tuple[NodeKind, ...], edge_types: tuple[EdgeType, ...]) -> None:
        self.node_kinds: dict[str, NodeKind] = {k.label: k for k in node_kinds}
        self.edge_types: dict[str, EdgeType] = {e.name: e for e in edge_types}
        self._by_prefix = {k.prefix: k for k in node_kinds}
        self._by_model = {k.model: k for k in node_kinds}
        if clash := INTERNAL_LABELS & (set(self.node_kinds) | set(self.edge_types)):
            raise ValueError(f"{sorted(clash)}: internal labels, not for node kinds or edge types")
        for e in edge_types:
            for a, b in e.endpoints:
                if a not in self.node_kinds or b not in self.node_kinds:
                    raise ValueError(f"{e.name}: unknown endpoint kind in {(a, b)}")
        self.node_columns: dict[str, tuple[Column, ...]] = {k.label: columns_of(k.model) for k in node_kinds}
        # Edges also store their endpoints' ids so that a bare relationship reads back whole.
        self.edge_columns: tuple[Column, ...] = columns_of(Claim, skip=frozenset({"type"}))
        self.claim_aligned = CLAIM_ALIGNED

    def kind_of_id(self, node_id: str) -> NodeKind | None:
        prefix, sep, _ = node_id.partition(":")
        return self._by_prefix.get(prefix) if sep else None

    def kind_of_model(self, node: Node) -> NodeKind:
        return self._by_model[type(node)]

    def allows(self, edge_type: str, from_label: str, to_label: str) -> bool:
        e = self.edge_types.get(edge_type)
        return e is not None and (from_label, to_label) in e.endpoints

    def node_row(self, node: Node) -> dict[str, Any]:
        return _flatten(node, self.node_columns[self.kind_of_model(node).label])

    def edge_row(self, claim: ClaimLike) -> dict[str, Any]:
        return _flatten(claim, self.edge_columns)

    def node_from_row(self, label: str, row: dict[str, Any]) -> Node:
        kind = self.node_kinds[label]
        return kind.model.model_validate(_unflatten(row, self.node_columns[label]))

    def claim_from_row(self, edge_type: str, row: dict[str, Any]) -> Claim:
        data = _unflatten(row, self.edge_columns)
        data["type"] = edge_type
        return Claim.model_validate(data)


class _Flattener:
    """Rows of one column tuple: every field read by one C-level attrgetter, then only the cells that may
    need more (a list to copy, an enum to unwrap, a nested model's part) looked at in Python. This runs
    once per record on every load: a million times for a million claims."""

    def __init__(self, columns: tuple[Column, ...]) -> None:
        self.columns = columns  # kept, so that its id stays its own
        self.names = tuple(col.name for col in columns)
        self.fields = attrgetter(*(col.field for col in columns)) if len(columns) > 1 else None
        self.special = tuple(
            (i, col.sub, col.type is ColumnType.string_list)
            for i, col in enumerate(columns)
            if col.sub is not None or col.type in (ColumnType.string, ColumnType.string_list)
        )

    def __call__(self, model: object) -> dict[str, Any]:
        if self.fields is None:
            values = [getattr(model, col.field) for col in self.columns]
        else:
            values = list(self.fields(model))
        for i, sub, is_list in self.special:
            value = values[i]
            if value is None:
                continue
            if sub is not None:
                value = getattr(value, sub)
            if is_list:
                value = [v.value for v in value] if value and isinstance(value[0], Enum) else list(value)
            elif isinstance(value, Enum):
                value = value.value
            values[i] = value
        return dict(zip(self.names, values, strict=True))


_FLATTENERS: dict[int, _Flattener] = {}


def _flatten(model: object, columns: tuple[Column, ...]) -> dict[str, Any]:
    flat = _FLATTENERS.get(id(columns))
    if flat is None or flat.columns is not columns:
        flat = _FLATTENERS[id(columns)] = _Flattener(columns)
    return flat(model)


def _unflatten(row: dict[str, Any], columns: tuple[Column, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for col in columns:
        value = row.get(col.name)
        if col.sub is None:
            if col.type is ColumnType.string_list and value is None:
                value = []
            data[col.field] = value
        elif value is not None:
            data.setdefault(col.field, {})[col.sub] = value
        else:
            data.setdefault(col.field, None)
    return data


REGISTRY = Registry(NODE_KINDS, EDGE_TYPES)
