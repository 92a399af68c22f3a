"""GraphView's adjacency of one node (an entity page's read, one undirected query) on both engines, on a
graph with a self-loop and claims both ways between nodes of two labels: each claim is met once, with the
direction the directed reads gave (a self-loop and a claim between two asked nodes count as leaving)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.view import GraphView
from survgraph.loaders import load_paths

from .conftest import Neo4jServer

pytestmark = pytest.mark.neo4j

GRAPH = """
sources:
  - {id: source:s, publisher: P, kind: dataset, title: T, date: "2020"}
entities:
  - {id: database:a, name: A, kind: civil_registry, sources: [source:s], confidence: confirmed}
  - {id: database:b, name: B, kind: civil_registry, sources: [source:s], confidence: confirmed}
  - {id: project:p, name: P, status: operational, sources: [source:s], confidence: confirmed}
  - {id: vendor:v, name: V, sources: [source:s], confidence: confirmed}
claims:
  - {type: LINKS_DATA_WITH, from: database:a, to: database:a, sources: [source:s], confidence: confirmed}
  - {type: LINKS_DATA_WITH, from: database:a, to: database:b, sources: [source:s], confidence: confirmed}
  - {type: LINKS_DATA_WITH, from: database:b, to: database:a, sources: [source:s], confidence: reported}
  - {type: SUPPLIES, from: vendor:v, to: project:p, sources: [source:s], confidence: confirmed}
  - {type: SUPPLIES, from: vendor:v, to: database:a, sources: [source:s], confidence: confirmed}
  - {type: PART_OF, from: project:p, to: project:p, sources: [source:s], confidence: alleged, start: "2030"}
"""


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict[str, GraphStore]]:
    path = tmp_path_factory.mktemp("loops") / "graph.yaml"
    path.write_text(GRAPH)
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    neo4j = server.open()
    embedded = EmbeddedStore(tmp_path_factory.mktemp("loops-embedded"))
    try:
        neo4j.clear()
        for store in (embedded, neo4j):
            load_paths(store, [path])
        yield {"embedded": embedded, "neo4j": neo4j}
    finally:
        embedded.close()
        neo4j.close()


def _claims(store: GraphStore) -> dict[str, dict[str, str]]:
    rows = store.query("MATCH (a)-[r]->(b) RETURN r.id AS id, a.id AS f, b.id AS t")
    return {r["id"]: {"from": r["f"], "to": r["t"]} for r in rows}


@pytest.mark.parametrize("engine", ["embedded", "neo4j"])
def test_one_node_both_ways(stores: dict[str, GraphStore], engine: str) -> None:
    store = stores[engine]
    truth = _claims(store)
    assert len(truth) == 6
    view = GraphView(store)
    for node in ("database:a", "database:b", "project:p", "vendor:v"):
        out, inc = view.get_adjacent(node)
        leaving = sorted(i for i, c in truth.items() if c["from"] == node)
        arriving = sorted(i for i, c in truth.items() if c["to"] == node)
        assert [a.claim["id"] for a in out] == leaving, node
        assert [a.claim["id"] for a in inc] == arriving, node  # a self-loop in both lists
        assert all(a.outgoing for a in out)
        for a in out + inc:
            far = a.claim["to_id"] if a in out else a.claim["from_id"]
            assert a.other["id"] == far and a.other["label"] == view.label_of(far)
    # Two asked nodes of different labels, each read by the one-node query: a claim between them is met
    # once, as leaving its start (what the two directed reads gave).
    found = view._adjacent(["vendor:v", "database:a"], None, "both", with_other=False)
    assert set(found) == {i for i, c in truth.items() if {c["from"], c["to"]} & {"vendor:v", "database:a"}}
    for cid, a in found.items():
        assert a.outgoing == (truth[cid]["from"] in {"vendor:v", "database:a"}), cid
    # With as_of, the claim not yet in force (the project's self-loop, from 2030) is left out.
    out, inc = GraphView(store, as_of="2025-01-01").get_adjacent("project:p")
    assert [a.claim["id"] for a in out + inc] == [
        i for i, c in truth.items() if c["to"] == "project:p" and c["from"] != "project:p"
    ]


def test_same_answer_on_both_engines(stores: dict[str, GraphStore]) -> None:
    answers = []
    for store in stores.values():
        view = GraphView(store)
        answers.append(
            {
                node: tuple(
                    [(a.claim["id"], a.outgoing, a.other["id"]) for a in side] for side in view.get_adjacent(node)
                )
                for node in ("database:a", "database:b", "project:p", "vendor:v")
            }
        )
    assert answers[0] == answers[1]
