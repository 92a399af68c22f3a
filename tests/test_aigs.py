"""The AIGS Index 2019 importer: the published headline figures come back from the graph, on both engines,
into an empty store and into one holding seed_data/; imports are idempotent and all or nothing."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords, load_paths
from survgraph.loaders.aigs import CLAIM_KEY, PROJECT_PREFIX, SOURCE_ID, import_aigs, read_table
from survgraph.queries import run_template

from .conftest import SEED
from .readme_support import run_readme_commands

AIGS_DIR = SEED / "external" / "aigs-2019"
TABLE = AIGS_DIR / "appendix1.csv"

runner = CliRunner()


def _by_technology(store: GraphStore, technology: str) -> list[dict[str, Any]]:
    return run_template(store, "countries_by_technology", {"technology": technology, "source": SOURCE_ID})


def _by_origin(store: GraphStore, origin: str, technology: str = "") -> list[dict[str, Any]]:
    params = {"origin": origin, "technology": technology, "source": SOURCE_ID}
    return run_template(store, "countries_by_origin_flag", params)


def _vendor_countries(store: GraphStore, vendor: str) -> list[dict[str, Any]]:
    return run_template(store, "vendor_countries", {"vendor": vendor, "source": SOURCE_ID})


def _prepare(store: GraphStore, base: str) -> None:
    if base == "seed":
        ds, _ = load_paths(store, [SEED])
        assert not ds.errors


# -- the table as shipped ---------------------------------------------------------------------


def test_the_split_of_key_companies_matches_the_published_pairs() -> None:
    table = read_table(TABLE)
    assert [str(p) for p in table.problems if p.severity == "error"] == []
    assert [p.message for p in table.problems] == ["'Infinova' is listed twice"]
    ours = {(r.printed, c.casefold()) for r in table.rows for c in r.companies}
    with (AIGS_DIR / "country_vendor_edges.csv").open(newline="", encoding="utf-8") as f:
        published = {
            (row["country"], row["key_company_as_printed"].casefold())
            for row in csv.DictReader(f)
            if row["key_company_as_printed"] != "Mult"
        }
    assert ours == published
    assert len(table.rows) == 75
    assert sorted(r.printed for r in table.rows if r.mult) == ["China", "United States"]


# -- the headline figures ---------------------------------------------------------------------


@pytest.mark.parametrize("base", ["empty", "seed"])
def test_headline_figures_come_back_from_the_graph(store: GraphStore, base: str) -> None:
    _prepare(store, base)
    import_aigs(store, TABLE)

    # Published: 75 countries; smart/safe city 56; facial recognition 64; smart policing 52 (the
    # extracted table says 53: see docs/aigs-2019.md).
    assert len(_by_technology(store, "ai_surveillance")) == 75
    assert len(_by_technology(store, "smart_city")) == 56
    assert len(_by_technology(store, "facial_recognition")) == 64
    assert len(_by_technology(store, "smart_policing")) == 53

    # Published: Chinese technology in 63 countries, 36 of them BRI signatories; US technology in 32.
    chinese = _by_origin(store, "CN")
    assert len(chinese) == 63
    assert sum(r["member"] for r in chinese) == 36
    assert len(_by_origin(store, "US")) == 32
    assert len(_by_origin(store, "JP")) == 17  # not a published headline: the table's count

    # Published: NEC 14; Huawei "at least fifty" (49 countries of the table plus China's own).
    assert len(_vendor_countries(store, "NEC")) == 14
    huawei = _vendor_countries(store, "Huawei")
    assert len(huawei) == 49
    assert {r["vendor_id"] for r in huawei} == {"vendor:huawei"}
    assert "country:CN" not in {r["country_id"] for r in huawei}
    # Hikvision 15, Palantir 9, Cisco 6 as published; IBM 10 where the report says 11 (docs).
    assert len(_vendor_countries(store, "vendor:hikvision")) == 15
    assert len(_vendor_countries(store, "Palantir")) == 9
    assert len(_vendor_countries(store, "Cisco")) == 6
    assert len(_vendor_countries(store, "IBM")) == 10


def test_bri_members_with_chinese_technology_and_facial_recognition(store: GraphStore) -> None:
    import_aigs(store, TABLE)
    rows = _by_origin(store, "CN", "facial_recognition")
    members = {r["country_id"] for r in rows if r["member"]}
    assert {"country:PK", "country:MM", "country:RS", "country:KE"} <= members
    assert "country:ZW" not in members  # the index does not list Zimbabwe as a BRI country
    with TABLE.open(newline="", encoding="utf-8") as f:
        recount = [
            r["country"]
            for r in csv.DictReader(f)
            if r["china_ai_tech"] == r["belt_and_road_country"] == r["facial_recognition"] == "1"
        ]
    assert len(members) == len(recount) == 31


# -- idempotent, and friendly to curated records ------------------------------------------------


@pytest.mark.parametrize("base", ["empty", "seed"])
def test_importing_twice_gives_the_same_counts(store: GraphStore, base: str) -> None:
    _prepare(store, base)
    before = store.stats()
    _, report1, first = import_aigs(store, TABLE)
    after_one = store.stats()
    _, report2, second = import_aigs(store, TABLE)
    assert store.stats() == after_one
    assert report1.as_dict() == report2.as_dict() | {"countries_created": report1.as_dict()["countries_created"]}
    assert all(c.created == 0 for c in (*second.nodes.values(), *second.edges.values()))
    added = {k: after_one.edges[k] - before.edges.get(k, 0) for k in after_one.edges}
    assert added["SUPPLIES"] == 208 and added["DEPLOYS"] == 75 and added["USES_TECHNOLOGY_FROM"] == 112
    assert added["MEMBER_OF"] == 43
    assert after_one.nodes["Project"] - before.nodes.get("Project", 0) == 75
    if base == "seed":
        # Curated vendors are matched by name or alias, not duplicated and not rewritten.
        assert report1.vendors_matched["vendor:huawei"] == "vendor:huawei"
        assert after_one.nodes["Country"] == before.nodes["Country"]
        assert after_one.nodes["Initiative"] == before.nodes["Initiative"]
        assert first.nodes["Vendor"].updated == 0


def test_curated_records_keep_their_own_values_and_claims(store: GraphStore) -> None:
    _prepare(store, "seed")
    import_aigs(store, TABLE)
    huawei = store.query(
        "MATCH (v:Vendor) WHERE toLower(v.name) CONTAINS 'huawei' RETURN v.id AS id, v.source_ids AS sources"
    )
    assert [r["id"] for r in huawei] == ["vendor:huawei"]
    assert SOURCE_ID not in huawei[0]["sources"]
    # The seed's own MEMBER_OF claim for Pakistan stays beside the index's, each with its sources.
    rows = store.query(
        "MATCH (:Country {id: 'country:PK'})-[m:MEMBER_OF]->(:Initiative {id: 'initiative:bri'}) "
        "RETURN m.key AS key, m.source_ids AS sources, m.confidence AS confidence ORDER BY key"
    )
    assert len(rows) == 2
    ours = [r for r in rows if r["key"] == CLAIM_KEY]
    assert len(ours) == 1 and ours[0]["sources"] == [SOURCE_ID] and ours[0]["confidence"] == "reported"


def test_mult_is_a_note_not_a_vendor(store: GraphStore) -> None:
    _, report, _ = import_aigs(store, TABLE)
    assert report.mult == ["country:CN", "country:US"]
    vendors = store.query("MATCH (v:Vendor) RETURN v.name AS name, v.aliases AS aliases")
    names = {n.casefold() for r in vendors for n in [r["name"], *r["aliases"]]}
    assert "mult" not in names
    deploys = store.query(
        "MATCH (:Country {id: 'country:CN'})-[d:DEPLOYS]->(p:Project) RETURN d.notes AS notes, p.description AS d"
    )
    assert "multiple domestic firms" in deploys[0]["notes"]
    assert "multiple domestic firms" in deploys[0]["d"]
    # China's "Mult" row still names its foreign firms: Axis, Bosch, IBM, Microsoft, Seagate, Qualcomm.
    suppliers = store.query(
        f"MATCH (v:Vendor)-[:SUPPLIES]->(:Project {{id: '{PROJECT_PREFIX}CN'}}) RETURN v.id AS id ORDER BY id"
    )
    assert [r["id"] for r in suppliers] == [
        "vendor:axis-communications",
        "vendor:bosch",
        "vendor:ibm",
        "vendor:microsoft",
        "vendor:qualcomm",
        "vendor:seagate",
    ]


# -- all or nothing ---------------------------------------------------------------------------


def _broken_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "aigs"
    shutil.copytree(AIGS_DIR, folder)
    table = folder / "appendix1.csv"
    text = table.read_text(encoding="utf-8")
    text = text.replace("\nBurma/Myanmar,", "\nBurma,").replace("\nIvory Coast,", "\nCote dIvoire,")
    text = text.replace('"CloudWalk, Hikvision, Huawei"', '"CloudWalk, Hikvision, Huawei, Acme Vision"')
    table.write_text(text, encoding="utf-8")
    return table


@pytest.mark.parametrize("base", ["empty", "seed"])
def test_a_broken_table_is_refused_whole(store: GraphStore, base: str, tmp_path: Path) -> None:
    _prepare(store, base)
    before = store.stats()
    with pytest.raises(InvalidRecords) as info:
        import_aigs(store, _broken_copy(tmp_path))
    lines = [str(p) for p in info.value.problems]
    table = tmp_path / "aigs" / "appendix1.csv"
    assert f"{table}:11: Burma: country: no ISO country matches 'Burma': add it to countries.csv" in lines
    assert f"{table}:31: Cote dIvoire: country: no ISO country matches 'Cote dIvoire': add it to countries.csv" in lines
    assert f"{table}:76: Zimbabwe: key_companies: unknown company 'Acme Vision': add it to vendors.csv" in lines
    assert any("2 unmatched country names: Burma, Cote dIvoire" in line for line in lines)
    assert store.stats() == before


def test_cli_imports_and_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "data"))
    ok = runner.invoke(app, ["import", "aigs", str(TABLE), "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert '"SUPPLIES"' in ok.stdout
    bad = runner.invoke(app, ["import", "aigs", str(_broken_copy(tmp_path))])
    assert bad.exit_code == 1
    assert "Burma: country: no ISO country matches 'Burma'" in bad.stdout


def test_the_readme_commands_run_and_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def as_json(args: list[str]) -> list[str]:
        return [*args, "--format", "json"] if args[0] == "query" else args

    ran = run_readme_commands(
        "Importing the AIGS Index",
        tmp_path,
        monkeypatch,
        [
            ["load", "seed_data/"],
            ["import", "aigs"],
            ["query", "countries_by_origin_flag"],
            ["query", "vendor_countries"],
        ],
        as_json,
    )
    answers = [json.loads(result.stdout) for args, result in ran if args[0] == "query"]
    bri_facial, nec = answers
    assert len(bri_facial) == 31 and all(r["member"] for r in bri_facial)
    assert {"country:PK", "country:MM", "country:RS", "country:KE"} <= {r["country_id"] for r in bri_facial}
    assert len(nec) == 14 and {r["vendor_id"] for r in nec} == {"vendor:nec"}
