"""A typed read view of one store: look-ups by id, adjacency, bounded neighbourhoods and keyset paging.

Every read the API, RDF, viz and importers make of the graph (other than query templates) is assembled
here, once. Two rules keep each read cheap on both engines, at a million claims as at a thousand:
- a look-up by id names the label (from the id prefix, `Registry.kind_of_id`) or the relationship type,
  so Neo4j uses its per-label / per-type uniqueness index and LadybugDB its primary key;
- iteration pages by key (`WHERE n.id > $after ORDER BY n.id LIMIT $n`), never by SKIP: LadybugDB 0.22
  segfaults on `ORDER BY .. SKIP s LIMIT k` when s is past the last row (docs/embedded-engine.md), and a
  SKIP rescans everything it skips anyway.
Labels and types in the Cypher come only from the registry; data travels as $parameters. Long id lists
are cut into chunks of `chunk_size` here, and nowhere else.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from survgraph.errors import SurvgraphError
from survgraph.graph.store import GraphStore
from survgraph.graph.time import AS_OF_PARAM, in_force
from survgraph.schema.registry import Column, ColumnType
from survgraph.schema.types import check_as_of

Row = dict[str, Any]

#: Ids per `IN $ids` look-up: big enough to amortise a round trip, small enough for any engine's planner.
LOOKUP_CHUNK = 1000
#: Rows per page when iterating a whole kind.
PAGE_SIZE = 5000
#: Start nodes per degree read of a claim scan (`scan_claims`): an id and a count each.
SCAN_DEGREES = 20_000

Direction = Literal["out", "in", "both"]


class NoSuchEntity(SurvgraphError):
    """An id that names no entity of the graph; `suggestions` are the closest existing ids of its kind."""

    status = 404
    exit_code = 2

    def __init__(self, entity_id: str, suggestions: Sequence[str] = ()) -> None:
        self.entity_id = entity_id
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no entity {entity_id}{hint}")


@dataclass(frozen=True)
class Adjacent:
    """A claim seen from one of its ends: the claim row, the far end ({id, name, label}: what a listing of
    claims shows; read the node itself for more), and which way it points."""

    claim: Row
    other: Row
    outgoing: bool


@dataclass
class Reach:
    """What a bounded breadth-first walk met: each node's hop distance from the seeds (in the order met),
    the claims touching every node closer than the depth, and whether the node cap cut the walk short."""

    dist: dict[str, int]
    claims: dict[str, Row] = field(default_factory=dict)
    truncated: bool = False


@dataclass(frozen=True)
class Page:
    """One page of a keyset iteration: the rows, in id order, and the id to continue after (None at the end)."""

    items: list[Row]
    next_after: str | None


def _pages(fetch: Callable[[str], Page]) -> Iterator[list[Row]]:
    """The rows of a keyset iteration, page by page: `fetch(after)` gives the page after an id ("" first)."""
    page = fetch("")
    while page.items:
        yield page.items
        if page.next_after is None:
            return
        page = fetch(page.next_after)


def breadth_first(
    step: Callable[[list[str]], Iterable[str]],
    seeds: Iterable[str],
    depth: int,
    *,
    max_nodes: int | None = None,
    stop_at: str | None = None,
) -> tuple[dict[str, int], bool]:
    """The one breadth-first search: `step(frontier)` gives the neighbours of a sorted frontier. Returns
    hop distances (in the order nodes were met) and True if `max_nodes` cut the walk (the frontier that
    overflows is cut to its smallest ids). Stops early once `stop_at` has been met."""
    dist = dict.fromkeys(seeds, 0)
    frontier = sorted(dist)
    for hop in range(1, depth + 1):
        if not frontier or (stop_at is not None and stop_at in dist):
            break
        found = list(dict.fromkeys(o for o in step(frontier) if o not in dist))
        if max_nodes is not None and len(dist) + len(found) > max_nodes:
            keep = set(sorted(found)[: max(0, max_nodes - len(dist))])
            dist.update((o, hop) for o in found if o in keep)
            return dist, True
        dist.update((o, hop) for o in found)
        frontier = sorted(found)
    return dist, False


def chunks(ids: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for i in ids:
        batch.append(i)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class GraphView:
    """Reads over one store. Nodes come back as the store's normalised rows (with `label`), claims as
    relationship rows (with `type`, `from_id`, `to_id`).

    With `as_of` (a checked YYYY-MM-DD), every claim read -- by id, incident, paged, counted, walked --
    is only a claim in force on that day (survgraph.graph.time); entities are read regardless."""

    def __init__(self, store: GraphStore, *, chunk_size: int = LOOKUP_CHUNK, as_of: str | None = None) -> None:
        self.store = store
        self.registry = store.registry
        self.chunk_size = chunk_size
        self.as_of = check_as_of(as_of) if as_of else None

    def _in_force(self, var: str = "r") -> tuple[str, dict[str, Any]]:
        """A WHERE condition (with its parameters) keeping claims in force on `as_of`; always true without."""
        if self.as_of is None:
            return "true", {}
        return in_force(var), {AS_OF_PARAM: self.as_of}

    # -- kinds and types -------------------------------------------------------------------------

    def label_of(self, node_id: str) -> str | None:
        kind = self.registry.kind_of_id(node_id)
        return kind.label if kind is not None else None

    def by_label(self, ids: Iterable[str], labels: Iterable[str] | None = None) -> dict[str, list[str]]:
        """Ids grouped by the label their prefix names, each group sorted; ids of no known kind (or of a
        label outside `labels`) are left out: they cannot be in the graph."""
        allowed = set(self.registry.node_kinds if labels is None else labels)
        groups: dict[str, set[str]] = {}
        for node_id in ids:
            label = self.label_of(node_id)
            if label is not None and label in allowed:
                groups.setdefault(label, set()).add(node_id)
        return {label: sorted(group) for label, group in sorted(groups.items())}

    def edge_types(self, types: Iterable[str] | None = None) -> list[str]:
        """Registry edge types, all or those named (KeyError for a name the registry does not hold)."""
        if types is None:
            return list(self.registry.edge_types)
        return [self.registry.edge_types[t].name for t in types]

    def _types_touching(self, label: str, end: Literal["from", "to"], types: Iterable[str] | None) -> list[str]:
        """The edge types (of `types`) that the registry lets start (end "from") or end ("to") at `label`."""
        index = 0 if end == "from" else 1
        return [
            t
            for t in self.edge_types(types)
            if any(pair[index] == label for pair in self.registry.edge_types[t].endpoints)
        ]

    def _query(self, cypher: str, params: Mapping[str, Any]) -> list[Row]:
        return self.store.query(cypher, params)

    # -- entities ------------------------------------------------------------------------------

    def get_entity(self, node_id: str) -> Row | None:
        return self.entities([node_id]).get(node_id)

    def entities(self, ids: Iterable[str], *, labels: Iterable[str] | None = None) -> dict[str, Row]:
        """The nodes with these ids (of `labels`, if given), keyed by id; unknown ids are left out."""
        found: dict[str, Row] = {}
        for label, rows in self._by_id(ids, labels, None):
            found.update((str(r["id"]), self.store.normalise_node(label, r)) for r in rows)
        return found

    def names(self, ids: Iterable[str]) -> dict[str, Any]:
        """The name of each node with one of these ids, keyed by id (what a listing of claims shows of the
        far ends); unknown ids are left out."""
        return {str(r["id"]): r["name"] for _, rows in self._by_id(ids, None, ("id", "name")) for r in rows}

    def _by_id(
        self, ids: Iterable[str], labels: Iterable[str] | None, columns: Iterable[str] | None
    ) -> Iterator[tuple[str, list[Row]]]:
        """(label, rows) of the nodes with these ids, each row the node's `columns` (default all) as columns
        of their own, not the node value: LadybugDB hands a row of columns back about twice as fast."""
        for label, wanted in self.by_label(ids, labels).items():
            fields = _fields("n", _scan_columns(self.registry.node_columns[label], columns, ("id",)))
            # UNWIND + a map lookup: LadybugDB scans the table for `n.id IN $ids` (29 ms against 0.7 ms
            # for one id of 100k-claim graph's projects); Neo4j uses its id index either way.
            cypher = f"UNWIND $ids AS wanted MATCH (n:{label} {{id: wanted}}) RETURN {fields}"
            for chunk in chunks(wanted, self.chunk_size):
                yield label, self._query(cypher, {"ids": chunk})

    def suggest(self, node_id: str, n: int = 5, *, page_size: int = PAGE_SIZE) -> list[str]:
        """Up to `n` existing ids of the kind `node_id`'s prefix names, closest first: the id's slug
        compared (difflib) with each id's slug and each name. Reads the ids and names of that one kind,
        a page at a time; nothing for an id of no known kind."""
        label = self.label_of(node_id)
        if label is None:
            return []
        wanted = node_id.partition(":")[2].casefold()
        keys: dict[str, set[str]] = {}
        cypher = f"MATCH (n:{label}) WHERE n.id > $after RETURN n.id AS id, n.name AS name ORDER BY n.id LIMIT $limit"
        after = ""
        while True:
            page = self._query(cypher, {"after": after, "limit": page_size})
            for r in page:
                for key in (str(r["id"]).partition(":")[2].casefold(), str(r["name"] or "").casefold()):
                    if key:
                        keys.setdefault(key, set()).add(str(r["id"]))
            if len(page) < page_size:
                break
            after = str(page[-1]["id"])
        out: list[str] = []
        for key in difflib.get_close_matches(wanted, list(keys), n=n * 2, cutoff=0.5):
            out += sorted(keys[key] - set(out))
        return out[:n]

    def require(self, ids: Iterable[str]) -> None:
        """Raise NoSuchEntity (with suggestions) for the first of `ids`, in order, that is not in the graph."""
        wanted = list(dict.fromkeys(ids))
        self._raise_missing(wanted, self.existing(wanted))

    def require_beside(self, ids: Iterable[str]) -> Callable[[], None]:
        """`require`, its look-up started now beside the reads that follow (GraphStore.query_beside): the
        function returned waits for it and raises NoSuchEntity as `require` would."""
        wanted = list(dict.fromkeys(ids))
        cypher, params = self._existing_query(wanted)
        rows = self.store.query_beside(cypher, params) if cypher else list
        return lambda: self._raise_missing(wanted, {str(r["id"]) for r in rows()})

    def _raise_missing(self, wanted: list[str], found: set[str]) -> None:
        for node_id in wanted:
            if node_id not in found:
                raise NoSuchEntity(node_id, self.suggest(node_id))

    def existing(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids the graph holds: one query (one round trip to Neo4j), a branch per label,
        each through that label's id index."""
        cypher, params = self._existing_query(ids)
        return {str(r["id"]) for r in self._query(cypher, params)} if cypher else set()

    def _existing_query(self, ids: Iterable[str]) -> tuple[str, dict[str, Any]]:
        """`existing`'s query and parameters ("" when no id can be in the graph)."""
        branches: list[str] = []
        params: dict[str, Any] = {}
        for label, wanted in self.by_label(ids).items():
            for chunk in chunks(wanted, self.chunk_size):
                name = f"ids{len(branches)}"
                branches.append(f"UNWIND ${name} AS wanted MATCH (n:{label} {{id: wanted}}) RETURN n.id AS id")
                params[name] = chunk
        return " UNION ALL ".join(branches), params

    def sources(self, ids: Iterable[str], columns: Iterable[str] | None = None) -> dict[str, Row]:
        """The Source records with these ids; cited ids without a record are left out. With `columns`, only
        those (and `id`) are read: each row is keyed by the given columns alone."""
        if columns is None:
            return self.entities(ids, labels=["Source"])
        return {str(r["id"]): r for _, rows in self._by_id(ids, ["Source"], columns) for r in rows}

    # -- claims --------------------------------------------------------------------------------

    def claims(self, ids: Iterable[str], *, types: Iterable[str] | None = None) -> dict[str, Row]:
        """The claims with these ids (of `types`, if given); unknown ids are left out. A claim id does not
        name its type, so each type is asked in turn (each by its own id index)."""
        wanted = sorted({i for i in ids if self.registry.kind_of_id(i) is None})
        found: dict[str, Row] = {}
        if not wanted:
            return found
        cond, extra = self._in_force()
        for etype in self.edge_types(types):
            cypher = f"MATCH ()-[r:{etype}]->() WHERE r.id IN $ids AND {cond} RETURN r"
            for chunk in chunks(wanted, self.chunk_size):
                for r in self._query(cypher, {"ids": chunk, **extra}):
                    found[r["r"]["id"]] = r["r"]
        return found

    def incident_claims(
        self, ids: Iterable[str], *, types: Iterable[str] | None = None, direction: Direction = "both"
    ) -> dict[str, Row]:
        """Every claim (of `types`) with an end among `ids`: leaving them ("out"), arriving ("in") or both."""
        return {cid: a.claim for cid, a in self._adjacent(ids, types, direction, with_other=False).items()}

    def claims_among(self, ids: Iterable[str], *, types: Iterable[str] | None = None) -> dict[str, Row]:
        """Every claim whose two ends are both among `ids`."""
        wanted = set(ids)
        out = self.incident_claims(wanted, types=types, direction="out")
        return {cid: c for cid, c in out.items() if c["to_id"] in wanted}

    def get_adjacent(
        self, node_id: str, *, types: Iterable[str] | None = None
    ) -> tuple[list[Adjacent], list[Adjacent]]:
        """An entity's outgoing and incoming claims with the node at the far end, each in claim-id order."""
        found = self._adjacent([node_id], types, "both", with_other=True)
        out = sorted((a for a in found.values() if a.outgoing), key=lambda a: str(a.claim["id"]))
        inc = sorted((a for a in found.values() if not a.outgoing), key=lambda a: str(a.claim["id"]))
        # A self-loop is both: it leaves and arrives at the node.
        loops = [Adjacent(a.claim, a.other, False) for a in out if a.claim["from_id"] == a.claim["to_id"]]
        return out, sorted(inc + loops, key=lambda a: str(a.claim["id"]))

    def _adjacent(
        self, ids: Iterable[str], types: Iterable[str] | None, direction: Direction, *, with_other: bool
    ) -> dict[str, Adjacent]:
        type_list = self.edge_types(types)
        found: dict[str, Adjacent] = {}
        # The claims alone, not the far ends: an unlabelled far end is a union over every node table, and
        # projecting even its id and name cost more than the rest of an entity's adjacency read on
        # LadybugDB at 1M claims. A claim names its ends (from_id, to_id); the far ends' names come after,
        # by id, from their labels' id indexes.
        cond, extra = self._in_force()
        # The claim's columns one by one and its type by name, not the relationship value: LadybugDB
        # hands them back twice as fast (an entity's claims at 1M claims: 1.0-1.5 ms against 2.3-3.4 ms).
        fields = f"{self.store.rel_type_function}(r) AS `type`, {_projection('r', self.registry.edge_columns)}"
        for label, wanted in self.by_label(ids).items():
            patterns: list[tuple[str, bool]] = []
            # Each pattern is anchored on the labelled end and names only the types that can touch that
            # label there, so both engines start from the id index and skip impossible types.
            out_types = self._types_touching(label, "from", type_list) if direction in ("out", "both") else []
            in_types = self._types_touching(label, "to", type_list) if direction in ("in", "both") else []
            if len(wanted) == 1 and out_types and in_types:
                # One node both ways (an entity page): one undirected query over the types of either way,
                # not one query per direction (LadybugDB at 1M claims: about 0.45 ms against 0.3 + 0.3 ms).
                # A claim of one of these types touching the node can only be one the two directed
                # patterns would have found: the registry's endpoints say which types may touch the label
                # at which end, and loads refuse any other. The direction is the claim's own from_id.
                both = "|".join(dict.fromkeys([*out_types, *in_types]))
                cypher = f"MATCH (n:{label})-[r:{both}]-() WHERE n.id = $id AND {cond} RETURN {fields}"
                for r in self._query(cypher, {"id": wanted[0], **extra}):
                    claim = self.store.normalise_rel(str(r["type"]), r)
                    if claim["from_id"] == wanted[0]:
                        found[claim["id"]] = Adjacent(claim, {}, True)  # leaving wins, as below
                    else:
                        found.setdefault(claim["id"], Adjacent(claim, {}, False))
                continue
            if out_types:
                patterns.append((f"(n:{label})-[r:{'|'.join(out_types)}]->()", True))
            if in_types:
                patterns.append((f"()-[r:{'|'.join(in_types)}]->(n:{label})", False))
            for pattern, outgoing in patterns:
                for chunk in chunks(wanted, self.chunk_size):
                    # One id (an entity page's read) by equality, which LadybugDB answers from its index.
                    start, params = (
                        ("n.id = $id", {"id": chunk[0]}) if len(chunk) == 1 else ("n.id IN $ids", {"ids": chunk})
                    )
                    cypher = f"MATCH {pattern} WHERE {start} AND {cond} RETURN {fields}"
                    for r in self._query(cypher, {**params, **extra}):
                        claim = self.store.normalise_rel(str(r["type"]), r)
                        if claim["id"] in found and not outgoing:
                            continue  # a self-loop, already met leaving
                        found[claim["id"]] = Adjacent(claim, {}, outgoing)
        if with_other and found:
            far = {str(a.claim["to_id"] if a.outgoing else a.claim["from_id"]) for a in found.values()}
            names = self.names(far)
            for a in found.values():
                other_id = str(a.claim["to_id"] if a.outgoing else a.claim["from_id"])
                a.other.update({"id": other_id, "name": names.get(other_id), "label": self.label_of(other_id)})
        return found

    # -- neighbourhoods ------------------------------------------------------------------------

    def neighbourhood(
        self,
        seeds: Iterable[str],
        depth: int,
        *,
        max_nodes: int | None = None,
        labels: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
    ) -> Reach:
        """Every node within `depth` hops of `seeds`, following claims (of `types`) either way, and the
        claims touching each node closer than `depth`. Nodes of a label outside `labels` are not entered.
        At most `max_nodes` nodes: the walk stops, truncated, at the hop that would pass the cap."""
        allowed = set(self.registry.node_kinds if labels is None else labels)
        type_list = self.edge_types(types)
        claims: dict[str, Row] = {}

        def step(frontier: list[str]) -> Iterator[str]:
            for cid, claim in self.incident_claims(frontier, types=type_list).items():
                claims[cid] = claim
                for end in (claim["from_id"], claim["to_id"]):
                    if self.label_of(end) in allowed:
                        yield end

        start = [s for s in dict.fromkeys(seeds) if self.label_of(s) in allowed]
        dist, truncated = breadth_first(lambda f: list(step(f)), start, depth, max_nodes=max_nodes)
        if truncated:
            claims = {cid: c for cid, c in claims.items() if c["from_id"] in dist and c["to_id"] in dist}
        return Reach(dist, claims, truncated)

    # -- iteration and paging ------------------------------------------------------------------

    def page_entities(
        self,
        labels: Sequence[str] | None = None,
        *,
        after: str = "",
        limit: int = PAGE_SIZE,
        name_contains: str | None = None,
    ) -> Page:
        """Up to `limit` nodes (of `labels`, default all) with an id greater than `after`, in id order;
        with `name_contains`, only those whose name or an alias contains it (case-insensitive)."""
        heads: list[tuple[str, dict[str, Any]]] = []
        # One more than asked: a query that returns limit + 1 rows proves there is a next page.
        params: dict[str, Any] = {"after": after, "limit": limit + 1}
        for label in self._labels(labels):
            if name_contains:
                # The parameter is bound outside the list predicate: LadybugDB cannot read one inside it.
                heads.append(
                    (
                        f"WITH lower($q) AS needle MATCH (n:{label}) WHERE n.id > $after AND "
                        "(lower(n.name) CONTAINS needle OR any(a IN n.aliases WHERE lower(a) CONTAINS needle))",
                        {**params, "q": name_contains},
                    )
                )
            else:
                heads.append((f"MATCH (n:{label}) WHERE n.id > $after", params))
        queries = [
            (f"{head} RETURN {_projection('n', cols)} ORDER BY n.id LIMIT $limit", p, _as_node(self.store, label))
            for (head, p), label in zip(heads, self._labels(labels), strict=True)
            for cols in [self.registry.node_columns[label]]
        ]
        return self._merge_pages(queries, limit)

    def count_entities(self, labels: Sequence[str] | None = None, *, name_contains: str | None = None) -> int:
        total = 0
        for label in self._labels(labels):
            if name_contains:
                cypher = (
                    f"WITH lower($q) AS needle MATCH (n:{label}) WHERE lower(n.name) CONTAINS needle "
                    "OR any(a IN n.aliases WHERE lower(a) CONTAINS needle) RETURN count(n) AS total"
                )
                total += int(self._query(cypher, {"q": name_contains})[0]["total"])
            else:
                total += int(self._query(f"MATCH (n:{label}) RETURN count(n) AS total", {})[0]["total"])
        return total

    def page_claims(
        self,
        types: Sequence[str] | None = None,
        *,
        after: str = "",
        limit: int = PAGE_SIZE,
        from_id: str | None = None,
        to_id: str | None = None,
        confidence: str | None = None,
    ) -> Page:
        """Up to `limit` claims (of `types`, from `from_id`, to `to_id`, of a `confidence`) with an id
        greater than `after`, in id order."""
        cols = _projection("r", self.registry.edge_columns)
        queries = [
            (
                f"{match} WHERE {' AND '.join([*where, 'r.id > $after'])} RETURN {cols} ORDER BY r.id LIMIT $limit",
                {**p, "after": after, "limit": limit + 1},
                _as_claim(self.store, etype),
            )
            for match, where, p, etype in self._claim_heads(types, from_id, to_id, confidence)
        ]
        return self._merge_pages(queries, limit)

    def count_claims(
        self,
        types: Sequence[str] | None = None,
        *,
        from_id: str | None = None,
        to_id: str | None = None,
        confidence: str | None = None,
    ) -> int:
        total = 0
        for match, where, p, _ in self._claim_heads(types, from_id, to_id, confidence):
            cond = f" WHERE {' AND '.join(where)}" if where else ""
            total += int(self._query(f"{match}{cond} RETURN count(r) AS total", p)[0]["total"])
        return total

    # -- what cites a source -----------------------------------------------------------------------

    def _citing(self, source_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """For each node kind and edge type: a MATCH .. WHERE head (variable `x`) for the rows citing
        `source_id`, with its parameters. Claims only those in force on `as_of`."""
        params = {"sid": source_id}
        heads = [
            (f"MATCH (x:{label}) WHERE $sid IN x.source_ids", label, params)
            for label, columns in self.registry.node_columns.items()
            if any(c.name == "source_ids" for c in columns)
        ]
        cond, extra = self._in_force("x")
        heads += [
            (f"MATCH ()-[x:{etype}]->() WHERE $sid IN x.source_ids AND {cond}", etype, {**params, **extra})
            for etype in self.registry.edge_types
        ]
        return heads

    def page_citing(self, source_id: str, *, after: str = "", limit: int = PAGE_SIZE) -> Page:
        """Up to `limit` entities and claims whose `source_ids` hold `source_id`, with an id greater than
        `after`, in one id order (node rows carry `label`, claim rows `type`)."""
        queries = []
        for head, name, p in self._citing(source_id):
            is_claim = name in self.registry.edge_types
            columns = self.registry.edge_columns if is_claim else self.registry.node_columns[name]
            shape = _as_claim(self.store, name) if is_claim else _as_node(self.store, name)
            cypher = f"{head} AND x.id > $after RETURN {_projection('x', columns)} ORDER BY x.id LIMIT $limit"
            queries.append((cypher, {**p, "after": after, "limit": limit + 1}, shape))
        return self._merge_pages(queries, limit)

    def count_citing(self, source_id: str) -> tuple[int, int]:
        """(entities, claims) whose `source_ids` hold `source_id` (claims: in force on `as_of`)."""
        entities = claims = 0
        for head, name, p in self._citing(source_id):
            n = int(self._query(f"{head} RETURN count(x) AS total", p)[0]["total"])
            if name in self.registry.edge_types:
                claims += n
            else:
                entities += n
        return entities, claims

    def iter_entities(self, label: str, *, page_size: int = PAGE_SIZE) -> Iterator[list[Row]]:
        """Every node of one kind, in id order, a page at a time (memory bounded by a page)."""
        return _pages(lambda after: self.page_entities([label], after=after, limit=page_size))

    def iter_claims(self, etype: str, *, page_size: int = PAGE_SIZE) -> Iterator[list[Row]]:
        """Every claim of one type, in id order, a page at a time."""
        return _pages(lambda after: self.page_claims([etype], after=after, limit=page_size))

    # -- whole-kind scans, for exports ------------------------------------------------------------
    # A keyset page on the claim id (iter_claims) makes LadybugDB, which has no ordered index on a
    # relationship property, sort every claim of the type for each page: a whole export grew with the
    # square of the graph. `scan_claims` pages claims by the node they leave instead (an id range on
    # that node's label, which both engines read from the label's id), so each query reads its own claims
    # only. Both scans return the named columns only, as the store returns them: no `label` or `type`,
    # and a column not asked for is absent rather than None.

    def filled_columns(self, name: str) -> list[str]:
        """The columns of node kind or edge type `name` that hold a value (for a list: a non-empty one) in
        at least one node or claim (claims: in force on `as_of`), in registry order: what a scan of the
        kind needs to return. One pass over the kind."""
        if name in self.registry.edge_types:
            columns = self.registry.edge_columns
            cond, params = self._in_force("x")
            head = f"MATCH ()-[x:{self.registry.edge_types[name].name}]->() WHERE {cond}"
        else:
            label = self.registry.node_kinds[name].label  # KeyError: neither a kind nor a type
            columns, params, head = self.registry.node_columns[label], {}, f"MATCH (x:{label})"
        counts = ", ".join(
            f"count(CASE WHEN size(x.`{c.name}`) > 0 THEN 1 END) AS `{c.name}`"
            if c.type is ColumnType.string_list
            else f"count(x.`{c.name}`) AS `{c.name}`"
            for c in columns
        )
        row = self._query(f"{head} RETURN {counts}", params)[0]
        return [c.name for c in columns if row[c.name]]

    def scan_entities(
        self, label: str, columns: Iterable[str] | None = None, *, page_size: int = PAGE_SIZE
    ) -> Iterator[list[Row]]:
        """Every node of one kind, in id order, with `columns` only (default all; `id` always), a page at
        a time."""
        label = self.registry.node_kinds[label].label
        fields = _fields("n", _scan_columns(self.registry.node_columns[label], columns, ("id",)))
        cypher = f"MATCH (n:{label}) WHERE n.id > $after RETURN {fields} ORDER BY n.id LIMIT $limit"
        after = ""
        while rows := self._query(cypher, {"after": after, "limit": page_size}):
            yield rows
            if len(rows) < page_size:
                return
            after = str(rows[-1]["id"])

    def scan_claims(
        self, etype: str, columns: Iterable[str] | None = None, *, page_size: int = PAGE_SIZE
    ) -> Iterator[list[Row]]:
        """Every claim of one type (in force on `as_of`) with `columns` only (default all; `id` and
        `from_id` always), at most `page_size` a page, by start node label (registry order) and then in
        (from_id, id) order. A page is the claims leaving a range of start nodes, sized from their
        degrees; a start node with more claims than a page is paged by claim id on its own."""
        etype = self.registry.edge_types[etype].name
        fields = _fields("r", _scan_columns(self.registry.edge_columns, columns, ("id", "from_id")))
        cond, extra = self._in_force()
        for label in dict.fromkeys(a for a, _ in self.registry.edge_types[etype].endpoints):
            match = f"MATCH (a:{label})-[r:{etype}]->()"
            degrees = (
                f"{match} WHERE a.id > $after AND {cond} WITH a.id AS id, count(r) AS n "
                "RETURN id, n ORDER BY id LIMIT $limit"
            )
            in_range = f"{match} WHERE a.id > $lo AND a.id <= $hi AND {cond} RETURN {fields} ORDER BY a.id, r.id"
            one = f"{match} WHERE a.id = $id AND r.id > $after AND {cond} RETURN {fields} ORDER BY r.id LIMIT $limit"
            after = ""
            while found := self._query(degrees, {"after": after, "limit": SCAN_DEGREES, **extra}):
                for lo, hi, n in _ranges(found, after, page_size):
                    if n <= page_size:
                        yield self._query(in_range, {"lo": lo, "hi": hi, **extra})
                        continue
                    last = ""  # one node with more claims than a page: keyset pages on the claim id
                    while rows := self._query(one, {"id": hi, "after": last, "limit": page_size, **extra}):
                        yield rows
                        if len(rows) < page_size:
                            break
                        last = str(rows[-1]["id"])
                if len(found) < SCAN_DEGREES:
                    break
                after = str(found[-1]["id"])

    def _labels(self, labels: Sequence[str] | None) -> list[str]:
        if labels is None:
            return list(self.registry.node_kinds)
        return [self.registry.node_kinds[label].label for label in labels]  # KeyError: not in the registry

    def _claim_heads(
        self, types: Sequence[str] | None, from_id: str | None, to_id: str | None, confidence: str | None
    ) -> list[tuple[str, list[str], dict[str, Any], str]]:
        """For each edge type that can join the given ends: its MATCH pattern, WHERE conditions,
        parameters and the type. None if an end's id names no kind: it cannot be in the graph."""
        type_list = self.edge_types(types)
        ends: list[str] = []
        where: list[str] = []
        params: dict[str, Any] = {}
        sides: tuple[tuple[str, str | None, Literal["from", "to"]], ...] = (("a", from_id, "from"), ("b", to_id, "to"))
        for var, node_id, end in sides:
            if node_id is None:
                ends.append(f"({var})")
                continue
            label = self.label_of(node_id)
            if label is None:
                return []
            type_list = self._types_touching(label, end, type_list)
            ends.append(f"({var}:{label})")
            where.append(f"{var}.id = ${end}_id")
            params[f"{end}_id"] = node_id
        if confidence is not None:
            where.append("r.confidence = $confidence")
            params["confidence"] = confidence
        if self.as_of is not None:
            cond, extra = self._in_force()
            where.append(cond)
            params.update(extra)
        return [(f"MATCH {ends[0]}-[r:{t}]->{ends[1]}", where, params, t) for t in type_list]

    def _merge_pages(self, queries: list[tuple[str, dict[str, Any], Callable[[Row], Row]]], limit: int) -> Page:
        """Run one keyset query per label or type and merge them: the first `limit` rows by id overall.
        Each query asks for limit + 1 rows, so there is a next page iff more than `limit` came back.
        Each query returns its columns one by one and its callable makes each row the store's row."""
        runs = []
        for cypher, params, normalise in queries:
            runs.append([normalise(r) for r in self._query(cypher, params)])
        merged = list(heapq.merge(*runs, key=lambda row: str(row["id"])))
        items = merged[:limit]
        more = len(merged) > limit
        return Page(items, str(items[-1]["id"]) if more and items else None)


def _scan_columns(columns: Iterable[Column], wanted: Iterable[str] | None, always: tuple[str, ...]) -> list[str]:
    """The registry columns among `wanted` (all without it) plus `always`, in registry order; a name the
    registry does not hold is a ValueError (column names are written into the Cypher)."""
    names = [c.name for c in columns]
    if wanted is None:
        return names
    chosen = set(wanted) | set(always)
    if unknown := chosen - set(names):
        raise ValueError(f"not columns of this kind: {sorted(unknown)}")
    return [n for n in names if n in chosen]


def _fields(var: str, names: Iterable[str]) -> str:
    return ", ".join(f"{var}.`{n}` AS `{n}`" for n in names)


def _ranges(degrees: list[Row], after: str, size: int) -> Iterator[tuple[str, str, int]]:
    """Consecutive ranges (lo, hi] of start node ids, in id order from `after`, with the number of claims
    each holds: at most `size`, unless one node alone has more (then the range is that node alone)."""
    lo = hi = after
    total = 0
    for row in degrees:
        node, n = str(row["id"]), int(row["n"])
        if total and total + n > size:
            yield lo, hi, total
            lo, total = hi, 0
        hi, total = node, total + n
    if total:
        yield lo, hi, total


def _projection(var: str, columns: Iterable[Column]) -> str:
    """Every column of a node or relationship as a column of its own: a page returned this way is several
    times faster to read from the embedded engine than whole node or relationship values."""
    return _fields(var, (c.name for c in columns))


def _as_node(store: GraphStore, label: str) -> Callable[[Row], Row]:
    return lambda row: store.normalise_node(label, row)


def _as_claim(store: GraphStore, etype: str) -> Callable[[Row], Row]:
    return lambda row: store.normalise_rel(etype, row)
