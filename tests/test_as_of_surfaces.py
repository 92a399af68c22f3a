"""`as_of` on every surface but the query templates: GET /entities/{id} (and what cites a source), the RDF
export, the network-tool export and the viz pages, over HTTP and on the command line, on both engines.

Every expectation comes from the claims as stored and survgraph.graph.time.claim_in_force, never from a
list written here: the small fixture graph has dated claims on both sides of each day asked about.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.namespace import RDF
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.graph.time import claim_in_force
from survgraph.loaders import load_paths
from survgraph.rdf import SG
from survgraph.viz import drawn_kinds

from .conftest import FIXTURES
from .test_api_support import ENGINES, app_for, assert_error, engine_store
from .test_viz import page_json

#: Before the first SUPPLIES began; while both SUPPLIES and the loan ran; after the second SUPPLIES and the
#: loan ended. Together they put every dated claim of the small graph both in and out of force.
DAYS = ["2015-06-30", "2018-06-30", "2020-01-01"]
BAD_DAYS = ["2019-02-30", "2019", "30/06/2019", "2019-06-30x", "x" * 300, "\u0662\u0660\u0661\u0669-06-30"]
BASE = "http://test.invalid/id/"
runner = CliRunner()
#: Beside the small graph: an entity with no claim at all, and one whose only claim starts in 2019 (so
#: that on the earlier days it is left without a claim in force).
EXTRA = """\
sources:
  - {id: 'source:extra', publisher: P, title: T, kind: news_report}
entities:
  - {id: 'vendor:loner', name: Loner, sources: ['source:extra'], confidence: reported}
  - {id: 'vendor:latecomer', name: Latecomer, sources: ['source:extra'], confidence: reported}
claims:
  - {type: SUPPLIES, from: vendor:latecomer, to: project:cable, sources: [source:extra], confidence: reported,
     start: "2019-02"}
"""


def extra_records(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    return folder


@dataclass
class Surface:
    store: GraphStore
    client: TestClient
    env: dict[str, str]
    claims: list[dict[str, Any]]
    nodes: dict[str, dict[str, Any]]

    def in_force(self, day: str | None) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.claims if claim_in_force(c.get("start"), c.get("end"), day)}

    def cli(self, *args: str) -> Any:
        return runner.invoke(app, list(args), env=self.env)


@pytest.fixture(scope="module", params=ENGINES)
def surface(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Surface]:
    engine = request.param
    extra = extra_records(tmp_path_factory.mktemp("as-of-extra") / "records")
    with engine_store(engine, tmp_path_factory, request) as store:
        load_paths(store, [FIXTURES / "small", extra])
        if engine == "neo4j":
            env = {**request.getfixturevalue("neo4j_server").env(), "SURVGRAPH_STORE": "neo4j"}
        else:
            folder = tmp_path_factory.mktemp("as-of-cli") / "store"
            env = {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(folder)}
            loaded = runner.invoke(app, ["load", str(FIXTURES / "small"), str(extra)], env=env)
            assert loaded.exit_code == 0, loaded.output
        env["SURVGRAPH_BASE_IRI"] = BASE
        claims = [r["r"] for r in store.query("MATCH ()-[r]->() RETURN r")]
        nodes = {r["n"]["id"]: r["n"] for r in store.query("MATCH (n) RETURN n")}
        with TestClient(app_for(store)) as client:
            yield Surface(store, client, env, claims, nodes)


def reach(claims: dict[str, dict[str, Any]], seed: str, depth: int) -> tuple[set[str], set[str]]:
    """Nodes within `depth` hops of `seed` over these claims (either way), and the claims touching the nodes
    closer than `depth`: what a neighbourhood export holds."""
    dist = {seed: 0}
    touching: set[str] = set()
    frontier = {seed}
    for hop in range(1, depth + 1):
        found = set()
        for cid, c in claims.items():
            ends = {c["from_id"], c["to_id"]}
            if ends & frontier:
                touching.add(cid)
                found |= ends - set(dist)
        dist.update(dict.fromkeys(found, hop))
        frontier = found
    return set(dist), touching


def test_the_days_cut_the_dated_claims(surface: Surface) -> None:
    """The days above are worth asking: each leaves out some claims and keeps some dated ones."""
    dated = {c["id"] for c in surface.claims if c.get("start") or c.get("end")}
    for day in DAYS:
        kept = set(surface.in_force(day))
        assert dated - kept and dated & kept, day


# -- GET /entities/{id}?as_of= ----------------------------------------------------------------------


@pytest.mark.parametrize("day", [None, *DAYS])
def test_entity_claims_as_of(surface: Surface, day: str | None) -> None:
    in_force = surface.in_force(day)
    for entity_id in ("vendor:acme", "project:cable", "project:city-cams", "database:registry", "country:PK"):
        r = surface.client.get(f"/entities/{entity_id}", params={"as_of": day} if day else None)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["entity"]["id"] == entity_id and body["as_of"] == day
        out = {c["id"] for c in body["outgoing"]}
        inc = {c["id"] for c in body["incoming"]}
        assert out == {k for k, c in in_force.items() if c["from_id"] == entity_id}, (entity_id, day)
        assert inc == {k for k, c in in_force.items() if c["to_id"] == entity_id}, (entity_id, day)
        assert body["cited_by"] is None  # not a source


@pytest.mark.parametrize("bad", BAD_DAYS)
def test_entity_refuses_a_bad_day(surface: Surface, bad: str) -> None:
    body = assert_error(surface.client.get("/entities/vendor:acme", params={"as_of": bad}), 422)
    assert "as_of" in (body["error"] + " ".join(body["details"]))


def _cited_by_pages(surface: Surface, source: str, day: str | None, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every page of a source's cited_by, followed by cursor; the pages and how many requests it took."""
    pages = []
    params: dict[str, Any] = {"cited_by_limit": limit}
    if day:
        params["as_of"] = day
    while True:
        r = surface.client.get(f"/entities/{source}", params=params)
        assert r.status_code == 200, r.text
        cited = r.json()["cited_by"]
        pages.append(cited)
        assert len(cited["entities"]) + len(cited["claims"]) <= limit
        if cited["next"] is None:
            return pages, len(pages)
        params["cited_by_after"] = cited["next"]


