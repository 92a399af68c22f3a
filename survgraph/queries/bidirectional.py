"""Shortest paths on the embedded store: a breadth-first search from both ends, driven from Python.

LadybugDB's own `ALL SHORTEST` searches from one end and expands every node it meets, hubs included
(country:CN holds 66k claims of the 1M-claim graph): 270-800 ms for a vendor-database pair there. This
search grows a layer at a time from whichever end is cheaper and stops at the layer where the two meet,
so the hop count is exact and each shortest path is found:

- each side's frontier (the nodes of its last layer) has a degree, counted in the engine (`count(*)`
  over the frontier's claims: nothing sent back; capped at DEGREE_CAP), and only when that side can be
  the cheaper one (a frontier has at least as many claims as nodes);
- a path of length A.depth + B.depth + 1 is a claim between the two frontiers: the *probe* asks the engine
  for exactly those claims (one frontier's claims whose other end is in the other frontier), few rows;
- otherwise the side with the smaller degree is *expanded*: every claim touching its frontier comes back
  as (claim id, from id, to id), and the new layer's nodes keep every (parent, claim) that reached them.

Whether to probe before expanding is a cost estimate (ESTIMATE_*): the engine tests membership in a list
parameter by comparing with each element, so a probe against a long frontier can cost more than sending
the smaller side's claims back and testing them in Python. At the last layer that max_hops allows, only
the cheaper of the two is run. Every query names its node labels and edge types (from the schema
registry, never from the caller) and takes the nodes and the date as parameters: the nodes as their
offsets in their label's table, sent back with the claims that reached them (`_expand`) or else looked up
once by id (`_resolve`: integers compare far faster than ids).

The paths are then built from the parent pointers, smallest first in the runner's order (node id, then
claim id, step by step), and only `limit` of them; their nodes' names by id, and their claims whole in one
query, each found between its two ends (`read`). Like every template of several statements, a load between the search's
queries is not isolated from it (the embedded store's loads are rare and all-or-nothing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from survgraph.graph import GraphStore, GraphView
from survgraph.graph.time import AS_OF_PARAM, in_force
from survgraph.queries.walk import WalkPath
from survgraph.schema import Registry

#: A frontier's degree is counted up to this many claims: enough to tell the cheaper side.
DEGREE_CAP = 100_000
#: Rough cost per claim (microseconds, LadybugDB 0.22 at 1M claims): sent back to Python; scanned by the
#: engine; and per element of a list parameter it is compared with (`IN`).
ESTIMATE_ROW = 3.0
ESTIMATE_SCAN = 0.25
ESTIMATE_IN = 0.004


#: What the search reads of each claim: its id and its two ends (a claim names them).
_ENDS = "r.id AS id, r.from_id AS from_id, r.to_id AS to_id"


@dataclass
class _Side:
    """One end's search: each node's distance, the (parent, claim) pairs that reached it, the last layer."""

    start: str
    dist: dict[str, int] = field(default_factory=dict)
    parents: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    frontier: list[str] = field(default_factory=list)
    depth: int = 0
    degree: int | None = None

    def __post_init__(self) -> None:
        self.dist[self.start] = 0
        self.parents[self.start] = []
        self.frontier = [self.start]


@dataclass(frozen=True)
class Found:
    """What the search found: the shortest length (None: no path within max_hops) and up to `limit` of
    the shortest paths, smallest first."""

    hops: int | None
    paths: list[WalkPath]


class BidirectionalSearch:
    """Shortest paths between two entities of one embedded store (see the module's notes)."""

    def __init__(
        self, store: GraphStore, *, types: Sequence[str] | None = None, as_of: str | None = None, max_hops: int
    ) -> None:
        self.store = store
        self.registry: Registry = store.registry
        # Names checked against the registry here too: they are written into the Cypher.
        self.types = [self.registry.edge_types[t].name for t in types] if types else None
        self.as_of = as_of or None
        self.max_hops = max_hops
        self._cond = in_force("r") if self.as_of else "true"
        #: Each node's offset in its label's table (`_resolve`).
        self._offsets: dict[str, int] = {}
        self._columns = ", ".join(f"r.`{col.name}` AS `{col.name}`" for col in self.registry.edge_columns)
        self._whole = f"{store.rel_type_function}(r) AS `type`, {self._columns}"
        self._touching: dict[str, list[str]] = {}
        self._between: dict[tuple[str, str], list[str]] = {}
        allowed = set(self.types) if self.types is not None else set(self.registry.edge_types)
        for etype, spec in self.registry.edge_types.items():
            if etype not in allowed:
                continue
            for a, b in spec.endpoints:
                for x, y in ((a, b), (b, a)):
                    self._touching.setdefault(x, [])
                    if etype not in self._touching[x]:
                        self._touching[x].append(etype)
                    self._between.setdefault((x, y), [])
                    if etype not in self._between[(x, y)]:
                        self._between[(x, y)].append(etype)

    # -- queries --------------------------------------------------------------------------------

    def _label(self, node_id: str) -> str | None:
        kind = self.registry.kind_of_id(node_id)
        return kind.label if kind is not None else None

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.as_of:
            params[AS_OF_PARAM] = self.as_of
        return params

    def _groups(self, ids: Sequence[str]) -> list[tuple[str, list[int]]]:
        """The nodes with these ids, by label, as their offsets in the label's table (see `_resolve`)."""
        self._resolve(ids)
        groups: dict[str, list[int]] = {}
        for node_id in ids:
            label = self._label(node_id)
            offset = self._offsets.get(node_id)
            if label is not None and offset is not None:
                groups.setdefault(label, []).append(offset)
        return sorted(groups.items())

    def _resolve(self, ids: Sequence[str]) -> None:
        """Each node's offset in its label's table, looked up once by id (the label's id index). The
        frontier's queries then name their nodes by offset: LadybugDB tests `offset(id(n)) IN $list` on
        integers, 10 to 15 times faster than `n.id IN $list` on strings (300 projects of the 1M-claim
        graph: 12 ms against 178 ms), and both compare every node of the table with the list."""
        wanted: dict[str, list[str]] = {}
        for node_id in ids:
            label = self._label(node_id)
            if label is not None and node_id not in self._offsets:
                wanted.setdefault(label, []).append(node_id)
        branches: list[str] = []
        params: dict[str, Any] = {}
        for i, (label, group) in enumerate(sorted(wanted.items())):
            branches.append(
                f"UNWIND $ids{i} AS wanted MATCH (n:{label} {{id: wanted}}) RETURN n.id AS id, offset(id(n)) AS o"
            )
            params[f"ids{i}"] = group
        if branches:
            for r in self.store.query(" UNION ALL ".join(branches), params):
                self._offsets[str(r["id"])] = int(r["o"])

    def _anchored(self, label: str, name: str, types: list[str], far: str = "") -> str:
        """The claims of `types` touching the nodes of one label named by offset in `$name`."""
        return f"MATCH (n:{label})-[r:{'|'.join(types)}]-({far}) WHERE offset(id(n)) IN ${name} AND {self._cond}"

    def _degree(self, side: _Side) -> int:
        branches: list[str] = []
        params: dict[str, Any] = {}
        for i, (label, offsets) in enumerate(self._groups(side.frontier)):
            types = self._touching.get(label)
            if types:
                branches.append(
                    f"{self._anchored(label, f'n{i}', types)} WITH r LIMIT {DEGREE_CAP} RETURN count(*) AS n"
                )
                params[f"n{i}"] = offsets
        if not branches:
            return 0
        return sum(int(r["n"]) for r in self.store.query(" UNION ALL ".join(branches), self._params(params)))

    def _expand(self, side: _Side) -> list[dict[str, Any]]:
        branches: list[str] = []
        params: dict[str, Any] = {}
        for i, (label, offsets) in enumerate(self._groups(side.frontier)):
            types = self._touching.get(label)
            if types:
                # Each claim's far end with its offset: the next layer's nodes need no lookup by id.
                start = self._anchored(label, f"n{i}", types, "m")
                branches.append(f"{start} RETURN {_ENDS}, m.id AS far, offset(id(m)) AS far_offset")
                params[f"n{i}"] = offsets
        if not branches:
            return []
        rows = self.store.query(" UNION ALL ".join(branches), self._params(params))
        for r in rows:
            self._offsets.setdefault(str(r["far"]), int(r["far_offset"]))
        return rows

    def _probe(self, scan: _Side, other: _Side) -> list[dict[str, Any]]:
        """The claims between the two frontiers, read from `scan`'s nodes."""
        branches: list[str] = []
        params: dict[str, Any] = {}
        others = self._groups(other.frontier)
        for i, (label, offsets) in enumerate(self._groups(scan.frontier)):
            for j, (far, far_offsets) in enumerate(others):
                types = self._between.get((label, far))
                if not types:
                    continue
                start = self._anchored(label, f"n{i}", types, f"m:{far}")
                # The far test after WITH: in the MATCH's WHERE, LadybugDB pushes it down to a scan of the
                # far label's whole table, each node compared with the list (22 ms for 302 of the 1M-claim
                # graph's projects, whatever the near side's claims); after WITH it tests the claims found.
                branches.append(f"{start} WITH r, offset(id(m)) AS o WHERE o IN $m{j} RETURN {_ENDS}")
                params[f"n{i}"] = offsets
                params[f"m{j}"] = far_offsets
        if not branches:
            return []
        return self.store.query(" UNION ALL ".join(branches), self._params(params))

    # -- the search ----------------------------------------------------------------------------

    def search(self, start: str, end: str, limit: int) -> Found:
        """Up to `limit` shortest paths from `start` to `end` (ids of existing entities, start != end)."""
        a, b = _Side(start), _Side(end)
        while a.depth + b.depth < self.max_hops:
            # Count the shorter frontier first; the other's count is skipped when the first's degree is no
            # more than the other's size (each node of a frontier has a claim: the one that reached it),
            # since it could not be the cheaper side: counting a long frontier costs as much as a probe.
            for side, other in sorted(((a, b), (b, a)), key=lambda pair: len(pair[0].frontier)):
                if side.degree is None and (other.degree is None or other.degree > len(side.frontier)):
                    side.degree = self._degree(side)
            small = a if b.degree is None or (a.degree is not None and a.degree <= b.degree) else b
            assert small.degree is not None
            expand_cost = small.degree * ESTIMATE_ROW
            unknown = float("inf")
            from_a = unknown if a.degree is None else a.degree * (ESTIMATE_SCAN + ESTIMATE_IN * len(b.frontier))
            from_b = unknown if b.degree is None else b.degree * (ESTIMATE_SCAN + ESTIMATE_IN * len(a.frontier))
            last = a.depth + b.depth + 1 >= self.max_hops
            if min(from_a, from_b) < expand_cost * (1.0 if last else 0.5):
                scan = a if from_a <= from_b else b
                rows = self._probe(scan, b if scan is a else a)
                bridges = _bridges(rows, set(a.frontier), set(b.frontier))
                if bridges:
                    return Found(a.depth + b.depth + 1, _paths(a, b, bridges, limit))
                if last:
                    break
            other = b if small is a else a
            new = _layer(small, self._expand(small))
            met = [m for m in new if m in other.dist]
            if met:
                # Each new node the other side reached is in its frontier (had the two met nearer, an
                # earlier step would have stopped): its claims from this side's frontier are the bridges.
                bridges = {}
                for m in met:
                    for n, c in new[m]:
                        near, far = (n, m) if small is a else (m, n)
                        bridges.setdefault(near, set()).add((far, c))
                return Found(a.depth + b.depth + 1, _paths(a, b, bridges, limit))
            if not new:
                break
            small.depth += 1
            for m, reached in new.items():
                small.dist[m] = small.depth
                small.parents[m] = sorted(reached)
            small.frontier = sorted(new)
            small.degree = None
        return Found(None, [])

    # -- the paths' nodes and claims ------------------------------------------------------------

    def read(self, paths: Sequence[WalkPath]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """The names of the paths' nodes and their claims whole, by id: one query, a branch per pair of
        labels the claims join. Each claim is found from one end (the end whose label sorts first, then
        the smaller id) among that end's claims whose other end is the claim's other end (tested after
        WITH, on integers), and only then by its id: LadybugDB compares the id with the list for each
        claim that reaches the test, so testing it first, among all of a hub's claims, cost 20-60 ms
        (country:CN's 66k, vendor:huawei's 48k) where this costs 0.3-4 ms whichever end it starts from."""
        nodes = sorted({n for p in paths for n in p.nodes})
        names = GraphView(self.store).names(nodes)
        self._resolve(nodes)
        wanted: dict[tuple[str, str], tuple[set[int], set[int], set[str]]] = {}
        for p in paths:
            for i, claim in enumerate(p.claims):
                ends = [(self._label(n), n) for n in p.nodes[i : i + 2]]
                (near_label, near), (far_label, far) = sorted((label or "", n) for label, n in ends)
                if near in self._offsets and far in self._offsets:
                    group = wanted.setdefault((near_label, far_label), (set(), set(), set()))
                    group[0].add(self._offsets[near])
                    group[1].add(self._offsets[far])
                    group[2].add(claim)
        branches: list[str] = []
        params: dict[str, Any] = {}
        for i, ((near_label, far_label), (near_offsets, far_offsets, ids)) in enumerate(sorted(wanted.items())):
            types = self._between.get((near_label, far_label))
            if not types:
                continue
            start = self._anchored(near_label, f"n{i}", types, f"m:{far_label}")
            branches.append(
                f"{start} WITH r, offset(id(m)) AS o WHERE o IN $m{i} WITH r WHERE r.id IN $ids{i} RETURN {self._whole}"
            )
            params[f"n{i}"] = sorted(near_offsets)
            params[f"m{i}"] = sorted(far_offsets)
            params[f"ids{i}"] = sorted(ids)
        claims: dict[str, dict[str, Any]] = {}
        if branches:
            for r in self.store.query(" UNION ALL ".join(branches), self._params(params)):
                claims[str(r["id"])] = self.store.normalise_rel(str(r["type"]), r)
        return names, claims


def _layer(side: _Side, rows: Sequence[Mapping[str, Any]]) -> dict[str, set[tuple[str, str]]]:
    """The next layer of `side` from the claims touching its frontier: each new node and every (parent,
    claim) reaching it."""
    front = set(side.frontier)
    new: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        c, f, t = str(r["id"]), str(r["from_id"]), str(r["to_id"])
        for n, m in ((f, t), (t, f)):
            if n in front and m not in side.dist:
                new.setdefault(m, set()).add((n, c))
    return new


def _bridges(rows: Sequence[Mapping[str, Any]], near: set[str], far: set[str]) -> dict[str, set[tuple[str, str]]]:
    """The claims between the two frontiers, by their end on the start's side: {near: {(far, claim)}}."""
    out: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        c, f, t = str(r["id"]), str(r["from_id"]), str(r["to_id"])
        for n, m in ((f, t), (t, f)):
            if n in near and m in far:
                out.setdefault(n, set()).add((m, c))
    return out


def _paths(a: _Side, b: _Side, bridges: Mapping[str, set[tuple[str, str]]], limit: int) -> list[WalkPath]:
    """Up to `limit` shortest paths, smallest first (node id, then claim id, step by step): down the start
    side's parent pointers reversed (only towards the bridges), across a bridge, then up the end side's."""
    children: dict[str, set[tuple[str, str]]] = {}
    stack = list(bridges)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for parent, claim in a.parents[node]:
            children.setdefault(parent, set()).add((node, claim))
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)

    def home(node: str) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
        """The end side's paths from `node` to its start, smallest first."""
        if not b.parents[node]:
            yield (), ()
            return
        for parent, claim in b.parents[node]:  # sorted when the layer was made
            for nodes, claims in home(parent):
                yield (parent, *nodes), (claim, *claims)

    def walk(node: str, nodes: tuple[str, ...], claims: tuple[str, ...]) -> Iterator[WalkPath]:
        if node in bridges:
            for far, claim in sorted(bridges[node]):
                for rest, rest_claims in home(far):
                    yield WalkPath((*nodes, far, *rest), (*claims, claim, *rest_claims))
            return
        for child, claim in sorted(children.get(node, ())):
            yield from walk(child, (*nodes, child), (*claims, claim))

    out: list[WalkPath] = []
    for path in walk(a.start, (a.start,), ()):
        out.append(path)
        if len(out) >= limit:
            break
    return out
