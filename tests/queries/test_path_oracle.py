"""The five path templates against a pure-Python breadth-first search over the whole graph (the oracle),
on both stores, on the small fixtures and on a generated hub-shaped graph of a few thousand claims.

They compare answers -- which vendors, how far, which data centres, how many shortest paths up to the
limit, which nodes and claims -- and check that every witness path is a real shortest path of the right
types and in force, but not which of several equally short paths an engine picked.
"""

from __future__ import annotations

import functools
import sys
from collections import deque
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pytest

from survgraph.graph import GraphStore, NoSuchEntity
from survgraph.graph.time import claim_in_force
from survgraph.loaders import load_paths, validate_paths
from survgraph.queries import TEMPLATES, TemplateParamError, run_template
from survgraph.queries.shapes import name_key
from survgraph.schema import REGISTRY, Claim, Node
from survgraph.schema.models import Database

from ..conftest import ROOT, SEED
from .conftest import ENGINES, EXTRA, SMALL, Graphs
from .hubs import hub_graph

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

NDC_DEFAULT_TYPES = TEMPLATES.get("vendors_touching_national_data_centres").param("types").default
AS_OF = [None, "2015-06-30", "2019-06-30"]


class Oracle:
    """Breadth-first search in plain Python over a dataset's records."""

    def __init__(self, nodes: Sequence[Node], claims: Sequence[Claim]) -> None:
        self.nodes = {n.id: n for n in nodes}
        self.claims = {c.id: c for c in claims if c.id is not None}

    def usable(self, types: Iterable[str] | None, as_of: str | None) -> list[Claim]:
        wanted = set(types) if types else None
        return [
            c
            for c in self.claims.values()
            if (wanted is None or c.type in wanted) and claim_in_force(c.start, c.end, as_of)
        ]

    def adjacency(self, types: Iterable[str] | None, as_of: str | None) -> dict[str, list[tuple[str, str]]]:
        adj: dict[str, list[tuple[str, str]]] = {}
        for c in self.usable(types, as_of):
            if c.from_id != c.to_id:
                assert c.id is not None
                adj.setdefault(c.from_id, []).append((c.to_id, c.id))
                adj.setdefault(c.to_id, []).append((c.from_id, c.id))
        return adj

    @staticmethod
    def distances(adj: dict[str, list[tuple[str, str]]], source: str, limit: int) -> dict[str, int]:
        dist = {source: 0}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            if dist[node] == limit:
                continue
            for other, _ in adj.get(node, ()):
                if other not in dist:
                    dist[other] = dist[node] + 1
                    queue.append(other)
        return dist

    @staticmethod
    def count_shortest(adj: dict[str, list[tuple[str, str]]], source: str, target: str, limit: int) -> tuple[int, int]:
        """(length, number of shortest paths counted by claims) from source to target, or (0, 0)."""
        dist = {source: 0}
        ways = {source: 1}
        queue = deque([source])
        while queue:
            node = queue.popleft()
            if dist[node] == limit:
                continue
            for other, _ in adj.get(node, ()):
                if other not in dist:
                    dist[other] = dist[node] + 1
                    ways[other] = 0
                    queue.append(other)
                if dist[other] == dist[node] + 1:
                    ways[other] += ways[node]
        return (dist[target], ways[target]) if target in dist and target != source else (0, 0)

    def data_centres(self, country: str | None, as_of: str | None) -> list[str]:
        located = {
            (c.from_id, c.to_id.partition(":")[2])
            for c in self.usable(["LOCATED_IN"], as_of)
            if c.to_id.startswith("country:")
        }
        return sorted(
            n.id
            for n in self.nodes.values()
            if isinstance(n, Database)
            and n.kind.value == "national_data_centre"
            and (not country or n.country == country or (n.id, country) in located)
        )


def check_path(
    oracle: Oracle,
    row_path: dict[str, Any],
    start: str,
    end: str,
    hops: int,
    types: Iterable[str] | None,
    as_of: str | None,
) -> None:
    """The path runs from start to end in `hops` claims, each a real claim of an allowed type, in force,
    joining the nodes it stands between, pointing the way its direction says."""
    nodes = [n["id"] for n in row_path["nodes"]]
    rels = row_path["relationships"]
    assert nodes[0] == start and nodes[-1] == end and len(rels) == hops == len(nodes) - 1
    allowed = set(types) if types else set(REGISTRY.edge_types)
    for i, rel in enumerate(rels):
        claim = oracle.claims[rel["id"]]
        assert claim.type == rel["type"] and claim.type in allowed
        assert claim_in_force(claim.start, claim.end, as_of)
        expected = (nodes[i], nodes[i + 1]) if rel["direction"] == "->" else (nodes[i + 1], nodes[i])
        assert (claim.from_id, claim.to_id) == expected
    assert len(set(nodes)) == len(nodes)


