"""A hub-shaped synthetic graph of any size, built as validated records in memory (no YAML), for the
path tests (a few thousand claims) and benchmarks/bench_paths.py (tens of thousands and more).

Hubs are where path searches blow up: forty countries that every project is located in, ten
initiatives that a third of the projects are part of, vendors headquartered in a handful of
countries, banks funding many projects. National data centres are one database in four; state bodies
contract vendors and deploy databases; databases link their data. A tenth of the claims carry dates
(start, and sometimes end), so that `as_of` changes the answers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from survgraph.graph import GraphStore, plan_write
from survgraph.schema import Claim, Node
from survgraph.schema.models import Country, Database, Initiative, Organization, Project, Source, Vendor

COUNTRIES = [
    "AE",
    "AO",
    "AR",
    "BD",
    "BO",
    "BR",
    "CM",
    "DE",
    "EC",
    "EG",
    "ET",
    "FR",
    "GB",
    "GH",
    "ID",
    "IN",
    "IR",
    "KE",
    "KZ",
    "LA",
    "LK",
    "MM",
    "MN",
    "MX",
    "MY",
    "NG",
    "PE",
    "PH",
    "PK",
    "RS",
    "RU",
    "SA",
    "TH",
    "TR",
    "UG",
    "US",
    "UZ",
    "VE",
    "ZM",
    "ZW",
]
HQ = ["CN"] * 4 + ["US", "IL", "DE", "FR", "GB", "RU", "JP", "KR", "SE"]
YEARS = [str(y) for y in range(2012, 2024)]


@dataclass
class HubGraph:
    nodes: list[Node] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    def load(self, store: GraphStore, *, chunk: int = 20000) -> None:
        """Nodes, then claims, in transactions of `chunk` records (Neo4j bounds a transaction's memory)."""
        for i in range(0, len(self.nodes), chunk):
            store.write(plan_write(self.nodes[i : i + chunk], [], store.registry), batch_size=2000)
        for i in range(0, len(self.claims), chunk):
            store.write(plan_write([], self.claims[i : i + chunk], store.registry), batch_size=2000)


def hub_graph(claims: int, *, seed: int = 7) -> HubGraph:
    """About `claims` claims (never fewer than a few hundred) over roughly claims/3 entities."""
    rnd = random.Random(seed)
    projects = max(60, claims // 4)
    vendors = max(20, projects // 12)
    orgs = max(20, projects // 20)
    databases = max(16, projects // 25)
    g = HubGraph()
    sources = [f"source:s{i}" for i in range(20)]
    g.nodes += [Source(id=s, publisher="Synthetic", kind="dataset", title=f"Synthetic {s}") for s in sources]
    codes = sorted(set(COUNTRIES + HQ))
    g.nodes += [Country(id=f"country:{c}", name=f"Country {c}", code=c) for c in codes]
    seen: set[tuple[str, str, str]] = set()

    def src() -> list[str]:
        return [rnd.choice(sources)]

    def claim(etype: str, a: str, b: str, **kw: Any) -> None:
        if a == b or (etype, a, b) in seen:
            return
        seen.add((etype, a, b))
        if rnd.random() < 0.1:  # dated: a start, and sometimes an end
            start = rnd.choice(YEARS)
            kw["start"] = start
            if rnd.random() < 0.5:
                kw["end"] = str(min(2025, int(start) + rnd.randint(0, 4)))
        g.claims.append(
            Claim.model_validate({"type": etype, "from": a, "to": b, "sources": src(), "confidence": "reported", **kw})
        )

    for i in range(vendors):
        hq = rnd.choice(HQ)
        g.nodes.append(
            Vendor(id=f"vendor:v{i}", name=f"Vendor {i:05d}", hq_country=hq, sources=src(), confidence="reported")
        )
        claim("HEADQUARTERED_IN", f"vendor:v{i}", f"country:{hq}")
        if i and rnd.random() < 0.1:
            claim("SUBSIDIARY_OF", f"vendor:v{i}", f"vendor:v{rnd.randrange(i)}")
    for i in range(orgs):
        country = rnd.choice(COUNTRIES)
        kind = "bank" if i % 3 == 0 else "government_agency"
        g.nodes.append(
            Organization(
                id=f"org:o{i}", name=f"Org {i:05d}", kind=kind, country=country, sources=src(), confidence="reported"
            )
        )
        claim("LOCATED_IN", f"org:o{i}", f"country:{country}")
    for i in range(10):
        g.nodes.append(
            Initiative(
                id=f"initiative:i{i}", name=f"Initiative {i}", kind="other", sources=src(), confidence="reported"
            )
        )
    for i in range(databases):
        kind = "national_data_centre" if i % 4 == 0 else "civil_registry"
        country = rnd.choice(COUNTRIES)
        db = f"database:d{i}"
        g.nodes.append(
            Database(id=db, name=f"Database {i:05d}", kind=kind, country=country, sources=src(), confidence="reported")
        )
        if rnd.random() < 0.5:
            claim("LOCATED_IN", db, f"country:{country}")
        if rnd.random() < 0.6:
            claim("SUPPLIES", f"vendor:v{rnd.randrange(vendors)}", db)
        if rnd.random() < 0.5:
            claim("DEPLOYS", f"org:o{rnd.randrange(orgs)}", db)
        if rnd.random() < 0.4:
            claim("LINKS_DATA_WITH", db, f"database:d{rnd.randrange(databases)}")
    for i in range(projects):
        p = f"project:p{i}"
        country = rnd.choice(COUNTRIES)
        g.nodes.append(Project(id=p, name=f"Project {i:06d}", country=country, sources=src(), confidence="reported"))
        claim("LOCATED_IN", p, f"country:{country}")
        for v in rnd.sample(range(vendors), rnd.randint(1, 2)):
            claim("SUPPLIES", f"vendor:v{v}", p)
        if rnd.random() < 0.3:
            claim("FUNDED_BY", p, f"org:o{rnd.randrange(0, orgs, 3)}", amount={"amount": 1000 * i, "currency": "USD"})
        if rnd.random() < 0.2:
            claim("PART_OF", p, f"initiative:i{rnd.randrange(10)}")
        if rnd.random() < 0.15:
            claim("CONTRACTED", f"org:o{rnd.randrange(orgs)}", f"vendor:v{rnd.randrange(vendors)}")
        if rnd.random() < 0.02:
            claim("ACCESSES_DATA_OF", f"vendor:v{rnd.randrange(vendors)}", f"database:d{rnd.randrange(databases)}")
    return g
