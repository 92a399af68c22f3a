"""Pydantic models for curated records: one model per node kind, and the Claim that every edge is."""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Any, ClassVar, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from survgraph.schema.types import (
    MAX_LIST_ITEMS,
    MAX_NAME_CHARS,
    Confidence,
    CountryCode,
    HttpUrl,
    Money,
    Name,
    PartialDate,
    Quantity,
    Technology,
    Text,
    WikidataQID,
    check_country_code,
)

NonEmpty = Name
#: The patterns and lengths of ids, claim types and claim keys (loaders/claim_rows.py checks CSV cells by them too).
ENTITY_ID_PATTERN = r"^[a-z]+:[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$"
ENTITY_ID_MAX_CHARS = 200
CLAIM_TYPE_PATTERN = r"^[A-Z][A-Z_]*$"
CLAIM_TYPE_MAX_CHARS = 100
CLAIM_KEY_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
CLAIM_KEY_MAX_CHARS = 100
EntityId = Annotated[str, Field(max_length=ENTITY_ID_MAX_CHARS, pattern=ENTITY_ID_PATTERN)]

# Descriptions several kinds share (the ontology, the API's schema and the docs read them from the fields).
CONFIDENCE_DESCRIPTION = (
    "How far the cited sources support the record or claim: confirmed, reported or alleged. "
    "Never stronger than what a source says."
)
KIND_DESCRIPTION = "The kind of organisation, database or initiative (values depend on the class; see the shapes)."
COUNTRY_DESCRIPTION = "ISO 3166-1 alpha-2 code of the country the record belongs to."
START_DESCRIPTION = "When it started, to the year, month or day (xsd:gYear, xsd:gYearMonth or xsd:date)."
END_DESCRIPTION = "When it ended, to the year, month or day (xsd:gYear, xsd:gYearMonth or xsd:date)."
TECHNOLOGY_DESCRIPTION = "A technology involved, from a controlled list (one value per triple)."

#: Where a Wikidata QID is shown as a link (the API's `wikidata_url`, the viz tooltip).
WIKIDATA_PAGE = "https://www.wikidata.org/wiki/"


def wikidata_url(qid: str | None) -> str | None:
    """The Wikidata page of a QID such as Q160120, or None."""
    return WIKIDATA_PAGE + qid if qid else None


