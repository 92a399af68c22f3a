"""Import the AI Global Surveillance (AIGS) Index 2019 (Feldstein, Carnegie Endowment) into the graph.

One Project per country of the table, SUPPLIES claims from its named vendors, the technology and origin
flags and BRI membership as claims, all citing the index; written all or nothing. See docs/aigs-2019.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from survgraph.graph import GraphStore, WriteSummary
from survgraph.graph.store import DEFAULT_BATCH_SIZE, Progress
from survgraph.graph.view import GraphView
from survgraph.loaders.load import load_dataset
from survgraph.loaders.records import Problem
from survgraph.loaders.validate import Dataset
from survgraph.schema import Claim, Confidence, Country, Initiative, Node, Project, Source, Technology, Vendor
from survgraph.schema.iso import ISO_3166_ALPHA2
from survgraph.schema.models import InitiativeKind, SourceKind

SOURCE_ID = "source:carnegie-aigs-2019"
#: Every claim of the import carries this key, so that it never shares an id with a curated claim
#: between the same endpoints (a curated `country:PK -MEMBER_OF-> initiative:bri` stays its own claim).
CLAIM_KEY = "aigs-2019"
PROJECT_PREFIX = "project:aigs-2019-"
BRI_ID = "initiative:bri"
BRI_NAMES = frozenset({"belt and road initiative", "bri", "one belt one road"})
#: The index's word for "multiple domestic firms": a note, never a vendor.
MULT = "mult"
#: The index compiles press reports: everything it states is "reported", never more.
CONFIDENCE = Confidence.reported

VENDORS_FILE = "vendors.csv"
COUNTRIES_FILE = "countries.csv"

TECH_FLAGS: dict[str, Technology] = {
    "smart_city_safe_city": Technology.smart_city,
    "facial_recognition": Technology.facial_recognition,
    "smart_policing": Technology.smart_policing,
}
TECH_WORDS = {
    "smart_city_safe_city": "smart/safe city",
    "facial_recognition": "facial recognition",
    "smart_policing": "smart policing",
}
ORIGIN_FLAGS: dict[str, str] = {"china_ai_tech": "CN", "us_ai_tech": "US", "japan_ai_tech": "JP"}
ORIGIN_WORDS = {"CN": "Chinese", "US": "US", "JP": "Japanese"}
BRI_FLAG = "belt_and_road_country"
REQUIRED_COLUMNS = ("country", BRI_FLAG, *TECH_FLAGS, *ORIGIN_FLAGS, "key_companies")

SOURCE = Source(
    id=SOURCE_ID,
    publisher="Carnegie Endowment for International Peace",
    kind=SourceKind.research_report,
    title="The Global Expansion of AI Surveillance",
    date="2019-09",
    description=(
        "Working paper by Steven Feldstein. Appendix 1 is the AI Global Surveillance (AIGS) Index: the 75 of "
        "176 countries studied where AI surveillance was found, with flags for smart/safe city platforms, "
        "facial recognition, smart policing, Chinese, US and Japanese technology and Belt and Road "
        "membership, and the key companies as printed. Compiled from press and other public reports."
    ),
)


# -- the shipped tables -------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryRef:
    """A row of countries.csv: how the index prints a country, and its ISO code and short name."""

    code: str
    name: str
    file: str
    line: int


@dataclass(frozen=True)
class VendorRef:
    """A row of vendors.csv: a company as printed, resolved to a vendor id, name and headquarters."""

    printed: str
    id: str
    name: str
    aliases: tuple[str, ...]
    hq_country: str | None
    file: str
    line: int


@dataclass(frozen=True)
class AigsRow:
    """One country of the index."""

    line: int
    printed: str
    code: str
    flags: dict[str, bool]
    companies: tuple[str, ...]  # as printed, without "Mult", duplicates dropped
    mult: bool
    key_companies: str  # the cell as printed


@dataclass
class AigsTable:
    """The parsed table and the two mapping tables beside it, with every problem found."""

    path: Path
    rows: list[AigsRow] = field(default_factory=list)
    vendors: dict[str, VendorRef] = field(default_factory=dict)  # by printed name, lower case
    countries: dict[str, CountryRef] = field(default_factory=dict)  # by ISO code
    problems: list[Problem] = field(default_factory=list)


def _read_csv(path: Path, required: Iterable[str], problems: list[Problem]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with their line numbers; a missing file or column is one problem and no rows."""
    name = str(path)
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                problems.append(Problem(name, 1, "-", "-", f"missing column(s): {', '.join(missing)}"))
                return
            for row in reader:
                if None in row:
                    problems.append(Problem(name, reader.line_num, "-", "-", "more cells than header columns"))
                    continue
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(name, 1, "-", "-", f"cannot read CSV: {exc}"))


