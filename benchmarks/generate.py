"""Generate a large synthetic survgraph graph, deterministically (same seed and size, same files).

    python benchmarks/generate.py --claims 1000000 --out DIR [--formats yaml,csv,native] [--seed 7]

The shape is meant to look like the real data at scale: a few huge hubs (country:CN, the biggest vendors,
initiative:bri), power-law degrees everywhere else, one national data centre (a Database of kind
national_data_centre) per country each supplied by a few vendors, sources cited by many claims (also
power-law), and about a third of the claims dated (start, some with an end).

Every record is built through survgraph's own models (so it is valid by construction, and the native
tables hold exactly the rows survgraph would write), then streamed to the files: memory stays bounded by
the number of entities (their ids), never by the number of claims.

Formats (DIR/<format>/):
- yaml:   survgraph record files (sources, entities, claims), each under the loader's 8 MiB file limit;
          `survgraph load DIR/yaml` loads them.
- csv:    the loader's CSV layout (a header of field names, one record a row, lists split on ';', nested
          fields as `field.part` columns): entities-<kind>-NNN.csv for each kind of entity and for the
          sources, claims-NNN.csv for the claims. `survgraph load DIR/csv` loads them.
- native: the tables the engines load natively, with the LOCATED_IN / HEADQUARTERED_IN claims that
          survgraph derives from the country fields written out:
          native/ladybug/: one CSV per node table and per (rel table, from, to), and copy.cypher with the
                           COPY FROM statements (after survgraph's schema DDL);
          native/neo4j/:   neo4j-admin database import CSVs (header in each file's first line) and
                           import-args.txt with the arguments for `neo4j-admin database import full`:
                           the database first (the file options take every word after them), then the
                           files relative to the folder, so that from it
                           `neo4j-admin database import full $(cat import-args.txt)` imports them
                           (benchmarks/bench_neo4j_import.py runs exactly that).
DIR/manifest.json records the sizes, the seed, the hub ids and some sample ids for the benchmarks.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

from pydantic import BaseModel

from survgraph.schema import REGISTRY
from survgraph.schema.annotations import sub_model
from survgraph.schema.iso import ISO_3166_ALPHA2
from survgraph.schema.models import Claim, Node
from survgraph.schema.registry import ColumnType

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GeneratedGraph

FORMATS = ("yaml", "csv", "native")
#: Records per YAML/CSV file: far below the loader's 8 MiB per-file limit at these record sizes.
RECORDS_PER_FILE = 20_000

#: Hubs, most connected first. Countries: a buyer and origin mix with China on top.
HUB_COUNTRIES = ("CN", "PK", "ZW", "KE", "EC", "RS", "UZ", "ZM", "SN", "UG", "EG", "ET", "NG", "VE", "BO")
HUB_VENDORS = (("huawei", "Huawei"), ("hikvision", "Hikvision"), ("zte", "ZTE"), ("dahua", "Dahua"))
HUB_INITIATIVE = ("bri", "Belt and Road Initiative")

#: Share of entities of each kind (countries come on top: every ISO code, about 250).
ENTITY_MIX = (("Vendor", 0.10), ("Organization", 0.25), ("Project", 0.55), ("Database", 0.08), ("Initiative", 0.02))

#: (type, from kind, to kind, weight) of the claims drawn at random (after the structural ones).
CLAIM_MIX: tuple[tuple[str, str, str, float], ...] = (
    ("SUPPLIES", "Vendor", "Project", 40),
    ("SUPPLIES", "Vendor", "Database", 3),
    ("SUPPLIES", "Vendor", "Organization", 4),
    ("CONTRACTED", "Organization", "Vendor", 12),
    ("OPERATED_BY", "Project", "Organization", 8),
    ("FUNDED_BY", "Project", "Organization", 6),
    ("FUNDED_BY", "Project", "Initiative", 2),
    ("PART_OF", "Project", "Initiative", 6),
    ("DEPLOYS", "Organization", "Project", 6),
    ("DEPLOYS", "Organization", "Database", 2),
    ("LINKS_DATA_WITH", "Database", "Database", 3),
    ("ACCESSES_DATA_OF", "Vendor", "Database", 2),
    ("SUBSIDIARY_OF", "Vendor", "Vendor", 1),
    ("CONSIDERS", "Country", "Project", 2),
    ("DEPLOYS", "Country", "Project", 3),
)
TECHNOLOGIES = ("cctv", "facial_recognition", "data_centre", "fibre_network", "lawful_interception", "tracking")
CONFIDENCES = ("confirmed", "reported", "reported", "alleged")
SOURCE_KINDS = ("news_report", "research_report", "official_document", "contract", "company_statement", "dataset")
PRIMARY = frozenset({"official_document", "contract", "company_statement", "dataset"})
ORG_KINDS = ("government", "government_agency", "police", "military", "operator", "bank", "funder", "company")
DB_KINDS = ("civil_registry", "biometric_id", "telecom_records", "financial", "police", "other")


class PowerLaw:
    """Draws items with weight 1 / (rank + 1) ** alpha: the first few are hubs, the rest a long tail."""

    def __init__(self, items: list[str], alpha: float = 1.0) -> None:
        self.items = items
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** alpha for i in range(len(items))))

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.items, cum_weights=self.cum, k=1)[0]


class Sharded:
    """Lines to files of at most RECORDS_PER_FILE records each: name-000.ext, name-001.ext, ..."""

    def __init__(self, folder: Path, name: str, ext: str, header: str = "") -> None:
        self.folder, self.name, self.ext, self.header = folder, name, ext, header
        self.count = 0
        self.file: TextIO | None = None

    def write(self, line: str) -> None:
        if self.count % RECORDS_PER_FILE == 0:
            self.close()
            path = self.folder / f"{self.name}-{self.count // RECORDS_PER_FILE:03d}.{self.ext}"
            self.file = path.open("w", encoding="utf-8", newline="")
            self.file.write(self.header)
        assert self.file is not None
        self.file.write(line)
        self.count += 1

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def _partial_date(rng: random.Random, lo: int = 2008, hi: int = 2024) -> str:
    year = rng.randint(lo, hi)
    if rng.random() < 0.5:
        return str(year)
    return f"{year}-{rng.randint(1, 12):02d}"


def _cell_ladybug(value: Any, ctype: ColumnType) -> str:
    if value is None:
        return ""
    if ctype.value.endswith("[]"):
        return "[" + ",".join(value) + "]"
    return str(value)


def _cell_neo4j(value: Any, ctype: ColumnType) -> str:
    if value is None:
        return ""
    if ctype.value.endswith("[]"):
        return ";".join(value)
    return str(value)


NEO4J_TYPES = {"STRING": "string", "DOUBLE": "double", "INT64": "long", "BOOLEAN": "boolean"}


def _neo4j_header(name: str, ctype: ColumnType) -> str:
    base = ctype.value.removesuffix("[]")
    suffix = "[]" if ctype.value.endswith("[]") else ""
    kind = NEO4J_TYPES.get(base, "string")
    return name if kind == "string" and not suffix else f"{name}:{kind}{suffix}"


class Writers:
    """Every format's files, fed one validated record at a time."""

    def __init__(self, out: Path, formats: set[str]) -> None:
        self.formats = formats
        self.yaml: dict[str, Sharded] = {}
        self.csv_tables: dict[str, tuple[Sharded, list[str]]] = {}
        self.native_files: dict[str, tuple[TextIO, Any]] = {}
        self.neo4j_files: dict[str, tuple[TextIO, Any]] = {}
        self.copy_order: list[tuple[str, str, str, str]] = []  # (kind, table, path, options)
        self.out = out
        for fmt in formats:
            (out / fmt).mkdir(parents=True, exist_ok=True)
        if "native" in formats:
            (out / "native" / "ladybug").mkdir(exist_ok=True)
            (out / "native" / "neo4j").mkdir(exist_ok=True)

    # -- survgraph records ------------------------------------------------------------------

    def record(self, section: str, data: dict[str, Any], kind: str) -> None:
        line = "  - " + json.dumps(data, ensure_ascii=True) + "\n"  # JSON is YAML: a flow mapping
        if "yaml" in self.formats:
            self._yaml("yaml", section, kind).write(line)
        if "csv" in self.formats:
            self._csv_row(kind, data)

    def _yaml(self, fmt: str, section: str, kind: str) -> Sharded:
        key = f"{fmt}/{section}/{kind}"
        w = self.yaml.get(key)
        if w is None:
            w = self.yaml[key] = Sharded(self.out / fmt, f"{section}-{kind.lower()}", "yaml", f"{section}:\n")
        return w

    def _csv_row(self, kind: str, data: dict[str, Any]) -> None:
        got = self.csv_tables.get(kind)
        if got is None:
            # Claims (kind "claim") in claims-NNN.csv, entities and sources in entities-<kind>-NNN.csv; a
            # nested field (a claim's amount, quantity; a project's value) as `field.part` columns.
            model: type[BaseModel] = Claim if kind == "claim" else REGISTRY.node_kinds[kind].model
            fields: list[str] = []
            for name, info in model.model_fields.items():
                key = info.alias or name
                try:
                    nested = sub_model(info.annotation)
                except TypeError:
                    fields.append(key)
                else:
                    fields.extend(f"{key}.{part}" for part in nested.model_fields)
            header = ",".join(fields) + "\r\n"
            stem = "claims" if kind == "claim" else f"entities-{kind.lower()}"
            got = self.csv_tables[kind] = (Sharded(self.out / "csv", stem, "csv", header), fields)
        sharded, fields = got
        cells = []
        for f in fields:
            key, dot, part = f.partition(".")
            v = data.get(key)
            if dot:
                v = None if v is None else v.get(part)
            cells.append(";".join(v) if isinstance(v, list) else ("" if v is None else str(v)))
        buf = _CsvLine()
        csv.writer(buf).writerow(cells)
        sharded.write(buf.text)

    # -- native tables ---------------------------------------------------------------------

    def node_row(self, label: str, row: dict[str, Any]) -> None:
        if "native" not in self.formats:
            return
        cols = REGISTRY.node_columns[label]
        lb = self.native_files.get(label)
        if lb is None:
            path = self.out / "native" / "ladybug" / f"node-{label}.csv"
            f = path.open("w", encoding="utf-8", newline="")
            w = csv.writer(f)
            w.writerow([c.name for c in cols])
            lb = self.native_files[label] = (f, w)
            self.copy_order.append(("node", label, path.name, ""))
            nf = (self.out / "native" / "neo4j" / f"nodes-{label}.csv").open("w", encoding="utf-8", newline="")
            nw = csv.writer(nf)
            nw.writerow(["id:ID", *(_neo4j_header(c.name, c.type) for c in cols if c.name != "id"), ":LABEL"])
            self.neo4j_files[label] = (nf, nw)
        lb[1].writerow([_cell_ladybug(row[c.name], c.type) for c in cols])
        nw = self.neo4j_files[label][1]
        nw.writerow([row["id"], *(_cell_neo4j(row[c.name], c.type) for c in cols if c.name != "id"), label])

    def edge_row(self, etype: str, from_label: str, to_label: str, row: dict[str, Any]) -> None:
        if "native" not in self.formats:
            return
        cols = REGISTRY.edge_columns
        key = f"{etype}__{from_label}__{to_label}"
        lb = self.native_files.get(key)
        if lb is None:
            path = self.out / "native" / "ladybug" / f"rel-{key}.csv"
            f = path.open("w", encoding="utf-8", newline="")
            w = csv.writer(f)
            w.writerow(["from", "to", *(c.name for c in cols)])
            lb = self.native_files[key] = (f, w)
            self.copy_order.append(("rel", etype, path.name, f"from='{from_label}', to='{to_label}'"))
        lb[1].writerow([row["from_id"], row["to_id"], *(_cell_ladybug(row[c.name], c.type) for c in cols)])
        nkey = f"rel:{etype}"
        n = self.neo4j_files.get(nkey)
        if n is None:
            nf = (self.out / "native" / "neo4j" / f"rels-{etype}.csv").open("w", encoding="utf-8", newline="")
            nw = csv.writer(nf)
            nw.writerow([":START_ID", ":END_ID", *(_neo4j_header(c.name, c.type) for c in cols), ":TYPE"])
            n = self.neo4j_files[nkey] = (nf, nw)
        n[1].writerow([row["from_id"], row["to_id"], *(_cell_neo4j(row[c.name], c.type) for c in cols), etype])

    def flush(self) -> None:
        for f, _ in [*self.native_files.values(), *self.neo4j_files.values()]:
            f.flush()

    def close(self) -> None:
        for w in self.yaml.values():
            w.close()
        for sharded, _ in self.csv_tables.values():
            sharded.close()
        for f, _ in [*self.native_files.values(), *self.neo4j_files.values()]:
            f.close()
        if "native" in self.formats:
            lines = ["// COPY FROM statements for LadybugDB, after survgraph's schema DDL (ladybug_statements)."]
            # Node tables first: rels refer to them.
            for _kind, table, name, options in sorted(self.copy_order, key=lambda t: t[0] != "node"):
                opts = f"header=true{', ' + options if options else ''}"
                lines.append(f"COPY {table} FROM '{name}' ({opts});")
            (self.out / "native" / "ladybug" / "copy.cypher").write_text("\n".join(lines) + "\n")
            args = ["neo4j", "--array-delimiter=;", "--id-type=string"]
            args += [f"--nodes={p.name}" for p in sorted((self.out / "native" / "neo4j").glob("nodes-*.csv"))]
            args += [f"--relationships={p.name}" for p in sorted((self.out / "native" / "neo4j").glob("rels-*.csv"))]
            (self.out / "native" / "neo4j" / "import-args.txt").write_text("\n".join(args) + "\n")


