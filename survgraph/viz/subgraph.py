"""The part of the graph a page shows: the whole graph, an entity's neighbourhood or a query's result.

Reads go through the store's typed view (survgraph.graph.view) and query templates only: no Cypher here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from survgraph.errors import UsageError
from survgraph.graph import GraphStore
from survgraph.graph.time import AS_OF_PARAM, claim_in_force
from survgraph.graph.view import GraphView
from survgraph.queries import TEMPLATES, run_template
from survgraph.schema import Registry

#: Hop bounds are validated integers (Cypher cannot take them as parameters, and a deep ego network of a
#: hub is the whole graph).
MIN_DEPTH, MAX_DEPTH = 0, 4
#: How many nodes one page may hold before the neighbourhood walk stops (and says so).
DEFAULT_MAX_NODES = 5_000


class VizError(UsageError):
    """A page cannot be built as asked (a depth out of range); the message says why."""


class NoSuchEntity(VizError):
    """The page's entity is not in the graph."""

    status = 404


@dataclass
class Subgraph:
    """Nodes and claims to draw, the sources they cite, and what to highlight.

    `nodes` and `edges` hold the store's normalised rows, keyed by id. `paths` are witness paths of a query,
    each as the ordered node ids and claim ids it passes through.
    """

    title: str
    subtitle: str = ""
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    paths: list[tuple[list[str], list[str]]] = field(default_factory=list)
    highlight_nodes: set[str] = field(default_factory=set)
    highlight_edges: set[str] = field(default_factory=set)
    focus: str | None = None
    truncated: bool = False
    as_of: str | None = None


def drawn_kinds(registry: Registry) -> list[str]:
    """Node kinds that are drawn: those some edge type can touch. Sources are not (no claim points at a
    source); they appear in tooltips, under the claims and entities that cite them."""
    touched = {k for e in registry.edge_types.values() for pair in e.endpoints for k in pair}
    return [label for label in registry.node_kinds if label in touched]