@pytest.mark.parametrize("day", [None, *DAYS])
def test_source_cited_by_pages_through_entities_and_claims(surface: Surface, day: str | None) -> None:
    for source in ("source:test-a", "source:test-b"):
        entities = {i for i, n in surface.nodes.items() if source in (n.get("source_ids") or [])}
        claims = {k for k, c in surface.in_force(day).items() if source in (c.get("source_ids") or [])}
        assert entities and claims
        for limit in (2, 500):
            pages, requests = _cited_by_pages(surface, source, day, limit)
            got_entities = [e["id"] for p in pages for e in p["entities"]]
            got_claims = [c["id"] for p in pages for c in p["claims"]]
            assert set(got_entities) == entities and len(got_entities) == len(entities)
            assert set(got_claims) == claims and len(got_claims) == len(claims)
            # One id order over both lists, page after page.
            order = [
                i for p in pages for i in sorted([e["id"] for e in p["entities"]] + [c["id"] for c in p["claims"]])
            ]
            assert order == sorted(order)
            assert all(p["total_entities"] == len(entities) and p["total_claims"] == len(claims) for p in pages)
            expected_pages = max(1, -(-(len(entities) + len(claims)) // limit))
            assert requests == expected_pages
            kinds = {e["id"]: e["kind"] for p in pages for e in p["entities"]}
            assert all(surface.store.registry.kind_of_id(i).label == k for i, k in kinds.items())  # type: ignore[union-attr]


def test_cited_by_refuses_a_foreign_cursor(surface: Surface) -> None:
    page = surface.client.get("/entities", params={"limit": 1}).json()
    assert_error(surface.client.get("/entities/source:test-a", params={"cited_by_after": page["next"]}), 400)
    assert_error(surface.client.get("/entities/source:test-a", params={"cited_by_after": "not-a-cursor"}), 400)
    assert_error(surface.client.get("/entities/source:test-a", params={"cited_by_limit": 0}), 422)


# -- RDF ---------------------------------------------------------------------------------------------


def _claims_in(data: bytes, fmt: str) -> set[str]:
    g = Graph().parse(data=data, format=fmt)
    return {str(s).split("/id/", 1)[-1] for s in g.subjects(RDF.type, SG.Claim)}


def _entities_in(data: bytes, fmt: str) -> set[str]:
    g = Graph().parse(data=data, format=fmt)
    return {str(s).split("/id/", 1)[-1] for s, o in g.subject_objects(RDF.type) if o != SG.Claim}


@pytest.mark.parametrize("day", [None, *DAYS])
def test_rdf_export_as_of(surface: Surface, day: str | None) -> None:
    in_force = surface.in_force(day)
    params = {"format": "nt", **({"as_of": day} if day else {})}
    r = surface.client.get("/export/rdf", params=params)
    assert r.status_code == 200, r.text
    assert _claims_in(r.content, "nt") == set(in_force)
    # The whole graph keeps every entity, whether or not a claim in force still touches it.
    assert _entities_in(r.content, "nt") == set(surface.nodes)
    nodes, touching = reach(in_force, "vendor:acme", 2)
    r = surface.client.get("/export/rdf", params={**params, "entity": "vendor:acme", "depth": 2})
    assert r.status_code == 200, r.text
    assert _claims_in(r.content, "nt") == touching
    assert nodes <= _entities_in(r.content, "nt")
    # The command line says the same.
    args = ["export", "rdf", "-f", "nt", *(["--as-of", day] if day else [])]
    cli = surface.cli(*args)
    assert cli.exit_code == 0, cli.output
    assert _claims_in(cli.stdout.encode(), "nt") == set(in_force)
    cli = surface.cli(*args, "--entity", "vendor:acme", "--depth", "2")
    assert cli.exit_code == 0, cli.output
    assert _claims_in(cli.stdout.encode(), "nt") == touching


def test_rdf_query_selection_as_of(surface: Surface) -> None:
    """A query's rows keep only the claims in force; claims_by_source returns whole claim rows."""
    for day in DAYS:
        expected = {k for k, c in surface.in_force(day).items() if "source:test-b" in c["source_ids"]}
        r = surface.client.get(
            "/export/rdf",
            params={"format": "nt", "query": "claims_by_source", "param": "source=source:test-b", "as_of": day},
        )
        assert r.status_code == 200, r.text
        assert _claims_in(r.content, "nt") == expected, day


@pytest.mark.parametrize("bad", BAD_DAYS[:4])
def test_rdf_and_graph_exports_refuse_a_bad_day(surface: Surface, bad: str) -> None:
    assert_error(surface.client.get("/export/rdf", params={"as_of": bad}), 422)
    assert_error(surface.client.get("/export/graph", params={"as_of": bad}), 422)
    for args in (["export", "rdf"], ["export", "graph"], ["viz", "--all"]):
        r = surface.cli(*args, "--as-of", bad)
        assert r.exit_code == 2 and "--as-of" in r.output and "YYYY-MM-DD" in r.output, r.output


# -- GEXF / GraphML / CSV -------------------------------------------------------------------------


def _csv_ids(text: str) -> set[str]:
    return {row["id"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("day", [None, *DAYS])
def test_graph_export_as_of(surface: Surface, day: str | None) -> None:
    in_force = surface.in_force(day)
    drawn = {i for i, n in surface.nodes.items() if n["label"] in drawn_kinds(surface.store.registry)}
    when = {"as_of": day} if day else {}
    r = surface.client.get("/export/graph", params={"format": "csv", "table": "edges", **when})
    assert r.status_code == 200, r.text
    assert _csv_ids(r.text) == set(in_force)
    r = surface.client.get("/export/graph", params={"format": "csv", "table": "nodes", **when})
    assert _csv_ids(r.text) == drawn  # the whole graph keeps every entity
    nodes, _ = reach(in_force, "project:city-cams", 1)
    r = surface.client.get(
        "/export/graph", params={"format": "csv", "table": "nodes", "entity": "project:city-cams", **when}
    )
    assert _csv_ids(r.text) == nodes
    cli = surface.cli("export", "graph", "-f", "csv", *(["--as-of", day] if day else []))
    assert cli.exit_code == 0, cli.output
    assert _csv_ids(cli.stdout) == set(in_force)


# -- viz pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [None, *DAYS])
def test_viz_pages_as_of(surface: Surface, day: str | None) -> None:
    in_force = surface.in_force(day)
    drawn = {i for i, n in surface.nodes.items() if n["label"] in drawn_kinds(surface.store.registry)}
    touched = {c[end] for c in in_force.values() for end in ("from_id", "to_id")}
    when = {"as_of": day} if day else {}
    data = page_json(surface.client.get("/viz", params=when).text)
    assert set(data["details"]["edges"]) == set(in_force)
    assert set(data["details"]["nodes"]) == drawn
    assert set(data["unconnected"]) == drawn - touched
    assert "vendor:loner" in data["unconnected"]
    assert ("vendor:latecomer" in data["unconnected"]) == (day is not None and day < "2019-02")
    assert data["showUnconnected"] is False and data["asOf"] == day
    dated = [int(str(v)[:4]) for c in in_force.values() for v in (c.get("start"), c.get("end")) if v]
    assert data["years"] == ([min(dated), max(dated)] if dated else None)
    for e in data["details"]["edges"].values():
        assert (e["start"], e["end"]) == (in_force[e["id"]].get("start"), in_force[e["id"]].get("end"))
    shown = page_json(surface.client.get("/viz", params={**when, "show_unconnected": "true"}).text)
    assert shown["showUnconnected"] is True
    nodes, _ = reach(in_force, "project:city-cams", 2)
    ego = page_json(surface.client.get("/viz/entity/project:city-cams", params={"depth": 2, **when}).text)
    assert set(ego["details"]["nodes"]) == nodes
    assert set(ego["details"]["edges"]) == {k for k, c in in_force.items() if {c["from_id"], c["to_id"]} <= nodes}


def test_viz_query_page_as_of(surface: Surface) -> None:
    """A query page draws only claims in force, and keeps only the witness paths made of them."""
    from survgraph.queries import TEMPLATES

    url = "/viz/query/vendors_touching_national_data_centres"
    reads_time = any(p.name == "as_of" for p in TEMPLATES.get("vendors_touching_national_data_centres").params)
    everything = page_json(surface.client.get(url, params={"max_hops": 4}).text)
    dropped = 0
    for day in DAYS:
        in_force = surface.in_force(day)
        r = surface.client.get(url, params={"max_hops": 4, "as_of": day})
        assert r.status_code == 200, r.text
        data = page_json(r.text)
        assert set(data["details"]["edges"]) <= set(in_force)
        assert all(e in in_force for p in data["paths"] for e in p["edges"])
        if not reads_time:  # the template found the same rows: the page kept the paths in force
            kept = [p for p in everything["paths"] if all(e in in_force for e in p["edges"])]
            assert data["paths"] == kept
        dropped += len(everything["paths"]) - len(data["paths"])
    assert dropped > 0
    assert_error(surface.client.get(url, params={"max_hops": 4, "as_of": "2019"}), 422)
    assert_error(surface.client.get("/viz", params={"as_of": "2019-13-01"}), 422)
    assert_error(surface.client.get("/viz/entity/vendor:acme", params={"as_of": "2019-13-01"}), 422)
    # A query page reads its switch as every route reads a boolean (found by the OpenAPI fuzzer).
    for flag, code in (("yes", 200), ("0", 200), ("\x00", 422), ("maybe", 422)):
        assert surface.client.get(url, params={"max_hops": 4, "show_unconnected": flag}).status_code == code, flag


def test_viz_cli_as_of_and_show_unconnected(surface: Surface, tmp_path: Path) -> None:
    day = DAYS[1]
    out = tmp_path / "page.html"
    r = surface.cli("viz", "--all", "--as-of", day, "-o", str(out))
    assert r.exit_code == 0, r.output
    data = page_json(out.read_text(encoding="utf-8"))
    assert set(data["details"]["edges"]) == set(surface.in_force(day))
    assert data["showUnconnected"] is False
    assert data["unconnected"]  # vendor:loner at least
    assert f"{len(data['unconnected'])} without claims hidden" in " ".join(r.stderr.split())
    r = surface.cli("viz", "--all", "--show-unconnected", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert page_json(out.read_text(encoding="utf-8"))["showUnconnected"] is True
    assert "hidden" not in r.stderr


# -- the README's section runs as written -------------------------------------------------------------


def test_readme_time_on_the_other_surfaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `survgraph` line of the section runs on the seed data, and what it writes holds only the claims
    in force on its day; every `curl` line answers 200 from the API on the same store."""
    import shlex
    from urllib.parse import urlsplit

    from survgraph.graph.embedded import EmbeddedStore

    from .readme_support import readme_lines, run_readme_commands

    title = "Time on the other surfaces"

    def into_tmp(args: list[str]) -> list[str]:
        return [str(tmp_path / a) if i and args[i - 1] == "-o" else a for i, a in enumerate(args)]

    run_readme_commands(
        title,
        tmp_path,
        monkeypatch,
        [
            ["load", "seed_data/"],
            ["export", "rdf"],
            ["export", "graph"],
            ["export", "graph"],
            ["viz", "--all"],
            ["viz", "--all"],
        ],
        into_tmp,
    )
    store = EmbeddedStore(tmp_path / "data", read_only=True)
    try:
        claims = {r["r"]["id"]: r["r"] for r in store.query("MATCH ()-[r]->() RETURN r")}
        day = "2015-01-01"
        in_force = {k for k, c in claims.items() if claim_in_force(c.get("start"), c.get("end"), day)}
        assert 0 < len(in_force) < len(claims)
        assert _claims_in((tmp_path / "graph-2015.ttl").read_bytes(), "turtle") == in_force
        assert set(page_json((tmp_path / "graph-2015.html").read_text(encoding="utf-8"))["details"]["edges"]) == (
            in_force
        )
        everything = page_json((tmp_path / "everything.html").read_text(encoding="utf-8"))
        assert everything["showUnconnected"] is True and everything["unconnected"]
        with TestClient(app_for(store)) as client:
            for line in readme_lines(title, "curl "):
                url = urlsplit(shlex.split(line)[-1])
                r = client.get(f"{url.path}?{url.query}")
                assert r.status_code == 200, (line, r.text[:500])
    finally:
        store.close()