# -- the graphs --------------------------------------------------------------------------------------


@functools.cache
def hub() -> Any:
    return hub_graph(2500, seed=11)


ORACLES = {
    "small": lambda: Oracle(SMALL.nodes, SMALL.claims),
    "extra": lambda: Oracle(EXTRA.nodes, EXTRA.claims),
    "hub": lambda: Oracle(hub().nodes, hub().claims),
}


@functools.cache
def oracle(dataset: str) -> Oracle:
    return ORACLES[dataset]()


def store_for(graphs: Graphs, dataset: str, engine: str) -> Any:
    if dataset == "hub":
        return graphs.get_generated("hub", engine, hub().load)
    return graphs.get(dataset, engine)


DATASETS = ["small", "extra", "hub"]


# -- vendors near national data centres -----------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_vendors_near_data_centres_match_the_oracle(graphs: Graphs, engine: str, dataset: str) -> None:
    store = store_for(graphs, dataset, engine)
    o = oracle(dataset)
    every = list(REGISTRY.edge_types)
    for max_hops, types, country, as_of in [
        (3, NDC_DEFAULT_TYPES, None, None),
        (4, every, None, None),
        (3, NDC_DEFAULT_TYPES, None, "2015-06-30"),
        (2, every, "ZW", "2019-06-30"),
        (5, NDC_DEFAULT_TYPES, "PK", None),
    ]:
        adj = o.adjacency(types, as_of)
        expected: dict[str, list[tuple[int, str]]] = {}
        for centre in o.data_centres(country, as_of):
            for node, d in o.distances(adj, centre, max_hops).items():
                if node.startswith("vendor:") and d > 0:
                    expected.setdefault(node, []).append((d, centre))
        params: dict[str, Any] = {"max_hops": max_hops, "types": types, "limit": 1000}
        if country:
            params["country"] = country
        if as_of:
            params["as_of"] = as_of
        rows = run_template(store, "vendors_touching_national_data_centres", params)
        assert {r["vendor_id"] for r in rows} == set(expected), params
        for r in rows:
            reached = sorted(expected[r["vendor_id"]])
            assert r["hops"] == reached[0][0]
            assert [(c["hops"], c["id"]) for c in r["data_centres"]] == reached
            assert r["total"] == len(expected)
            end = r["path"]["nodes"][-1]["id"]
            assert (r["hops"], end) in reached
            check_path(o, r["path"], r["vendor_id"], end, r["hops"], types, as_of)
        hops = [r["hops"] for r in rows]
        assert hops == sorted(hops)


@pytest.mark.parametrize("engine", ENGINES)
def test_vendors_near_data_centres_pages(graphs: Graphs, engine: str) -> None:
    """Pages of 7 joined end to end are the whole answer, in order; each row says the total."""
    store = store_for(graphs, "hub", engine)
    name = "vendors_touching_national_data_centres"
    whole = run_template(store, name, {"limit": 1000})
    assert len(whole) > 20
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        page = run_template(store, name, {"limit": 7, **({"after": after} if after else {})})
        if not page:
            break
        assert len(page) <= 7 and {r["total"] for r in page} == {len(whole)}
        pages += page
        after = page[-1]["vendor_id"]
    assert [(r["vendor_id"], r["hops"], r["data_centres"]) for r in pages] == [
        (r["vendor_id"], r["hops"], r["data_centres"]) for r in whole
    ]
    # A vendor that is not in the graph: no such entity (with the closest ids); one that is, but is not
    # among the answers: `after` cannot be placed.
    with pytest.raises(NoSuchEntity):
        run_template(store, name, {"after": "vendor:nobody-at-all"})
    vendors = {r["id"] for r in store.query("MATCH (v:Vendor) RETURN v.id AS id")}
    near = run_template(store, name, {"max_hops": 1, "limit": 1000})
    outside = sorted(vendors - {r["vendor_id"] for r in near})
    assert outside, "the hub graph needs a vendor no data centre reaches in one claim"
    with pytest.raises(TemplateParamError) as err:
        run_template(store, name, {"max_hops": 1, "after": outside[0]})
    assert err.value.details[0]["param"] == "after"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """benchmarks/generate.py's graph at 3,000 claims (its national data centre per country, hubs, dates)."""
    root = tmp_path_factory.mktemp("generated")
    generate(root, 3000, seed=11, formats={"yaml"})
    return root / "yaml"