def _fold(name: str) -> str:
    """Names compare case-insensitively and ignore repeated spaces."""
    return " ".join(name.split()).casefold()


def read_countries(path: Path, problems: list[Problem]) -> tuple[dict[str, CountryRef], dict[str, str]]:
    """countries.csv: ISO references by code, and printed name -> code."""
    refs: dict[str, CountryRef] = {}
    printed: dict[str, str] = {}
    for line, row in _read_csv(path, ("name_as_printed", "code", "name"), problems):
        code, name, as_printed = row["code"], row["name"], row["name_as_printed"]
        label = as_printed or code or "-"
        if code not in ISO_3166_ALPHA2:
            problems.append(Problem(str(path), line, label, "code", f"{code!r} is not an ISO 3166-1 alpha-2 code"))
            continue
        if not name:
            problems.append(Problem(str(path), line, label, "name", "required (the ISO short name)"))
            continue
        if code in refs:
            first = refs[code]
            if first.name != name:
                problems.append(Problem(str(path), line, label, "name", f"{code} is already named {first.name!r}"))
        else:
            refs[code] = CountryRef(code, name, str(path), line)
        if as_printed:
            if _fold(as_printed) in printed:
                problems.append(Problem(str(path), line, label, "name_as_printed", "listed twice"))
            printed[_fold(as_printed)] = code
    return refs, printed


def read_vendors(path: Path, problems: list[Problem]) -> dict[str, VendorRef]:
    """vendors.csv: every company as printed in the index, resolved; rows of one id must agree."""
    refs: dict[str, VendorRef] = {}
    by_id: dict[str, VendorRef] = {}
    for line, row in _read_csv(path, ("company_as_printed", "vendor_id", "name", "aliases", "hq_country"), problems):
        printed = row["company_as_printed"]
        label = printed or "-"
        if not printed:
            problems.append(Problem(str(path), line, label, "company_as_printed", "required"))
            continue
        if _fold(printed) == MULT:
            problems.append(
                Problem(
                    str(path), line, label, "company_as_printed", "'Mult' means multiple domestic firms, not a vendor"
                )
            )
            continue
        if not row["vendor_id"].startswith("vendor:"):
            problems.append(Problem(str(path), line, label, "vendor_id", "must be a vendor: id"))
            continue
        aliases = tuple(a.strip() for a in row["aliases"].split(";") if a.strip())
        try:
            Vendor(
                id=row["vendor_id"],
                name=row["name"],
                aliases=list(aliases),
                hq_country=row["hq_country"] or None,
                sources=[SOURCE_ID],
                confidence=CONFIDENCE,
            )
        except ValidationError as exc:
            for err in exc.errors():
                loc = str(err["loc"][0]) if err["loc"] else "-"
                fname = {"id": "vendor_id"}.get(loc, loc)
                problems.append(Problem(str(path), line, label, fname, err["msg"].removeprefix("Value error, ")))
            continue
        ref = VendorRef(printed, row["vendor_id"], row["name"], aliases, row["hq_country"] or None, str(path), line)
        if _fold(printed) in refs:
            problems.append(Problem(str(path), line, label, "company_as_printed", "listed twice"))
            continue
        first = by_id.setdefault(ref.id, ref)
        if (first.name, first.hq_country) != (ref.name, ref.hq_country):
            problems.append(
                Problem(
                    str(path),
                    line,
                    label,
                    "vendor_id",
                    f"{ref.id} has another name or hq_country at line {first.line}; rows of one vendor must agree",
                )
            )
            continue
        refs[_fold(printed)] = ref
    return refs


