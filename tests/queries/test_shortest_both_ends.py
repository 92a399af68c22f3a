"""shortest_path on the embedded store searches from both ends (survgraph.queries.bidirectional): the same
hop count and the same shortest paths as LadybugDB's own ALL SHORTEST on the same store, as Neo4j's
allShortestPaths, and as a plain-Python enumeration of every shortest path (the first `limit` of them in
the runner's order, which this search returns exactly).

Each case runs under every branch of the search: its cost estimates as they are, a probe between the two
frontiers at every step, and never a probe (the meeting found by expanding).
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from itertools import islice, pairwise, product
from typing import Any

import pytest

from survgraph.graph import NoSuchEntity
from survgraph.queries import TEMPLATES, run_template
from survgraph.queries import bidirectional as both_ends
from survgraph.queries.context import Context

from .conftest import ENGINES, Graphs
from .test_path_oracle import Oracle, check_path, hub, oracle, store_for

STRATEGIES = ["estimated", "always-probe", "never-probe"]


@pytest.fixture(params=STRATEGIES)
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "always-probe":
        monkeypatch.setattr(both_ends, "ESTIMATE_ROW", 1e9)
    elif request.param == "never-probe":
        monkeypatch.setattr(both_ends, "ESTIMATE_SCAN", 1e9)
    return str(request.param)


Path_ = tuple[tuple[str, ...], tuple[str, ...]]
Adjacency = dict[str, list[tuple[str, str]]]


def distances(adj: dict[str, list[tuple[str, str]]], source: str, bound: int) -> dict[str, int]:
    dist = {source: 0}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        if dist[node] < bound:
            for other, _ in adj.get(node, ()):
                if other not in dist:
                    dist[other] = dist[node] + 1
                    queue.append(other)
    return dist


def every_shortest(
    adj: dict[str, list[tuple[str, str]]], a: str, b: str, max_hops: int, first: int = 101
) -> list[Path_]:
    """The first `first` shortest paths from a to b of at most max_hops claims, as (nodes, claims), in the
    runner's order (node id, then claim id, step by step): a walk from a over the claims that lie on a
    shortest path (distance from a, plus one, plus distance to b, is the length), smallest step first."""
    from_a = distances(adj, a, max_hops)
    if b not in from_a or a == b:
        return []
    length = from_a[b]
    to_b = distances(adj, b, length)

    def walk(node: str) -> Iterator[Path_]:
        if node == b:
            yield (), ()
            return
        steps = sorted(
            (other, claim)
            for other, claim in adj.get(node, ())
            if from_a.get(other) == from_a[node] + 1 and from_a[other] + to_b.get(other, length + 1) == length
        )
        for other, claim in steps:
            for nodes, claims in walk(other):
                yield (other, *nodes), (claim, *claims)

    return [((a, *nodes), claims) for nodes, claims in islice(walk(a), first)]


def as_path(row: dict[str, Any]) -> Path_:
    value = row["path"]
    return tuple(n["id"] for n in value["nodes"]), tuple(r["id"] for r in value["relationships"])


def native(store: Any, params: dict[str, Any]) -> set[Path_]:
    """The template's own statement as the store runs it (LadybugDB's ALL SHORTEST), its paths as found."""
    template = TEMPLATES.get("shortest_path")
    rows = Context(store, template, template.validate(params)).run("paths")
    return {
        (tuple(n["id"] for n in r["path"]["nodes"]), tuple(x["id"] for x in r["path"]["relationships"])) for r in rows
    }


CASES = [
    (None, None, 4),
    (["SUPPLIES", "PART_OF", "LOCATED_IN", "HEADQUARTERED_IN"], "2019-06-30", 6),
    (None, "2015-06-30", 3),
]


def draw_pairs(o: Oracle, n: int, seed: int) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    ids = sorted(i for i in o.nodes if not i.startswith("source:"))
    hubs = sorted(i for i in ids if i.startswith("country:"))[:5]
    out = [(rnd.choice(ids), rnd.choice(ids)) for _ in range(n)]
    return out + [(rnd.choice(ids), h) for h in hubs] + [(h, rnd.choice(ids)) for h in hubs]


def test_same_paths_as_the_engines_and_the_oracle(graphs: Graphs, strategy: str) -> None:
    o = oracle("hub")
    neo = {}
    pairs = draw_pairs(o, 25, seed=5)
    for case, (types, as_of, max_hops) in enumerate(CASES):
        adj = o.adjacency(types, as_of)
        for a, b in pairs:
            params: dict[str, Any] = {"from": a, "to": b, "max_hops": max_hops, "limit": 100}
            if types:
                params["types"] = types
            if as_of:
                params["as_of"] = as_of
            expected = every_shortest(adj, a, b, max_hops)
            embedded = store_for(graphs, "hub", "embedded")
            rows = run_template(embedded, "shortest_path", params)
            assert [as_path(r) for r in rows] == expected[:100], params
            assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
            for r in rows:
                check_path(o, r["path"], a, b, len(expected[0][1]), types, as_of)
                assert r["sources"] == sorted({s for rel in r["path"]["relationships"] for s in rel["source_ids"]})
            theirs = native(embedded, params)
            assert {len(c) for _, c in theirs} == {len(c) for _, c in expected[:1]}, params
            if len(theirs) < 100:
                assert theirs == set(expected), params
            neo[(case, a, b)] = (params, {as_path(r) for r in rows})
    if strategy != "estimated":
        return  # Neo4j's answers do not depend on the embedded search's branches: compared once
    neo4j = store_for(graphs, "hub", "neo4j")
    for params, ours in neo.values():
        theirs = {as_path(r) for r in run_template(neo4j, "shortest_path", params)}
        assert {len(c) for _, c in theirs} == {len(c) for _, c in ours}, params
        if len(ours) < 100:
            assert theirs == ours, params


def test_max_hops_cuts_off(graphs: Graphs, strategy: str) -> None:
    o = oracle("hub")
    store = store_for(graphs, "hub", "embedded")
    adj = o.adjacency(None, None)
    checked = 0
    for a, b in draw_pairs(o, 40, seed=9):
        shortest = every_shortest(adj, a, b, 6, first=1)
        length = len(shortest[0][1]) if shortest else 0
        if length < 2:
            continue
        assert run_template(store, "shortest_path", {"from": a, "to": b, "max_hops": length - 1}) == []
        rows = run_template(store, "shortest_path", {"from": a, "to": b, "max_hops": length})
        assert rows and {r["hops"] for r in rows} == {length}
        checked += 1
    assert checked >= 10


def test_a_hub_in_the_middle(graphs: Graphs, strategy: str) -> None:
    """Pairs of the biggest hub's neighbours with nothing nearer between them: every shortest path runs
    through the hub (the node of most claims)."""
    o = oracle("hub")
    store = store_for(graphs, "hub", "embedded")
    adj = o.adjacency(None, None)
    hub_id = max(adj, key=lambda n: (len(adj[n]), n))
    degrees = sorted(len(v) for v in adj.values())
    assert len(adj[hub_id]) >= 5 * degrees[len(degrees) // 2]  # a hub of this small graph
    around = sorted({other for other, _ in adj[hub_id]})
    found = 0
    for a, b in zip(around[::2], around[1::2], strict=False):
        expected = every_shortest(adj, a, b, 4)
        if not expected or len(expected[0][1]) != 2 or not all(p[0][1] == hub_id for p in expected):
            continue
        rows = run_template(store, "shortest_path", {"from": a, "to": b})
        assert [as_path(r) for r in rows] == expected[:10]
        found += 1
    assert found >= 5


@pytest.mark.parametrize("engine", ENGINES)
def test_same_end_and_unknown_ids(graphs: Graphs, engine: str) -> None:
    """Unknown ids are NoSuchEntity on both stores (the check runs after an empty answer: a row proves its
    two ends), an end the same as the start no path."""
    store = store_for(graphs, "hub", engine)
    some = next(i for i in sorted(hub().nodes, key=lambda n: n.id) if i.id.startswith("vendor:")).id
    assert run_template(store, "shortest_path", {"from": some, "to": some}) == []
    with pytest.raises(NoSuchEntity):
        run_template(store, "shortest_path", {"from": some, "to": "vendor:no-such-vendor"})
    with pytest.raises(NoSuchEntity):
        run_template(store, "shortest_path", {"from": "database:nowhere", "to": some})
    with pytest.raises(NoSuchEntity):
        run_template(store, "shortest_path", {"from": "database:nowhere", "to": "database:nowhere"})
    with pytest.raises(NoSuchEntity):  # and not an empty answer for the ids that no path joins
        run_template(store, "shortest_path", {"from": some, "to": "vendor:no-such-vendor", "max_hops": 1})


def test_read_returns_exactly_the_paths_claims(graphs: Graphs) -> None:
    """`read` finds each claim between its two ends, then by id: exactly the paths' claims, each whole (its
    two ends and type as the records say), and their nodes' names; claims between two nodes of one label,
    and a claim beside another between the same two nodes (that one not asked for), among the cases."""
    o = oracle("hub")
    store = store_for(graphs, "hub", "embedded")

    def check(search: both_ends.BidirectionalSearch, a: str, b: str, limit: int) -> list[Any]:
        found = search.search(a, b, limit)
        names, claims = search.read(found.paths)
        assert set(claims) == {c for p in found.paths for c in p.claims}, (a, b)
        assert set(names) == {n for p in found.paths for n in p.nodes}
        for p in found.paths:
            for i, claim_id in enumerate(p.claims):
                record = o.claims[claim_id]
                assert (claims[claim_id]["from_id"], claims[claim_id]["to_id"]) == (record.from_id, record.to_id)
                assert {record.from_id, record.to_id} == set(p.nodes[i : i + 2])
                assert claims[claim_id]["type"] == record.type
        return found.paths

    same_label = 0
    for case, (types, as_of, max_hops) in enumerate(CASES):
        search = both_ends.BidirectionalSearch(store, types=types, as_of=as_of, max_hops=max_hops)
        for (a, b), limit in product(draw_pairs(o, 25, seed=13 + case), (1, 100)):
            if a != b:
                for p in check(search, a, b, limit):
                    same_label += sum(x.split(":")[0] == y.split(":")[0] for x, y in pairwise(p.nodes))
    assert same_label > 0
    by_ends: dict[frozenset[str], list[str]] = {}
    for c in o.claims.values():
        if c.id is not None and c.from_id != c.to_id:
            by_ends.setdefault(frozenset((c.from_id, c.to_id)), []).append(c.id)
    twins = sorted(sorted(ends) for ends, ids in by_ends.items() if len(ids) > 1)
    assert twins  # the hub graph has two claims between the same two nodes
    x, y = twins[0]
    paths = check(both_ends.BidirectionalSearch(store, max_hops=1), x, y, 1)
    assert len(paths) == 1 and paths[0].claims[0] in by_ends[frozenset((x, y))]