class Record(BaseModel):
    """Common configuration: unknown fields are errors, names are the YAML field names."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)


class Node(Record):
    """Fields every node kind carries."""

    #: Kinds whose records may omit sources/confidence (reference tables, sources themselves).
    self_evident: ClassVar[bool] = False

    id: EntityId
    name: NonEmpty = Field(description="The name the record is known by.")
    aliases: list[NonEmpty] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="Another name of the record (one value per triple).",
    )
    wikidata: WikidataQID | None = None
    description: Text | None = Field(default=None, description="A short description written by the curators.")
    source_ids: list[EntityId] = Field(default_factory=list, alias="sources", max_length=MAX_LIST_ITEMS)
    confidence: Confidence | None = Field(default=None, description=CONFIDENCE_DESCRIPTION)

    @model_validator(mode="after")
    def _cited(self) -> Node:
        if not self.self_evident:
            if not self.source_ids:
                raise ValueError("sources: every entity cites at least one source")
            if self.confidence is None:
                raise ValueError("confidence: required (confirmed, reported or alleged)")
        elif self.confidence is None:
            self.confidence = Confidence.confirmed
        return self


class Country(Node):
    """A state, identified by its ISO 3166-1 alpha-2 code (id `country:PK`)."""

    self_evident: ClassVar[bool] = True

    code: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2 code of the country.")
    alpha3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = Field(
        default=None, description="ISO 3166-1 alpha-3 code of the country."
    )

    @model_validator(mode="after")
    def _code_matches_id(self) -> Country:
        suffix = self.id.partition(":")[2]
        if self.code is None:
            self.code = check_country_code(suffix)
        if self.code != suffix:
            raise ValueError(f"code: {self.code!r} does not match id {self.id!r}")
        return self


class Ownership(StrEnum):
    state_owned = "state_owned"
    private = "private"
    publicly_listed = "publicly_listed"
    employee_owned = "employee_owned"
    mixed = "mixed"
    unknown = "unknown"


class Vendor(Node):
    """A company that sells surveillance or infrastructure technology."""

    hq_country: CountryCode | None = Field(
        default=None, description="ISO 3166-1 alpha-2 code of the country of the headquarters."
    )
    ownership: Ownership = Field(default=Ownership.unknown, description="Ownership of the company.")


class OrganizationKind(StrEnum):
    government = "government"
    government_agency = "government_agency"
    police = "police"
    military = "military"
    operator = "operator"
    bank = "bank"
    funder = "funder"
    state_owned_enterprise = "state_owned_enterprise"
    company = "company"
    international_organisation = "international_organisation"
    research_group = "research_group"
    other = "other"


class Organization(Node):
    """A government body, operator, bank or other funder, state-owned enterprise or company."""

    kind: OrganizationKind = Field(description=KIND_DESCRIPTION)
    country: CountryCode | None = Field(default=None, description=COUNTRY_DESCRIPTION)


class ProjectStatus(StrEnum):
    proposed = "proposed"
    planned = "planned"
    contracted = "contracted"
    under_construction = "under_construction"
    operational = "operational"
    completed = "completed"
    suspended = "suspended"
    cancelled = "cancelled"
    unknown = "unknown"


class Project(Node):
    """A surveillance or infrastructure project: a safe city, a cable, a monitoring system."""

    status: ProjectStatus = Field(default=ProjectStatus.unknown, description="Status of the project.")
    start: PartialDate | None = Field(default=None, description=START_DESCRIPTION)
    end: PartialDate | None = Field(default=None, description=END_DESCRIPTION)
    city: NonEmpty | None = Field(default=None, description="The city the project is in.")
    country: CountryCode | None = Field(default=None, description=COUNTRY_DESCRIPTION)
    technologies: list[Technology] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description=TECHNOLOGY_DESCRIPTION
    )
    value: Money | None = Field(default=None, description="The project's value as the source gives it.")


class DatabaseKind(StrEnum):
    national_data_centre = "national_data_centre"
    civil_registry = "civil_registry"
    biometric_id = "biometric_id"
    telecom_records = "telecom_records"
    financial = "financial"
    police = "police"
    other = "other"


class Database(Node):
    """A store of records about people: a national data centre, a registry, a biometric database."""

    kind: DatabaseKind = Field(description=KIND_DESCRIPTION)
    country: CountryCode | None = Field(default=None, description=COUNTRY_DESCRIPTION)


class InitiativeKind(StrEnum):
    investment_programme = "investment_programme"
    economic_corridor = "economic_corridor"
    national_programme = "national_programme"
    other = "other"


class Initiative(Node):
    """A programme that frames or finances projects: BRI, CPEC, a national master plan."""

    kind: InitiativeKind = Field(description=KIND_DESCRIPTION)
    start: PartialDate | None = Field(default=None, description=START_DESCRIPTION)


class SourceKind(StrEnum):
    """What a source is, which decides how much weight it carries (see seed_data/README.md)."""

    # primary: the party itself, or a record of the act
    official_document = "official_document"
    contract = "contract"
    government_statement = "government_statement"
    company_statement = "company_statement"
    court_filing = "court_filing"
    dataset = "dataset"
    # secondary: someone reporting on it
    news_report = "news_report"
    research_report = "research_report"
    blog = "blog"
    repost = "repost"


PRIMARY_SOURCE_KINDS = frozenset(
    {
        SourceKind.official_document,
        SourceKind.contract,
        SourceKind.government_statement,
        SourceKind.company_statement,
        SourceKind.court_filing,
        SourceKind.dataset,
    }
)

Slug = Annotated[str, Field(max_length=MAX_NAME_CHARS, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]


class Source(Node):
    """A publication that supports claims: publisher, title, date, URL where one was seen."""

    self_evident: ClassVar[bool] = True

    name: NonEmpty = Field(default="", description="The name the record is known by.")  # defaults to the title
    publisher: NonEmpty = Field(description="Who published the source.")
    publisher_key: Slug | None = Field(
        default=None,
        description="Who publishes the source, as a slug shared by all its sources (independence is counted on it); "
        "defaults to a slug of the publisher's name.",
    )
    kind: SourceKind = Field(
        description="What the source is: primary (official_document, contract, government_statement, "
        "company_statement, court_filing, dataset) or secondary (news_report, research_report, blog, repost)."
    )
    reposts: EntityId | None = Field(
        default=None,
        description="The source that this repost republishes; the two count as one publisher.",
    )
    title: NonEmpty = Field(description="Title of the source.")
    date: PartialDate | None = Field(
        default=None, description="When the source was published, to the year, month or day."
    )
    date_note: Text | None = Field(default=None, description="A note on the date, e.g. when it is approximate.")
    url: HttpUrl | None = Field(default=None, description="Where the source was seen.")
    accessed: PartialDate | None = Field(default=None, description="When the URL was last accessed.")

    @model_validator(mode="before")
    @classmethod
    def _name_from_title(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("name") and data.get("title"):
            data = {**data, "name": data["title"]}
        return data

    @model_validator(mode="after")
    def _publisher_and_repost(self) -> Source:
        if self.publisher_key is None:
            self.publisher_key = publisher_slug(self.publisher)
        if self.kind is SourceKind.repost and self.reposts is None:
            raise ValueError("reposts: a repost names the source it reposts")
        if self.kind is not SourceKind.repost and self.reposts is not None:
            raise ValueError("reposts: only a source of kind 'repost' reposts another")
        if self.reposts == self.id:
            raise ValueError("reposts: a source cannot repost itself")
        return self


def publisher_slug(publisher: str) -> str:
    """The default publisher_key: the publisher's name, lower-cased, runs of other characters as '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", publisher.lower()).strip("-")
    return slug or "unknown"