def _split_companies(cell: str) -> list[str]:
    """'Mult; Axis, Bosch' -> ['Mult', 'Axis', 'Bosch']."""
    return [part.strip() for chunk in cell.split(";") for part in chunk.split(",") if part.strip()]


def read_table(path: Path, *, vendors: Path | None = None, countries: Path | None = None) -> AigsTable:
    """Read the index (appendix1.csv layout) and the mapping tables; collect every problem, never stop at one.

    The mapping tables default to vendors.csv and countries.csv beside the table.
    """
    table = AigsTable(path)
    problems = table.problems
    country_refs, printed_codes = read_countries(countries or path.parent / COUNTRIES_FILE, problems)
    table.countries = country_refs
    table.vendors = read_vendors(vendors or path.parent / VENDORS_FILE, problems)
    name = str(path)
    seen: dict[str, int] = {}
    unmatched: list[str] = []
    for line, row in _read_csv(path, REQUIRED_COLUMNS, problems):
        printed = row["country"]
        label = printed or "-"
        if not printed:
            problems.append(Problem(name, line, label, "country", "required"))
            continue
        code = printed_codes.get(_fold(printed))
        if code is None and not printed_codes:
            continue  # countries.csv is unreadable: one problem already says so
        if code is None:
            unmatched.append(printed)
            problems.append(
                Problem(name, line, label, "country", f"no ISO country matches {printed!r}: add it to {COUNTRIES_FILE}")
            )
        elif code in seen:
            problems.append(
                Problem(name, line, label, "country", f"{code} is already the country of line {seen[code]}")
            )
            code = None
        flags: dict[str, bool] = {}
        for col in (BRI_FLAG, *TECH_FLAGS, *ORIGIN_FLAGS):
            if row[col] not in ("0", "1"):
                problems.append(Problem(name, line, label, col, f"expected 0 or 1, got {row[col]!r}"))
            flags[col] = row[col] == "1"
        companies: list[str] = []
        mult = False
        for printed_company in _split_companies(row["key_companies"]):
            if _fold(printed_company) == MULT:
                mult = True
                continue
            if any(_fold(c) == _fold(printed_company) for c in companies):
                problems.append(
                    Problem(name, line, label, "key_companies", f"{printed_company!r} is listed twice", "warning")
                )
                continue
            if _fold(printed_company) not in table.vendors:
                if not table.vendors:
                    continue  # vendors.csv is unreadable: one problem already says so
                problems.append(
                    Problem(
                        name,
                        line,
                        label,
                        "key_companies",
                        f"unknown company {printed_company!r}: add it to {VENDORS_FILE}",
                    )
                )
                continue
            companies.append(printed_company)
        if code is None:
            continue
        seen[code] = line
        table.rows.append(AigsRow(line, printed, code, flags, tuple(companies), mult, row["key_companies"]))
    if not table.rows and not any(p.file == name for p in problems):
        problems.append(Problem(name, 1, "-", "-", "the table has no rows"))
    if len(unmatched) > 1:
        # One line that names them all, for a curator who reads only the end of the output.
        problems.append(
            Problem(name, 1, "-", "country", f"{len(unmatched)} unmatched country names: {', '.join(unmatched)}")
        )
    return table


# -- what the store already holds ---------------------------------------------------------------


