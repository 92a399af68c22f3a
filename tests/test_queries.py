"""Query templates: hand-worked answers on the small fixture graph (and tests/fixtures/queries/), the
same rows from both stores (on the fixtures and on seed_data/), injection in every parameter of every
template, hop bounds, the template file format, the CLI, and the speed of the 6-hop search."""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.loaders import Dataset, load_paths, validate_paths
from survgraph.queries import (
    TEMPLATES,
    ParamSpec,
    Template,
    TemplateError,
    TemplateParamError,
    UnknownTemplate,
    load_templates,
    run_template,
)
from survgraph.queries.lucene import LUCENE_SPECIAL, contains_query, escape_lucene
from survgraph.queries.runners import RUNNERS
from survgraph.queries.templates import parse_template, render_placeholder, template_dir
from survgraph.schema import REGISTRY, Technology

from .conftest import FIXTURES, SEED, Neo4jServer

ENGINES = ["embedded", "neo4j"]
DATASETS: dict[str, list[Path]] = {
    "small": [FIXTURES / "small"],
    "extra": [FIXTURES / "small", FIXTURES / "queries"],
    "seed": [SEED],
}
SMALL = validate_paths(DATASETS["small"])
EXTRA = validate_paths(DATASETS["extra"])


class Graphs:
    """One loaded store per (dataset, engine), for the whole module. Neo4j has one database, so it
    holds the dataset asked for last; tests are ordered to switch rarely. Tests here only read."""

    def __init__(self, server: Neo4jServer, root: Path) -> None:
        self.server = server
        self.root = root
        self.embedded: dict[str, EmbeddedStore] = {}
        self.neo4j: Neo4jStore | None = None
        self.neo4j_holds: str | None = None

    def get(self, dataset: str, engine: str) -> GraphStore:
        if engine == "embedded":
            if dataset not in self.embedded:
                store = EmbeddedStore(self.root / dataset)
                load_paths(store, DATASETS[dataset])
                self.embedded[dataset] = store
            return self.embedded[dataset]
        if self.neo4j is None:
            self.neo4j = self.server.open()
        if self.neo4j_holds != dataset:
            self.neo4j_holds = None
            self.neo4j.clear()
            load_paths(self.neo4j, DATASETS[dataset])
            self.neo4j_holds = dataset
        return self.neo4j

    def close(self) -> None:
        for store in self.embedded.values():
            store.close()
        if self.neo4j is not None:
            self.neo4j.clear()
            self.neo4j.close()


@pytest.fixture(scope="module")
def graphs(neo4j_server: Neo4jServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graphs]:
    g = Graphs(neo4j_server, tmp_path_factory.mktemp("query-graphs"))
    try:
        yield g
    finally:
        g.close()


class Claims:
    """Claim ids by (type, from, to[, source]), computed from the fixture files, not from a store."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def __call__(self, etype: str, a: str, b: str, source: str | None = None) -> str:
        found = [
            c
            for c in self.ds.claims
            if (c.type, c.from_id, c.to_id) == (etype, a, b) and (source is None or source in c.source_ids)
        ]
        assert len(found) == 1, (etype, a, b, source, found)
        assert found[0].id is not None
        return found[0].id


C = Claims(SMALL)
X = Claims(EXTRA)


def brief(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its path reduced to node ids and (type, direction, claim id) steps."""
    out = dict(row)
    if isinstance(out.get("path"), dict):
        p = out["path"]
        out["path"] = (
            [n["id"] for n in p["nodes"]],
            [(r["type"], r["direction"], r["id"]) for r in p["relationships"]],
        )
    return out


def run(graphs: Graphs, engine: str, name: str, params: dict[str, Any], dataset: str = "small") -> list[dict[str, Any]]:
    return run_template(graphs.get(dataset, engine), name, params)