class _CsvLine:
    def __init__(self) -> None:
        self.text = ""

    def write(self, s: str) -> int:
        self.text += s
        return len(s)


def generate(
    out: Path, claims: int, *, seed: int = 7, formats: set[str] | None = None, entities: int = 0
) -> GeneratedGraph:
    """Write a graph of about `claims` claims (derived location claims included) and `entities` entities
    (default claims / 5) to `out`; returns what was written."""
    formats = set(FORMATS) if formats is None else formats
    unknown = formats - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown formats {sorted(unknown)}; expected some of {', '.join(FORMATS)}")
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    w = Writers(out, formats)
    label_of: dict[str, str] = {}

    def put_node(section: str, data: dict[str, Any]) -> Node:
        kind = REGISTRY.kind_of_id(data["id"])
        assert kind is not None
        node = kind.model.model_validate(data)
        w.record(section, data, kind.label)
        w.node_row(kind.label, REGISTRY.node_row(node))
        label_of[node.id] = kind.label
        return node

    n_claims = 0

    def put_claim(data: dict[str, Any], *, record: bool = True) -> None:
        nonlocal n_claims
        claim = Claim.model_validate(data)
        assert claim.id is not None
        if record:
            w.record("claims", data, "claim")
        w.edge_row(claim.type, label_of[claim.from_id], label_of[claim.to_id], REGISTRY.edge_row(claim))
        n_claims += 1

    # -- sources: power-law citations ---------------------------------------------------------
    n_sources = max(20, claims // 100)
    publishers = [f"Publisher {i}" for i in range(max(5, n_sources // 20))]
    source_ids = [f"source:s{i:07d}" for i in range(n_sources)]
    for i, sid in enumerate(source_ids):
        data = {
            "id": sid,
            "publisher": publishers[i % len(publishers)],
            "kind": SOURCE_KINDS[i % len(SOURCE_KINDS)],
            "title": f"Synthetic report {i}",
            "date": _partial_date(rng, 2010, 2025),
        }
        if i % 3 == 0:
            data["url"] = f"https://example.org/reports/{i}"
        put_node("sources", data)
    sources = PowerLaw(source_ids, alpha=0.8)
    primary = PowerLaw([sid for i, sid in enumerate(source_ids) if SOURCE_KINDS[i % len(SOURCE_KINDS)] in PRIMARY], 0.8)

    def cite(confidence: str | None = None, k: int = 1) -> list[str]:
        """k sources, power-law; a `confirmed` record cites a primary one (the evidence rule)."""
        got = {sources.draw(rng) for _ in range(k)}
        if confidence == "confirmed":
            got.add(primary.draw(rng))
        return sorted(got)

    # -- countries: every ISO code, the hubs first ---------------------------------------------
    codes = list(HUB_COUNTRIES) + sorted(ISO_3166_ALPHA2 - set(HUB_COUNTRIES))
    for code in codes:
        put_node("entities", {"id": f"country:{code}", "name": f"Country {code}", "sources": cite()})
    country_ids = [f"country:{c}" for c in codes]
    countries = PowerLaw(country_ids, alpha=1.2)

    def country_code() -> str:
        return countries.draw(rng).partition(":")[2]

    # -- entities ---------------------------------------------------------------------------
    total_entities = max(entities or claims // 5, len(codes) + 150)
    rest = total_entities - len(codes)
    counts = {label: max(5, int(rest * share)) for label, share in ENTITY_MIX}
    pools: dict[str, list[str]] = {}
    located = 0
    # Vendors: the hubs first, headquartered mostly in China.
    vendor_ids = [f"vendor:{slug}" for slug, _ in HUB_VENDORS]
    for i in range(counts["Vendor"]):
        vid = vendor_ids[i] if i < len(HUB_VENDORS) else f"vendor:v{i:07d}"
        if i >= len(HUB_VENDORS):
            vendor_ids.append(vid)
        name = HUB_VENDORS[i][1] if i < len(HUB_VENDORS) else f"Vendor {i}"
        hq = "CN" if i < len(HUB_VENDORS) or rng.random() < 0.4 else country_code()
        conf = rng.choice(CONFIDENCES)
        put_node("entities", {"id": vid, "name": name, "hq_country": hq, "sources": cite(conf), "confidence": conf})
        located += 1
    pools["Vendor"] = vendor_ids
    org_ids = [f"org:o{i:07d}" for i in range(counts["Organization"])]
    banks: list[str] = []
    for i, oid in enumerate(org_ids):
        kind = ORG_KINDS[i % len(ORG_KINDS)]
        if kind == "bank":
            banks.append(oid)
        put_node(
            "entities",
            {
                "id": oid,
                "name": f"Organisation {i}",
                "kind": kind,
                "country": country_code(),
                **_cited(cite, rng.choice(CONFIDENCES)),
            },
        )
        located += 1
    pools["Organization"] = org_ids
    initiative_ids = [f"initiative:{HUB_INITIATIVE[0]}"] + [
        f"initiative:i{i:07d}" for i in range(1, counts["Initiative"])
    ]
    for i, iid in enumerate(initiative_ids):
        put_node(
            "entities",
            {
                "id": iid,
                "name": HUB_INITIATIVE[1] if i == 0 else f"Initiative {i}",
                "kind": "investment_programme"
                if i == 0
                else ("economic_corridor", "national_programme", "other")[i % 3],
                "start": "2013" if i == 0 else _partial_date(rng),
                **_cited(cite, "confirmed"),
            },
        )
    pools["Initiative"] = initiative_ids
    project_ids = [f"project:p{i:07d}" for i in range(counts["Project"])]
    for i, pid in enumerate(project_ids):
        pdata: dict[str, Any] = {
            "id": pid,
            "name": f"Project {i}",
            "country": country_code(),
            "technologies": sorted(rng.sample(TECHNOLOGIES, rng.randint(1, 3))),
            **_cited(cite, rng.choice(CONFIDENCES)),
        }
        if rng.random() < 0.4:
            pdata["start"] = _partial_date(rng)
            pdata["status"] = "operational"
        put_node("entities", pdata)
        located += 1
    pools["Project"] = project_ids
    # Databases: one national data centre per country (as far as the count allows), then the rest.
    n_db = counts["Database"]
    ndc_codes = codes[: max(1, min(len(codes), n_db // 4))]
    db_ids: list[str] = []
    ndc_ids: list[str] = []
    for i in range(n_db):
        if i < len(ndc_codes):
            did, kind, code = f"database:ndc-{ndc_codes[i].lower()}", "national_data_centre", ndc_codes[i]
            ndc_ids.append(did)
        else:
            did, kind, code = f"database:d{i:07d}", DB_KINDS[i % len(DB_KINDS)], country_code()
        db_ids.append(did)
        put_node(
            "entities",
            {
                "id": did,
                "name": f"National Data Centre {code}" if kind == "national_data_centre" else f"Database {i}",
                "kind": kind,
                "country": code,
                **_cited(cite, rng.choice(CONFIDENCES)),
            },
        )
        located += 1
    pools["Database"] = db_ids
    pools["Country"] = country_ids
    laws = {label: PowerLaw(ids, alpha=1.0 if label != "Country" else 1.2) for label, ids in pools.items()}
    laws["Initiative"] = PowerLaw(initiative_ids, alpha=1.5)  # initiative:bri dominates
    # The national data centres take only their structural claims (a few suppliers, one operator).
    laws["Database"] = PowerLaw(db_ids[len(ndc_ids) :] or db_ids, alpha=1.0)
    governments = [oid for i, oid in enumerate(org_ids) if ORG_KINDS[i % len(ORG_KINDS)] == "government"]

    # -- the derived location claims, written to the native tables only ---------------------------
    # (survgraph derives them from the country fields at validation; the plain engine needs them spelled out)
    if "native" in formats:
        w.flush()
        for path in _node_rows_with_location(out):
            put_claim(path, record=False)
    else:
        n_claims += located

    # -- structural claims: national data centres supplied by a few vendors; BRI membership -----
    seq = itertools.count()

    def claim(ctype: str, frm: str, to: str) -> None:
        data: dict[str, Any] = {
            "id": f"claim:g{next(seq):08d}",
            "type": ctype,
            "from": frm,
            "to": to,
            **_cited(cite, rng.choice(CONFIDENCES), rng.choice((1, 1, 1, 2))),
        }
        r = rng.random()
        if r < 0.35:
            start = _partial_date(rng)
            data["start"] = start
            if r < 0.12:
                data["end"] = str(rng.randint(int(start[:4]), 2025))
            if len(data["sources"]) > 1:
                data["figure_sources"] = data["sources"][:1]  # which source states the dates
        if ctype == "SUPPLIES" and rng.random() < 0.5:
            data["technologies"] = sorted(rng.sample(TECHNOLOGIES, rng.randint(1, 2)))
        put_claim(data)

    for ndc in ndc_ids:
        suppliers: set[str] = set()
        wanted = rng.randint(2, 4)
        while len(suppliers) < wanted:
            suppliers.add(laws["Vendor"].draw(rng))
        for vendor in sorted(suppliers):  # sorted: a set's order changes from one process to the next
            claim("SUPPLIES", vendor, ndc)
        claim("DEPLOYS", rng.choice(governments), ndc)
    for cid in country_ids[: len(country_ids) * 3 // 5]:
        claim("MEMBER_OF", cid, initiative_ids[0])

    # -- the rest, drawn from the mix, endpoints power-law ---------------------------------------
    weights = list(itertools.accumulate(m[3] for m in CLAIM_MIX))
    while n_claims < claims:
        ctype, fk, tk, _ = rng.choices(CLAIM_MIX, cum_weights=weights, k=1)[0]
        frm = laws[fk].draw(rng)
        to = laws[tk].draw(rng) if not (ctype == "FUNDED_BY" and tk == "Organization" and banks) else rng.choice(banks)
        if frm == to:
            continue
        claim(ctype, frm, to)
    w.close()

    graph = GeneratedGraph(
        claims=n_claims,
        entities=len(label_of) - n_sources,
        sources=n_sources,
        seed=seed,
        root=out,
        yaml_dir=out / "yaml" if "yaml" in formats else None,
        csv_dir=out / "csv" if "csv" in formats else None,
        ladybug_dir=out / "native" / "ladybug" if "native" in formats else None,
        neo4j_dir=out / "native" / "neo4j" if "native" in formats else None,
        hubs=[country_ids[0], initiative_ids[0], *vendor_ids[: len(HUB_VENDORS)]],
        sample_entities=_spread(
            [*vendor_ids[len(HUB_VENDORS) :], *org_ids, *project_ids, *db_ids[len(ndc_ids) :]], 200, rng
        ),
        national_data_centres=ndc_ids,
        sample_sources=source_ids[:10],
    )
    manifest = {
        "claims": graph.claims,
        "entities": graph.entities,
        "sources": graph.sources,
        "seed": seed,
        "formats": sorted(formats),
        "hubs": graph.hubs,
        "sample_entities": graph.sample_entities,
        "national_data_centres": graph.national_data_centres,
        "sample_sources": graph.sample_sources,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    graph.manifest = manifest
    return graph


def _node_rows_with_location(out: Path) -> Iterator[dict[str, Any]]:
    """The claims survgraph derives from location fields (validate._derived_claims), read back from the
    native node tables just written (so that no entity has to stay in memory)."""
    folder = out / "native" / "ladybug"
    for label, fname, edge in (
        ("Vendor", "hq_country", "HEADQUARTERED_IN"),
        ("Organization", "country", "LOCATED_IN"),
        ("Project", "country", "LOCATED_IN"),
        ("Database", "country", "LOCATED_IN"),
    ):
        path = folder / f"node-{label}.csv"
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                code, srcs = row[fname], row["source_ids"].strip("[]")
                if not code or not srcs:
                    continue
                yield {
                    "type": edge,
                    "from": row["id"],
                    "to": f"country:{code}",
                    "sources": srcs.split(","),
                    "confidence": row["confidence"] or None,
                    "notes": f"derived from the {fname} field",
                }


def _cited(cite: Callable[[str | None, int], list[str]], confidence: str, k: int = 1) -> dict[str, Any]:
    return {"sources": cite(confidence, k), "confidence": confidence}


def _spread(ids: list[str], k: int, rng: random.Random) -> list[str]:
    return sorted(rng.sample(ids, min(k, len(ids))))


def load_graph(root: Path) -> GeneratedGraph:
    """A GeneratedGraph from the manifest of an earlier run."""
    m = json.loads((root / "manifest.json").read_text())
    fmts = set(m["formats"])
    return GeneratedGraph(
        claims=m["claims"],
        entities=m["entities"],
        sources=m["sources"],
        seed=m["seed"],
        root=root,
        yaml_dir=root / "yaml" if "yaml" in fmts else None,
        csv_dir=root / "csv" if "csv" in fmts else None,
        ladybug_dir=root / "native" / "ladybug" if "native" in fmts else None,
        neo4j_dir=root / "native" / "neo4j" if "native" in fmts else None,
        hubs=m["hubs"],
        sample_entities=m["sample_entities"],
        national_data_centres=m["national_data_centres"],
        sample_sources=m["sample_sources"],
        manifest=m,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, required=True)
    ap.add_argument("--entities", type=int, default=0, help="default: claims / 5")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: yaml,csv,native")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    if args.claims < 1:
        print("error: --claims must be >= 1", file=sys.stderr)
        return 2
    formats = {f.strip() for f in args.formats.split(",") if f.strip()}
    start = time.perf_counter()
    try:
        g = generate(args.out, args.claims, seed=args.seed, formats=formats, entities=args.entities)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        f"{g.claims:,} claims, {g.entities:,} entities, {g.sources:,} sources -> {args.out} "
        f"({', '.join(sorted(formats))}) in {time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