class Claim(Record):
    """An edge: one sourced statement that `from` relates to `to` by `type`."""

    id: EntityId | None = None
    type: Annotated[str, Field(max_length=CLAIM_TYPE_MAX_CHARS, pattern=CLAIM_TYPE_PATTERN)]
    from_id: EntityId = Field(alias="from")
    to_id: EntityId = Field(alias="to")
    source_ids: list[EntityId] = Field(alias="sources", min_length=1, max_length=MAX_LIST_ITEMS)
    confidence: Confidence = Field(description=CONFIDENCE_DESCRIPTION)
    start: PartialDate | None = Field(default=None, description=START_DESCRIPTION)
    end: PartialDate | None = Field(default=None, description=END_DESCRIPTION)
    technologies: list[Technology] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS, description=TECHNOLOGY_DESCRIPTION
    )
    amount: Money | None = Field(default=None, description="A sum of money the claim states, as the source gives it.")
    quantity: Quantity | None = Field(
        default=None, description="A counted figure the claim states (e.g. 8000 cameras)."
    )
    figure_sources: list[EntityId] = Field(
        default_factory=list,
        max_length=MAX_LIST_ITEMS,
        description="The claim's sources that state its figure (amount, quantity, start or end), "
        "when it cites several.",
    )
    notes: Text | None = Field(default=None, description="Curators' notes on the claim.")
    key: Annotated[str, Field(max_length=CLAIM_KEY_MAX_CHARS, pattern=CLAIM_KEY_PATTERN)] | None = Field(
        default=None,
        description="Tells apart claims that would otherwise be the same (same type, endpoints, dates and figures).",
    )

    @model_validator(mode="after")
    def _derive_id(self) -> Claim:
        if self.id is None:
            self.id = claim_id(self)
        return self


class ClaimLike(Protocol):
    """What the checks after a claim's own validation, its id and its write row read of it: a Claim, or a
    CheckedClaim (a claim whose cells were found valid without building the model)."""

    @property
    def id(self) -> str | None: ...
    @property
    def type(self) -> str: ...
    @property
    def from_id(self) -> str: ...
    @property
    def to_id(self) -> str: ...
    @property
    def source_ids(self) -> list[str]: ...
    @property
    def confidence(self) -> Confidence: ...
    @property
    def start(self) -> str | None: ...
    @property
    def end(self) -> str | None: ...
    @property
    def technologies(self) -> list[Technology]: ...
    @property
    def amount(self) -> Money | None: ...
    @property
    def quantity(self) -> Quantity | None: ...
    @property
    def figure_sources(self) -> list[str]: ...
    @property
    def notes(self) -> str | None: ...
    @property
    def key(self) -> str | None: ...