@dataclass(frozen=True)
class ExistingNode:
    id: str
    name: str
    aliases: tuple[str, ...]
    source_ids: tuple[str, ...]

    @property
    def names(self) -> set[str]:
        return {_fold(n) for n in (self.name, *self.aliases) if n}

    @property
    def imported(self) -> bool:
        """A node this importer created (it cites the index alone): the import may rewrite it."""
        return self.source_ids == (SOURCE_ID,)


@dataclass(frozen=True)
class Existing:
    """The nodes an import matches against or must not overwrite."""

    country_ids: frozenset[str] = frozenset()
    vendors: tuple[ExistingNode, ...] = ()
    initiatives: tuple[ExistingNode, ...] = ()
    source_ids: frozenset[str] = frozenset()


def _existing(view: GraphView, label: str) -> tuple[ExistingNode, ...]:
    return tuple(
        ExistingNode(r["id"], r.get("name") or "", tuple(r.get("aliases") or ()), tuple(r.get("source_ids") or ()))
        for page in view.iter_entities(label)
        for r in page
    )


def read_existing(store: GraphStore) -> Existing:
    """Countries, vendors and initiatives in id order, and whether the index's source is already there."""
    view = GraphView(store)
    return Existing(
        country_ids=frozenset(r["id"] for page in view.iter_entities("Country") for r in page),
        vendors=_existing(view, "Vendor"),
        initiatives=_existing(view, "Initiative"),
        source_ids=frozenset(view.sources([SOURCE_ID])),
    )


# -- mapping to nodes and claims ----------------------------------------------------------------


@dataclass
class AigsReport:
    """What an import resolved and built, for the CLI and the tests."""

    countries: int = 0
    supplies: int = 0
    vendors_matched: dict[str, str] = field(default_factory=dict)  # vendor id in vendors.csv -> store id
    vendors_created: list[str] = field(default_factory=list)
    countries_created: list[str] = field(default_factory=list)
    mult: list[str] = field(default_factory=list)  # countries whose row lists "Mult"
    bri: str = BRI_ID

    def as_dict(self) -> dict[str, Any]:
        return {
            "countries": self.countries,
            "supplies": self.supplies,
            "vendors_matched": dict(sorted(self.vendors_matched.items())),
            "vendors_created": sorted(self.vendors_created),
            "countries_created": sorted(self.countries_created),
            "mult": self.mult,
            "bri": self.bri,
        }


def _claim(type_: str, from_id: str, to_id: str, notes: str, technologies: Iterable[Technology] = ()) -> Claim:
    return Claim.model_validate(
        {
            "type": type_,
            "from": from_id,
            "to": to_id,
            "sources": [SOURCE_ID],
            "confidence": CONFIDENCE,
            "technologies": list(technologies),
            "notes": notes,
            "key": CLAIM_KEY,
        }
    )


def _resolve_vendors(
    groups: dict[str, list[VendorRef]], existing: Existing, problems: list[Problem]
) -> tuple[dict[str, str], list[VendorRef]]:
    """vendors.csv id -> id in the store. Curated vendors (by id, name or alias) win; the rest are created."""
    resolved: dict[str, str] = {}
    to_create: list[VendorRef] = []
    for vid, refs in sorted(groups.items()):
        wanted = {_fold(n) for r in refs for n in (r.printed, r.name, *r.aliases)}
        hits = sorted(
            {v.id for v in existing.vendors if not v.imported and (v.id == vid or v.names & wanted)},
        )
        if len(hits) > 1:
            first = refs[0]
            problems.append(
                Problem(
                    first.file,
                    first.line,
                    first.printed,
                    "vendor_id",
                    f"matches several vendors in the store by name or alias: {', '.join(hits)}",
                )
            )
            continue
        if hits:
            resolved[vid] = hits[0]
        else:
            resolved[vid] = vid
            to_create.append(refs[0])
    return resolved, to_create