def generated_oracle(folder: Path) -> Oracle:
    """The seed data, then the generated graph over it (as loaded: a shared id takes the later record)."""
    seed, gen = validate_paths([SEED]), validate_paths([folder])
    nodes = {n.id: n for n in [*seed.nodes, *gen.nodes]}
    return Oracle(list(nodes.values()), [*seed.claims, *gen.claims])


@pytest.mark.parametrize("engine", ENGINES)
def test_vendors_near_data_centres_on_a_generated_graph(graphs: Graphs, engine: str, generated: Path) -> None:
    """On the generated graph with the seed data: the vendors, their hops, their data centres, the order,
    every page joined end to end, and the total, against the oracle; with count=false the same pages
    and no total. ZW has two national data centres here (the seed's and the generated one): the search
    goes to max_hops; CN and KE one each: it stops at the first depth that fills the page."""

    def load(store: GraphStore) -> None:
        load_paths(store, [SEED])
        load_paths(store, [generated])

    store = graphs.get_generated("generated-3k+seed", engine, load)
    o = generated_oracle(generated)
    name = "vendors_touching_national_data_centres"
    for country, max_hops, as_of, limit in [
        ("ZW", 3, None, 9),
        ("CN", 3, None, 9),
        ("KE", 4, "2019-06-30", 5),
        ("CN", 2, None, 4),
        (None, 2, None, 8),
    ]:
        adj = o.adjacency(NDC_DEFAULT_TYPES, as_of)
        expected: dict[str, list[tuple[int, str]]] = {}
        for centre in o.data_centres(country, as_of):
            for node, d in o.distances(adj, centre, max_hops).items():
                if node.startswith("vendor:") and d > 0:
                    expected.setdefault(node, []).append((d, centre))
        order = sorted(expected, key=lambda v: (min(expected[v])[0], *name_key(o.nodes[v].name, v)))
        params: dict[str, Any] = {"max_hops": max_hops, "limit": limit}
        params.update({"country": country} if country else {})
        params.update({"as_of": as_of} if as_of else {})
        assert len(order) > 2 * limit, params  # at least three pages
        for count in (True, False):
            rows: list[dict[str, Any]] = []
            after = None
            while True:
                page = run_template(store, name, {**params, "count": count, **({"after": after} if after else {})})
                if not page:
                    break
                assert len(page) <= limit
                assert {r["total"] for r in page} == {len(order) if count else None}, params
                rows += page
                after = page[-1]["vendor_id"]
            assert [r["vendor_id"] for r in rows] == order, params
            for r in rows:
                reached = sorted(expected[r["vendor_id"]])
                assert r["hops"] == reached[0][0]
                assert [(c["hops"], c["id"]) for c in r["data_centres"]] == reached, params
                end = r["path"]["nodes"][-1]["id"]
                assert (r["hops"], end) in reached  # a nearest data centre
                check_path(o, r["path"], r["vendor_id"], end, r["hops"], NDC_DEFAULT_TYPES, as_of)


# -- shortest paths -------------------------------------------------------------------------------