def dump(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with every property, in a fixed order."""
    nodes = store.query("MATCH (n) RETURN n AS n")
    rels = store.query("MATCH ()-[r]->() RETURN r AS r")
    return (
        sorted(json.dumps(r["n"], sort_keys=True) for r in nodes),
        sorted(json.dumps(r["r"], sort_keys=True) for r in rels),
    )


# -- vendors_touching_national_data_centres --------------------------------------------------------

#: By default the search skips HEADQUARTERED_IN and LOCATED_IN; the geographic paths of the small
#: fixture are tested by asking for every type.
EVERY_TYPE = ",".join(REGISTRY.edge_types)

INITECH = {
    "vendor_id": "vendor:initech",
    "vendor_name": "Initech",
    "hops": 2,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 2}],
    "path": (
        ["vendor:initech", "database:registry", "database:ndc"],
        [
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": "Initech -[SUPPLIES]-> Civil Registry -[LINKS_DATA_WITH]-> National Data Centre",
    "sources": ["source:test-a", "source:test-b"],
}
# Acme reaches the data centre only through China, where Initech is headquartered too.
ACME = {
    "vendor_id": "vendor:acme",
    "vendor_name": "Acme Vision",
    "hops": 4,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 4}],
    "path": (
        ["vendor:acme", "country:CN", "vendor:initech", "database:registry", "database:ndc"],
        [
            ("HEADQUARTERED_IN", "->", C("HEADQUARTERED_IN", "vendor:acme", "country:CN")),
            ("HEADQUARTERED_IN", "<-", C("HEADQUARTERED_IN", "vendor:initech", "country:CN")),
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": (
        "Acme Vision -[HEADQUARTERED_IN]-> China <-[HEADQUARTERED_IN]- Initech -[SUPPLIES]-> Civil Registry "
        "-[LINKS_DATA_WITH]-> National Data Centre"
    ),
    "sources": ["source:test-a", "source:test-b"],
}
# Globex: its cable is funded by a bank located in China; 6 claims, and no shorter way.
GLOBEX = {
    "vendor_id": "vendor:globex",
    "vendor_name": "Globex Networks",
    "hops": 6,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 6}],
    "path": (
        [
            "vendor:globex",
            "project:cable",
            "org:state-bank",
            "country:CN",
            "vendor:initech",
            "database:registry",
            "database:ndc",
        ],
        [
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:globex", "project:cable")),
            ("FUNDED_BY", "->", C("FUNDED_BY", "project:cable", "org:state-bank")),
            ("LOCATED_IN", "->", C("LOCATED_IN", "org:state-bank", "country:CN")),
            ("HEADQUARTERED_IN", "<-", C("HEADQUARTERED_IN", "vendor:initech", "country:CN")),
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": (
        "Globex Networks -[SUPPLIES]-> Cable -[FUNDED_BY]-> State Bank -[LOCATED_IN]-> China "
        "<-[HEADQUARTERED_IN]- Initech -[SUPPLIES]-> Civil Registry -[LINKS_DATA_WITH]-> National Data Centre"
    ),
    "sources": ["source:test-a", "source:test-b"],
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [INITECH]),  # default max_hops=3, no geography
        ({"max_hops": 1}, []),
        ({"max_hops": 2}, [INITECH]),
        ({"max_hops": 6}, [INITECH]),  # Acme and Globex are linked only through where they are
        ({"max_hops": 6, "types": "LOCATED_IN"}, []),
        ({"types": EVERY_TYPE}, [INITECH]),
        ({"max_hops": "4", "types": EVERY_TYPE}, [INITECH, ACME]),
        ({"max_hops": 5, "types": EVERY_TYPE}, [INITECH, ACME]),
        ({"max_hops": 6, "types": EVERY_TYPE}, [INITECH, ACME, GLOBEX]),
        ({"max_hops": 6, "country": "ZW", "types": EVERY_TYPE}, [INITECH, ACME, GLOBEX]),
        ({"max_hops": 6, "country": "zw", "types": EVERY_TYPE}, [INITECH, ACME, GLOBEX]),
        ({"max_hops": 6, "country": "PK", "types": EVERY_TYPE}, []),
        ({"max_hops": 6, "country": "", "types": EVERY_TYPE}, [INITECH, ACME, GLOBEX]),
    ],
)
def test_vendors_touching_national_data_centres(
    graphs: Graphs, engine: str, params: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    rows = run(graphs, engine, "vendors_touching_national_data_centres", params)
    assert [brief(r) for r in rows] == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_witness_paths_carry_whole_claims(graphs: Graphs, engine: str) -> None:
    """Path relationships are whole claims (every registry column) plus direction: the API builds
    its claim objects, with sources, from them."""
    (row,) = [
        r
        for r in run(graphs, engine, "vendors_touching_national_data_centres", {"max_hops": 4, "types": EVERY_TYPE})
        if r["hops"] == 4
    ]
    columns = {c.name for c in REGISTRY.edge_columns} | {"type", "direction"}
    for rel in row["path"]["relationships"]:
        assert set(rel) == columns
    first = row["path"]["relationships"][0]
    assert first["source_ids"] == ["source:test-a"]
    assert first["confidence"] == "confirmed"
    assert [n["kind"] for n in row["path"]["nodes"]] == ["Vendor", "Country", "Vendor", "Database", "Database"]


@pytest.mark.parametrize("engine", ENGINES)
def test_vendors_touching_second_data_centre_and_ties(graphs: Graphs, engine: str) -> None:
    """With tests/fixtures/queries/: a data centre in PK, two claims from Pakistan to it (LOCATED_IN and
    DEPLOYS, tie broken by claim id), and vendors reaching it through a contract and a subsidiary."""
    rows = run(
        graphs, engine, "vendors_touching_national_data_centres", {"country": "PK", "types": EVERY_TYPE}, "extra"
    )
    pk_to_ndc = min(X("LOCATED_IN", "database:pk-ndc", "country:PK"), X("DEPLOYS", "country:PK", "database:pk-ndc"))
    direction = "<-" if pk_to_ndc == X("LOCATED_IN", "database:pk-ndc", "country:PK") else "->"
    pk_ndc = [{"id": "database:pk-ndc", "name": "Pakistan National Data Centre", "country": "PK"}]
    via_pk = ("LOCATED_IN" if direction == "<-" else "DEPLOYS", direction, pk_to_ndc)
    assert [brief(r) | {"path_text": None} for r in rows] == [
        {
            "vendor_id": "vendor:zeta",
            "vendor_name": "Zéta Sécurité (ZS)",
            "hops": 1,
            "data_centres": [pk_ndc[0] | {"hops": 1}],
            "path": (
                ["vendor:zeta", "database:pk-ndc"],
                [("SUPPLIES", "->", X("SUPPLIES", "vendor:zeta", "database:pk-ndc"))],
            ),
            "path_text": None,
            "sources": ["source:test-c"],
        },
        {
            "vendor_id": "vendor:acme",
            "vendor_name": "Acme Vision",
            "hops": 2,
            "data_centres": [pk_ndc[0] | {"hops": 2}],
            # country:PK sorts before org:interior-ministry, which also contracted Acme
            "path": (
                ["vendor:acme", "country:PK", "database:pk-ndc"],
                [("CONTRACTED", "<-", X("CONTRACTED", "country:PK", "vendor:acme")), via_pk],
            ),
            "path_text": None,
            "sources": ["source:test-c"],
        },
        {
            "vendor_id": "vendor:globex",
            "vendor_name": "Globex Networks",
            "hops": 3,
            "data_centres": [pk_ndc[0] | {"hops": 3}],
            "path": (
                ["vendor:globex", "project:cable", "country:PK", "database:pk-ndc"],
                [
                    ("SUPPLIES", "->", X("SUPPLIES", "vendor:globex", "project:cable")),
                    ("LOCATED_IN", "->", X("LOCATED_IN", "project:cable", "country:PK")),
                    via_pk,
                ],
            ),
            "path_text": None,
            "sources": ["source:test-b", "source:test-c"],
        },
        {
            "vendor_id": "vendor:initech",
            "vendor_name": "Initech",
            "hops": 3,
            "data_centres": [pk_ndc[0] | {"hops": 3}],
            "path": (
                ["vendor:initech", "vendor:acme", "country:PK", "database:pk-ndc"],
                [
                    ("SUBSIDIARY_OF", "->", X("SUBSIDIARY_OF", "vendor:initech", "vendor:acme")),
                    ("CONTRACTED", "<-", X("CONTRACTED", "country:PK", "vendor:acme")),
                    via_pk,
                ],
            ),
            "path_text": None,
            "sources": ["source:test-c"],
        },
    ]
    # Without the country filter, Initech reaches both data centres: nearest first.
    both = run(graphs, engine, "vendors_touching_national_data_centres", {"max_hops": 3, "types": EVERY_TYPE}, "extra")
    initech = next(r for r in both if r["vendor_id"] == "vendor:initech")
    assert [(d["id"], d["hops"]) for d in initech["data_centres"]] == [("database:ndc", 2), ("database:pk-ndc", 3)]
    assert initech["hops"] == 2


# -- vendor_footprint, country_profile -------------------------------------------------------------


def link(
    category: str, id_: str, name: str, via: list[str], through: list[str], claims: list[str], sources: list[str]
) -> dict[str, Any]:
    return {
        "category": category,
        "id": id_,
        "name": name,
        "via": via,
        "through": through,
        "claims": sorted(claims),
        "sources": sources,
    }


ACME_CAMS_A = C("SUPPLIES", "vendor:acme", "project:city-cams", "source:test-a")
ACME_CAMS_B = C("SUPPLIES", "vendor:acme", "project:city-cams", "source:test-b")
CAMS_IN_PK = C("LOCATED_IN", "project:city-cams", "country:PK")
CABLE_IN_PK = C("LOCATED_IN", "project:cable", "country:PK")
AB = ["source:test-a", "source:test-b"]


@pytest.mark.parametrize("engine", ENGINES)
def test_vendor_footprint(graphs: Graphs, engine: str) -> None:
    assert run(graphs, engine, "vendor_footprint", {"vendor": "vendor:acme"}) == [
        link(
            "country",
            "country:CN",
            "China",
            ["HEADQUARTERED_IN"],
            [],
            [C("HEADQUARTERED_IN", "vendor:acme", "country:CN")],
            ["source:test-a"],
        ),
        link(
            "country",
            "country:PK",
            "Pakistan",
            ["SUPPLIES+LOCATED_IN"],
            ["project:city-cams"],
            [ACME_CAMS_A, ACME_CAMS_B, CAMS_IN_PK],
            AB,
        ),
        link("project", "project:city-cams", "City Cameras", ["SUPPLIES"], [], [ACME_CAMS_A, ACME_CAMS_B], AB),
        # only the first claim lists technologies
        link("technology", "cctv", "cctv", ["SUPPLIES"], ["project:city-cams"], [ACME_CAMS_A], ["source:test-a"]),
        link(
            "technology",
            "facial_recognition",
            "facial_recognition",
            ["SUPPLIES"],
            ["project:city-cams"],
            [ACME_CAMS_A],
            ["source:test-a"],
        ),
    ]
    registry_supply = C("SUPPLIES", "vendor:initech", "database:registry")
    assert run(graphs, engine, "vendor_footprint", {"vendor": "vendor:initech"}) == [
        link(
            "country",
            "country:CN",
            "China",
            ["HEADQUARTERED_IN"],
            [],
            [C("HEADQUARTERED_IN", "vendor:initech", "country:CN")],
            ["source:test-b"],
        ),
        link(
            "country",
            "country:ZW",
            "Zimbabwe",
            ["SUPPLIES+LOCATED_IN"],
            ["database:registry"],
            [registry_supply, C("LOCATED_IN", "database:registry", "country:ZW")],
            ["source:test-b"],
        ),
        link("database", "database:registry", "Civil Registry", ["SUPPLIES"], [], [registry_supply], ["source:test-b"]),
    ]
    assert run(graphs, engine, "vendor_footprint", {"vendor": "vendor:nobody"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_vendor_footprint_contracts_and_organisations(graphs: Graphs, engine: str) -> None:
    rows = {
        (r["category"], r["id"]): r for r in run(graphs, engine, "vendor_footprint", {"vendor": "vendor:acme"}, "extra")
    }
    assert rows["country", "country:PK"]["via"] == ["CONTRACTED", "SUPPLIES+LOCATED_IN"]
    assert rows["country", "country:PK"]["through"] == ["project:city-cams", "project:sub-cams"]
    assert rows["organization", "org:interior-ministry"]["via"] == ["CONTRACTED"]
    assert rows["project", "project:sub-cams"]["claims"] == [X("SUPPLIES", "vendor:acme", "project:sub-cams")]
    assert [k[0] for k in rows] == [
        "country",
        "country",
        "project",
        "project",
        "organization",
        "technology",
        "technology",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_country_profile(graphs: Graphs, engine: str) -> None:
    cable_bank = C("FUNDED_BY", "project:cable", "org:state-bank")
    assert run(graphs, engine, "country_profile", {"country": "PK"}) == [
        link("project", "project:cable", "Cable", ["LOCATED_IN"], [], [CABLE_IN_PK], ["source:test-b"]),
        link("project", "project:city-cams", "City Cameras", ["LOCATED_IN"], [], [CAMS_IN_PK], ["source:test-a"]),
        link(
            "vendor",
            "vendor:acme",
            "Acme Vision",
            ["SUPPLIES+LOCATED_IN"],
            ["project:city-cams"],
            [ACME_CAMS_A, ACME_CAMS_B, CAMS_IN_PK],
            AB,
        ),
        link(
            "vendor",
            "vendor:globex",
            "Globex Networks",
            ["SUPPLIES+LOCATED_IN"],
            ["project:cable"],
            [C("SUPPLIES", "vendor:globex", "project:cable"), CABLE_IN_PK],
            ["source:test-b"],
        ),
        link(
            "funder",
            "org:state-bank",
            "State Bank",
            ["FUNDED_BY+LOCATED_IN"],
            ["project:cable"],
            [cable_bank, CABLE_IN_PK],
            ["source:test-b"],
        ),
        link(
            "organization",
            "org:interior-ministry",
            "Ministry of the Interior",
            ["LOCATED_IN"],
            [],
            [C("LOCATED_IN", "org:interior-ministry", "country:PK")],
            ["source:test-a"],
        ),
        link(
            "initiative",
            "initiative:big",
            "Big Initiative",
            ["MEMBER_OF"],
            [],
            [C("MEMBER_OF", "country:PK", "initiative:big")],
            ["source:test-a"],
        ),
        link(
            "initiative",
            "initiative:corridor",
            "Corridor",
            ["PART_OF+LOCATED_IN"],
            ["project:cable", "project:city-cams"],
            [
                C("PART_OF", "project:city-cams", "initiative:corridor"),
                CAMS_IN_PK,
                C("PART_OF", "project:cable", "initiative:corridor"),
                CABLE_IN_PK,
            ],
            AB,
        ),
    ]
    assert run(graphs, engine, "country_profile", {"country": "cn"}) == [
        link(
            "vendor",
            "vendor:acme",
            "Acme Vision",
            ["HEADQUARTERED_IN"],
            [],
            [C("HEADQUARTERED_IN", "vendor:acme", "country:CN")],
            ["source:test-a"],
        ),
        link(
            "vendor",
            "vendor:initech",
            "Initech",
            ["HEADQUARTERED_IN"],
            [],
            [C("HEADQUARTERED_IN", "vendor:initech", "country:CN")],
            ["source:test-b"],
        ),
        link(
            "organization",
            "org:state-bank",
            "State Bank",
            ["LOCATED_IN"],
            [],
            [C("LOCATED_IN", "org:state-bank", "country:CN")],
            ["source:test-a"],
        ),
    ]
    zw = run(graphs, engine, "country_profile", {"country": "ZW"})
    assert [(r["category"], r["id"]) for r in zw] == [
        ("database", "database:registry"),  # Civil Registry < National Data Centre
        ("database", "database:ndc"),
        ("vendor", "vendor:initech"),
    ]
    assert run(graphs, engine, "country_profile", {"country": "FR"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_country_profile_deploys_considers_supplies_to_country(graphs: Graphs, engine: str) -> None:
    zw = {(r["category"], r["id"]): r for r in run(graphs, engine, "country_profile", {"country": "ZW"}, "extra")}
    assert zw["project", "project:city-cams"]["via"] == ["CONSIDERS"]
    assert zw["vendor", "vendor:zeta"]["via"] == ["SUPPLIES"]  # supplies the country itself
    assert zw["organization", "org:telecom"]["via"] == ["LOCATED_IN"]
    pk = {(r["category"], r["id"]): r for r in run(graphs, engine, "country_profile", {"country": "PK"}, "extra")}
    assert pk["database", "database:pk-ndc"]["via"] == ["DEPLOYS", "LOCATED_IN"]
    assert pk["vendor", "vendor:acme"]["via"] == ["CONTRACTED", "SUPPLIES+LOCATED_IN"]
    assert ("funder", "country:CN") in pk  # City Cameras Phase 2 is funded by China


# -- initiative_projects ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_initiative_projects(graphs: Graphs, engine: str) -> None:
    big_corridor = C("PART_OF", "initiative:corridor", "initiative:big")
    cable_part = C("PART_OF", "project:cable", "initiative:corridor")
    cams_part = C("PART_OF", "project:city-cams", "initiative:corridor")
    cable = {"project_id": "project:cable", "project_name": "Cable", "status": "completed", "country": "PK"}
    cams = {"project_id": "project:city-cams", "project_name": "City Cameras", "status": "operational", "country": "PK"}
    assert run(graphs, engine, "initiative_projects", {"initiative": "initiative:big"}) == [
        cable | {"hops": 2, "via": ["initiative:corridor"], "claims": [cable_part, big_corridor], "sources": AB},
        cams
        | {
            "hops": 2,
            "via": ["initiative:corridor"],
            "claims": [cams_part, big_corridor],
            "sources": ["source:test-a"],
        },
    ]
    assert run(graphs, engine, "initiative_projects", {"initiative": "initiative:big", "nested": "false"}) == []
    assert run(graphs, engine, "initiative_projects", {"initiative": "initiative:big", "max_depth": 1}) == []
    assert run(graphs, engine, "initiative_projects", {"initiative": "initiative:corridor", "nested": False}) == [
        cable | {"hops": 1, "via": [], "claims": [cable_part], "sources": ["source:test-b"]},
        cams | {"hops": 1, "via": [], "claims": [cams_part], "sources": ["source:test-a"]},
    ]
    assert run(graphs, engine, "initiative_projects", {"initiative": "initiative:none"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_initiative_projects_sub_projects_and_cycles(graphs: Graphs, engine: str) -> None:
    """A project under a project counts; a PART_OF cycle gives the shortest chain once on both engines
    (Neo4j matches trails, the embedded engine walks round the cycle up to max_depth)."""
    corridor = run(graphs, engine, "initiative_projects", {"initiative": "initiative:corridor"}, "extra")
    assert [(r["project_id"], r["hops"], r["via"]) for r in corridor] == [
        ("project:cable", 1, []),
        ("project:city-cams", 1, []),
        ("project:sub-cams", 2, ["project:city-cams"]),
    ]
    looped = run(graphs, engine, "initiative_projects", {"initiative": "initiative:loop-b", "max_depth": 10}, "extra")
    assert [(r["project_id"], r["hops"], r["via"], r["claims"]) for r in looped] == [
        (
            "project:looped",
            2,
            ["initiative:loop-a"],
            [
                X("PART_OF", "project:looped", "initiative:loop-a"),
                X("PART_OF", "initiative:loop-a", "initiative:loop-b"),
            ],
        )
    ]


# -- funding_chains --------------------------------------------------------------------------------


def funding(relation: str, a: tuple[str, str], b: tuple[str, str], hops: int, claim: str, **kw: Any) -> dict[str, Any]:
    return {
        "relation": relation,
        "subject_id": a[0],
        "subject_name": a[1],
        "object_id": b[0],
        "object_name": b[1],
        "hops": hops,
        "amount": kw.get("amount"),
        "currency": kw.get("currency"),
        "technologies": kw.get("technologies", []),
        "confidence": kw["confidence"],
        "claim_id": claim,
        "sources": kw["sources"],
    }


CABLE = ("project:cable", "Cable")
BANK = ("org:state-bank", "State Bank")
GLOBEX_REF = ("vendor:globex", "Globex Networks")


@pytest.mark.parametrize("engine", ENGINES)
def test_funding_chains(graphs: Graphs, engine: str) -> None:
    loan = funding(
        "FUNDED_BY",
        CABLE,
        BANK,
        1,
        C("FUNDED_BY", "project:cable", "org:state-bank"),
        amount=44_000_000.0,
        currency="USD",
        confidence="confirmed",
        sources=["source:test-b"],
    )
    supply = funding(
        "SUPPLIES",
        GLOBEX_REF,
        CABLE,
        1,
        C("SUPPLIES", "vendor:globex", "project:cable"),
        technologies=["fibre_network"],
        confidence="reported",
        sources=["source:test-b"],
    )
    # Acme supplies City Cameras, which nobody funds: not listed.
    assert run(graphs, engine, "funding_chains", {"id": "project:cable"}) == [loan, supply]
    # From the vendor, the loan is one claim further out.
    assert run(graphs, engine, "funding_chains", {"id": "vendor:globex", "max_hops": 1}) == []
    assert run(graphs, engine, "funding_chains", {"id": "vendor:globex", "max_hops": 2}) == [supply, loan | {"hops": 2}]
    assert run(graphs, engine, "funding_chains", {"id": "org:state-bank"}) == [loan, supply | {"hops": 2}]
    assert run(graphs, engine, "funding_chains", {"id": "project:nothing"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_funding_chains_through_initiatives(graphs: Graphs, engine: str) -> None:
    rows = run(graphs, engine, "funding_chains", {"id": "project:city-cams", "max_hops": 2}, "extra")
    assert [(r["relation"], r["subject_id"], r["object_id"], r["hops"], r["amount"], r["currency"]) for r in rows] == [
        ("FUNDED_BY", "initiative:corridor", "org:state-bank", 2, 1_000_000_000.0, "CNY"),
        ("FUNDED_BY", "project:sub-cams", "country:CN", 2, None, None),
        ("SUPPLIES", "vendor:acme", "project:sub-cams", 2, None, None),
    ]


# -- data_linkage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_data_linkage(graphs: Graphs, engine: str) -> None:
    link_ = C("LINKS_DATA_WITH", "database:registry", "database:ndc")
    assert [brief(r) for r in run(graphs, engine, "data_linkage", {"database": "database:ndc"})] == [
        {
            "id": "database:registry",
            "name": "Civil Registry",
            "kind": "Database",
            "hops": 1,
            "path": (["database:ndc", "database:registry"], [("LINKS_DATA_WITH", "<-", link_)]),
            "path_text": "National Data Centre <-[LINKS_DATA_WITH]- Civil Registry",
            "sources": ["source:test-a"],
        }
    ]
    assert run(graphs, engine, "data_linkage", {"database": "database:none"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_data_linkage_through_organisations(graphs: Graphs, engine: str) -> None:
    rows = run(graphs, engine, "data_linkage", {"database": "database:registry"}, "extra")
    assert [(r["id"], r["kind"], r["hops"], r["path_text"]) for r in rows] == [
        ("database:ndc", "Database", 1, "Civil Registry -[LINKS_DATA_WITH]-> National Data Centre"),
        ("org:telecom", "Organization", 1, "Civil Registry <-[ACCESSES_DATA_OF]- Zim Telecom"),
        (
            "database:biometrics",
            "Database",
            2,
            "Civil Registry <-[ACCESSES_DATA_OF]- Zim Telecom <-[LINKS_DATA_WITH]- Biometric Register",
        ),
        (
            "vendor:globex",
            "Vendor",
            3,
            "Civil Registry <-[ACCESSES_DATA_OF]- Zim Telecom <-[LINKS_DATA_WITH]- Biometric Register "
            "<-[ACCESSES_DATA_OF]- Globex Networks",
        ),
    ]
    assert [
        r["id"] for r in run(graphs, engine, "data_linkage", {"database": "database:registry", "max_hops": 1}, "extra")
    ] == [
        "database:ndc",
        "org:telecom",
    ]


# -- shortest_path ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_shortest_path(graphs: Graphs, engine: str) -> None:
    """Acme to the cable: five paths of three claims, smallest first (by node ids, then claim ids)."""
    hq = ("HEADQUARTERED_IN", "->", C("HEADQUARTERED_IN", "vendor:acme", "country:CN"))
    bank_cn = ("LOCATED_IN", "<-", C("LOCATED_IN", "org:state-bank", "country:CN"))
    loan = ("FUNDED_BY", "<-", C("FUNDED_BY", "project:cable", "org:state-bank"))
    a, b = sorted([ACME_CAMS_A, ACME_CAMS_B])
    cams_pk = ("LOCATED_IN", "->", CAMS_IN_PK)
    cable_pk = ("LOCATED_IN", "<-", CABLE_IN_PK)
    cams_cor = ("PART_OF", "->", C("PART_OF", "project:city-cams", "initiative:corridor"))
    cable_cor = ("PART_OF", "<-", C("PART_OF", "project:cable", "initiative:corridor"))
    via_pk = ["vendor:acme", "project:city-cams", "country:PK", "project:cable"]
    via_cor = ["vendor:acme", "project:city-cams", "initiative:corridor", "project:cable"]
    rows = run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "project:cable"})
    assert [(r["rank"], r["hops"], r["path"]) for r in map(brief, rows)] == [
        (1, 3, (["vendor:acme", "country:CN", "org:state-bank", "project:cable"], [hq, bank_cn, loan])),
        (2, 3, (via_pk, [("SUPPLIES", "->", a), cams_pk, cable_pk])),
        (3, 3, (via_cor, [("SUPPLIES", "->", a), cams_cor, cable_cor])),
        (4, 3, (via_pk, [("SUPPLIES", "->", b), cams_pk, cable_pk])),
        (5, 3, (via_cor, [("SUPPLIES", "->", b), cams_cor, cable_cor])),
    ]
    assert (
        rows[0]["path_text"]
        == "Acme Vision -[HEADQUARTERED_IN]-> China <-[LOCATED_IN]- State Bank <-[FUNDED_BY]- Cable"
    )
    assert rows[0]["sources"] == AB
    typed = run(
        graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "project:cable", "types": "part_of,SUPPLIES"}
    )
    assert [brief(r)["path"] for r in typed] == [
        (via_cor, [("SUPPLIES", "->", a), cams_cor, cable_cor]),
        (via_cor, [("SUPPLIES", "->", b), cams_cor, cable_cor]),
    ]
    assert [
        r["rank"]
        for r in run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "project:cable", "limit": 1})
    ] == [1]
    assert run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "project:cable", "max_hops": 2}) == []
    assert (
        run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "project:cable", "types": ["MEMBER_OF"]})
        == []
    )
    assert run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "vendor:acme"}) == []
    assert run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "vendor:nobody"}) == []
    (only,) = run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "database:ndc"})
    assert brief(only)["path"] == ACME["path"]


# -- neighbourhood ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_neighbourhood(graphs: Graphs, engine: str) -> None:
    def node(id_: str, kind: str, name: str, hops: int, confidence: str, source: str) -> dict[str, Any]:
        return {
            "element": "node",
            "id": id_,
            "kind": kind,
            "name": name,
            "hops": hops,
            "from_id": None,
            "to_id": None,
            "confidence": confidence,
            "sources": [source],
        }

    def claim(etype: str, a: str, b: str, text: str, confidence: str, source: str) -> dict[str, Any]:
        return {
            "element": "claim",
            "id": C(etype, a, b),
            "kind": etype,
            "name": text,
            "hops": 1,
            "from_id": a,
            "to_id": b,
            "confidence": confidence,
            "sources": [source],
        }

    assert run(graphs, engine, "neighbourhood", {"id": "project:cable"}) == [
        node("project:cable", "Project", "Cable", 0, "confirmed", "source:test-b"),
        node("initiative:corridor", "Initiative", "Corridor", 1, "confirmed", "source:test-a"),
        node("vendor:globex", "Vendor", "Globex Networks", 1, "reported", "source:test-b"),
        node("country:PK", "Country", "Pakistan", 1, "confirmed", "source:test-iso"),
        node("org:state-bank", "Organization", "State Bank", 1, "confirmed", "source:test-a"),
        claim(
            "FUNDED_BY",
            "project:cable",
            "org:state-bank",
            "Cable -[FUNDED_BY]-> State Bank",
            "confirmed",
            "source:test-b",
        ),
        claim(
            "LOCATED_IN", "project:cable", "country:PK", "Cable -[LOCATED_IN]-> Pakistan", "confirmed", "source:test-b"
        ),
        claim(
            "PART_OF",
            "project:cable",
            "initiative:corridor",
            "Cable -[PART_OF]-> Corridor",
            "reported",
            "source:test-b",
        ),
        claim(
            "SUPPLIES",
            "vendor:globex",
            "project:cable",
            "Globex Networks -[SUPPLIES]-> Cable",
            "reported",
            "source:test-b",
        ),
    ]
    two = run(graphs, engine, "neighbourhood", {"id": "project:cable", "depth": 2})
    nodes = [(r["id"], r["hops"]) for r in two if r["element"] == "node"]
    assert nodes[:5] == [
        (r, h)
        for r, h in [
            ("project:cable", 0),
            ("initiative:corridor", 1),
            ("vendor:globex", 1),
            ("country:PK", 1),
            ("org:state-bank", 1),
        ]
    ]
    assert sorted(nodes[5:]) == sorted(
        [
            ("initiative:big", 2),
            ("project:city-cams", 2),
            ("country:CN", 2),
            ("org:interior-ministry", 2),
            ("country:US", 2),
        ]
    )
    claims = [r for r in two if r["element"] == "claim"]
    # the 4 claims of the cable, and the 7 of its neighbours (PK: 3, Corridor: 2, bank: 1, Globex: 1)
    assert len(claims) == 11
    assert sum(1 for r in claims if r["hops"] == 2) == 7
    assert run(graphs, engine, "neighbourhood", {"id": "vendor:nobody"}) == []


# -- vendors_by_technology, countries_by_vendor_origin ---------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_vendors_by_technology(graphs: Graphs, engine: str) -> None:
    cams = {"id": "project:city-cams", "name": "City Cameras", "kind": "Project", "countries": ["PK"]}
    acme = {
        "vendor_id": "vendor:acme",
        "vendor_name": "Acme Vision",
        "hq_country": "CN",
        "basis": "claim",
        "targets": [cams],
        "countries": ["PK"],
        # the second claim lists no technology; the project it supplies lists cctv
        "claims": sorted([ACME_CAMS_A, ACME_CAMS_B]),
        "sources": AB,
    }
    assert run(graphs, engine, "vendors_by_technology", {"technology": "cctv"}) == [acme]
    assert run(graphs, engine, "vendors_by_technology", {"technology": "CCTV", "country": "PK"}) == [acme]
    assert run(graphs, engine, "vendors_by_technology", {"technology": "cctv", "country": "ZW"}) == []
    assert run(graphs, engine, "vendors_by_technology", {"technology": "fibre_network"}) == [
        {
            "vendor_id": "vendor:globex",
            "vendor_name": "Globex Networks",
            "hq_country": "US",
            "basis": "claim",
            "targets": [{"id": "project:cable", "name": "Cable", "kind": "Project", "countries": ["PK"]}],
            "countries": ["PK"],
            "claims": [C("SUPPLIES", "vendor:globex", "project:cable")],
            "sources": ["source:test-b"],
        }
    ]
    assert run(graphs, engine, "vendors_by_technology", {"technology": "biometric_id"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_vendors_by_technology_basis_project_and_country_target(graphs: Graphs, engine: str) -> None:
    ai = run(graphs, engine, "vendors_by_technology", {"technology": "ai_surveillance"}, "extra")
    assert [(r["vendor_id"], r["basis"], [t["id"] for t in r["targets"]]) for r in ai] == [
        ("vendor:acme", "project", ["project:sub-cams"])
    ]
    li = run(graphs, engine, "vendors_by_technology", {"technology": "lawful_interception", "country": "ZW"}, "extra")
    assert [(r["vendor_id"], r["countries"], r["targets"][0]["kind"]) for r in li] == [
        ("vendor:zeta", ["ZW"], "Country")
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_countries_by_vendor_origin(graphs: Graphs, engine: str) -> None:
    assert run(graphs, engine, "countries_by_vendor_origin", {"origin": "CN"}) == [
        {
            "country": "PK",
            "country_name": "Pakistan",
            "vendors": [{"id": "vendor:acme", "name": "Acme Vision"}],
            "targets": [{"id": "project:city-cams", "name": "City Cameras", "kind": "Project"}],
            "claims": sorted(
                [C("HEADQUARTERED_IN", "vendor:acme", "country:CN"), ACME_CAMS_A, ACME_CAMS_B, CAMS_IN_PK]
            ),
            "sources": AB,
        },
        {
            "country": "ZW",
            "country_name": "Zimbabwe",
            "vendors": [{"id": "vendor:initech", "name": "Initech"}],
            "targets": [{"id": "database:registry", "name": "Civil Registry", "kind": "Database"}],
            "claims": sorted(
                [
                    C("HEADQUARTERED_IN", "vendor:initech", "country:CN"),
                    C("SUPPLIES", "vendor:initech", "database:registry"),
                    C("LOCATED_IN", "database:registry", "country:ZW"),
                ]
            ),
            "sources": ["source:test-b"],
        },
    ]
    us = run(graphs, engine, "countries_by_vendor_origin", {"origin": "US"})
    assert [(r["country"], [v["id"] for v in r["vendors"]]) for r in us] == [("PK", ["vendor:globex"])]
    assert run(graphs, engine, "countries_by_vendor_origin", {"origin": "ZW"}) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_countries_by_vendor_origin_ranks_by_vendor_count(graphs: Graphs, engine: str) -> None:
    rows = run(graphs, engine, "countries_by_vendor_origin", {"origin": "CN"}, "extra")
    # One Chinese vendor each (Acme in PK with two projects, Initech in ZW): the tie goes by country code.
    assert [(r["country"], len(r["vendors"]), len(r["targets"])) for r in rows] == [("PK", 1, 2), ("ZW", 1, 1)]
    fr = run(graphs, engine, "countries_by_vendor_origin", {"origin": "FR"}, "extra")
    assert [(r["country"], [t["kind"] for t in r["targets"]]) for r in fr] == [
        ("PK", ["Database"]),
        ("ZW", ["Country"]),
    ]


# -- claims_by_source, search ----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_claims_by_source(graphs: Graphs, engine: str) -> None:
    rows = run(graphs, engine, "claims_by_source", {"source": "source:test-b"})
    assert [(r["element"], r["id"], r["kind"]) for r in rows if r["element"] == "node"] == [
        ("node", "database:registry", "Database"),
        ("node", "project:cable", "Project"),
        ("node", "vendor:globex", "Vendor"),
        ("node", "vendor:initech", "Vendor"),
    ]
    expected = sorted(
        [
            ("FUNDED_BY", "project:cable", "org:state-bank"),
            ("HEADQUARTERED_IN", "vendor:globex", "country:US"),
            ("HEADQUARTERED_IN", "vendor:initech", "country:CN"),
            ("LOCATED_IN", "database:registry", "country:ZW"),
            ("LOCATED_IN", "project:cable", "country:PK"),
            ("PART_OF", "project:cable", "initiative:corridor"),
            ("SUPPLIES", "vendor:acme", "project:city-cams"),
            ("SUPPLIES", "vendor:globex", "project:cable"),
            ("SUPPLIES", "vendor:initech", "database:registry"),
        ]
    )
    claims = [r for r in rows if r["element"] == "claim"]
    assert [(r["kind"], r["from_id"], r["to_id"]) for r in claims] == expected
    assert claims[-1] == {
        "element": "claim",
        "id": C("SUPPLIES", "vendor:initech", "database:registry"),
        "kind": "SUPPLIES",
        "name": "Initech -[SUPPLIES]-> Civil Registry",
        "from_id": "vendor:initech",
        "to_id": "database:registry",
        "confidence": "alleged",
    }
    iso = run(graphs, engine, "claims_by_source", {"source": "source:test-iso"})
    assert [(r["element"], r["name"]) for r in iso] == [
        ("node", "China"),
        ("node", "Pakistan"),
        ("node", "United States"),
        ("node", "Zimbabwe"),
    ]
    assert run(graphs, engine, "claims_by_source", {"source": "source:none"}) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # exact name, then names starting with the text, other names, exact aliases, other aliases
        ("co", [("initiative:corridor", "name"), ("source:test-iso", "name"), ("vendor:acme", "ACME Co")]),
        ("pakistan", [("country:PK", "name")]),
        ("ACME co", [("vendor:acme", "ACME Co")]),
        ("acme", [("vendor:acme", "name")]),
        ("  Initech ", [("vendor:initech", "name")]),
        ("report", [("source:test-a", "name"), ("source:test-b", "name")]),
        ("zz", []),
        ("co)", []),  # a Lucene special character: escaped, and no name contains it
        ('"', []),
        ("*", []),
        ("x' OR 1=1", []),
    ],
)
def test_search(graphs: Graphs, engine: str, text: str, expected: list[tuple[str, str]]) -> None:
    rows = run(graphs, engine, "search", {"text": text})
    assert [(r["id"], r["matched"]) for r in rows] == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_search_unicode_and_special_characters(graphs: Graphs, engine: str) -> None:
    zeta = [("vendor:zeta", "name")]
    for text, expected in [
        ("sécurité", zeta),
        ("ZÉTA", zeta),
        ("é", zeta),
        ("(ZS)", zeta),
        ("ZS+", [("vendor:zeta", "ZS+")]),
        ("zeta*sec", [("vendor:zeta", "Zeta*Sec")]),
        ("annex)", [("source:test-c", "name")]),
        ("漢字", []),
    ]:
        rows = run(graphs, engine, "search", {"text": text}, "extra")
        assert [(r["id"], r["matched"]) for r in rows] == expected, text
    assert [r["id"] for r in run(graphs, engine, "search", {"text": "c", "limit": 2}, "extra")] == [
        "project:cable",
        "country:CN",
    ]


def test_lucene_escaping() -> None:
    assert escape_lucene('a+b-c&&d||e!f(g)h{i}j[k]l^m"n~o*p?q:r\\s/t') == (
        'a\\+b\\-c\\&\\&d\\|\\|e\\!f\\(g\\)h\\{i\\}j\\[k\\]l\\^m\\"n\\~o\\*p\\?q\\:r\\\\s\\/t'
    )
    for ch in LUCENE_SPECIAL:
        assert escape_lucene(ch) == "\\" + ch
    assert contains_query("ACME Co") == "*acme* AND *co*"
    assert contains_query("}) MATCH (n) DETACH DELETE n //") == "*match* AND *n* AND *detach* AND *delete*"
    assert contains_query("Zéta Sécurité") == "*z* AND *ta* AND *s* AND *curit*"
    assert contains_query("漢字 ***") == "*:*"


# -- every template, both stores, same rows ---------------------------------------------------------


def sample_params(template: Template, ds: Dataset) -> list[dict[str, Any]]:
    """A few parameter sets for any template, drawn from the dataset: ids of the kinds a parameter
    takes, codes of countries with claims, technologies in use, name fragments for text."""
    with_claims = {c.from_id for c in ds.claims} | {c.to_id for c in ds.claims}
    nodes = sorted((n for n in ds.nodes if n.id in with_claims), key=lambda n: n.id)

    def spread(values: list[Any], k: int = 4) -> list[Any]:
        values = list(dict.fromkeys(values))
        if len(values) <= k:
            return values
        return [values[i * (len(values) - 1) // (k - 1)] for i in range(k)]

    def values_for(spec: ParamSpec, offset: int) -> list[Any]:
        if spec.check == "entity_id":
            ids = [n.id for n in nodes if not spec.kinds or type(n).__name__ in spec.kinds]
            if spec.kinds == ("Source",):
                ids = sorted({s for c in ds.claims for s in c.source_ids})
            return spread(ids[offset:] + ids[:offset])
        if spec.check == "country_code":
            return spread(sorted({i.partition(":")[2] for i in with_claims if i.startswith("country:")}))
        if spec.check == "technology":
            used = sorted({t.value for c in ds.claims for t in c.technologies}) or [Technology.cctv.value]
            return spread(used)
        if spec.type == "str":
            names = [n.name for n in nodes if n.id.startswith("vendor:")] or [n.name for n in nodes]
            return spread([name[:3] for name in names] if spec.name == "text" else names)
        return []

    required = [p for p in template.params if p.required]
    columns = [values_for(spec, i * 3) for i, spec in enumerate(required)]
    if any(not col for col in columns):
        return []
    sets = [
        {spec.name: col[i % len(col)] for spec, col in zip(required, columns, strict=True)}
        for i in range(max(map(len, columns), default=1))
    ]
    for spec in template.params:
        if spec.type == "int" and spec.max is not None and not spec.required:
            sets.append({**sets[0], spec.name: spec.max})  # the widest search too
    return sets


@functools.cache
def seed_dataset() -> Dataset:
    return validate_paths(DATASETS["seed"])


PARITY_CASES = [(dataset, name) for dataset in ("small", "extra", "seed") for name in TEMPLATES.names()]


@pytest.mark.parametrize(("dataset", "name"), PARITY_CASES, ids=[f"{d}-{n}" for d, n in PARITY_CASES])
def test_same_rows_on_both_stores(graphs: Graphs, dataset: str, name: str) -> None:
    ds = SMALL if dataset == "small" else EXTRA if dataset == "extra" else seed_dataset()
    assert not ds.errors, ds.errors[:5]
    template = TEMPLATES.get(name)
    sets = sample_params(template, ds)
    if dataset != "seed":
        assert sets, f"no parameters drawn for {name}"
    for params in sets:
        answers = {engine: run_template(graphs.get(dataset, engine), name, params) for engine in ENGINES}
        assert answers["embedded"] == answers["neo4j"], (name, params)
        for row in answers["embedded"]:
            assert list(row) == template.columns


# -- injection, bounds ------------------------------------------------------------------------------

PAYLOADS = {
    "quote": "x' OR 1=1",
    "quote-id": "vendor:acme' OR '1'='1",
    "close-and-delete": "}) MATCH (n) DETACH DELETE n //",
    "with-delete": "x' }) WITH 1 AS x MATCH (n) DETACH DELETE n RETURN 1 //",
    "label-break": "Vendor`) DETACH DELETE (n",
    "type-break": "SUPPLIES]->() DETACH DELETE r //",
    "placeholder": "{{max_hops}}",
    "parameter": "$frontier",
    "newline": "a\nMATCH (n) DETACH DELETE n",
    "comment": "/* */ MATCH (n) DETACH DELETE n",
    "semicolon": "1; MATCH (n) DETACH DELETE n",
    "long": "A" * 10_000,
    "unicode": "é漢字🙂\u202eΩ",
    "nul": "a\u0000b",
    "lucene": '*:* OR name:"x"~2 AND (a||b)',
    "number-ish": "1e309",
    "negative": "-1",
    "list": ["SUPPLIES", "}) DETACH DELETE n //"],
}


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_injection_in_every_parameter(graphs: Graphs, name: str) -> None:
    """A clean TemplateParamError or an answer (empty, or the rows of harmless text), never another
    exception; and the graph is exactly as before, on both stores."""
    template = TEMPLATES.get(name)
    base = sample_params(template, SMALL)[0] if sample_params(template, SMALL) else {}
    for engine in ENGINES:
        store = graphs.get("small", engine)
        before = (store.stats(), dump(store))
        for spec in template.params:
            for label, payload in PAYLOADS.items():
                try:
                    rows = run_template(store, name, {**base, spec.name: payload})
                except TemplateParamError as exc:
                    assert exc.details and all(d["param"].startswith(spec.name) for d in exc.details), (label, exc)
                    continue
                assert isinstance(rows, list), (engine, spec.name, label)
        assert (store.stats(), dump(store)) == before


@pytest.mark.parametrize(
    ("name", "params", "param"),
    [
        ("vendors_touching_national_data_centres", {"max_hops": 0}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 7}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": "7"}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": -1}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 3.5}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": True}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": "3..99"}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 10**30}, "max_hops"),
        ("neighbourhood", {"id": "vendor:acme", "depth": 4}, "depth"),
        ("neighbourhood", {"id": "vendor:acme", "depth": 0}, "depth"),
        ("data_linkage", {"database": "database:ndc", "max_hops": 7}, "max_hops"),
        ("funding_chains", {"id": "project:cable", "max_hops": 99}, "max_hops"),
        ("shortest_path", {"from": "vendor:acme", "to": "project:cable", "max_hops": 9}, "max_hops"),
        ("shortest_path", {"from": "vendor:acme", "to": "project:cable", "limit": 0}, "limit"),
        ("initiative_projects", {"initiative": "initiative:big", "max_depth": 11}, "max_depth"),
        ("search", {"text": "a", "limit": 201}, "limit"),
    ],
)
def test_out_of_range_bounds_are_refused(graphs: Graphs, name: str, params: dict[str, Any], param: str) -> None:
    with pytest.raises(TemplateParamError) as caught:
        run_template(graphs.get("small", "embedded"), name, params)
    assert [d["param"] for d in caught.value.details] == [param]


def test_parameter_errors_list_every_problem() -> None:
    with pytest.raises(TemplateParamError) as caught:
        TEMPLATES.get("shortest_path").validate({"from": "nope", "types": "SUPPLIES,NOPE", "max_hops": 0, "extra": 1})
    details = {d["param"]: d for d in caught.value.details}
    assert set(details) == {"from", "to", "types[1]", "max_hops", "extra"}
    assert details["to"]["message"] == "required"
    assert details["extra"]["type"] == "unknown_parameter"
    assert "entity id" in details["from"]["message"]
    assert "unknown edge type" in details["types[1]"]["message"]
    assert isinstance(caught.value, ValueError)
    with pytest.raises(TemplateParamError, match="expected the id of a Vendor"):
        TEMPLATES.get("vendor_footprint").validate({"vendor": "project:cable"})


def test_text_values_are_coerced() -> None:
    t = TEMPLATES.get("shortest_path")
    assert t.validate(
        {"from": " vendor:a ", "to": "vendor:b", "max_hops": "5", "types": "supplies, PART_OF,SUPPLIES", "limit": ""}
    ) == {
        "from": "vendor:a",
        "to": "vendor:b",
        "max_hops": 5,
        "types": ["SUPPLIES", "PART_OF"],
        "limit": 10,
    }
    assert (
        TEMPLATES.get("initiative_projects").validate({"initiative": "initiative:x", "nested": "no"})["nested"] is False
    )
    assert TEMPLATES.get("vendors_touching_national_data_centres").validate({"country": "pk"}) == {
        "max_hops": 3,
        "country": "PK",
        "types": None,
    }
    assert TEMPLATES.get("vendors_by_technology").validate({"technology": " CCTV "})["technology"] == "cctv"


def test_placeholders_only_take_checked_numbers_and_registry_types() -> None:
    t = TEMPLATES.get("shortest_path")
    types = t.param("types")
    hops = t.param("max_hops")
    assert render_placeholder("t", types, ["SUPPLIES", "PART_OF"]) == ":SUPPLIES|PART_OF"
    assert render_placeholder("t", types, None) == ""
    assert render_placeholder("t", hops, 8) == "8"
    for bad_types in (["SUPPLIES]-() DETACH DELETE r //"], ["supplies"], [1]):
        with pytest.raises(TemplateParamError):
            render_placeholder("t", types, bad_types)
    for bad_hops in (9, 0, "3", True, 3.0):
        with pytest.raises(TemplateParamError):
            render_placeholder("t", hops, bad_hops)
    rendered = t.render("expand", "neo4j", t.validate({"from": "vendor:a", "to": "vendor:b", "types": "PART_OF"}))
    assert "[r:PART_OF]" in rendered and "{{" not in rendered


# -- the template files -----------------------------------------------------------------------------


def test_templates_are_packaged_and_well_formed() -> None:
    names = {
        e.name.removesuffix(".cypher").partition(".")[0] for e in template_dir().iterdir() if e.name.endswith(".cypher")
    }
    assert names == set(TEMPLATES.names())
    for required in (
        "vendors_touching_national_data_centres",
        "vendor_footprint",
        "country_profile",
        "initiative_projects",
        "funding_chains",
        "data_linkage",
        "shortest_path",
        "neighbourhood",
        "vendors_by_technology",
        "countries_by_vendor_origin",
        "claims_by_source",
        "search",
    ):
        t = TEMPLATES.get(required)
        assert t.title and t.description and t.columns
        assert all(p.description for p in t.params)
        assert len(t.statements) == 1 or required in RUNNERS, "several statements need a runner"
    assert TEMPLATES.get("search").variants.keys() == {"neo4j"}
    assert sorted(name for name in TEMPLATES.names() if TEMPLATES.get(name).variants) == ["search"]
    assert [t.name for t in TEMPLATES.list()] == sorted(TEMPLATES.names())


def test_unknown_template() -> None:
    with pytest.raises(UnknownTemplate) as caught:
        TEMPLATES.get("drop_everything")
    assert isinstance(caught.value, KeyError)
    assert "unknown template 'drop_everything'" in str(caught.value)
    assert "vendor_footprint" in caught.value.known


def test_json_schema_of_parameters() -> None:
    schema = TEMPLATES.get("vendors_touching_national_data_centres").json_schema()
    assert schema["title"] == "vendors_touching_national_data_centres"
    assert schema["additionalProperties"] is False
    hops = schema["properties"]["max_hops"]
    assert hops["default"] == 3 and {"minimum": 1, "maximum": 6, "type": "integer"} in hops["anyOf"]
    tech = TEMPLATES.get("vendors_by_technology").json_schema()
    assert tech["required"] == ["technology"]
    assert tech["properties"]["technology"]["enum"] == [t.value for t in Technology]


BASE = """// @name sample
// @title Sample
// @description A sample.
// @param max_hops int default=2 min=1 max=4: hops
// @param who str required check=entity_id kinds=Vendor: who
// @column id: the id
"""


@pytest.mark.parametrize(
    ("text", "variants", "message"),
    [
        (BASE + "MATCH (n {id: $nobody}) RETURN n.id AS id", {}, "uses $nobody, which is not declared"),
        (BASE + "MATCH (n)-[*1..{{who}}]-() RETURN n.id AS id", {}, "may be substituted"),
        (BASE + "MATCH (n)-[*1..{{other}}]-() RETURN n.id AS id", {}, "{{other}}, which is not declared"),
        (BASE.replace("@name sample", "@name other") + "RETURN 1 AS id", {}, "does not match the file name"),
        (BASE + "// @frobnicate x\nRETURN 1 AS id", {}, "unknown tag @frobnicate"),
        (BASE + "RETURN 1 AS id\n// @column late: too late\n", {}, "@column after the first statement"),
        (BASE.replace("default=2", "default=9") + "RETURN 1 AS id", {}, "default of max_hops"),
        (BASE.replace("int default=2", "float default=2") + "RETURN 1 AS id", {}, "type 'float'"),
        (BASE.replace("kinds=Vendor", "kinds=Robot") + "RETURN 1 AS id", {}, "unknown node kind 'Robot'"),
        (BASE.replace("check=entity_id", "check=vibes") + "RETURN 1 AS id", {}, "unknown check 'vibes'"),
        (
            BASE + "RETURN 1 AS id",
            {"neo4j": ("sample.neo4j.cypher", "// @param x int: no\nRETURN 2 AS id")},
            "belongs in the base",
        ),
        (BASE + "RETURN 1 AS id", {"mongo": ("sample.mongo.cypher", "RETURN 2 AS id")}, "unknown store 'mongo'"),
        (
            BASE + "RETURN 1 AS id",
            {"neo4j": ("sample.neo4j.cypher", "// @statement other\nRETURN 2 AS id")},
            "is not in",
        ),
        ("// @name sample\nRETURN 1 AS id", {}, "missing @title"),
    ],
)
def test_malformed_templates_are_refused(text: str, variants: dict[str, tuple[str, str]], message: str) -> None:
    with pytest.raises(TemplateError, match=None) as caught:
        parse_template("sample", ("sample.cypher", text), variants)
    assert message in str(caught.value)


def test_load_templates_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "sample.cypher").write_text(BASE + "MATCH (n {id: $who})\nRETURN n.id AS id;\n")
    (tmp_path / "sample.embedded.cypher").write_text(
        "// embedded form\nMATCH (n)\nWHERE n.id = $who\nRETURN n.id AS id\n"
    )
    registry = load_templates(tmp_path)
    t = registry.get("sample")
    assert t.statement("main", "neo4j").text == "MATCH (n {id: $who})\nRETURN n.id AS id"
    assert t.statement("main", "embedded").text == "MATCH (n)\nWHERE n.id = $who\nRETURN n.id AS id"
    (tmp_path / "orphan.neo4j.cypher").write_text("RETURN 1 AS id")
    with pytest.raises(TemplateError, match=r"no base file orphan\.cypher"):
        load_templates(tmp_path)


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_every_statement_plans_as_a_read_on_neo4j(graphs: Graphs, name: str) -> None:
    store = graphs.get("small", "neo4j")
    assert isinstance(store, Neo4jStore)
    template = TEMPLATES.get(name)
    sets = sample_params(template, SMALL)
    values = template.validate(sets[0] if sets else {})
    for stmt in template.statements:
        assert store.explain_query_type(template.render(stmt, "neo4j", values)) == "r", stmt


# -- the CLI ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A loaded embedded store on disk and closed, for the CLI to open read-only."""
    path = tmp_path_factory.mktemp("cli-store")
    store = EmbeddedStore(path)
    load_paths(store, DATASETS["small"])
    store.close()
    return path


def test_cli_query_list(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["query", "--list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert [t["name"] for t in listing] == TEMPLATES.names()
    hops = next(p for p in listing[-1]["params"] if p["name"] == "max_hops")
    assert (hops["min"], hops["max"], hops["default"]) == (1, 6, 3)
    table = runner.invoke(app, ["query", "--list"])
    assert table.exit_code == 0 and "vendor_footprint" in table.stdout


def test_cli_query_formats(cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, graphs: Graphs) -> None:
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(cli_store_dir))
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    runner = CliRunner()
    args = [
        "query",
        "vendors_touching_national_data_centres",
        "--param",
        "max_hops=4",
        "--param",
        f"types={EVERY_TYPE}",
    ]
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [brief(r) for r in rows] == [INITECH, ACME]
    csv_out = runner.invoke(app, [*args, "--format", "csv"])
    lines = csv_out.stdout.splitlines()
    assert lines[0] == ",".join(TEMPLATES.get("vendors_touching_national_data_centres").columns)
    assert len(lines) == 3 and lines[1].startswith("vendor:initech,Initech,2,")
    table = runner.invoke(app, [*args])
    assert table.exit_code == 0, table.output
    assert "Initech" in table.stdout and "Acme Vision" in table.stdout
    listed = runner.invoke(
        app,
        [
            "query",
            "shortest_path",
            "-p",
            "from=vendor:acme",
            "-p",
            "to=project:cable",
            "-p",
            "types=SUPPLIES",
            "-p",
            "types=part_of",
            "--format",
            "json",
        ],
    )
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 2


def test_cli_query_on_neo4j(graphs: Graphs, neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch) -> None:
    graphs.get("small", "neo4j")
    for key, value in neo4j_server.env().items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        app, ["query", "vendor_footprint", "-p", "vendor=vendor:acme", "--store", "neo4j", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == run_template(
        graphs.get("small", "embedded"), "vendor_footprint", {"vendor": "vendor:acme"}
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["vendors_touching_national_data_centres", "-p", "max_hops=7"], "max_hops"),
        (["vendors_touching_national_data_centres", "-p", "country=XX"], "country"),
        (["vendors_touching_national_data_centres", "-p", "colour=red"], "unknown parameter"),
        (["vendors_touching_national_data_centres", "-p", "max_hops"], "expected KEY=VALUE"),
        (["vendors_touching_national_data_centres", "-p", "max_hops=2", "-p", "max_hops=3"], "given twice"),
        (["no_such_template"], "unknown template"),
        ([], "template name"),
        (["search", "-p", "text=a", "--format", "xml"], "--format"),
    ],
)
def test_cli_query_bad_input_exits_2(
    cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(cli_store_dir))
    result = CliRunner().invoke(app, ["query", *args])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_cli_show_cypher() -> None:
    result = CliRunner().invoke(
        app,
        [
            "query",
            "shortest_path",
            "-p",
            "from=vendor:a",
            "-p",
            "to=vendor:b",
            "-p",
            "types=SUPPLIES,PART_OF",
            "-p",
            "max_hops=5",
            "--show-cypher",
            "--store",
            "neo4j",
        ],
    )
    assert result.exit_code == 0, result.output
    assert ':param from => "vendor:a"' in result.stdout
    assert "MATCH (a)-[r:SUPPLIES|PART_OF]-(b)" in result.stdout
    assert "{{" not in result.stdout


# -- speed: the 6-hop search on a hub-heavy graph ----------------------------------------------------


def synthetic_graph(folder: Path, *, vendors: int, projects: int, orgs: int, databases: int, seed: int = 7) -> Path:
    """Vendors supplying projects in 40 countries, projects funded and grouped into initiatives: every
    country and every big vendor a hub, which is where enumerating paths blows up."""
    rnd = random.Random(seed)
    codes = [
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
    ]
    codes += [
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
    hq = ["CN"] * 4 + ["US", "IL", "DE", "FR", "GB", "RU", "JP", "KR", "SE"]
    countries = [{"id": f"country:{c}", "name": c, "sources": ["source:s0"]} for c in sorted(set(codes + hq))]
    sources = [{"id": f"source:s{i}", "publisher": "P", "kind": "dataset", "title": f"Title {i}"} for i in range(50)]
    techs = [t.value for t in Technology]
    entities: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def src() -> list[str]:
        return [f"source:s{rnd.randrange(50)}"]

    def claim(t: str, a: str, b: str, **kw: Any) -> None:
        if (t, a, b) not in seen and a != b:
            seen.add((t, a, b))
            claims.append({"type": t, "from": a, "to": b, "sources": src(), "confidence": "reported", **kw})

    for i in range(vendors):
        entities.append(
            {
                "id": f"vendor:v{i}",
                "name": f"Vendor {i}",
                "hq_country": rnd.choice(hq),
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(orgs):
        entities.append(
            {
                "id": f"org:o{i}",
                "name": f"Org {i}",
                "kind": "bank",
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(10):
        entities.append(
            {
                "id": f"initiative:i{i}",
                "name": f"Initiative {i}",
                "kind": "other",
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(projects):
        entities.append(
            {
                "id": f"project:p{i}",
                "name": f"Project {i}",
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
        for v in rnd.sample(range(vendors), rnd.randint(1, 3)):
            claim("SUPPLIES", f"vendor:v{v}", f"project:p{i}", technologies=[rnd.choice(techs)])
        if rnd.random() < 0.4:
            claim("FUNDED_BY", f"project:p{i}", f"org:o{rnd.randrange(orgs)}")
        if rnd.random() < 0.3:
            claim("PART_OF", f"project:p{i}", f"initiative:i{rnd.randrange(10)}")
    for i in range(databases):
        kind = "national_data_centre" if i % 4 == 0 else "civil_registry"
        entities.append(
            {
                "id": f"database:d{i}",
                "name": f"Database {i}",
                "kind": kind,
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
        if rnd.random() < 0.6:
            claim("SUPPLIES", f"vendor:v{rnd.randrange(vendors)}", f"database:d{i}")
        if rnd.random() < 0.4:
            claim("LINKS_DATA_WITH", f"database:d{i}", f"database:d{rnd.randrange(databases)}")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"sources": sources, "entities": countries + entities, "claims": claims}
    (folder / "graph.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return folder


def test_six_hops_on_a_hub_heavy_graph_agree(neo4j_server: Neo4jServer, tmp_path: Path, graphs: Graphs) -> None:
    """~1,000 entities and ~2,000 claims with country and vendor hubs: both engines give the same
    vendors and witness paths at 6 hops. (Its speed is measured by benchmarks/queries.py, not here.)"""
    folder = synthetic_graph(tmp_path / "synthetic", vendors=100, projects=400, orgs=100, databases=60)
    embedded = EmbeddedStore(tmp_path / "embedded")
    neo4j = neo4j_server.open()
    graphs.neo4j_holds = None  # the shared Neo4j store is reloaded by the next test that needs it
    try:
        neo4j.clear()
        for store in (embedded, neo4j):
            ds, _ = load_paths(store, [folder])
            assert not ds.errors
        answers = {}
        for store in (embedded, neo4j):
            answers[store.name] = run_template(
                store, "vendors_touching_national_data_centres", {"max_hops": 6, "types": EVERY_TYPE}
            )
        assert answers["embedded"] == answers["neo4j"]
        assert len(answers["embedded"]) > 50
    finally:
        embedded.close()
        neo4j.clear()
        neo4j.close()
