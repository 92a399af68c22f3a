"""Reads nodes and claims for the RDF layer, only through `GraphStore.query` with registry-generated Cypher.

Whole-graph reads page by key (`WHERE n.id > $after ORDER BY n.id LIMIT $n`), so memory stays bounded by
a page however large the graph, and no page costs more than the previous (SKIP would rescan).
Labels and relationship types in the Cypher come from the registry only; ids travel as $parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from survgraph.graph import GraphStore

#: Rows per query: big enough to amortise a round trip to Neo4j, small enough to keep memory flat.
PAGE_SIZE = 5000
#: Ids per `IN $ids` look-up.
LOOKUP_CHUNK = 1000

Row = dict[str, Any]


def _chunks(ids: Iterable[str], size: int = LOOKUP_CHUNK) -> Iterator[list[str]]:
    batch: list[str] = []
    for i in ids:
        batch.append(i)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class GraphReader:
    """Pages and look-ups over one store."""

    def __init__(self, store: GraphStore, page_size: int = PAGE_SIZE) -> None:
        self.store = store
        self.registry = store.registry
        self.page_size = page_size
        self._all_types = "|".join(self.registry.edge_types)

    def node_pages(self, label: str) -> Iterator[list[Row]]:
        """Every node of one kind, in id order, a page at a time."""
        kind = self.registry.node_kinds[label]  # KeyError for anything not in the registry
        cypher = f"MATCH (n:{kind.label}) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit"
        yield from self._pages(cypher, "n")

    def claim_pages(self, edge_type: str) -> Iterator[list[Row]]:
        """Every claim of one type, in id order, a page at a time."""
        name = self.registry.edge_types[edge_type].name
        cypher = f"MATCH ()-[r:{name}]->() WHERE r.id > $after RETURN r ORDER BY r.id LIMIT $limit"
        yield from self._pages(cypher, "r")

    def _pages(self, cypher: str, var: str) -> Iterator[list[Row]]:
        after = ""
        while True:
            rows = [r[var] for r in self.store.query(cypher, {"after": after, "limit": self.page_size})]
            if rows:
                yield rows
            if len(rows) < self.page_size:
                return
            after = rows[-1]["id"]

    def nodes(self, ids: Iterable[str]) -> dict[str, tuple[str, Row]]:
        """The nodes with these ids, as id -> (label, row); unknown ids are left out."""
        by_label: dict[str, set[str]] = {}
        for node_id in ids:
            kind = self.registry.kind_of_id(node_id)
            if kind is not None:
                by_label.setdefault(kind.label, set()).add(node_id)
        found: dict[str, tuple[str, Row]] = {}
        for label, wanted in by_label.items():
            for chunk in _chunks(sorted(wanted)):
                for r in self.store.query(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n", {"ids": chunk}):
                    found[r["n"]["id"]] = (label, r["n"])
        return found

    def claims(self, ids: Iterable[str]) -> dict[str, Row]:
        """The claims with these ids, of any type; unknown ids are left out."""
        found: dict[str, Row] = {}
        for chunk in _chunks(sorted(set(ids))):
            cypher = f"MATCH ()-[r:{self._all_types}]->() WHERE r.id IN $ids RETURN r"
            for r in self.store.query(cypher, {"ids": chunk}):
                found[r["r"]["id"]] = r["r"]
        return found

    def incident_claims(self, ids: Iterable[str]) -> dict[str, Row]:
        """Every claim with an endpoint among `ids`, in either direction."""
        by_label: dict[str, set[str]] = {}
        for node_id in ids:
            kind = self.registry.kind_of_id(node_id)
            if kind is not None:
                by_label.setdefault(kind.label, set()).add(node_id)
        found: dict[str, Row] = {}
        for label, wanted in by_label.items():
            for chunk in _chunks(sorted(wanted)):
                # Two directed patterns, each anchored on the labelled end, so both engines use the id index.
                for pattern in (f"(n:{label})-[r:{self._all_types}]->()", f"()-[r:{self._all_types}]->(n:{label})"):
                    for r in self.store.query(f"MATCH {pattern} WHERE n.id IN $ids RETURN r", {"ids": chunk}):
                        found[r["r"]["id"]] = r["r"]
        return found
