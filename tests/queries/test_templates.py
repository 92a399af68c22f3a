"""Each template's hand-worked answers on the small fixture graph (and tests/fixtures/queries/),
on both stores."""

from __future__ import annotations

from typing import Any

import pytest

from survgraph.graph import NoSuchEntity
from survgraph.queries.lucene import LUCENE_SPECIAL, contains_query, escape_lucene
from survgraph.schema import REGISTRY

from .conftest import (
    ACME,
    ENGINES,
    EVERY_TYPE,
    GLOBEX,
    INITECH,
    C,
    Graphs,
    X,
    brief,
    run,
)

# -- vendors_touching_national_data_centres --------------------------------------------------------


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
    assert [brief(r) for r in rows] == [e | {"total": len(expected)} for e in expected]


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
    # Pakistan has two claims to its data centre (LOCATED_IN and DEPLOYS), and Acme two contracts (from
    # Pakistan and from its interior ministry): which of the equally short witnesses comes back is the
    # engine's choice, so the answers are compared, and each witness is checked to be one of them.
    pk_ndc = {"id": "database:pk-ndc", "name": "Pakistan National Data Centre", "country": "PK"}
    assert [(r["vendor_id"], r["vendor_name"], r["hops"], r["data_centres"], r["total"]) for r in rows] == [
        ("vendor:zeta", "Zéta Sécurité (ZS)", 1, [pk_ndc | {"hops": 1}], 4),
        ("vendor:acme", "Acme Vision", 2, [pk_ndc | {"hops": 2}], 4),
        ("vendor:globex", "Globex Networks", 3, [pk_ndc | {"hops": 3}], 4),
        ("vendor:initech", "Initech", 3, [pk_ndc | {"hops": 3}], 4),
    ]
    pk_to_ndc = {X("LOCATED_IN", "database:pk-ndc", "country:PK"), X("DEPLOYS", "country:PK", "database:pk-ndc")}
    contracts = {
        ("country:PK", X("CONTRACTED", "country:PK", "vendor:acme")),
        ("org:interior-ministry", X("CONTRACTED", "org:interior-ministry", "vendor:acme")),
    }
    witnesses = {r["vendor_id"]: brief(r)["path"] for r in rows}
    assert witnesses["vendor:zeta"] == (
        ["vendor:zeta", "database:pk-ndc"],
        [("SUPPLIES", "->", X("SUPPLIES", "vendor:zeta", "database:pk-ndc"))],
    )
    nodes, steps = witnesses["vendor:acme"]
    assert nodes[0] == "vendor:acme" and nodes[-1] == "database:pk-ndc" and (nodes[1], steps[0][2]) in contracts
    nodes, steps = witnesses["vendor:globex"]
    assert nodes[:3] == ["vendor:globex", "project:cable", "country:PK"] and steps[2][2] in pk_to_ndc
    nodes, steps = witnesses["vendor:initech"]
    assert nodes[:2] == ["vendor:initech", "vendor:acme"] and steps[0][2] == X(
        "SUBSIDIARY_OF", "vendor:initech", "vendor:acme"
    )
    assert nodes[-1] == "database:pk-ndc" and len(steps) == 3
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
    with pytest.raises(NoSuchEntity, match="no entity vendor:nobody"):  # not an empty answer
        run(graphs, engine, "vendor_footprint", {"vendor": "vendor:nobody"})


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
    with pytest.raises(NoSuchEntity, match="no entity initiative:none"):
        run(graphs, engine, "initiative_projects", {"initiative": "initiative:none"})


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
    with pytest.raises(NoSuchEntity, match="no entity project:nothing"):
        run(graphs, engine, "funding_chains", {"id": "project:nothing"})


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
    with pytest.raises(NoSuchEntity, match="no entity database:none"):
        run(graphs, engine, "data_linkage", {"database": "database:none"})


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
    with pytest.raises(NoSuchEntity, match="no entity vendor:nobody"):
        run(graphs, engine, "shortest_path", {"from": "vendor:acme", "to": "vendor:nobody"})
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
    with pytest.raises(NoSuchEntity, match="no entity vendor:nobody"):
        run(graphs, engine, "neighbourhood", {"id": "vendor:nobody"})


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
    with pytest.raises(NoSuchEntity, match="no entity source:none"):
        run(graphs, engine, "claims_by_source", {"source": "source:none"})


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
