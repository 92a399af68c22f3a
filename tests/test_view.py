"""The typed read view (survgraph.graph.view) on both engines: every answer equals what a plain Python
reading of the whole store gives, and the two engines give the same answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from survgraph.graph import GraphStore
from survgraph.graph.time import claim_in_force
from survgraph.graph.view import GraphView, Page, breadth_first

from .fingerprint import snapshot
from .test_api_support import engine_store

pytestmark = pytest.mark.neo4j

Row = dict[str, Any]


class Truth:
    """Everything in one store, read with two whole-graph queries (not through the view)."""

    def __init__(self, store: GraphStore) -> None:
        nodes = store.query("MATCH (n) RETURN n ORDER BY n.id")
        edges = store.query("MATCH ()-[r]->() RETURN r ORDER BY r.id")
        self.nodes: dict[str, Row] = {r["n"]["id"]: r["n"] for r in nodes}
        self.claims: dict[str, Row] = {r["r"]["id"]: r["r"] for r in edges}

    def neighbours(self, frontier: list[str]) -> list[str]:
        ids = set(frontier)
        out = []
        for c in self.claims.values():
            if c["from_id"] in ids:
                out.append(c["to_id"])
            if c["to_id"] in ids:
                out.append(c["from_id"])
        return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict[str, GraphStore]]:
    with (
        engine_store("embedded", tmp_path_factory, request) as embedded,
        engine_store("neo4j", tmp_path_factory, request) as neo4j,
    ):
        before = {name: snapshot(s) for name, s in (("embedded", embedded), ("neo4j", neo4j))}
        yield {"embedded": embedded, "neo4j": neo4j}
        assert snapshot(embedded) == before["embedded"] and snapshot(neo4j) == before["neo4j"]


def _views(both: dict[str, GraphStore], chunk_size: int = 2) -> list[tuple[GraphView, Truth]]:
    # A chunk of 2 ids: every look-up of more than two ids crosses a chunk boundary.
    return [(GraphView(s, chunk_size=chunk_size), Truth(s)) for s in both.values()]


def _same_on_both(results: list[Any]) -> Any:
    assert len(results) == 2 and results[0] == results[1], results
    return results[0]


def test_both_stores_hold_the_same_graph(both: dict[str, GraphStore]) -> None:
    truths = [Truth(s) for s in both.values()]
    assert truths[0].nodes == truths[1].nodes and truths[0].claims == truths[1].claims
    assert len(truths[0].nodes) > 10 and len(truths[0].claims) > 10


def test_entities_by_id(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both):
        wanted = [*truth.nodes, "vendor:nobody", "spaceship:x", "no-prefix", ""]
        found = view.entities(wanted)
        assert found == truth.nodes
        assert view.get_entity("vendor:nobody") is None and view.get_entity("") is None
        vendors = view.entities(truth.nodes, labels=["Vendor"])
        assert set(vendors) == {i for i in truth.nodes if i.startswith("vendor:")}
        sources = view.sources([*truth.nodes, "source:nothing"])
        assert set(sources) == {i for i in truth.nodes if i.startswith("source:")}
        answers.append(found)
    _same_on_both(answers)


def test_claims_by_id(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both, chunk_size=3):
        found = view.claims([*truth.claims, "claim:nothing", "vendor:acme"])
        assert found == truth.claims
        some_type = next(iter(truth.claims.values()))["type"]
        typed = view.claims(truth.claims, types=[some_type])
        assert set(typed) == {i for i, c in truth.claims.items() if c["type"] == some_type}
        answers.append(found)
    _same_on_both(answers)


def test_incident_claims_and_adjacency(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both):
        per_node = {}
        for node_id in truth.nodes:
            out = {i for i, c in truth.claims.items() if c["from_id"] == node_id}
            inc = {i for i, c in truth.claims.items() if c["to_id"] == node_id}
            assert set(view.incident_claims([node_id], direction="out")) == out
            assert set(view.incident_claims([node_id], direction="in")) == inc
            assert set(view.incident_claims([node_id])) == out | inc
            adj_out, adj_in = view.get_adjacent(node_id)
            assert [a.claim["id"] for a in adj_out] == sorted(out)
            assert [a.claim["id"] for a in adj_in] == sorted(inc)
            for a in adj_out + adj_in:
                far = a.claim["to_id"] if a.outgoing else a.claim["from_id"]
                node = truth.nodes[far]
                assert a.other == {"id": far, "name": node.get("name"), "label": node["label"]}
            per_node[node_id] = (sorted(out), sorted(inc))
        everything = view.incident_claims(truth.nodes)
        assert everything == truth.claims
        answers.append(per_node)
    _same_on_both(answers)


def test_claims_among(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both):
        ids = sorted(truth.nodes)
        results = []
        for subset in (ids[::2], ids[1::2], ids[:7], ids):
            expected = {i for i, c in truth.claims.items() if c["from_id"] in subset and c["to_id"] in subset}
            got = view.claims_among(subset)
            assert set(got) == expected
            results.append(sorted(got))
        answers.append(results)
    _same_on_both(answers)


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
def test_neighbourhood_equals_a_python_bfs(both: dict[str, GraphStore], depth: int) -> None:
    answers = []
    for view, truth in _views(both):
        per_seed = {}
        for seed in truth.nodes:
            expected, _ = breadth_first(truth.neighbours, [seed], depth)
            reach = view.neighbourhood([seed], depth)
            assert reach.dist == expected and not reach.truncated
            closer = {n for n, d in expected.items() if d < depth}
            touching = {i for i, c in truth.claims.items() if c["from_id"] in closer or c["to_id"] in closer}
            assert set(reach.claims) == touching
            per_seed[seed] = (sorted(reach.dist.items()), sorted(reach.claims))
        answers.append(per_seed)
    _same_on_both(answers)


def test_neighbourhood_cap_and_label_filter(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both):
        hub = max(truth.nodes, key=lambda n: len(truth.neighbours([n])))
        full = view.neighbourhood([hub], 3)
        assert len(full.dist) > 4
        capped = view.neighbourhood([hub], 3, max_nodes=4)
        assert capped.truncated and len(capped.dist) == 4
        assert all(full.dist[n] == d for n, d in capped.dist.items())  # the kept nodes are the nearest
        assert all(c["from_id"] in capped.dist and c["to_id"] in capped.dist for c in capped.claims.values())
        no_countries = view.neighbourhood([hub], 3, labels=[lb for lb in view.registry.node_kinds if lb != "Country"])
        assert not any(n.startswith("country:") for n in no_countries.dist)
        answers.append((sorted(capped.dist.items()), sorted(no_countries.dist.items())))
    _same_on_both(answers)


def _all_pages(fetch: Callable[..., Page], limit: int, *args: Any, **kwargs: Any) -> tuple[list[str], int]:
    """Follow `next_after` from the first page to the last; the ids met and the number of pages."""
    ids: list[str] = []
    pages = 0
    after = ""
    while True:
        page = fetch(*args, after=after, limit=limit, **kwargs)
        pages += 1
        assert len(page.items) <= limit
        ids += [r["id"] for r in page.items]
        if page.next_after is None:
            return ids, pages
        assert page.next_after == ids[-1] and len(page.items) == limit
        after = page.next_after


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 500])
def test_entity_pages_by_key(both: dict[str, GraphStore], limit: int) -> None:
    answers = []
    for view, truth in _views(both):
        ids, pages = _all_pages(view.page_entities, limit)
        assert ids == sorted(truth.nodes)
        assert pages == max(1, -(-len(ids) // limit))  # no empty page after a full last one
        assert view.count_entities() == len(truth.nodes)
        vendors, _ = _all_pages(view.page_entities, limit, ["Vendor"])
        assert vendors == sorted(i for i in truth.nodes if i.startswith("vendor:"))
        named, _ = _all_pages(view.page_entities, limit, name_contains="CO")
        expected = sorted(
            i
            for i, n in truth.nodes.items()
            if "co" in (n.get("name") or "").lower() or any("co" in a.lower() for a in n.get("aliases") or [])
        )
        assert named == expected and view.count_entities(name_contains="CO") == len(expected)
        # Past the end, and an `after` that is no id at all, are empty pages, not errors.
        assert view.page_entities(after="\uffff", limit=limit) == Page([], None)
        assert view.page_entities(after="zzz' OR 1=1", limit=limit).next_after is None
        answers.append((ids, vendors, named))
    _same_on_both(answers)


@pytest.mark.parametrize("limit", [1, 4, 500])
def test_claim_pages_by_key(both: dict[str, GraphStore], limit: int) -> None:
    answers = []
    for view, truth in _views(both):
        ids, _ = _all_pages(view.page_claims, limit)
        assert ids == sorted(truth.claims)
        results = [ids]
        first = truth.claims[ids[0]]
        filters: list[dict[str, Any]] = [
            {"from_id": first["from_id"]},
            {"to_id": first["to_id"]},
            {"from_id": first["from_id"], "to_id": first["to_id"]},
            {"confidence": "reported"},
            {"types": [first["type"]]},
            {"from_id": "vendor:nobody"},
            {"from_id": "not-an-id"},
        ]
        for f in filters:
            expected = sorted(
                i
                for i, c in truth.claims.items()
                if all((c["type"] in v) if k == "types" else c[k] == v for k, v in f.items())
            )
            types = f.get("types")
            rest = {k: v for k, v in f.items() if k != "types"}
            got, _ = _all_pages(view.page_claims, limit, types, **rest)
            assert got == expected, f
            assert view.count_claims(types, **rest) == len(expected)
            results.append(got)
        answers.append(results)
    _same_on_both(answers)


def test_iteration_by_kind(both: dict[str, GraphStore]) -> None:
    answers = []
    for view, truth in _views(both):
        by_kind = {}
        for label in view.registry.node_kinds:
            pages = list(view.iter_entities(label, page_size=2))
            assert all(0 < len(p) <= 2 for p in pages)
            got = [r["id"] for p in pages for r in p]
            assert got == sorted(i for i, n in truth.nodes.items() if n["label"] == label)
            by_kind[label] = got
        for etype in view.registry.edge_types:
            got = [r["id"] for p in view.iter_claims(etype, page_size=2) for r in p]
            assert got == sorted(i for i, c in truth.claims.items() if c["type"] == etype)
            by_kind[etype] = got
        answers.append(by_kind)
    _same_on_both(answers)


def test_breadth_first_stops_at_the_target_and_cuts_by_id() -> None:
    graph = {"a": ["c", "b"], "b": ["d"], "c": ["e"], "d": [], "e": []}

    def step(frontier: list[str]) -> list[str]:
        return [o for n in frontier for o in graph[n]]

    assert breadth_first(step, ["a"], 5) == ({"a": 0, "c": 1, "b": 1, "e": 2, "d": 2}, False)
    assert breadth_first(step, ["a"], 5, stop_at="b") == ({"a": 0, "c": 1, "b": 1}, False)
    assert breadth_first(step, ["a"], 5, max_nodes=2) == ({"a": 0, "b": 1}, True)  # smallest id kept
    assert breadth_first(step, ["a"], 0) == ({"a": 0}, False)


@pytest.mark.parametrize("as_of", ["1990-01-01", "2016-06-30", "2019-12-31", "2023-01-01"])
def test_as_of_keeps_only_claims_in_force(both: dict[str, GraphStore], as_of: str) -> None:
    answers = []
    for store in both.values():
        truth = Truth(store)
        view = GraphView(store, chunk_size=2, as_of=as_of)
        dated = [c for c in truth.claims.values() if c.get("start") or c.get("end")]
        assert dated, "the test graph needs dated claims"
        want = {i: c for i, c in truth.claims.items() if claim_in_force(c.get("start"), c.get("end"), as_of)}
        assert view.claims(truth.claims) == want
        assert view.incident_claims(truth.nodes) == want
        got, _pages = _all_pages(view.page_claims, 3)
        assert got == sorted(want) and view.count_claims() == len(want)
        reach = view.neighbourhood(list(truth.nodes)[:3], 2)
        assert set(reach.claims) <= set(want)
        answers.append(sorted(want))
    _same_on_both(answers)


def test_existing_ids(both: dict[str, GraphStore]) -> None:
    """`existing` (what `require` and every template's entity check ask): one query, a branch per label
    and chunk of ids (two ids a chunk here, so several branches of one label), each held id once."""
    answers = []
    for view, truth in _views(both):
        wanted = [*truth.nodes, *truth.nodes, "vendor:nobody", "spaceship:x", "no-prefix", "", "Vendor:acme"]
        found = view.existing(wanted)
        assert found == set(truth.nodes)
        assert view.existing(["vendor:nobody", "spaceship:x"]) == set() == view.existing([])
        answers.append(found)
    _same_on_both(answers)


def test_suggest_and_require(both: dict[str, GraphStore]) -> None:
    """The closest ids of the id's kind (difflib over slugs and names, computed here from the whole
    graph), read a page at a time; `require` raises NoSuchEntity with them."""
    import difflib

    from survgraph.graph import NoSuchEntity

    answers = []
    for view, truth in _views(both):
        for wanted in ("vendor:acm", "vendor:globe", "project:cable-tv", "org:state", "vendor:zzzzzz", "spaceship:x"):
            prefix, _, slug = wanted.partition(":")
            keys: dict[str, set[str]] = {}
            for node_id, node in truth.nodes.items():
                if node_id.startswith(prefix + ":"):
                    for key in (node_id.partition(":")[2].casefold(), str(node.get("name") or "").casefold()):
                        keys.setdefault(key, set()).add(node_id)
            expected: list[str] = []
            for key in difflib.get_close_matches(slug, list(keys), n=6, cutoff=0.5):
                expected += sorted(keys[key] - set(expected))
            got = view.suggest(wanted, 3, page_size=1)
            assert got == expected[:3] == view.suggest(wanted, 3), wanted
            answers.append(got)
        assert view.suggest("vendor:acm")[0] == "vendor:acme"
        view.require(["vendor:acme", "country:PK"])
        with pytest.raises(NoSuchEntity) as info:
            view.require(["vendor:acme", "vendor:acm", "vendor:nobody"])
        assert info.value.entity_id == "vendor:acm" and info.value.suggestions[0] == "vendor:acme"
        assert (info.value.status, info.value.exit_code) == (404, 2)
    half = len(answers) // 2
    assert answers[:half] == answers[half:]
