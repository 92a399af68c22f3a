"""`survgraph export graph`: GraphML, GEXF and CSV for network tools, opened with Gephi's own importer."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from survgraph.graph import GraphStore
from survgraph.loaders import load_paths
from survgraph.network import CsvTable, GraphFormat, write_graph
from survgraph.viz.subgraph import SubgraphReader

from .conftest import FIXTURES, ROOT

GEPHI_READ = ROOT / "tools" / "gephi" / "gephi-read"


def gephi_open(path: Path) -> dict[str, Any]:
    """The file as Gephi's importer (the Gephi Toolkit, from Maven Central) reads it."""
    proc = subprocess.run([str(GEPHI_READ), str(path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report


@pytest.fixture
def small(store: GraphStore) -> GraphStore:
    load_paths(store, [FIXTURES / "small"])
    return store


@pytest.mark.parametrize("fmt", [GraphFormat.gexf, GraphFormat.graphml])
def test_gephi_opens_every_entity_and_claim(small: GraphStore, tmp_path: Path, fmt: GraphFormat) -> None:
    sub = SubgraphReader(small).whole()
    path = tmp_path / f"graph{fmt.extension}"
    with path.open("wb") as fh:
        write_graph(sub, fh, fmt)
    report = gephi_open(path)
    assert not [i for i in report["issues"] if i.startswith(("SEVERE", "CRITICAL"))], report["issues"]
    assert report["nodes"] == len(sub.nodes)
    assert report["labels"] == {node_id: row["name"] for node_id, row in sub.nodes.items()}
    # Every claim is an edge element Gephi reads, with its claim id; two claims between the same pair and
    # of the same type (conflicting figures) are two elements (Gephi's graph then merges them by pair+type).
    assert sorted(report["readEdges"]) == sorted(sub.edges)
    pairs = {(r["from_id"], r["type"], r["to_id"]) for r in sub.edges.values()}
    assert report["edges"] == len(pairs)
    assert {f"{a} {t} {b}" for a, t, b in pairs} == set(report["edgeList"])
    for column in ("claim_type", "confidence", "source_ids", "sources"):
        assert column in report["edgeColumns"], report["edgeColumns"]
    for column in ("kind", "country", "confidence"):
        assert column in report["nodeColumns"], report["nodeColumns"]


def test_networkx_reads_back_attributes(small: GraphStore, tmp_path: Path) -> None:
    sub = SubgraphReader(small).whole()
    buf = io.BytesIO()
    write_graph(sub, buf, GraphFormat.graphml)
    g = nx.read_graphml(io.BytesIO(buf.getvalue()), force_multigraph=True)
    edges = {d["id"]: d for _, _, d in g.edges(data=True)}
    assert set(edges) == set(sub.edges)
    counts = sorted(d["quantity"] for d in edges.values() if d.get("claim_type") == "SUPPLIES" and "quantity" in d)
    assert counts == [8000.0, 10000.0]
    ten = next(d for d in edges.values() if d.get("quantity") == 10000.0)
    assert ten["confidence"] == "reported" and ten["source_ids"] == "source:test-b"
    assert ten["sources"].startswith("Other Publisher, Report B, 2019-12")
    assert g.nodes["vendor:acme"]["kind"] == "Vendor" and g.nodes["vendor:acme"]["country"] == "CN"


def test_csv_tables(small: GraphStore) -> None:
    sub = SubgraphReader(small).whole()
    out: dict[CsvTable, list[dict[str, str]]] = {}
    for table in CsvTable:
        buf = io.BytesIO()
        write_graph(sub, buf, GraphFormat.csv, table)
        out[table] = list(csv.DictReader(io.StringIO(buf.getvalue().decode("utf-8"))))
    assert {r["id"] for r in out[CsvTable.nodes]} == set(sub.nodes)
    assert {r["id"] for r in out[CsvTable.edges]} == set(sub.edges)
    link = next(r for r in out[CsvTable.edges] if r["claim_type"] == "FUNDED_BY")
    assert (link["source"], link["target"], link["amount"], link["amount_currency"]) == (
        "project:cable",
        "org:state-bank",
        "44000000",
        "USD",
    )
    assert link["sources"] == "Other Publisher, Report B, 2019-12"


def test_hostile_text_stays_data(store: GraphStore, tmp_path: Path) -> None:
    """Names with markup and control-like characters come back as the same text in Gephi."""
    records = tmp_path / "hostile.yaml"
    name = '<b>&amp;</b> "quoted" ]]> \u2028 Ünïcödé'
    records.write_text(
        "sources:\n  - {id: 'source:h', publisher: P, title: T, kind: news_report}\n"
        f"entities:\n  - id: 'vendor:h'\n    name: {json.dumps(name)}\n    sources: ['source:h']\n"
        "    confidence: alleged\n",
        encoding="utf-8",
    )
    load_paths(store, [records])
    sub = SubgraphReader(store).whole()
    path = tmp_path / "hostile.gexf"
    with path.open("wb") as fh:
        write_graph(sub, fh, GraphFormat.gexf)
    assert gephi_open(path)["labels"]["vendor:h"] == name


def test_cli_export_graph_and_diff(tmp_path: Path) -> None:
    """`survgraph export graph` and `survgraph diff` through the real command line."""
    from typer.testing import CliRunner

    from survgraph.cli import app

    from .test_rdf_cli import loaded_dir

    runner = CliRunner()
    env = {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(loaded_dir(tmp_path))}
    out = tmp_path / "ego.gexf"
    r = runner.invoke(app, ["export", "graph", "-f", "gexf", "--entity", "vendor:acme", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert "vendor:acme" in gephi_open(out)["labels"]
    r = runner.invoke(app, ["export", "graph", "-f", "csv", "--table", "nodes"], env=env)
    assert r.exit_code == 0 and r.stdout.startswith("id,label,kind,country"), r.output
    r = runner.invoke(app, ["export", "graph", "-f", "pdf"], env=env)
    assert r.exit_code == 2 and "graphml, gexf or csv" in r.output
    r = runner.invoke(app, ["export", "graph", "--entity", "vendor:nope"], env=env)
    assert r.exit_code != 0 and "no entity with id 'vendor:nope'" in r.output
    same = runner.invoke(app, ["diff", str(FIXTURES / "small"), str(FIXTURES / "small")])
    assert same.exit_code == 0 and "no changes" in same.stdout
    other = runner.invoke(app, ["diff", str(FIXTURES / "small"), str(ROOT / "seed_data"), "-f", "json"])
    assert other.exit_code == 1
    assert json.loads(other.stdout)["counts"]["entities"]["added"] > 0


def test_http_export_graph(small: GraphStore) -> None:
    from fastapi.testclient import TestClient

    from .test_api_support import app_for

    with TestClient(app_for(small)) as client:
        r = client.get("/export/graph", params={"format": "graphml"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/graphml+xml")
        g = nx.read_graphml(io.BytesIO(r.content), force_multigraph=True)
        assert g.number_of_edges() == len(SubgraphReader(small).whole().edges)
        r = client.get("/export/graph", params={"format": "csv", "table": "edges", "entity": "vendor:acme"})
        assert r.status_code == 200 and r.text.startswith("id,source,target,claim_type")
        assert client.get("/export/graph", params={"entity": "vendor:nope"}).status_code == 404
        assert client.get("/export/graph", params={"format": "pdf"}).status_code == 422
        assert client.get("/export/graph", params={"entity": "vendor:acme", "query": "search"}).status_code == 422


def test_readme_versions_and_network_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's section runs as written: the release export diffs clean against the records it came from."""
    from .readme_support import run_readme_commands

    def into_tmp(args: list[str]) -> list[str]:
        return [str(tmp_path / a) if i and args[i - 1] == "-o" else a for i, a in enumerate(args)]

    def with_release(args: list[str]) -> list[str]:
        args = into_tmp(args)
        return [str(tmp_path / a) if a.endswith(".nt") or a.startswith("releases/") else a for a in args]

    ran = run_readme_commands(
        "Versions and network tools",
        tmp_path,
        monkeypatch,
        [
            ["load", "seed_data/"],
            ["export", "rdf"],
            ["export", "graph"],
            ["export", "graph"],
            ["export", "graph"],
            ["diff", "release.nt"],
            ["diff", "seed_data/"],
            ["release", "releases/1.0.0"],
            ["import", "aigs"],
            ["release", "releases/1.1.0"],
        ],
        with_release,
    )
    commands = {" ".join(args[:2]): result for args, result in ran}
    assert commands[f"diff {tmp_path / 'release.nt'}"].stdout.startswith("# Changes from ")
    assert "No changes." in commands[f"diff {tmp_path / 'release.nt'}"].stdout
    assert commands["diff seed_data/"].stdout.endswith("no changes\n")
    first, second = tmp_path / "releases/1.0.0", tmp_path / "releases/1.1.0"
    assert json.loads((first / "manifest.json").read_text())["date"] == "2026-12-01"
    assert "First release" in (first / "CHANGELOG.md").read_text()
    changelog = (second / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changes from 1.0.0 (2026-12-01) to 1.1.0 (")
    assert "- `project:aigs-2019-PK` Project" in changelog
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=second, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    report = gephi_open(tmp_path / "survgraph.gexf")
    assert any(label.startswith("Huawei") for label in report["labels"].values())
    # Every value typed as declared (an amount column typed `long` once lost the amounts with cents).
    assert not [i for i in report["issues"] if i.startswith(("SEVERE", "CRITICAL"))], report["issues"]
    assert "vendor:huawei" in (tmp_path / "huawei.graphml").read_text(encoding="utf-8")
    assert (tmp_path / "claims.csv").read_text(encoding="utf-8").startswith("id,source,target,claim_type")
