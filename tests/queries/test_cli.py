"""`survgraph query`: listing, formats, both stores, bad input, --show-cypher."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.cli.common import out as cli_out
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.time import claim_in_force
from survgraph.loaders import load_paths
from survgraph.queries import (
    TEMPLATES,
    run_template,
)
from survgraph.queries.sources import resolve_sources, source_text
from survgraph.schema.models import Source

from ..conftest import Neo4jServer
from .conftest import (
    ACME,
    DATASETS,
    EVERY_TYPE,
    INITECH,
    SMALL,
    Graphs,
    brief,
)

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
    # JSON names each source by its record: {id, publisher, title, date, url}.
    assert [brief({**r, "sources": [s["id"] for s in r["sources"]]}) for r in rows] == [
        INITECH | {"total": 2},
        ACME | {"total": 2},
    ]
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
    embedded = graphs.get("small", "embedded")
    assert json.loads(result.stdout) == resolve_sources(
        embedded, run_template(embedded, "vendor_footprint", {"vendor": "vendor:acme"})
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
    assert (
        "allShortestPaths((a)-[:SUPPLIES|PART_OF*1..5]-(b))\nWHERE all(r IN relationships(p) WHERE true)"
        in result.stdout
    )
    assert "{{" not in result.stdout


# -- --as-of, unknown ids, sources as people read them ----------------------------------------------


def _cli(cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Any:
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(cli_store_dir))
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    return CliRunner().invoke(app, ["query", *args])


@pytest.mark.parametrize("day", ["2015-06-30", "2019-06-30", "2019-07-01"])
def test_cli_as_of_is_the_as_of_parameter(cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    base = ["timeline", "-p", "id=vendor:acme", "--format", "json"]
    by_option = _cli(cli_store_dir, monkeypatch, *base, "--as-of", day)
    by_param = _cli(cli_store_dir, monkeypatch, *base, "-p", f"as_of={day}")
    assert by_option.exit_code == 0 and by_param.exit_code == 0, by_option.output + by_param.output
    rows = json.loads(by_option.stdout)
    assert rows == json.loads(by_param.stdout)
    expected = {
        str(c.id) for c in SMALL.claims if "vendor:acme" in (c.from_id, c.to_id) and claim_in_force(c.start, c.end, day)
    }
    assert {r["claim_id"] for r in rows} == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--as-of", "2019-02-30"], "as_of"),
        (["--as-of", "2019-06"], "as_of"),
        (["--as-of", "yesterday"], "as_of"),
        (["-p", "as_of=2019-13-01"], "as_of"),
        (["--as-of", "2019-06-30", "-p", "as_of=2019-06-30"], "not both"),
        (["-p", "id=vendor:acme"], "given twice"),
    ],
)
def test_cli_bad_as_of_exits_2(
    cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    result = _cli(cli_store_dir, monkeypatch, "timeline", "-p", "id=vendor:acme", *args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "missing", "suggested"),
    [
        (["vendor_footprint", "-p", "vendor=vendor:acm"], "vendor:acm", "vendor:acme"),
        (["vendor_footprint", "-p", "vendor=vendor:globe"], "vendor:globex", "vendor:globex"),
        (["timeline", "-p", "id=project:cable-tv"], "project:cable-tv", "project:cable"),
        (["claims_by_source", "-p", "source=source:test-c"], "source:test-c", "source:test-a"),
        (["vendor_footprint", "-p", "vendor=vendor:zzzzzzzz"], "vendor:zzzzzzzz", None),
        (["vendor_countries", "-p", "vendor=vendor:initek"], "vendor:initek", "vendor:initech"),
    ],
)
def test_cli_unknown_entity_exits_2_with_suggestions(
    cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], missing: str, suggested: str | None
) -> None:
    result = _cli(cli_store_dir, monkeypatch, *args)
    assert result.exit_code == 2, result.output
    message = " ".join(result.stderr.split())
    assert "no entity " + args[-1].partition("=")[2] in message
    if suggested is None:
        assert "did you mean" not in message
    else:
        assert "did you mean" in message and suggested in message
    assert result.stdout == ""


def test_vendor_countries_by_name_or_known_id_is_not_an_error(
    cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that matches nothing is no answer; a known vendor that supplies nothing dated then is none."""
    nobody = _cli(cli_store_dir, monkeypatch, "vendor_countries", "-p", "vendor=Nobody Ltd", "--format", "json")
    assert nobody.exit_code == 0 and json.loads(nobody.stdout) == []
    early = ["vendor_countries", "-p", "vendor=vendor:acme", "--as-of", "2015-01-01", "--format", "json"]
    result = _cli(cli_store_dir, monkeypatch, *early)
    assert result.exit_code == 0 and json.loads(result.stdout) == [], result.output


def test_cli_sources_in_every_format(cli_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON: the source records; CSV and table: "Publisher, Title (date) URL [id]" for each."""
    records = {s.id: s for s in SMALL.nodes if isinstance(s, Source)}
    args = ["timeline", "-p", "id=database:ndc"]
    rows = json.loads(_cli(cli_store_dir, monkeypatch, *args, "--format", "json").stdout)
    claims = {str(c.id): c for c in SMALL.claims}
    assert rows
    for row in rows:
        assert [s["id"] for s in row["sources"]] == sorted(claims[row["claim_id"]].source_ids)
        for s in row["sources"]:
            rec = records[s["id"]]
            assert s == {
                "id": rec.id,
                "publisher": rec.publisher,
                "title": rec.title,
                "date": rec.date,
                "url": None if rec.url is None else str(rec.url),
            }
    texts = {s["id"]: source_text(s) for r in rows for s in r["sources"]}
    assert texts["source:test-a"] == "Test Publisher, Report A (2020-06-21) https://example.org/a [source:test-a]"
    csv_out = _cli(cli_store_dir, monkeypatch, *args, "--format", "csv")
    assert csv_out.exit_code == 0, csv_out.output
    parsed = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert [p["sources"] for p in parsed] == ["; ".join(texts[s["id"]] for s in r["sources"]) for r in rows]
    monkeypatch.setattr(cli_out, "width", 1000)  # one line per cell line: nothing folds
    table = _cli(cli_store_dir, monkeypatch, *args)
    assert table.exit_code == 0, table.output
    for text in texts.values():
        assert text in table.stdout


@pytest.mark.parametrize("engine", ["embedded", "neo4j"])
def test_sources_resolved_on_both_stores(graphs: Graphs, engine: str) -> None:
    store = graphs.get("small", engine)
    rows = run_template(store, "vendor_footprint", {"vendor": "vendor:acme"})
    resolved = resolve_sources(store, rows)
    assert [[s["id"] for s in r["sources"]] for r in resolved] == [r["sources"] for r in rows]
    by_id = {s.id: s for s in SMALL.nodes if isinstance(s, Source)}
    assert all(s["title"] == by_id[s["id"]].title for r in resolved for s in r["sources"])
    # A cited id without a record keeps its id; the other fields are null.
    (ghost,) = resolve_sources(store, [{"sources": ["source:not-recorded"]}])
    assert ghost["sources"] == [
        {"id": "source:not-recorded", "publisher": None, "title": None, "date": None, "url": None}
    ]