class SubgraphReader:
    """Builds Subgraphs from one store. With `as_of` (YYYY-MM-DD), every claim drawn is one in force on that
    day (survgraph.graph.time), and neighbourhoods walk only those; entities are read whatever the day."""

    def __init__(self, store: GraphStore, *, max_nodes: int = DEFAULT_MAX_NODES, as_of: str | None = None) -> None:
        self.store = store
        self.view = GraphView(store, as_of=as_of)
        self.as_of = self.view.as_of
        self.registry = store.registry
        self.max_nodes = max_nodes
        self._drawn_kinds = drawn_kinds(self.registry)

    # -- the three views -----------------------------------------------------------------------

    def whole(self) -> Subgraph:
        """Every drawn node and every claim."""
        sub = Subgraph(title="The whole graph", as_of=self.as_of)
        for label in self._drawn_kinds:
            for page in self.view.iter_entities(label):
                sub.nodes.update((row["id"], row) for row in page)
        for etype in self.registry.edge_types:
            for page in self.view.iter_claims(etype):
                sub.edges.update((row["id"], row) for row in page)
        sub.subtitle = f"{len(sub.nodes)} entities, {len(sub.edges)} claims" + self._when()
        self._add_sources(sub)
        return sub

    def ego(self, entity_id: str, depth: int = 1) -> Subgraph:
        """The entity, everything within `depth` hops of it in either direction, and the claims among them."""
        if not MIN_DEPTH <= depth <= MAX_DEPTH:
            raise VizError(f"depth must be between {MIN_DEPTH} and {MAX_DEPTH}, not {depth}")
        centre = self._nodes([entity_id]).get(entity_id)
        if centre is None:
            raise NoSuchEntity(f"no entity with id {entity_id!r}")
        ids, truncated = self._neighbourhood({entity_id}, depth)
        sub = Subgraph(title=f"{centre['name']}", focus=entity_id, truncated=truncated, as_of=self.as_of)
        sub.nodes = self._nodes(ids)
        sub.edges = self.view.claims_among(sub.nodes)
        hops = "hop" if depth == 1 else "hops"
        sub.subtitle = f"{entity_id}: {depth} {hops}, {len(sub.nodes)} entities, {len(sub.edges)} claims"
        sub.subtitle += self._when()
        if truncated:
            sub.subtitle += f" (stopped at {self.max_nodes} entities)"
        self._add_sources(sub)
        return sub

    def query(self, name: str, params: Mapping[str, Any], *, context: int = 0) -> Subgraph:
        """The result of the query template `name`. Raises UnknownTemplate and TemplateParamError (from
        survgraph.queries) for an unknown name or bad parameters."""
        if self.as_of is not None and any(p.name == AS_OF_PARAM for p in TEMPLATES.get(name).params):
            # A template that reads time itself gets the page's day, unless its own as_of was given.
            params = {AS_OF_PARAM: self.as_of, **params}
        return self.query_rows(name, params, run_template(self.store, name, params), context=context)

    def query_rows(
        self, name: str, params: Mapping[str, Any], rows: list[dict[str, Any]], *, context: int = 0
    ) -> Subgraph:
        """What `query` draws, from rows the template `name` already gave for `params`."""
        template = TEMPLATES.get(name)
        # The entities a query is about (vendor=vendor:acme) belong in its picture even when no row
        # repeats them.
        subjects = {v["id"] for kind, v in _graph_values(template.validate(params)) if kind == "id"}
        sub = self.from_rows(template.title or name, rows, subjects=subjects, context=context)
        given = ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "default parameters"
        sub.subtitle = f"{name} ({given}): {sub.subtitle}"
        return sub

    def from_rows(
        self, title: str, rows: list[dict[str, Any]], *, subjects: Iterable[str] = (), context: int = 0
    ) -> Subgraph:
        """Every node, claim and path found in a query's rows, and the `subjects`, highlighted, over the
        claims among those nodes (and their `context`-hop neighbourhood) drawn plain. Rows may hold nodes,
        relationships and paths as the stores return them, or just ids (of entities or of claims)."""
        if not MIN_DEPTH <= context <= MAX_DEPTH:
            raise VizError(f"context must be between {MIN_DEPTH} and {MAX_DEPTH}, not {context}")
        sub = Subgraph(title=title, as_of=self.as_of)
        found_nodes: set[str] = set(subjects)
        found_edges: dict[str, dict[str, Any]] = {}
        other_ids: set[str] = set()
        for kind, value in _graph_values(rows):
            if kind == "node":
                found_nodes.add(value["id"])
            elif kind == "edge":
                found_edges[value["id"]] = value
            elif kind == "id":
                other_ids.add(value["id"])
            else:
                path_nodes = [n["id"] for n in value["nodes"]]
                path_edges = [r["id"] for r in value["relationships"]]
                found_nodes.update(path_nodes)
                found_edges.update({r["id"]: r for r in value["relationships"]})
                if (path_nodes, path_edges) not in sub.paths:
                    sub.paths.append((path_nodes, path_edges))
        if self.as_of is not None:
            # Claims the rows carry whole were not read through the view: keep those in force only.
            found_edges = {k: e for k, e in found_edges.items() if self._in_force(e)}
            sub.paths = [p for p in sub.paths if all(e in found_edges for e in p[1])]
        # An id is an entity's if its prefix names a node kind; any other may be a claim's.
        for ident in other_ids:
            if self.registry.kind_of_id(ident) is not None:
                found_nodes.add(ident)
        found_edges.update(self.view.claims(i for i in other_ids if i not in found_nodes and i not in found_edges))
        ends = {e[end] for e in found_edges.values() for end in ("from_id", "to_id")}
        wanted = found_nodes | ends
        if context:
            wanted, sub.truncated = self._neighbourhood(wanted, context)
        sub.nodes = self._nodes(wanted)
        sub.edges = self.view.claims_among(sub.nodes)
        sub.edges.update(
            {k: e for k, e in found_edges.items() if e["from_id"] in sub.nodes and e["to_id"] in sub.nodes}
        )
        sub.highlight_nodes = (found_nodes | ends) & set(sub.nodes)
        sub.highlight_edges = set(found_edges) & set(sub.edges)
        parts = [f"{len(rows)} rows"]
        if sub.paths:
            parts.append(f"{len(sub.paths)} witness paths")
        parts.append(f"{len(sub.nodes)} entities, {len(sub.edges)} claims")
        sub.subtitle = ", ".join(parts) + self._when()
        self._add_sources(sub)
        return sub

    # -- reads ---------------------------------------------------------------------------------

    def _in_force(self, claim: Mapping[str, Any]) -> bool:
        return claim_in_force(claim.get("start"), claim.get("end"), self.as_of)

    def _when(self) -> str:
        return f", as of {self.as_of}" if self.as_of else ""

    def _nodes(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The drawn nodes with these ids (unknown ids, and sources, are left out)."""
        return self.view.entities(ids, labels=self._drawn_kinds)

    def _neighbourhood(self, start: set[str], depth: int) -> tuple[set[str], bool]:
        """Drawn ids within `depth` hops of `start`, either direction; True if the walk hit `max_nodes`."""
        reach = self.view.neighbourhood(start, depth, max_nodes=self.max_nodes, labels=self._drawn_kinds)
        return set(reach.dist), reach.truncated

    def _add_sources(self, sub: Subgraph) -> None:
        cited = {s for row in [*sub.nodes.values(), *sub.edges.values()] for s in row.get("source_ids") or []}
        sub.sources = self.view.sources(cited)


#: What an entity or claim id looks like (survgraph.schema.models.EntityId).
_ID = re.compile(r"[a-z]+:[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*")


def _graph_values(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Everything drawable inside query rows, at any depth: relationships ("edge") and paths ("path") as
    the stores return them, nodes ("node", any dict with an `id` and a `kind`), and any other string that
    has the form of an id ("id": an entity's or a claim's, to be looked up)."""
    if isinstance(value, Mapping):
        if isinstance(value.get("nodes"), list) and isinstance(value.get("relationships"), list):
            yield "path", dict(value)
            return
        if isinstance(value.get("type"), str) and "from_id" in value and "to_id" in value and value.get("id"):
            yield "edge", dict(value)
            return
        if isinstance(value.get("id"), str) and "kind" in value and _ID.fullmatch(value["id"]):
            yield "node", {"id": value["id"]}
            return
        for v in value.values():
            yield from _graph_values(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _graph_values(v)
    elif isinstance(value, str) and _ID.fullmatch(value):
        yield "id", {"id": value}