class CheckedClaim(NamedTuple):
    """A claim whose every field was checked to be what the Claim model would make of it (the same values,
    enums as its members, an id given or derived as the model derives it), without building the model:
    the validator's fast path for a CSV row of claims (loaders/claim_rows.py), and its derived claims. It
    has a Claim's attributes, so the later checks, `claim_id` and the write row read it as they read one.
    No figures: a claim with an amount or quantity is always validated by the model. (A tuple: made a
    million times, it is the cheapest object with named fields; `checked_claim` makes one.)"""

    id: str
    type: str
    from_id: str
    to_id: str
    source_ids: list[str]
    confidence: Confidence
    start: str | None
    end: str | None
    technologies: list[Technology]
    figure_sources: list[str]
    notes: str | None
    key: str | None
    amount: None
    quantity: None


def checked_claim(
    claim_id_: str | None,
    claim_type: str,
    from_id: str,
    to_id: str,
    source_ids: list[str],
    confidence: Confidence,
    start: str | None = None,
    end: str | None = None,
    technologies: list[Technology] | None = None,
    figure_sources: list[str] | None = None,
    notes: str | None = None,
    key: str | None = None,
) -> CheckedClaim:
    """A CheckedClaim of these (checked) fields: its id as given, or derived as the model derives it."""
    if claim_id_ is None:
        claim_id_ = claim_id_of(claim_type, from_id, to_id, start, end, None, None, key)
    return _new_tuple(
        CheckedClaim,
        (
            claim_id_,
            claim_type,
            from_id,
            to_id,
            source_ids,
            confidence,
            start,
            end,
            [] if technologies is None else technologies,
            [] if figure_sources is None else figure_sources,
            notes,
            key,
            None,
            None,
        ),
    )


_new_tuple = tuple.__new__  # a NamedTuple's own __new__ is a Python function: this skips it


#: Text that json.dumps writes as it is between quotes: printable ASCII but `"` and `\\`.
_JSON_AS_IS = re.compile(r"[ !#-\[\]-~]*")


def _plain_defining_json(
    claim_type: str, from_id: str, to_id: str, start: str | None, end: str | None, key: str | None
) -> str | None:
    """The text `_CLAIM_ID_JSON.encode` gives for a claim's defining fields without figures, written
    directly (the encoder's dict walk is most of a derived claim's cost), when each value is null or text
    the encoder writes as it is; else None (the encoder writes it)."""
    values = (end, from_id, key, start, to_id, claim_type)  # the keys' sorted order, without the figures
    parts = []
    for value in values:
        if value is None:
            parts.append("null")
        elif _JSON_AS_IS.fullmatch(value):
            parts.append(f'"{value}"')
        else:
            return None
    end_, from_, key_, start_, to_, type_ = parts
    return (
        f'{{"amount": null, "end": {end_}, "from": {from_}, "key": {key_}, "quantity": null, '
        f'"start": {start_}, "to": {to_}, "type": {type_}}}'
    )


#: json.dumps(..., sort_keys=True), without making an encoder for each claim.
_CLAIM_ID_JSON = json.JSONEncoder(sort_keys=True)


def claim_id(claim: ClaimLike) -> str:
    """A deterministic id from the fields that define a claim (not its sources or wording).

    Two claims with the same endpoints but different figures or dates are different claims,
    so conflicting figures stay separate, each with its own sources.
    """
    return claim_id_of(
        claim.type,
        claim.from_id,
        claim.to_id,
        claim.start,
        claim.end,
        claim.amount.model_dump(mode="json") if claim.amount else None,
        claim.quantity.model_dump(mode="json") if claim.quantity else None,
        claim.key,
    )


def claim_id_of(
    claim_type: str,
    from_id: str,
    to_id: str,
    start: str | None,
    end: str | None,
    amount: dict[str, Any] | None,
    quantity: dict[str, Any] | None,
    key: str | None,
) -> str:
    """claim_id of a claim's defining fields (its figures as their JSON dicts)."""
    if amount is None and quantity is None:
        text = _plain_defining_json(claim_type, from_id, to_id, start, end, key)
        if text is not None:
            return f"claim:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    defining = {
        "type": claim_type,
        "from": from_id,
        "to": to_id,
        "start": start,
        "end": end,
        "amount": amount,
        "quantity": quantity,
        "key": key,
    }
    digest = hashlib.sha256(_CLAIM_ID_JSON.encode(defining).encode()).hexdigest()[:16]
    return f"claim:{digest}"
