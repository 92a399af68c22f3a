"""`survgraph query`: listing, formats, both stores, bad input, --show-cypher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_paths
from survgraph.queries import (
    TEMPLATES,
    run_template,
)

from ..conftest import Neo4jServer
from .conftest import (
    ACME,
    DATASETS,
    EVERY_TYPE,
    INITECH,
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
    assert [brief(r) for r in rows] == [INITECH | {"total": 2}, ACME | {"total": 2}]
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
    assert "(()-[r:SUPPLIES|PART_OF]-() WHERE true){1,5}(b)" in result.stdout
    assert "{{" not in result.stdout