def pairs(o: Oracle, k: int) -> list[tuple[str, str]]:
    ids = sorted(i for i in o.nodes if not i.startswith("source:"))
    step = max(1, len(ids) // k)
    chosen = ids[::step][:k]
    return [(a, b) for a in chosen[: k // 2] for b in chosen[k // 2 :]]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_shortest_paths_match_the_oracle(graphs: Graphs, engine: str, dataset: str) -> None:
    store = store_for(graphs, dataset, engine)
    o = oracle(dataset)
    for types, as_of, max_hops, limit in [
        (None, None, 4, 10),
        (["SUPPLIES", "PART_OF", "LOCATED_IN"], "2019-06-30", 6, 3),
    ]:
        adj = o.adjacency(types, as_of)
        for a, b in pairs(o, 8):
            length, count = o.count_shortest(adj, a, b, max_hops)
            params: dict[str, Any] = {"from": a, "to": b, "max_hops": max_hops, "limit": limit}
            if types:
                params["types"] = types
            if as_of:
                params["as_of"] = as_of
            rows = run_template(store, "shortest_path", params)
            assert len(rows) == min(limit, count), params
            assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
            seen = set()
            for r in rows:
                assert r["hops"] == length
                check_path(o, r["path"], a, b, length, types, as_of)
                seen.add(
                    tuple(rel["id"] for rel in r["path"]["relationships"]) + tuple(n["id"] for n in r["path"]["nodes"])
                )
            assert len(seen) == len(rows)


# -- data linkage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_data_linkage_matches_the_oracle(graphs: Graphs, engine: str, dataset: str) -> None:
    store = store_for(graphs, dataset, engine)
    o = oracle(dataset)
    types = ["LINKS_DATA_WITH", "ACCESSES_DATA_OF"]
    databases = sorted(i for i in o.nodes if i.startswith("database:"))[:6]
    for as_of in AS_OF:
        adj = o.adjacency(types, as_of)
        for db in databases:
            expected = {n: d for n, d in o.distances(adj, db, 4).items() if d > 0}
            params: dict[str, Any] = {"database": db, "max_hops": 4, **({"as_of": as_of} if as_of else {})}
            rows = run_template(store, "data_linkage", params)
            assert {r["id"]: r["hops"] for r in rows} == expected
            for r in rows:
                check_path(o, r["path"], db, r["id"], r["hops"], types, as_of)


# -- funding chains and neighbourhoods --------------------------------------------------------------


def claims_near(o: Oracle, start: str, bound: int, types: Iterable[str] | None, as_of: str | None) -> dict[str, int]:
    """Claim id -> 1 + the distance of its nearer end, for every usable claim with an end closer than bound."""
    adj = o.adjacency(types, as_of)
    dist = o.distances(adj, start, bound)
    out = {}
    for c in o.usable(types, as_of):
        near = [dist[e] for e in (c.from_id, c.to_id) if e in dist and dist[e] < bound]
        if near:
            assert c.id is not None
            out[c.id] = min(near) + 1
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_funding_chains_match_the_oracle(graphs: Graphs, engine: str, dataset: str) -> None:
    store = store_for(graphs, dataset, engine)
    o = oracle(dataset)
    starts = sorted(i for i in o.nodes if i.startswith(("project:", "org:")))[::17][:6]
    for as_of in AS_OF:
        for start in starts:
            for max_hops in (1, 3):
                near = claims_near(o, start, max_hops, ["FUNDED_BY", "SUPPLIES", "PART_OF"], as_of)
                near = {cid: h for cid, h in near.items() if o.claims[cid].type != "PART_OF"}
                funded = {o.claims[cid].from_id for cid in near if o.claims[cid].type == "FUNDED_BY"}
                expected = {
                    cid: h
                    for cid, h in near.items()
                    if o.claims[cid].type == "FUNDED_BY" or o.claims[cid].to_id in funded
                }
                params: dict[str, Any] = {"id": start, "max_hops": max_hops, **({"as_of": as_of} if as_of else {})}
                rows = run_template(store, "funding_chains", params)
                assert {r["claim_id"]: r["hops"] for r in rows} == expected, params


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("dataset", DATASETS)
def test_neighbourhoods_match_the_oracle(graphs: Graphs, engine: str, dataset: str) -> None:
    store = store_for(graphs, dataset, engine)
    o = oracle(dataset)
    starts = sorted(i for i in o.nodes if i.startswith(("vendor:", "database:")))[::13][:5]
    for as_of in AS_OF:
        for start in starts:
            for depth in (1, 2):
                adj = o.adjacency(None, as_of)
                nodes = o.distances(adj, start, depth)
                claims = claims_near(o, start, depth, None, as_of)
                params: dict[str, Any] = {"id": start, "depth": depth, **({"as_of": as_of} if as_of else {})}
                rows = run_template(store, "neighbourhood", params)
                got_nodes = {r["id"]: r["hops"] for r in rows if r["element"] == "node"}
                got_claims = {r["id"]: r["hops"] for r in rows if r["element"] == "claim"}
                assert got_nodes == nodes, params
                assert got_claims == claims, params
