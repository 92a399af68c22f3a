"""The reads behind /entities and /claims, and the shaping of store rows into response models.

Cypher here takes data only through $parameters; labels and relationship types are interpolated only
after being looked up in the schema registry, never from the request.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any

from survgraph.api.models import ClaimOut, EntityClaimOut, EntityOut, EntityRef, SourceOut
from survgraph.graph import GraphStore
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
    """Entity and claim look-ups on one store."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.registry = store.registry

    # -- sources -------------------------------------------------------------------------

    def sources(self, ids: Iterable[str]) -> dict[str, SourceOut]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.store.query("MATCH (s:Source) WHERE s.id IN $ids RETURN s", {"ids": wanted})
        found = {r["s"]["id"]: source_out(r["s"]) for r in rows}
        return found

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
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.store.query(f"MATCH ()-[r:{self._all_types()}]->() WHERE r.id IN $ids RETURN r", {"ids": wanted})
        return {c.id: c for c in self.claims_out([r["r"] for r in rows])}

    # -- entities ------------------------------------------------------------------------

    def _all_labels(self) -> str:
        return "|".join(self.registry.node_kinds)

    def _all_types(self) -> str:
        return "|".join(self.registry.edge_types)

    def search_entities(
        self, *, kind: str | None, q: str | None, limit: int, offset: int
    ) -> tuple[int, list[EntityOut]]:
        label = self.registry.node_kinds[kind].label if kind else self._all_labels()
        params: dict[str, Any] = {}
        head = f"MATCH (n:{label})"
        if q:
            # The parameter is bound outside the list predicate: LadybugDB cannot read one inside it.
            head = (
                f"WITH lower($q) AS needle MATCH (n:{label}) "
                "WHERE lower(n.name) CONTAINS needle OR any(a IN n.aliases WHERE lower(a) CONTAINS needle)"
            )
            params["q"] = q
        total = int(self.store.query(f"{head} RETURN count(n) AS total", params)[0]["total"])
        rows = self.store.query(
            f"{head} RETURN n ORDER BY n.id SKIP $offset LIMIT $limit", {**params, "offset": offset, "limit": limit}
        )
        return total, [entity_out(r["n"], self.registry) for r in rows]

    def entity(self, entity_id: str) -> EntityOut | None:
        kind = self.registry.kind_of_id(entity_id)
        if kind is None:
            return None
        rows = self.store.query(f"MATCH (n:{kind.label}) WHERE n.id = $id RETURN n", {"id": entity_id})
        return entity_out(rows[0]["n"], self.registry) if rows else None

    def entity_claims(self, entity: EntityOut) -> tuple[list[EntityClaimOut], list[EntityClaimOut]]:
        """Outgoing and incoming claims of an entity, ordered by type, far end and claim id."""
        label = self.registry.node_kinds[entity.kind].label
        types = self._all_types()
        params = {"id": entity.id}
        out_rows = self.store.query(f"MATCH (n:{label})-[r:{types}]->(m) WHERE n.id = $id RETURN r, m", params)
        in_rows = self.store.query(f"MATCH (m)-[r:{types}]->(n:{label}) WHERE n.id = $id RETURN r, m", params)
        found = self.sources(s for r in out_rows + in_rows for s in r["r"].get("source_ids") or [])

        def shape(rows: list[dict[str, Any]]) -> list[EntityClaimOut]:
            items = []
            for row in rows:
                data = claim_data(row["r"], self.registry)
                data["sources"] = self._resolve(data.get("source_ids") or [], found)
                m = row["m"]
                data["other"] = EntityRef(id=m.get("id", ""), kind=label_of(m, self.registry), name=m.get("name"))
                items.append(EntityClaimOut.model_validate(data))
            return sorted(items, key=lambda c: (c.type, c.other.id, c.id))

        return shape(out_rows), shape(in_rows)

    # -- claims --------------------------------------------------------------------------

    def search_claims(
        self,
        *,
        type: str | None,
        from_id: str | None,
        to_id: str | None,
        confidence: str | None,
        limit: int,
        offset: int,
    ) -> tuple[int, list[ClaimOut]]:
        rel = self.registry.edge_types[type].name if type else self._all_types()
        params: dict[str, Any] = {}
        ends = []
        for var, node_id, pname in (("a", from_id, "from_id"), ("b", to_id, "to_id")):
            if node_id is None:
                ends.append(f"({var})")
                continue
            kind = self.registry.kind_of_id(node_id)
            if kind is None:
                return 0, []  # an id without a known prefix cannot be in the graph
            ends.append(f"({var}:{kind.label})")
            params[pname] = node_id
        where = [f"{var}.id = ${pname}" for var, pname in (("a", "from_id"), ("b", "to_id")) if pname in params]
        if confidence is not None:
            where.append("r.confidence = $confidence")
            params["confidence"] = confidence
        head = f"MATCH {ends[0]}-[r:{rel}]->{ends[1]}" + (f" WHERE {' AND '.join(where)}" if where else "")
        total = int(self.store.query(f"{head} RETURN count(r) AS total", params)[0]["total"])
        rows = self.store.query(
            f"{head} RETURN r ORDER BY r.id SKIP $offset LIMIT $limit", {**params, "offset": offset, "limit": limit}
        )
        return total, self.claims_out([r["r"] for r in rows])