def _vendor_node(refs: list[VendorRef]) -> Vendor:
    first = refs[0]
    aliases: list[str] = []
    for name in (*first.aliases, *(r.printed for r in refs)):
        if _fold(name) != _fold(first.name) and all(_fold(name) != _fold(a) for a in aliases):
            aliases.append(name)
    return Vendor(
        id=first.id,
        name=first.name,
        aliases=aliases,
        hq_country=first.hq_country,
        sources=[SOURCE_ID],
        confidence=CONFIDENCE,
        description="Named among the key companies of the AIGS Index 2019 (Carnegie Endowment).",
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _project(row: AigsRow, technologies: list[Technology]) -> Project:
    techs = "; ".join(f"{TECH_WORDS[f]} {_yes(row.flags[f])}" for f in TECH_FLAGS)
    origins = "; ".join(f"{ORIGIN_WORDS[c]} technology {_yes(row.flags[f])}" for f, c in ORIGIN_FLAGS.items())
    companies = f'key companies as printed: "{row.key_companies}"' if row.key_companies else "no key companies named"
    mult = ' ("Mult" = multiple domestic firms)' if row.mult else ""
    return Project(
        id=f"{PROJECT_PREFIX}{row.code}",
        name=f"AI surveillance in {row.printed} (AIGS 2019)",
        country=row.code,
        technologies=technologies,
        sources=[SOURCE_ID],
        confidence=CONFIDENCE,
        description=(
            f"The entry for {row.printed} in the AI Global Surveillance Index 2019: {techs}; {origins}; "
            f"Belt and Road country {_yes(row.flags[BRI_FLAG])}; {companies}{mult}."
        ),
    )


def build_dataset(table: AigsTable, existing: Existing) -> tuple[Dataset, AigsReport]:
    """Nodes and claims for the table. Nodes the store already holds are not rewritten, except those
    this importer created itself; a curated record always wins over the importer's defaults."""
    ds = Dataset(problems=list(table.problems))
    report = AigsReport()
    nodes: list[Node] = []
    claims: list[Claim] = []
    if SOURCE_ID not in existing.source_ids:
        nodes.append(SOURCE)

    used = {_fold(c) for row in table.rows for c in row.companies}
    by_id: dict[str, list[VendorRef]] = {}
    for ref in table.vendors.values():
        if _fold(ref.printed) in used:
            by_id.setdefault(ref.id, []).append(ref)
    resolved, to_create = _resolve_vendors(by_id, existing, ds.problems)
    created = {r.id for r in to_create}
    report.vendors_matched = {vid: sid for vid, sid in resolved.items() if vid not in created}

    # Countries: every code the import points at must exist in the store or be created from countries.csv.
    needed: dict[str, tuple[str, int, str, str]] = {}
    for row in table.rows:
        needed.setdefault(row.code, (str(table.path), row.line, row.printed, "country"))
        for flag, code in ORIGIN_FLAGS.items():
            if row.flags[flag]:
                needed.setdefault(code, (str(table.path), row.line, row.printed, flag))
    for ref in to_create:
        if ref.hq_country:
            needed.setdefault(ref.hq_country, (ref.file, ref.line, ref.printed, "hq_country"))
    for code, (file, line, label, fname) in sorted(needed.items()):
        cid = f"country:{code}"
        if cid in existing.country_ids:
            continue
        cref = table.countries.get(code)
        if cref is None:
            ds.problems.append(
                Problem(file, line, label, fname, f"no {cid} in the store and no row for {code} in {COUNTRIES_FILE}")
            )
            continue
        nodes.append(Country(id=cid, name=cref.name))
        report.countries_created.append(cid)

    for ref in to_create:
        vendor = _vendor_node(by_id[ref.id])
        nodes.append(vendor)
        report.vendors_created.append(vendor.id)
        if vendor.hq_country:
            claims.append(
                _claim(
                    "HEADQUARTERED_IN",
                    vendor.id,
                    f"country:{vendor.hq_country}",
                    f"Headquarters from the importer's {VENDORS_FILE}; the index names the company only.",
                )
            )

    if any(row.flags[BRI_FLAG] for row in table.rows):
        report.bri = _resolve_bri(existing, nodes)

    for row in table.rows:
        country_id = f"country:{row.code}"
        technologies = [Technology.ai_surveillance, *(t for f, t in TECH_FLAGS.items() if row.flags[f])]
        project = _project(row, technologies)
        nodes.append(project)
        report.countries += 1
        mult_note = ""
        if row.mult:
            report.mult.append(country_id)
            mult_note = ' The index lists "Mult": multiple domestic firms, not named.'
        claims.append(_claim("LOCATED_IN", project.id, country_id, "The country entry of the AIGS Index 2019."))
        claims.append(
            _claim(
                "DEPLOYS",
                country_id,
                project.id,
                f"AIGS Index 2019: {row.printed} uses AI surveillance "
                f"({', '.join(TECH_WORDS[f] for f in TECH_FLAGS if row.flags[f]) or 'no type flagged'}).{mult_note}",
                technologies,
            )
        )
        supplied: set[str] = set()
        for printed in row.companies:
            ref = table.vendors[_fold(printed)]
            vendor_id = resolved.get(ref.id)
            if vendor_id is None or vendor_id in supplied:  # unresolved (already a problem), or IBM and IBMN
                continue
            supplied.add(vendor_id)
            claims.append(
                _claim(
                    "SUPPLIES",
                    vendor_id,
                    project.id,
                    f'AIGS Index 2019 lists "{printed}" among the key companies for {row.printed}.',
                    [Technology.ai_surveillance],
                )
            )
            report.supplies += 1
        for flag, code in ORIGIN_FLAGS.items():
            if row.flags[flag]:
                note = f"AIGS Index 2019 flags {ORIGIN_WORDS[code]} AI surveillance technology in {row.printed}."
                if row.mult and code == row.code:
                    note += ' Its key companies include "Mult": multiple domestic firms.'
                claims.append(
                    _claim("USES_TECHNOLOGY_FROM", project.id, f"country:{code}", note, [Technology.ai_surveillance])
                )
        if row.flags[BRI_FLAG]:
            claims.append(
                _claim("MEMBER_OF", country_id, report.bri, f"AIGS Index 2019 lists {row.printed} as a BRI country.")
            )

    ds.nodes = nodes
    ds.claims = claims
    return ds, report


def _resolve_bri(existing: Existing, nodes: list[Node]) -> str:
    """The store's BRI (by id, then by name or alias), or a new initiative:bri citing the index."""
    curated = [i for i in existing.initiatives if not i.imported]
    for node in curated:
        if node.id == BRI_ID:
            return node.id
    for node in curated:
        if node.names & BRI_NAMES:
            return node.id
    nodes.append(
        Initiative(
            id=BRI_ID,
            name="Belt and Road Initiative",
            aliases=["BRI"],
            kind=InitiativeKind.investment_programme,
            sources=[SOURCE_ID],
            confidence=CONFIDENCE,
            description="China's Belt and Road Initiative; created by the AIGS import for its membership column.",
        )
    )
    return BRI_ID


# -- the whole import ---------------------------------------------------------------------------


def import_aigs(
    store: GraphStore,
    path: Path,
    *,
    vendors: Path | None = None,
    countries: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> tuple[Dataset, AigsReport, WriteSummary]:
    """Read, resolve against the store, then write in one transaction: all or nothing, idempotent.

    Raises InvalidRecords (store untouched) if the table or the mapping tables have any error.
    """
    table = read_table(path, vendors=vendors, countries=countries)
    ds, report = build_dataset(table, read_existing(store))
    summary = load_dataset(store, ds, batch_size=batch_size, progress=progress)
    return ds, report, summary
