"""Breadth-first search over claims, driven one hop at a time by a template's `expand` statement.

Variable-length Cypher patterns disagree between the engines (Neo4j matches trails, the embedded
engine walks, and enumerating shortest paths explodes on hub nodes such as countries). So templates
that ask "within N hops" fetch one hop per round (the claims touching the frontier) and the
distances, witness paths and path enumeration happen here, in plain Python. Both engines return the
same claims, so both give the same answers; cost grows with the claims explored, not with paths.

Ties are broken by ids: a witness path takes, at each step, the smallest (node id, claim id) that
gets one step closer, so it is the lexicographically smallest shortest path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from survgraph.graph.view import breadth_first

#: Runs the template's `expand` statement for a frontier. Rows carry `node_id`, `other_id`,
#: `other_name` and either `claim` (the whole claim) or `claim_id`, `from_id` and `to_id` (cheaper to
#: transfer; the runner reads the claims it returns whole afterwards). Other columns go to Ball.extra.
Fetch = Callable[[list[str]], list[dict[str, Any]]]


@dataclass
class Ball:
    """What a breadth-first expansion met: each node's distance from the seeds and every claim
    touching a node closer than `max_hops`."""

    dist: dict[str, int]
    names: dict[str, str]
    claims: dict[str, dict[str, Any]]
    max_hops: int
    #: node id -> sorted [(neighbour id, claim id)]; self-loops are left out
    adjacency: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: node id -> the extra columns of an `expand` row that reached it (e.g. confidence, sources)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class WalkPath:
    """A path as node ids and the claim ids between them (len(claims) == len(nodes) - 1)."""

    nodes: tuple[str, ...]
    claims: tuple[str, ...]

    @property
    def hops(self) -> int:
        return len(self.claims)

    def reversed(self) -> WalkPath:
        return WalkPath(self.nodes[::-1], self.claims[::-1])


_EXPAND_KEYS = frozenset({"node_id", "claim", "claim_id", "from_id", "to_id", "other_id", "other_name"})


def expand(fetch: Fetch, seeds: Mapping[str, str], max_hops: int, *, stop_at: str | None = None) -> Ball:
    """Expand from `seeds` (id -> name) for up to `max_hops` rounds; stop early once `stop_at` is met.
    The rounds are survgraph.graph.view's breadth-first search; each step runs the template's statement."""
    names = dict(seeds)
    claims: dict[str, dict[str, Any]] = {}
    extra: dict[str, dict[str, Any]] = {}

    def step(frontier: list[str]) -> list[str]:
        met: list[str] = []
        for row in fetch(frontier):
            claim = row.get("claim") or {"id": row["claim_id"], "from_id": row["from_id"], "to_id": row["to_id"]}
            other = row["other_id"]
            if "type" in claim or claim["id"] not in claims:
                claims[claim["id"]] = claim
            if other not in names:  # first met: its name comes from this row
                names[other] = row["other_name"]
            if other not in extra:
                extra[other] = {k: v for k, v in row.items() if k not in _EXPAND_KEYS}
            met.append(other)
        return met

    dist, _ = breadth_first(step, seeds, max_hops, stop_at=stop_at)
    ball = Ball(dist, names, claims, max_hops, extra=extra)
    ball.adjacency = _adjacency(claims)
    return ball


def _adjacency(claims: Mapping[str, Mapping[str, Any]]) -> dict[str, list[tuple[str, str]]]:
    adj: dict[str, list[tuple[str, str]]] = {}
    for cid, c in claims.items():
        a, b = c["from_id"], c["to_id"]
        if a == b:
            continue
        adj.setdefault(a, []).append((b, cid))
        adj.setdefault(b, []).append((a, cid))
    for steps in adj.values():
        steps.sort()
    return adj


def distances_from(ball: Ball, source: str, limit: int) -> dict[str, int]:
    """Hop distances from one node within the ball, up to `limit` hops. Exact for any seed of the
    ball when limit <= ball.max_hops: every path that short stays inside what was fetched."""
    dist = {source: 0}
    layer = [source]
    for hop in range(1, limit + 1):
        nxt = []
        for node in layer:
            for other, _ in ball.adjacency.get(node, ()):
                if other not in dist:
                    dist[other] = hop
                    nxt.append(other)
        layer = nxt
    return dist


def descend(ball: Ball, start: str, dist: Mapping[str, int] | None = None) -> WalkPath:
    """From `start` down to a node at distance 0, always taking the smallest (node id, claim id)
    one step closer: the lexicographically smallest shortest path from `start` to the seeds."""
    dist = ball.dist if dist is None else dist
    nodes = [start]
    claims: list[str] = []
    here = start
    while dist[here] > 0:
        other, cid = min((o, c) for o, c in ball.adjacency[here] if dist.get(o) == dist[here] - 1)
        nodes.append(other)
        claims.append(cid)
        here = other
    return WalkPath(tuple(nodes), tuple(claims))


def shortest_paths(ball: Ball, source: str, target: str) -> Iterator[WalkPath]:
    """Every shortest path from `source` (the ball's only seed) to `target`, smallest first, lazily:
    take as many as needed without enumerating the rest."""
    dist = ball.dist
    if target not in dist or source == target:
        return
    # Nodes on some shortest path: walk back from the target one layer at a time.
    on_path = {target}
    layer = {target}
    while layer:
        prev = set()
        for node in layer:
            for other, _ in ball.adjacency.get(node, ()):
                if dist.get(other) == dist[node] - 1:
                    prev.add(other)
        on_path |= prev
        layer = prev

    def forward(node: str) -> list[tuple[str, str]]:
        return [(o, c) for o, c in ball.adjacency.get(node, ()) if o in on_path and dist.get(o) == dist[node] + 1]

    stack: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((source,), ())]
    while stack:
        nodes, claims = stack.pop()
        here = nodes[-1]
        if here == target:
            yield WalkPath(nodes, claims)
            continue
        for other, cid in reversed(forward(here)):
            stack.append(((*nodes, other), (*claims, cid)))
