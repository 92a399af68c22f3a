"""The reads behind /entities and /claims, and the shaping of store rows into response models.

No Cypher here: every read goes through survgraph.graph.view (look-ups by id and label, keyset pages).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from survgraph.api.models import (
    CitedByOut,
    ClaimOut,
    EntityClaimOut,
    EntityDetailOut,
    EntityOut,
    EntityRef,
    SourceOut,
)
from survgraph.graph import GraphStore
from survgraph.graph.view import Adjacent, GraphView
from survgraph.schema import Registry
from survgraph.schema.registry import Column


def _nest(row: Mapping[str, Any], columns: Iterable[Column]) -> dict[str, Any]:
    """Stored columns back into record fields: `amount` + `amount_currency` -> amount: {amount, currency}."""
    data: dict[str, Any] = {}
    for col in columns:
        value = row.get(col.name)
        if col.sub is None:
            data[col.field] = value
        elif value is not None:
            data.setdefault(col.field, {})[col.sub] = value
    return data


#: Fields every node kind has; the rest of a kind's columns go under `properties`.
COMMON_FIELDS = frozenset(f for f in EntityOut.model_fields if f not in ("kind", "properties"))


def label_of(row: Mapping[str, Any], registry: Registry) -> str:
    """A node's kind from its id prefix. Not from the row's "kind": the store puts the label there, but
    the column of the same name (an Organization's kind, e.g. "bank") overwrites it."""
    kind = registry.kind_of_id(str(row.get("id", "")))
    return kind.label if kind is not None else str(row.get("kind", ""))


def entity_out(row: Mapping[str, Any], registry: Registry) -> EntityOut:
    label = label_of(row, registry)
    data = _nest(row, registry.node_columns.get(label, ()))
    common = {k: v for k, v in data.items() if k in COMMON_FIELDS}
    properties = {k: v for k, v in data.items() if k not in COMMON_FIELDS}
    return EntityOut.model_validate({**common, "kind": label, "properties": properties})


def claim_data(row: Mapping[str, Any], registry: Registry) -> dict[str, Any]:
    data = _nest(row, registry.edge_columns)
    data["type"] = row.get("type")
    return data


#: The Source columns a SourceOut holds.
SOURCE_FIELDS = tuple(SourceOut.model_fields)


def source_out(row: Mapping[str, Any]) -> SourceOut:
    return SourceOut.model_validate({k: row.get(k) for k in SourceOut.model_fields})


def json_safe(value: Any) -> Any:
    """Rows of templates and raw Cypher as JSON: temporal values as ISO strings, NaN/inf as strings,
    anything else unknown as its str(), so that no answer fails to serialise."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    iso = getattr(value, "iso_format", None)  # neo4j.time types
    if callable(iso):
        return str(iso())
    return str(value)


class GraphReads:
    """Entity and claim look-ups on one store, shaped into response models (reads: survgraph.graph.view)."""

    def __init__(self, store: GraphStore, *, as_of: str | None = None) -> None:
        self.view = GraphView(store, as_of=as_of)
        self.registry = store.registry

    # -- sources -------------------------------------------------------------------------

    def sources(self, ids: Iterable[str]) -> dict[str, SourceOut]:
        # The columns a SourceOut shows, not the node's every column (an entity page reads a dozen sources).
        return {sid: source_out(row) for sid, row in self.view.sources(ids, SOURCE_FIELDS).items()}

    def _resolve(self, ids: list[str], found: Mapping[str, SourceOut]) -> list[SourceOut]:
        # Keep the cited order; an id with no Source record stays visible in source_ids only.
        return [found[i] for i in ids if i in found]

    def claims_out(self, rows: list[dict[str, Any]]) -> list[ClaimOut]:
        found = self.sources(s for r in rows for s in r.get("source_ids") or [])
        out = []
        for r in rows:
            data = claim_data(r, self.registry)
            data["sources"] = self._resolve(data.get("source_ids") or [], found)
            out.append(ClaimOut.model_validate(data))
        return out

    def claims_by_id(self, ids: Iterable[str]) -> dict[str, ClaimOut]:
        found = self.view.claims(ids)
        return {c.id: c for c in self.claims_out([found[i] for i in sorted(found)])}

    # -- entities ------------------------------------------------------------------------

    def search_entities(
        self, *, kind: str | None, q: str | None, limit: int, after: str = ""
    ) -> tuple[int, list[EntityOut], str | None]:
        """(matches in all, one page of them after the id `after`, the id to continue after or None)."""
        labels = [kind] if kind else None
        total = self.view.count_entities(labels, name_contains=q)
        page = self.view.page_entities(labels, after=after, limit=limit, name_contains=q)
        return total, [entity_out(r, self.registry) for r in page.items], page.next_after

    def entity(self, entity_id: str) -> EntityOut | None:
        row = self.view.get_entity(entity_id)
        return entity_out(row, self.registry) if row is not None else None

    def entity_claims(
        self, entity: EntityOut, *, also_sources: Iterable[str] = ()
    ) -> tuple[list[EntityClaimOut], list[EntityClaimOut], dict[str, SourceOut]]:
        """Outgoing and incoming claims of an entity, ordered by type, far end and claim id, and the sources
        they cite (with those of `also_sources`, read in the same look-up)."""
        outgoing, incoming = self.view.get_adjacent(entity.id)
        cited = [s for a in outgoing + incoming for s in a.claim.get("source_ids") or []]
        found = self.sources([*cited, *also_sources])

        def shape(adjacent: list[Adjacent]) -> list[EntityClaimOut]:
            items = []
            for a in adjacent:
                data = claim_data(a.claim, self.registry)
                data["sources"] = self._resolve(data.get("source_ids") or [], found)
                m = a.other
                data["other"] = EntityRef(id=m.get("id", ""), kind=label_of(m, self.registry), name=m.get("name"))
                items.append(EntityClaimOut.model_validate(data))
            return sorted(items, key=lambda c: (c.type, c.other.id, c.id))

        return shape(outgoing), shape(incoming), found

    def entity_detail(self, entity_id: str) -> EntityDetailOut | None:
        """An entity with its own sources and its claims both ways (GET /entities/{id}; with `as_of`, the claims
        in force that day); None if unknown. Reads the node, its claims each way, their far ends, and every
        source cited (the entity's and its claims' in one look-up)."""
        entity = self.entity(entity_id)
        if entity is None:
            return None
        outgoing, incoming, found = self.entity_claims(entity, also_sources=entity.source_ids)
        sources = [found[s] for s in entity.source_ids if s in found]
        return EntityDetailOut(
            entity=entity, sources=sources, outgoing=outgoing, incoming=incoming, as_of=self.view.as_of
        )

    def cited_by(self, source_id: str, *, limit: int, after: str = "") -> tuple[CitedByOut, str | None]:
        """One page of what cites a source (entities and claims in one id order) and the id to continue after."""
        n_entities, n_claims = self.view.count_citing(source_id)
        page = self.view.page_citing(source_id, after=after, limit=limit)
        entities = [
            EntityRef(id=r["id"], kind=label_of(r, self.registry), name=r.get("name"))
            for r in page.items
            if "type" not in r or r.get("type") not in self.registry.edge_types
        ]
        claims = self.claims_out([r for r in page.items if r.get("type") in self.registry.edge_types])
        out = CitedByOut(
            total_entities=n_entities, total_claims=n_claims, limit=limit, next=None, entities=entities, claims=claims
        )
        return out, page.next_after

    # -- claims --------------------------------------------------------------------------

    def search_claims(
        self,
        *,
        type: str | None,
        from_id: str | None,
        to_id: str | None,
        confidence: str | None,
        limit: int,
        after: str = "",
    ) -> tuple[int, list[ClaimOut], str | None]:
        """(matches in all, one page of them after the claim id `after`, the id to continue after or None)."""
        types = [type] if type else None
        filters: dict[str, Any] = {"from_id": from_id, "to_id": to_id, "confidence": confidence}
        total = self.view.count_claims(types, **filters)
        page = self.view.page_claims(types, after=after, limit=limit, **filters)
        return total, self.claims_out(page.items), page.next_after
