"""The RDF commands: `survgraph export ontology|shapes|rdf` and `survgraph import rdf`, as a user runs them."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, PROV, RDF, SH
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.rdf import RdfFormat, Vocab, parse_rdf
from survgraph.rdf.vocab import SG

from .conftest import FIXTURES, ROOT, SEED, Neo4jServer
from .readme_support import readme_section

SMALL = FIXTURES / "small"
VOCAB = Vocab()
runner = CliRunner()


def embedded_env(folder: Path) -> dict[str, str]:
    return {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(folder), "SURVGRAPH_BASE_IRI": ""}


def loaded_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "source-store"
    result = runner.invoke(app, ["load", str(SMALL)], env=embedded_env(folder))
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize("fmt", list(RdfFormat), ids=[f.value for f in RdfFormat])
def test_export_then_import_into_an_empty_store(tmp_path: Path, fmt: RdfFormat) -> None:
    source = loaded_dir(tmp_path)
    first = tmp_path / f"first{fmt.extension}"
    result = runner.invoke(app, ["export", "rdf", "--format", fmt.value, "-o", str(first)], env=embedded_env(source))
    assert result.exit_code == 0, result.output
    assert f"to {first}" in result.stderr
    target = tmp_path / "target-store"
    result = runner.invoke(app, ["import", "rdf", str(first), "--summary", "json"], env=embedded_env(target))
    assert result.exit_code == 0, result.output
    assert "imported 18 entities and 20 claims into the embedded store" in result.stderr
    second = runner.invoke(app, ["export", "rdf", "-f", fmt.value], env=embedded_env(target))
    assert second.exit_code == 0, second.output
    assert isomorphic(parse_rdf(first.read_bytes(), fmt, vocab=VOCAB), parse_rdf(second.stdout_bytes, fmt, vocab=VOCAB))


def test_import_from_stdin_and_refusals(tmp_path: Path) -> None:
    source = loaded_dir(tmp_path)
    ttl = runner.invoke(app, ["export", "rdf", "--entity", "vendor:acme", "--depth", "1"], env=embedded_env(source))
    assert ttl.exit_code == 0
    target = tmp_path / "target-store"
    env = embedded_env(target)
    # A claim stripped of its sources: refused with every problem listed, and nothing written.
    g = Graph().parse(data=ttl.stdout, format="turtle")
    claim = next(g.subjects(RDF.predicate, None))
    g.remove((claim, PROV.wasDerivedFrom, None))
    bad = tmp_path / "bad.ttl"
    bad.write_text(g.serialize(format="turtle"))
    result = runner.invoke(app, ["import", "rdf", str(bad)], env=env)
    assert result.exit_code == 1
    assert f"{bad}:0: {VOCAB.id_of(str(claim))}: sources: required" in result.stdout
    assert "refused:" in result.stderr and "nothing was written" in result.stderr
    stats = runner.invoke(app, ["stats", "--format", "json"], env=env)
    assert '"Vendor": 0' in stats.stdout
    # Malformed input.
    result = runner.invoke(app, ["import", "rdf", "-", "--format", "nt"], input="<x> <y> .\n", env=env)
    assert result.exit_code == 1 and "<stdin>: not valid nt" in result.stderr
    # The good export, from stdin.
    result = runner.invoke(app, ["import", "rdf", "-", "-f", "turtle"], input=ttl.stdout, env=env)
    assert result.exit_code == 0, result.output
    assert '"Vendor": 1' in runner.invoke(app, ["stats", "--format", "json"], env=env).stdout


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["export", "rdf", "--format", "yaml"], 2, "unknown RDF format 'yaml'"),
        (["export", "rdf", "--entity", "vendor:acme", "--query", "search"], 2, "give --entity or --query, not both"),
        (["export", "rdf", "--param", "x=1"], 2, "--param needs --query"),
        (["export", "rdf", "--query", "search", "--param", "oops"], 2, "expected KEY=VALUE"),
        (["export", "rdf", "--entity", "vendor:nobody"], 1, "no entity with id 'vendor:nobody'"),
        (["export", "rdf", "--query", "no_such_template"], 2, "unknown template 'no_such_template'"),
        (["export", "rdf", "--base", "ftp://x/"], 2, "must be an absolute http(s) IRI"),
        (["import", "rdf", "graph.csv"], 2, "cannot tell the RDF format from the extension"),
    ],
)
def test_errors_and_exit_codes(tmp_path: Path, args: list[str], code: int, says: str) -> None:
    result = runner.invoke(app, args, env=embedded_env(loaded_dir(tmp_path)))
    assert result.exit_code == code, result.output
    assert says in " ".join(result.stderr.split()), result.stderr


def test_query_export_and_base_option(tmp_path: Path) -> None:
    env = embedded_env(loaded_dir(tmp_path))
    args = ["export", "rdf", "-f", "nt", "--query", "vendor_footprint", "-p", "vendor=vendor:acme"]
    result = runner.invoke(app, [*args, "--base", "https://ld.example.org/sg/"], env=env)
    assert result.exit_code == 0, result.output
    assert "<https://ld.example.org/sg/vendor:acme> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>" in result.stdout
    assert "vendor:globex" not in result.stdout


def test_export_ontology_and_shapes(tmp_path: Path) -> None:
    onto = tmp_path / "survgraph.ttl"
    assert runner.invoke(app, ["export", "ontology", "-o", str(onto)]).exit_code == 0
    g = Graph().parse(onto, format="turtle")
    assert (None, RDF.type, OWL.Ontology) in g
    shapes = runner.invoke(app, ["export", "shapes", "--format", "nt"])
    assert shapes.exit_code == 0
    s = Graph().parse(data=shapes.stdout, format="nt")
    assert len(set(s.subjects(RDF.type, SH.NodeShape))) > 10
    assert not list(tmp_path.glob("*.partial"))


def test_import_into_neo4j(tmp_path: Path, neo4j_server: Neo4jServer, neo4j_store: Neo4jStore) -> None:
    exported = tmp_path / "small.trig"
    source = loaded_dir(tmp_path)
    assert (
        runner.invoke(app, ["export", "rdf", "-f", "trig", "-o", str(exported)], env=embedded_env(source)).exit_code
        == 0
    )
    env = {**neo4j_server.env(), "SURVGRAPH_STORE": "neo4j", "SURVGRAPH_BASE_IRI": ""}
    result = runner.invoke(app, ["import", "rdf", str(exported)], env=env)
    assert result.exit_code == 0, result.output
    assert "into the neo4j store" in result.stderr
    again = runner.invoke(app, ["export", "rdf", "-f", "trig"], env=env)
    assert again.exit_code == 0, again.output
    assert isomorphic(
        parse_rdf(exported.read_bytes(), RdfFormat.trig, vocab=VOCAB),
        parse_rdf(again.stdout_bytes, RdfFormat.trig, vocab=VOCAB),
    )
    assert neo4j_store.stats().edges["SUPPLIES"] == 4


def test_the_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `survgraph` and `pyshacl` line of the README's linked-data section, in order, on the seed data."""
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SURVGRAPH_BASE_IRI", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    (work / "seed_data").symlink_to(SEED)
    monkeypatch.chdir(work)  # files the README writes land here
    text = readme_section("Linked data (RDF)")
    commands = [line for line in text.splitlines() if line.startswith(("survgraph ", "pyshacl "))]
    assert [c.split()[:2] for c in commands] == [
        ["survgraph", "load"],
        ["survgraph", "export"],
        ["survgraph", "export"],
        ["survgraph", "export"],
        ["pyshacl", "-s"],
        ["survgraph", "import"],
    ]
    for line in commands:
        args = shlex.split(line, comments=True)
        if args[0] == "pyshacl":  # the console script pySHACL installs beside our Python
            proc = subprocess.run(
                [str(Path(sys.executable).with_name("pyshacl")), *args[1:]], capture_output=True, text=True
            )
            assert proc.returncode == 0 and "Conforms: True" in proc.stdout, proc.stdout + proc.stderr
            continue
        result = runner.invoke(app, args[1:])
        assert result.exit_code == 0, (line, result.output)
    huawei = parse_rdf((work / "huawei.jsonld").read_bytes(), RdfFormat.jsonld, vocab=VOCAB)
    assert (VOCAB.iri("vendor:huawei"), RDF.type, SG.Vendor) in huawei


def test_the_benchmark_runs(tmp_path: Path) -> None:
    """benchmarks/rdf_export.py, at a tiny size: it generates, exports in a child, and reports."""
    out = tmp_path / "bench.nt"
    sizes = ["--vendors", "10", "--projects", "50", "--claims", "200"]
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "rdf_export.py"), *sizes, "--keep", str(out), "--python-heap"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "triples/s; peak RSS" in proc.stdout and "peak Python heap" in proc.stdout
    lines = out.read_text().splitlines()
    assert proc.stdout.startswith(f"{len(lines):,} triples in ")
