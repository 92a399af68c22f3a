"""The production store: Neo4j 5.26 LTS (single server, cluster or Aura) through the official driver."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import neo4j
from neo4j import GraphDatabase, ManagedTransaction
from neo4j.exceptions import AuthError, ClientError, Neo4jError, ServiceUnavailable, SessionExpired
from neo4j.graph import Node as NeoNode
from neo4j.graph import Path as NeoPath
from neo4j.graph import Relationship as NeoRel

from survgraph.graph.ddl import neo4j_statements, q
from survgraph.graph.neo4j_load import (
    LoadJournal,
    LoadOptions,
    new_load_id,
    release_slot_in,
    schema_statements,
    take_slot_in,
)
from survgraph.graph.rwlock import ReadWriteLock
from survgraph.graph.store import (
    DEFAULT_BATCH_SIZE,
    BesideReads,
    GraphStore,
    Progress,
    StoreAuthError,
    StoreError,
    StoreUnavailable,
    WritePlan,
    WriteSummary,
    batches,
    split_new,
    summary_from,
)
from survgraph.schema import REGISTRY, Registry

#: Bolt, direct or routed (cluster, Aura), plain or TLS. The driver's HTTP preview is not supported.
BOLT_SCHEMES = frozenset({"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"})

#: Records the driver pulls at a time for raw Cypher (its default is 1000): the rows in memory before
#: they are counted against the byte cap.
RAW_FETCH_SIZE = 16


def json_size(row: Mapping[str, Any]) -> int:
    """The bytes `row` takes as compact UTF-8 JSON (unknown types as their str(), as the API sends them)."""
    text = json.dumps(row, ensure_ascii=False, separators=(",", ":"), default=str)
    return len(text.encode("utf-8", "surrogatepass"))


class Neo4jStore(GraphStore):
    name = "neo4j"

    def __init__(
        self,
        uri: str,
        user: str,
        password: str,
        database: str | None = None,
        registry: Registry = REGISTRY,
        *,
        connection_timeout: float = 10.0,
        load_options: LoadOptions | None = None,
    ) -> None:
        """`load_options`: rows per batch transaction (a plan of more rows is written in batches behind a
        load marker, one of at most that many in one transaction), when a load in flight counts as dead,
        how long a load waits for another (survgraph/graph/neo4j_load.py)."""
        super().__init__(registry)
        self.load_options = load_options or LoadOptions()
        self.uri = uri
        self.database = database
        self._user = user
        self._password = password
        self._connection_timeout = connection_timeout
        scheme = uri.partition("://")[0]
        if scheme not in BOLT_SCHEMES:
            raise StoreError(f"bad NEO4J_URI {uri!r}: the scheme must be one of {', '.join(sorted(BOLT_SCHEMES))}")
        try:
            self._driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                connection_timeout=connection_timeout,
                max_transaction_retry_time=15.0,
                connection_acquisition_timeout=connection_timeout,
                # The planner's warnings (a property no node has yet, say) are not for our users, and the
                # driver logged each one at every read of the templates.
                notifications_min_severity="OFF",
            )
        except ValueError as exc:  # malformed URI or scheme
            raise StoreError(f"bad NEO4J_URI {uri!r}: {exc}") from exc
        self._schema_ready = False
        self._loads = LoadJournal(self._driver, database, registry, self.load_options)
        self._rw = ReadWriteLock()
        self._beside = BesideReads()

    def _wrap(self, exc: Exception) -> StoreError:
        if isinstance(exc, AuthError):
            return StoreAuthError(f"Neo4j at {self.uri} refused the credentials (check NEO4J_USER / NEO4J_PASSWORD)")
        if isinstance(exc, ServiceUnavailable | SessionExpired | OSError):
            return StoreUnavailable(f"Neo4j is not reachable at {self.uri}: {exc}")
        return StoreError(f"Neo4j: {exc}")

    def ensure_schema(self) -> None:
        if self._schema_ready:
            return
        try:
            with self._driver.session(database=self.database) as s:
                for stmt in [*neo4j_statements(self.registry), *schema_statements()]:
                    s.run(stmt).consume()
                s.run("CALL db.awaitIndexes(60)").consume()
            # A load another process left half done is rolled back (or, committed, cleaned up) here; a
            # live one is left to its owner.
            self._loads.recover()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        self._schema_ready = True

    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        """A plan of at most `load_options.tx_rows` rows in one transaction; a larger one in batches behind
        a load marker (all or nothing by the journal: survgraph/graph/neo4j_load.py)."""
        self.ensure_schema()
        if plan.size > self.load_options.tx_rows:
            return self._write_batched(plan, progress)
        try:
            return self._write(plan, batch_size, progress, merge_all=False)
        except neo4j.exceptions.ConstraintError:
            # Another load created one of our "new" ids after we looked (two POST /records at once): the
            # whole transaction rolled back, so write it again with MERGE for every row, which is race-free.
            return self._write(plan, batch_size, progress, merge_all=True)

    def _existing(self, plan: WritePlan) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        # The ids are looked up a batch at a time: a table read from the spill is never a list here, and
        # the server never gets one parameter of a million ids.
        step = self.load_options.tx_rows
        nodes: dict[str, set[str]] = {label: set() for label in plan.nodes}
        for label, rows in plan.nodes.items():
            for chunk in batches(rows, step):
                nodes[label] |= self.existing_ids(label, [r["id"] for r in chunk])
        edges: dict[str, set[str]] = {b.type: set() for b in plan.edges}
        for b in plan.edges:
            for chunk in batches(b.rows, step):
                edges[b.type] |= self.existing_edge_ids(b.type, [r["id"] for r in chunk])
        return nodes, edges

    def existing_ids(self, label: str, ids: list[str]) -> set[str]:
        # One record holding the list: the driver decodes it far faster than a record per id.
        return self._collected(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN collect(n.id) AS ids", ids)

    def existing_edge_ids(self, etype: str, ids: list[str]) -> set[str]:
        return self._collected(f"MATCH ()-[r:{etype}]->() WHERE r.id IN $ids RETURN collect(r.id) AS ids", ids)

    def _collected(self, cypher: str, ids: list[str]) -> set[str]:
        rows = self.query(cypher, {"ids": ids})
        return {str(i) for i in rows[0]["ids"]} if rows else set()

    def _write_batched(self, plan: WritePlan, progress: Progress | None) -> WriteSummary:
        load = new_load_id()
        try:
            with self._loads.acquire(load, plan.size), self._rw.writing():
                # Ids are looked up once the load holds the store: no other load can add or change one now.
                existing_nodes, existing_edges = self._existing(plan)
                summary = summary_from(plan, existing_nodes, existing_edges)
                self._loads.write(load, plan, existing_nodes, existing_edges, progress)
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        return summary

    def _write(self, plan: WritePlan, batch_size: int, progress: Progress | None, *, merge_all: bool) -> WriteSummary:
        existing_nodes, existing_edges = self._existing(plan)
        summary = summary_from(plan, existing_nodes, existing_edges)
        # Rows with a new id are CREATEd (`SET n = row` leaves out the null columns, as SET of each column
        # on a new node or relationship does); only rows that update an existing id are MERGEd. MERGE of a
        # relationship looks through the relationships its endpoint already has, which grows with a hub.
        statements: list[tuple[str, Iterable[dict[str, Any]]]] = []
        for label, rows in plan.nodes.items():
            new, old = ([], rows) if merge_all else split_new(rows, existing_nodes[label])
            sets = ", ".join(
                f"n.{q(c.name)} = row.{q(c.name)}" for c in self.registry.node_columns[label] if c.name != "id"
            )
            statements.append((f"UNWIND $rows AS row CREATE (n:{label}) SET n = row", new))
            statements.append((f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET {sets}", old))
        rel_sets = ", ".join(f"r.{q(c.name)} = row.{q(c.name)}" for c in self.registry.edge_columns if c.name != "id")
        created: set[str] = set()
        for batch in plan.edges:
            new, old = ([], batch.rows) if merge_all else split_new(batch.rows, existing_edges[batch.type] | created)
            created.update(r["id"] for r in new)
            match = (
                f"UNWIND $rows AS row MATCH (a:{batch.from_label} {{id: row.from_id}}) "
                f"MATCH (b:{batch.to_label} {{id: row.to_id}}) "
            )
            statements.append((f"{match}CREATE (a)-[r:{batch.type}]->(b) SET r = row", new))
            statements.append((f"{match}MERGE (a)-[r:{batch.type} {{id: row.id}}]->(b) SET {rel_sets}", old))

        load = new_load_id()

        def work(tx: ManagedTransaction) -> None:
            # One transaction for the whole load: a failure anywhere rolls all of it back. It holds the
            # load slot (never visible: taken and given back inside it), so a batched load waits for it.
            take_slot_in(tx, load)
            for cypher, rows in statements:
                for chunk in batches(rows, batch_size):
                    tx.run(cypher, rows=chunk).consume()
                    if progress:
                        progress(len(chunk))
            release_slot_in(tx, load)

        def attempt() -> None:
            with self._driver.session(database=self.database, notifications_min_severity="OFF") as s:
                s.execute_write(work)

        try:
            # A batched load in flight holds the slot: wait for it (or recover it, if abandoned).
            self._loads.wait_for_slot(attempt)
        except neo4j.exceptions.ConstraintError as exc:
            if merge_all:
                raise self._wrap(exc) from exc
            raise  # write() tries once more, with MERGE for every row
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        return summary

    def clear(self) -> None:
        try:
            with self._driver.session(database=self.database) as s:
                # Relationships first: DETACH DELETE of 10,000 nodes at once takes their relationships
                # into the same transaction, past the memory cap when hubs are among them.
                s.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
                s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc

    def _reading(self) -> AbstractContextManager[None]:
        """A read share of this process's lock; the loading thread's own reads (its existence checks)
        pass without one."""
        return nullcontext() if self._rw.held_by_me() else self._rw.reading()

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.ensure_schema()
        try:
            with self._reading():
                records, _, keys = self._driver.execute_query(
                    cypher,
                    parameters_=dict(params or {}),
                    routing_=neo4j.RoutingControl.READ,
                    database_=self.database,
                )
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        return [{k: self._normalise(r[k]) for k in keys} for r in records]

    def query_beside(self, cypher: str, params: Mapping[str, Any] | None = None) -> Callable[[], list[dict[str, Any]]]:
        """Run the read in a thread of its own (the driver's pool gives it a connection of its own); `close`
        waits for it. Inside a load (this thread holds the write lock, which the other thread would wait for)
        it runs now, here."""
        self.ensure_schema()
        if self._rw.held_by_me():
            return super().query_beside(cypher, params)
        return self._beside.start(lambda: self.query(cypher, params))

    def explain_query_type(self, cypher: str, params: Mapping[str, Any] | None = None) -> str:
        """What Neo4j's planner says a query does: "r", "rw", "w" or "s" (schema). A query the planner
        cannot plan raises the driver's ClientError, for the caller to refuse it."""
        return self.explain(cypher, params)[0]

    def explain(self, cypher: str, params: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        """EXPLAIN `cypher` (nothing runs) in a READ access-mode session: Neo4j's query type and the plan it
        parsed, as the driver gives it (a dict: operatorType, args, identifiers, children). A query the
        planner cannot plan raises the driver's ClientError, for the caller to refuse it."""
        try:
            with self._driver.session(
                database=self.database, default_access_mode=neo4j.READ_ACCESS, notifications_min_severity="OFF"
            ) as s:
                summary = s.run("EXPLAIN " + cypher, dict(params or {})).consume()
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        plan = summary.plan if isinstance(summary.plan, dict) else {}
        return str(summary.query_type or ""), plan

    def reopen_args(self) -> dict[str, Any]:
        """What a new Neo4jStore(**args) needs to reach the same database (for the raw-Cypher reader
        process; the credentials travel only through its pipe)."""
        return {
            "uri": self.uri,
            "user": self._user,
            "password": self._password,
            "database": self.database,
            "registry": self.registry,
            "connection_timeout": self._connection_timeout,
        }

    def read_rolled_back(
        self,
        cypher: str,
        params: Mapping[str, Any] | None,
        *,
        timeout_s: float,
        row_cap: int,
        byte_cap: int | None = None,
    ) -> tuple[list[dict[str, Any]], list[str], str | None]:
        """Run `cypher` in a READ access-mode transaction with a server-side timeout, read at most
        `row_cap` rows and at most `byte_cap` bytes of them (each row counted as compact JSON as it
        arrives), and roll back whatever happened. Returns (rows, columns, stop): stop is None when every
        row was read, "rows" or "bytes" when reading stopped at that cap (the rows that went over the
        byte cap are not returned).

        Records are pulled a few at a time (RAW_FETCH_SIZE), so that no more than that many rows sit
        in memory beyond what was counted. Unreachable servers raise StoreUnavailable; Neo4j's own
        refusals (access mode, timeouts, memory limit) are left as driver errors for the caller to name."""
        stop: str | None = None
        used = 0
        try:
            with (
                self._reading(),
                self._driver.session(
                    database=self.database,
                    default_access_mode=neo4j.READ_ACCESS,
                    notifications_min_severity="OFF",
                    fetch_size=RAW_FETCH_SIZE,
                ) as session,
            ):
                tx = session.begin_transaction(timeout=timeout_s)
                try:
                    result = tx.run(cypher, dict(params or {}))
                    columns = list(result.keys())
                    rows: list[dict[str, Any]] = []
                    for record in result:
                        if len(rows) >= row_cap:
                            stop = "rows"
                            break
                        row = {k: self._normalise(record[k]) for k in columns}
                        if byte_cap is not None:
                            used += json_size(row)
                            if used > byte_cap:
                                stop = "bytes"
                                break
                        rows.append(row)
                finally:
                    tx.close()  # never commit: closing an open transaction rolls it back
        except (ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        return rows, columns, stop

    def _normalise(self, value: Any) -> Any:
        if isinstance(value, NeoPath):
            return {
                "nodes": [self._normalise(n) for n in value.nodes],
                "relationships": [self._normalise(r) for r in value.relationships],
            }
        if isinstance(value, NeoNode):
            label = next((lb for lb in value.labels if lb in self.registry.node_kinds), "")
            return self.normalise_node(label, dict(value))
        if isinstance(value, NeoRel):
            return self.normalise_rel(value.type, dict(value))
        if isinstance(value, list):
            return [self._normalise(v) for v in value]
        if isinstance(value, dict):
            return {k: self._normalise(v) for k, v in value.items()}
        return value

    def ping(self) -> None:
        try:
            self._driver.verify_connectivity()
        except (Neo4jError, ServiceUnavailable, SessionExpired, OSError) as exc:
            raise self._wrap(exc) from exc
        except ClientError as exc:  # pragma: no cover - covered by Neo4jError
            raise self._wrap(exc) from exc

    def close(self) -> None:
        self._beside.close()
        self._driver.close()
