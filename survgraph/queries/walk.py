"""Paths as node ids and claim ids, the form the path templates' runners shape their answers from.

The searches themselves are each engine's own (Neo4j `SHORTEST`, LadybugDB's recursive relationships
with `SHORTEST` / `ALL SHORTEST`), written in the templates (see survgraph/queries/templates/), except
shortest_path on the embedded store, searched from both ends by survgraph.queries.bidirectional.
"""

from __future__ import annotations

from dataclasses import dataclass


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
