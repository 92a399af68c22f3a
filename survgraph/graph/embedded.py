"""The embedded default store: LadybugDB (the maintained fork of Kuzu), in-process, no server."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import ladybug

from survgraph.graph.ddl import ladybug_statements, q
from survgraph.graph.store import (
    DEFAULT_BATCH_SIZE,
    GraphStore,
    Progress,
    StoreError,
    StoreUnavailable,
    WritePlan,
    WriteSummary,
    batches,
)
from survgraph.schema import REGISTRY, Registry
from survgraph.schema.registry import Column

DB_FILE = "graph.lbug"


class EmbeddedStore(GraphStore):
    name = "embedded"

    def __init__(self, data_dir: Path, registry: Registry = REGISTRY, *, read_only: bool = False) -> None:
        super().__init__(registry)
        self.data_dir = data_dir
        self.read_only = read_only
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._db = ladybug.Database(str(data_dir / DB_FILE), read_only=read_only)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise StoreUnavailable(f"cannot open the embedded store at {data_dir}: {exc}") from exc
        self._schema_ready = False

    # -- schema ----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        if self._schema_ready or self.read_only:
            return
        for stmt in ladybug_statements(self.registry):
            self._conn.execute(stmt)
        self._schema_ready = True

    # -- writes ----------------------------------------------------------------------------

    @staticmethod
    def _set_clause(var: str, cols: tuple[Column, ...]) -> str:
        # Every value is CAST so that a column that is null in every row of a batch keeps its type.
        return ", ".join(f"{var}.{q(c.name)} = CAST(row.{q(c.name)} AS {c.type.value})" for c in cols if c.name != "id")

    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        self.ensure_schema()
        summary = self.summarise(plan)
        self._conn.execute("BEGIN TRANSACTION")
        try:
            for label, rows in plan.nodes.items():
                cypher = (
                    f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) "
                    f"SET {self._set_clause('n', self.registry.node_columns[label])}"
                )
                for chunk in batches(rows, batch_size):
                    self._conn.execute(cypher, {"rows": chunk})
                    if progress:
                        progress(len(chunk))
            for batch in plan.edges:
                cypher = (
                    # Two MATCH clauses, not one comma pattern: the engine plans the comma form
                    # as a join that is about four times slower on large batches.
                    f"UNWIND $rows AS row MATCH (a:{batch.from_label} {{id: row.from_id}}) "
                    f"MATCH (b:{batch.to_label} {{id: row.to_id}}) "
                    f"MERGE (a)-[r:{batch.type} {{id: row.id}}]->(b) "
                    f"SET {self._set_clause('r', self.registry.edge_columns)}"
                )
                for chunk in batches(batch.rows, batch_size):
                    self._conn.execute(cypher, {"rows": chunk})
                    if progress:
                        progress(len(chunk))
        except RuntimeError as exc:  # the engine's own errors
            self._conn.execute("ROLLBACK")
            raise StoreError(f"embedded store refused the write (nothing was written): {exc}") from exc
        except BaseException:  # a crash in the caller's progress callback, KeyboardInterrupt, ...
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return summary

    def clear(self) -> None:
        self.ensure_schema()
        for label in self.registry.node_kinds:
            self._conn.execute(f"MATCH (n:{label}) DETACH DELETE n")

    # -- reads -----------------------------------------------------------------------------

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.ensure_schema()
        try:
            result = self._conn.execute(cypher, dict(params or {}))
        except RuntimeError as exc:
            raise StoreError(f"embedded store: {exc}") from exc
        assert not isinstance(result, list)
        columns = result.get_column_names()
        rows = []
        while result.has_next():
            values = result.get_next()
            rows.append({col: self._normalise(v) for col, v in zip(columns, values, strict=True)})
        return rows

    def _normalise(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "_NODES" in value and "_RELS" in value:
                return {
                    "nodes": [self._normalise(n) for n in value["_NODES"]],
                    "relationships": [self._normalise(r) for r in value["_RELS"]],
                }
            label = value.get("_LABEL")
            if label in self.registry.node_kinds and "_ID" in value:
                return self.normalise_node(label, value)
            if label in self.registry.edge_types and "_SRC" in value:
                return self.normalise_rel(label, value)
            return {k: self._normalise(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._normalise(v) for v in value]
        return value

    def ping(self) -> None:
        self.query("RETURN 1 AS ok")

    def close(self) -> None:
        try:
            self._conn.close()
            self._db.close()
        except RuntimeError:
            pass
