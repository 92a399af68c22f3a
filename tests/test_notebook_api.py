"""`import survgraph` from Python (survgraph/notebook.py), on both stores: the same answers as the command
line (`query --format json`, `export graph`, `query --list`, `validate`, `load`) and the API's entity."""

from __future__ import annotations

import importlib.abc
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

import survgraph
from survgraph.cli import app
from survgraph.errors import UsageError
from survgraph.graph import NoSuchEntity
from survgraph.graph.time import claim_in_force
from survgraph.loaders import InvalidRecords
from survgraph.queries import TEMPLATES, TemplateParamError

from .conftest import FIXTURES, Neo4jServer
from .test_api_support import app_for, serve

SMALL = FIXTURES / "small"
runner = CliRunner()


@dataclass
class Target:
    """A store holding the small graph, the environment the CLI reads to find it, and how to open it."""

    kind: str
    env: dict[str, str]

    def open(self, **options: Any) -> survgraph.Graph:
        return survgraph.open(**options)  # from the environment, as the CLI does

    def cli(self, *args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (args, result.output)
        return result.stdout


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The small graph, loaded once per store for the module (its tests leave it as they found it), with the
    environment set for the CLI and `survgraph.open()`."""
    if request.param == "neo4j":
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        with server.open() as store:
            store.clear()
        env = {"SURVGRAPH_STORE": "neo4j", **server.env()}
    else:
        env = {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(tmp_path_factory.mktemp("nb") / "data")}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        with survgraph.open() as g:
            loaded = g.load(SMALL)
        assert loaded.entities > 0 and loaded.claims > 0
        yield Target(request.param, env)


@pytest.fixture
def graph(target: Target) -> Iterator[survgraph.Graph]:
    with target.open(read_only=target.kind == "embedded") as g:
        yield g


#: Templates with parameters that give rows on the small graph.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("vendor_footprint", {"vendor": "vendor:acme"}),
    ("vendors_touching_national_data_centres", {"max_hops": 3}),
    ("shortest_path", {"from": "vendor:acme", "to": "org:state-bank"}),
    ("funding_chains", {"id": "project:cable"}),
    ("initiative_projects", {"initiative": "initiative:big"}),
    ("claims_by_source", {"source": "source:test-b"}),
]


def _cli_params(params: dict[str, Any]) -> list[str]:
    return [arg for k, v in params.items() for arg in ("-p", f"{k}={v}")]


# -- rows, DataFrames, graphs ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), CASES, ids=[c[0] for c in CASES])
def test_rows_equal_the_cli_json(target: Target, graph: survgraph.Graph, name: str, params: dict[str, Any]) -> None:
    result = graph.run(name, params)
    assert result.rows, "the case must give rows on the small graph"
    assert result.columns == TEMPLATES.get(name).columns
    assert [list(r) for r in result.rows] == [result.columns] * len(result)
    cli_rows = json.loads(target.cli("query", name, *_cli_params(params), "--format", "json"))
    assert result.rows == cli_rows
    # keywords are the same as the mapping, where Python allows the name
    if "from" not in params:
        assert graph.run(name, **params).rows == cli_rows


@pytest.mark.parametrize(("name", "params"), CASES[:3], ids=[c[0] for c in CASES[:3]])
def test_dataframe_has_the_template_columns(graph: survgraph.Graph, name: str, params: dict[str, Any]) -> None:
    result = graph.run(name, params)
    frame = result.to_dataframe()
    assert list(frame.columns) == result.columns
    assert len(frame) == len(result.rows)
    for column in result.columns:
        assert list(frame[column]) == [row[column] for row in result.rows]


def test_empty_result_keeps_its_columns(graph: survgraph.Graph) -> None:
    result = graph.run("vendor_countries", vendor="No Such Vendor")  # a name: no rows, not an error
    assert result.rows == []
    assert list(result.to_dataframe().columns) == TEMPLATES.get("vendor_countries").columns


def test_unknown_id_names_the_closest(graph: survgraph.Graph) -> None:
    with pytest.raises(NoSuchEntity, match="vendor:acme"):
        graph.run("vendor_footprint", vendor="vendor:acm")


def _graphml(target: Target, tmp_path: Path, *selection: str) -> nx.MultiDiGraph[str]:
    out = tmp_path / "export.graphml"
    target.cli("export", "graph", "--format", "graphml", *selection, "-o", str(out))
    g: nx.MultiDiGraph[str] = nx.read_graphml(out, force_multigraph=True)
    return g


def _same_graph(ours: nx.MultiDiGraph[str], exported: nx.MultiDiGraph[str]) -> None:
    """Same entities and claims, each claim between the same ends, with the same attributes (GraphML
    writes numbers as its declared type, so they are compared as numbers)."""

    def norm(attrs: dict[str, Any]) -> dict[str, Any]:
        return {k: float(v) if isinstance(v, int | float) else v for k, v in attrs.items()}

    assert set(ours.nodes) == set(exported.nodes)
    for node, attrs in ours.nodes(data=True):
        assert norm(attrs) == norm(exported.nodes[node])
    ours_edges = {d["id"]: (u, v, norm(d)) for u, v, d in ours.edges(data=True)}
    exported_edges = {d["id"]: (u, v, norm(d)) for u, v, d in exported.edges(data=True)}
    assert ours_edges == exported_edges
    assert set(ours_edges) == {k for _, _, k in ours.edges(keys=True)}


def test_result_graph_is_the_export_graph_selection(target: Target, graph: survgraph.Graph, tmp_path: Path) -> None:
    params = {"max_hops": 3}
    ours = graph.run("vendors_touching_national_data_centres", params).to_networkx()
    assert ours.number_of_edges() > 0
    exported = _graphml(target, tmp_path, "--query", "vendors_touching_national_data_centres", *_cli_params(params))
    _same_graph(ours, exported)
    # and subgraph(query=...) is the same selection
    _same_graph(graph.subgraph(query="vendors_touching_national_data_centres", params=params), exported)


def test_subgraph_of_an_entity_and_of_everything(target: Target, graph: survgraph.Graph, tmp_path: Path) -> None:
    ego = graph.subgraph(entity="vendor:acme", depth=2)
    _same_graph(ego, _graphml(target, tmp_path, "--entity", "vendor:acme", "--depth", "2"))
    whole = graph.subgraph()
    _same_graph(whole, _graphml(target, tmp_path))
    stats = graph.stats()
    assert whole.number_of_edges() == sum(stats["edges"].values())
    acme = whole.nodes["vendor:acme"]
    assert (acme["kind"], acme["label"], acme["country"], acme["confidence"]) == (
        "Vendor",
        "Acme Vision",
        "CN",
        "confirmed",
    )
    dated = [d for _, _, d in whole.edges(data=True) if d.get("start_date")]
    assert dated and all({"claim_type", "confidence", "source_ids", "sources"} <= set(d) for d in dated)


@pytest.mark.parametrize("as_of", ["2015-06-30", "2018-01-01", "2019-07-01"])
def test_subgraph_as_of_keeps_the_claims_in_force(graph: survgraph.Graph, as_of: str) -> None:
    whole = graph.subgraph()
    expected = {
        d["id"] for _, _, d in whole.edges(data=True) if claim_in_force(d.get("start_date"), d.get("end_date"), as_of)
    }
    dated = graph.subgraph(as_of=as_of)
    assert {d["id"] for _, _, d in dated.edges(data=True)} == expected
    assert expected != {d["id"] for _, _, d in whole.edges(data=True)}  # the date does leave some out
    assert set(dated.nodes) == set(whole.nodes)  # entities are not dated


def test_as_of_is_the_templates_own_parameter(graph: survgraph.Graph) -> None:
    """`as_of=` is passed as the template's `as_of`: the same rows as the mapping (and the CLI's -p), or
    the same refusal from a template that does not declare it."""
    for name, params in CASES:
        try:
            expected: Any = graph.run(name, {**params, "as_of": "2018-01-01"}).rows
        except TemplateParamError as exc:
            assert "as_of" in str(exc)
            with pytest.raises(TemplateParamError, match="as_of"):
                graph.run(name, params, as_of="2018-01-01")
        else:
            assert graph.run(name, params, as_of="2018-01-01").rows == expected


# -- paths, entities, templates --------------------------------------------------------------------


def test_paths_are_the_shortest_path_template(target: Target, graph: survgraph.Graph) -> None:
    result = graph.paths("vendor:acme", "org:state-bank", max_hops=4)
    cli = json.loads(
        target.cli("query", "shortest_path", "-p", "from=vendor:acme", "-p", "to=org:state-bank", "--format", "json")
    )
    assert result.rows == cli and result.rows
    first = graph.shortest_path("vendor:acme", "org:state-bank")
    assert first == cli[0]
    ends = (first["path"]["nodes"][0]["id"], first["path"]["nodes"][-1]["id"])
    assert ends == ("vendor:acme", "org:state-bank")
    assert first["hops"] == len(first["path"]["relationships"])
    # the witness path is in the result's graph
    g = result.to_networkx()
    assert {r["id"] for r in first["path"]["relationships"]} <= {k for _, _, k in g.edges(keys=True)}
    assert graph.shortest_path("vendor:acme", "org:state-bank", max_hops=1) is None


def test_entity_is_what_the_api_answers(graph: survgraph.Graph) -> None:
    entity = graph.entity("project:city-cams")
    with serve(app_for(graph.store)) as (_, client):
        body = client.get("/entities/project:city-cams").json()
    assert {"entity": entity.entity, "sources": entity.sources, "outgoing": entity.outgoing} == {
        k: body[k] for k in ("entity", "sources", "outgoing")
    }
    assert entity.incoming == body["incoming"]
    assert (entity.id, entity.kind, entity.name) == ("project:city-cams", "Project", "City Cameras")
    assert len(entity.claims) == len(body["outgoing"]) + len(body["incoming"]) > 0
    with pytest.raises(UsageError, match="no entity"):
        graph.entity("vendor:nobody")


def test_templates_are_the_cli_listing(target: Target) -> None:
    listed = json.loads(target.cli("query", "--list", "--format", "json"))
    assert [t.as_dict() for t in survgraph.templates()] == listed
    shortest = next(t for t in survgraph.templates() if t.name == "shortest_path")
    assert [p.name for p in shortest.params][:2] == ["from", "to"]


# -- records -----------------------------------------------------------------------------------------


def test_validate_reports_what_the_cli_reports(target: Target) -> None:
    bad = FIXTURES / "bad"
    report = survgraph.validate(bad)
    assert not report.ok and report.errors
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert [str(p) for p in report.errors] == [ln for ln in result.stdout.splitlines() if not ln.startswith("warn")]
    good = survgraph.validate(SMALL)
    assert good.ok and good.entities > 0


def test_load_is_all_or_nothing_and_idempotent(target: Target) -> None:
    with target.open() as g:
        before = g.stats()
        with pytest.raises(InvalidRecords) as refused:
            g.load(SMALL, FIXTURES / "bad" / "unknown_reference.yaml")
        assert refused.value.problems
        assert g.stats() == before
        again = g.load(SMALL)
    assert all(c["created"] == 0 for section in again.written.values() for c in section.values())
    cli = json.loads(target.cli("load", str(SMALL), "--format", "json"))
    assert again.written == cli


# -- opening -----------------------------------------------------------------------------------------


def test_open_a_folder(tmp_path: Path) -> None:
    with survgraph.open(tmp_path / "g") as g:
        loaded = g.load(SMALL)
        stats = g.stats()
    assert sum(stats["nodes"].values()) >= loaded.entities
    with survgraph.open(str(tmp_path / "g"), read_only=True) as g:
        assert g.stats() == stats


def test_open_the_default_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No argument and no SURVGRAPH_* settings: the embedded store where the CLI keeps it."""
    for key in ("SURVGRAPH_STORE", "SURVGRAPH_DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with survgraph.open() as g:
        assert g.store.name == "embedded"
        g.load(SMALL)
        stats = g.stats()
    assert (tmp_path / "survgraph").is_dir()
    assert json.loads(Target("embedded", {}).cli("stats", "--format", "json")) == stats


@pytest.mark.neo4j
def test_open_a_neo4j_uri(neo4j_server: Neo4jServer) -> None:
    with neo4j_server.open() as store:
        store.clear()
    with survgraph.open(
        neo4j_server.uri, user=neo4j_server.user, password=neo4j_server.password, database=neo4j_server.database
    ) as g:
        assert g.store.name == "neo4j"
        g.load(SMALL)
        assert g.run("vendor_footprint", vendor="vendor:acme").rows


@pytest.mark.parametrize(
    ("target", "options", "message"),
    [
        ("http://example.org", {}, "bolt://"),
        ("/tmp/folder", {"store": "neo4j"}, "folder"),
        ("bolt://localhost:1", {"store": "embedded"}, "Neo4j URI"),
        (None, {"store": "postgres"}, "embedded or neo4j"),
    ],
)
def test_open_refuses_what_does_not_fit(target: str | None, options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        survgraph.open(target, **options)


# -- optional pandas, cheap import ---------------------------------------------------------------------


class _NoPandas(importlib.abc.MetaPathFinder):
    """Refuses pandas, as if it were not installed."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


def test_missing_pandas_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with survgraph.open(tmp_path / "g") as g:
        g.load(SMALL)
        result = g.run("vendor_footprint", vendor="vendor:acme")
        for name in [m for m in sys.modules if m == "pandas" or m.startswith("pandas.")]:
            monkeypatch.delitem(sys.modules, name)
        monkeypatch.setattr(sys, "meta_path", [_NoPandas(), *sys.meta_path])
        with pytest.raises(ImportError, match=r"pip install 'survgraph\[notebook\]'") as missing:
            result.to_dataframe()
        assert isinstance(missing.value, survgraph.MissingExtra)
        assert isinstance(missing.value.__cause__, ModuleNotFoundError)
        # everything else works without it
        assert result.to_networkx().number_of_nodes() > 0


def test_import_survgraph_is_cheap() -> None:
    code = (
        "import sys, survgraph\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'networkx', 'neo4j', 'ladybug', 'fastapi', 'survgraph.notebook')"
        " if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "survgraph.open\n"
        "assert 'survgraph.notebook' in sys.modules and 'pandas' not in sys.modules\n"
        "assert 'open' in dir(survgraph)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_load_draws_a_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records written are counted on a terminal's stderr (after progress.DELAY_S, here 0), not elsewhere."""
    import survgraph.progress

    monkeypatch.setattr(survgraph.progress, "DELAY_S", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with survgraph.open(tmp_path / "g") as g:
        g.load(SMALL)
    assert "writing" in terminal.getvalue() and "record/s" in terminal.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    with survgraph.open(tmp_path / "g2") as g:
        g.load(SMALL)
    assert plain.getvalue() == ""


def test_result_html_escapes_the_data() -> None:
    """A notebook shows a Result as an HTML table: text from the records is escaped, never markup."""
    result = survgraph.Result(
        name="search",
        params={},
        columns=["id", "name", "claims"],
        rows=[{"id": "vendor:x", "name": "<img src=x onerror=alert(1)>", "claims": ["claim:1"]}] * 51,
    )
    html = result._repr_html_()
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<th>claims</th>" not in html  # the columns the CLI's table shows
    assert html.count("<tr>") == 51 and "1 more rows" in html
