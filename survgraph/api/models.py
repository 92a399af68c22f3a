"""Typed response bodies. Entities are flat: the common fields typed, the kind's own columns alongside."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from survgraph.graph.raw_cypher import MAX_QUERY_LENGTH
from survgraph.schema import Claim, Confidence, Money, Quantity, Source
from survgraph.schema.models import Node, wikidata_url


def about(model: type[BaseModel], name: str) -> str | None:
    """The description the schema gives a field (the OpenAPI schema shows the same words as the ontology)."""
    return model.model_fields[name].description


class ErrorOut(BaseModel):
    """The shape of every error response."""

    # errors.py always sends `details` (maybe empty): the schema says so.
    model_config = ConfigDict(json_schema_extra={"required": ["error", "details"]})

    error: str
    details: list[str] = Field(default_factory=list)
    suggestions: list[str] | None = Field(
        default=None, description="Only for an unknown entity id: the closest existing ids of its kind"
    )


class HealthOut(BaseModel):
    status: str = "ok"


class ReadyOut(BaseModel):
    status: str = "ready"
    store: str


class EntityRef(BaseModel):
    """Enough of an entity to show and link it."""

    id: str
    kind: str
    name: str | None = None


class EntityOut(BaseModel):
    """An entity: the fields every kind has, and under `properties` the columns of its own kind
    (`hq_country` for a Vendor, `kind` and `country` for an Organization, `value` for a Project ...)."""

    id: str
    kind: str = Field(description="The node kind (label): Vendor, Organization, ...")
    name: str | None = Field(default=None, description=about(Node, "name"))
    aliases: list[str] = Field(default_factory=list, description=about(Node, "aliases"))
    description: str | None = Field(default=None, description=about(Node, "description"))
    wikidata: str | None = None
    confidence: Confidence | None = Field(default=None, description=about(Node, "confidence"))
    source_ids: list[str] = Field(default_factory=list)
    properties: dict[str, Any] = Field(default_factory=dict)

    @computed_field(description="The entity's Wikidata page, when it has a Wikidata id (owl:sameAs in RDF).")  # type: ignore[prop-decorator]
    @property
    def wikidata_url(self) -> str | None:
        return wikidata_url(self.wikidata)


class SourceOut(BaseModel):
    """A publication that supports a claim."""

    id: str
    title: str | None = Field(default=None, description=about(Source, "title"))
    publisher: str | None = Field(default=None, description=about(Source, "publisher"))
    publisher_key: str | None = None
    kind: str | None = None
    reposts: str | None = None
    date: str | None = Field(default=None, description=about(Source, "date"))
    date_note: str | None = Field(default=None, description=about(Source, "date_note"))
    url: str | None = Field(default=None, description=about(Source, "url"))
    accessed: str | None = Field(default=None, description=about(Source, "accessed"))


class ClaimOut(BaseModel):
    """One sourced statement: `from_id` relates to `to_id` by `type`, with the sources resolved."""

    id: str
    type: str
    from_id: str
    to_id: str
    confidence: Confidence | None = Field(default=None, description=about(Claim, "confidence"))
    start: str | None = Field(default=None, description=about(Claim, "start"))
    end: str | None = Field(default=None, description=about(Claim, "end"))
    technologies: list[str] = Field(default_factory=list, description=about(Claim, "technologies"))
    amount: Money | None = Field(default=None, description=about(Claim, "amount"))
    quantity: Quantity | None = Field(default=None, description=about(Claim, "quantity"))
    notes: str | None = Field(default=None, description=about(Claim, "notes"))
    key: str | None = Field(default=None, description=about(Claim, "key"))
    source_ids: list[str] = Field(default_factory=list)
    figure_sources: list[str] = Field(default_factory=list, description="The sources that state the claim's figure.")
    sources: list[SourceOut] = Field(default_factory=list)


class EntityClaimOut(ClaimOut):
    """A claim seen from one of its endpoints; `other` is the entity at the far end."""

    other: EntityRef


class CitedByOut(BaseModel):
    """What cites a source: the entities and claims whose `source_ids` name it, a page at a time in one id
    order (entities and claims together), by cursor like every listing."""

    total_entities: int = Field(description="Entities citing the source.")
    total_claims: int = Field(description="Claims citing the source (in force on `as_of`, when given).")
    limit: int
    next: str | None = Field(description="Cursor of the next page: pass it as `cited_by_after`. Null on the last page.")
    entities: list[EntityRef]
    claims: list[ClaimOut]


class EntityDetailOut(BaseModel):
    entity: EntityOut
    sources: list[SourceOut]
    outgoing: list[EntityClaimOut]
    incoming: list[EntityClaimOut]
    as_of: str | None = Field(default=None, description="The day the claims are read at: only those in force then.")
    cited_by: CitedByOut | None = Field(default=None, description="For a source only: what cites it.")


class Page(BaseModel):
    """One page of a listing, in id order. Pages follow each other by cursor, not by offset."""

    total: int = Field(description="Matches before pagination.")
    limit: int
    next: str | None = Field(
        description="Cursor of the next page: pass it as `after`. Null on the last page.",
    )


class EntityPage(Page):
    items: list[EntityOut]


class ClaimPage(Page):
    items: list[ClaimOut]


class ParamOut(BaseModel):
    """One template parameter: for int, min/max bound the value; for str its length; for lists their size."""

    name: str
    type: str
    required: bool
    default: Any = None
    min: int | None = None
    max: int | None = None
    check: str | None = Field(default=None, description="A schema check: entity_id, country_code, ...")
    kinds: list[str] = Field(default_factory=list, description="Node kinds an entity_id must be of.")
    description: str = ""


class ColumnOut(BaseModel):
    name: str
    description: str = ""


class TemplateOut(BaseModel):
    name: str
    title: str
    description: str
    params: list[ParamOut]
    columns: list[ColumnOut]
    parameters_schema: dict[str, Any] = Field(description="JSON Schema of the query parameters.")


class TemplateList(BaseModel):
    items: list[TemplateOut]


class RowsOut(BaseModel):
    """Rows of a query: nodes come as entity objects, relationships as claim objects."""

    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False


class QueryResultOut(RowsOut):
    template: str
    params: dict[str, Any]


class PathClaimOut(ClaimOut):
    direction: Literal["->", "<-"] = Field(description="'->' if the claim points along the path, '<-' if against.")


class PathOut(BaseModel):
    rank: int = Field(description="1 for the first path (paths are ordered by their node and claim ids).")
    hops: int
    text: str = Field(description="The path on one line: Initech -[SUPPLIES]-> Civil Registry <-[...]- ...")
    nodes: list[EntityRef]
    relationships: list[PathClaimOut]


class PathsOut(BaseModel):
    """Every shortest path (up to `limit`) between two entities; claims are followed in either direction."""

    from_id: str
    to_id: str
    max_hops: int
    types: list[str] | None
    paths: list[PathOut]


class StatsOut(BaseModel):
    nodes: dict[str, int]
    edges: dict[str, int]


class CypherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=MAX_QUERY_LENGTH, description="One read-only Cypher statement.")
    params: dict[str, Any] = Field(default_factory=dict, description="Values for the query's $parameters.")


class KindCountOut(BaseModel):
    created: int
    updated: int


class LoadOut(BaseModel):
    """What POST /records wrote, per node kind and edge type, and the warnings validation raised."""

    nodes: dict[str, KindCountOut]
    edges: dict[str, KindCountOut]
    warnings: list[str]
