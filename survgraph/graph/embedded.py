"""The embedded default store: LadybugDB (the maintained fork of Kuzu), in-process, no server.

Crash consistency (docs/crash-consistency.md): a load is one transaction whose WAL records the engine
writes at COMMIT; a process killed while it writes them leaves a torn WAL tail, which the engine refuses
to open by default ("Checksum verification failed"). The store opens such a folder by replaying the WAL
only up to its last complete commit (the engine's `throw_on_wal_replay_failure=False`), after keeping a
copy of the torn WAL for forensics. Each write starts with a CHECKPOINT, so the WAL holds at most the one
load that was interrupted. A checkpoint that was interrupted is completed by the next read-write open.
A load of more than `tx_rows` rows into a store holding no entity commits a statement at a time instead
(the engine never spills an uncommitted transaction), behind FRESH_LOAD_MARKER: until the marker is
removed after the last commit, an open empties the store again.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ladybug

from survgraph.graph.ddl import ladybug_statements, q
from survgraph.graph.store import (
    DEFAULT_BATCH_SIZE,
    BesideReads,
    GraphStore,
    Progress,
    Rows,
    StoreError,
    StoreUnavailable,
    WritePlan,
    WriteSummary,
    batches,
    split_new_lazily,
    summary_from,
)
from survgraph.schema import REGISTRY, Registry
from survgraph.schema.registry import Column, ColumnType

DB_FILE = "graph.lbug"
WAL_SUFFIX = ".wal"
#: A torn WAL is kept beside the store as graph.lbug.wal.torn-<UTC time> (forensics; safe to delete).
TORN_SUFFIX = ".torn-"
#: How long a read-only opener waits for an unfinished checkpoint, counted from the last sign of a live writer.
READER_WAIT_S = 30.0
#: The environment variable (read by `StoreSettings`) that bounds the engine's buffer pool, in MiB.
BUFFER_POOL_ENV = "SURVGRAPH_EMBEDDED_BUFFER_POOL_MIB"
#: A load into a store holding no entity, of more rows than this, commits a statement at a time behind
#: FRESH_LOAD_MARKER (the engine keeps an uncommitted transaction in memory, never spilled: about 1.3 GB for
#: a million claims); smaller loads, and every load into a store that holds rows, are one transaction.
DEFAULT_TX_ROWS = 100_000
TX_ROWS_ENV = "SURVGRAPH_EMBEDDED_TX_ROWS"
#: While this file is in the store's folder, its tables hold part of a load into a store that was empty:
#: the next open (read-write, or a read-only one through a brief read-write open) empties them again.
FRESH_LOAD_MARKER = "survgraph-fresh-load.inprogress"

log = logging.getLogger(__name__)


def _is_torn_wal(exc: BaseException) -> bool:
    """The engine's words for a WAL cut short: a bad checksum, or a record that runs past the end of the file
    ("Reading past the end of the file .../graph.lbug.wal", when the cut falls inside a record's header)."""
    text = str(exc).lower()
    return "wal" in text and ("checksum" in text or "corrupt" in text or "past the end of the file" in text)


def _is_checkpoint_pending(exc: BaseException) -> bool:
    return "checkpoint recovery is pending" in str(exc).lower()


def _is_locked(exc: BaseException) -> bool:
    return "could not set lock" in str(exc).lower()


def _is_pool_full(exc: BaseException) -> bool:
    return "buffer pool is full" in str(exc).lower()


class EmbeddedStore(GraphStore):
    name = "embedded"
    rel_type_function = "label"

    def __init__(
        self,
        data_dir: Path,
        registry: Registry = REGISTRY,
        *,
        read_only: bool = False,
        buffer_pool_mib: int | None = None,
        tx_rows: int | None = DEFAULT_TX_ROWS,
    ) -> None:
        """`buffer_pool_mib` bounds the engine's buffer pool (None: the engine's default, about 80% of the
        machine's memory). The pool is a cap, not a reservation: pages are taken as they are used. An
        uncommitted load's rows are counted in it and never spilled (docs/performance.md, "The embedded load
        at 1M claims: under 1 GB"), so a pool too small for a load fails that load, leaving the store
        as it was, with a StoreError that names the setting. `tx_rows`: a load of more rows than this into a
        store holding no entity commits a statement at a time, all or nothing by FRESH_LOAD_MARKER (None:
        always one transaction)."""
        super().__init__(registry)
        self.data_dir = data_dir
        self.read_only = read_only
        if buffer_pool_mib is not None and buffer_pool_mib < 1:
            raise ValueError(f"buffer_pool_mib must be at least 1, not {buffer_pool_mib}")
        self.buffer_pool_mib = buffer_pool_mib
        if tx_rows is not None and tx_rows < 1:
            raise ValueError(f"tx_rows must be at least 1, not {tx_rows}")
        self.tx_rows = tx_rows
        #: The copy of a torn WAL this open set aside (None when the store opened cleanly).
        self.torn_wal: Path | None = None
        self._beside = BesideReads()
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            self._db = self._open_database()
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise StoreUnavailable(
                f"cannot open the embedded store at {data_dir}: {exc}{self._pool_hint(exc)}"
            ) from exc
        self._schema_ready = False

    def _pool_hint(self, exc: BaseException) -> str:
        """What to do about an engine error, when it is the buffer pool running out ("" otherwise)."""
        if not _is_pool_full(exc):
            return ""
        if self.buffer_pool_mib is None:
            return " (the engine's buffer pool is full: the machine has too little memory for this work)"
        return (
            f" (the engine's buffer pool, {self.buffer_pool_mib} MiB from {BUFFER_POOL_ENV}, is too small for "
            f"this work: raise it, or unset it for the engine's default)"
        )

    # -- open and recovery -------------------------------------------------------------------

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    def _database(self, *, read_only: bool, replay_to_last_commit: bool = False) -> ladybug.Database:
        return ladybug.Database(
            str(self.db_path),
            read_only=read_only,
            throw_on_wal_replay_failure=not replay_to_last_commit,
            buffer_pool_size=(self.buffer_pool_mib or 0) * 2**20,  # 0: the engine's default
        )

    @property
    def _marker(self) -> Path:
        return self.data_dir / FRESH_LOAD_MARKER

    def _open_database(self) -> ladybug.Database:
        """`_open_engine`, then the roll-back of a load into an empty store that did not finish (its marker is
        there): a read-write opener drops and recreates the tables; a read-only opener waits while a live
        writer holds the store (the load is under way) and otherwise runs that roll-back itself with a brief
        read-write open, so that it never reads part of a load."""
        while True:
            db = self._open_engine()
            if not self._marker.exists():
                return db
            if not self.read_only:
                self._empty_tables(db)
                db.close()  # COPY into a table emptied in the same process crashes the engine: open afresh
                continue
            db.close()
            try:
                EmbeddedStore(self.data_dir, self.registry, buffer_pool_mib=self.buffer_pool_mib).close()
            except StoreUnavailable as exc:
                if not _is_locked(exc):
                    raise
                time.sleep(0.05)  # a live writer: the load is under way

    def _empty_tables(self, db: ladybug.Database) -> None:
        """Roll back an unfinished load into a store that held no entity: drop every table and create it
        again, then remove the marker. Idempotent: a kill at any step leaves the marker, and the next open
        starts again."""
        log.warning("the embedded store at %s holds part of a load that did not finish: emptying it", self.data_dir)
        conn = ladybug.Connection(db)
        try:
            for etype in self.registry.edge_types:
                conn.execute(f"DROP TABLE IF EXISTS {etype}")
            for label in self.registry.node_kinds:
                conn.execute(f"DROP TABLE IF EXISTS {label}")
            for stmt in ladybug_statements(self.registry):
                conn.execute(stmt)
            conn.execute("CHECKPOINT")
        finally:
            conn.close()
        self._marker.unlink()
        _sync_dir(self.data_dir)

    def _open_engine(self) -> ladybug.Database:
        """Open, recovering from a kill at any instant of an earlier write:
        - a torn WAL tail (killed while COMMIT wrote the WAL): replay up to the last complete commit,
          which leaves the store as it was before the interrupted load;
        - an interrupted checkpoint: a read-write open completes it (the engine's own recovery); a
          read-only opener, which the engine refuses until then, waits for the process checkpointing or,
          when none holds the store, runs that recovery itself with a brief read-write open."""
        deadline = time.monotonic() + READER_WAIT_S
        while True:
            try:
                return self._database(read_only=self.read_only)
            except RuntimeError as exc:
                if _is_torn_wal(exc):
                    return self._open_torn_wal(exc)
                if not (self.read_only and _is_checkpoint_pending(exc)) or time.monotonic() > deadline:
                    raise
            # A read-only opener found a checkpoint unfinished: finish it, unless a writer is at it.
            try:
                self._database(read_only=False).close()
                log.warning("a read-write open finished the checkpoint recovery pending in %s", self.data_dir)
            except RuntimeError as exc:
                if not (_is_locked(exc) or _is_checkpoint_pending(exc)):
                    raise
                if _is_locked(exc):
                    # A live writer holds the store and is finishing the checkpoint: wait while it lives (a
                    # killed writer releases its lock, and the next round runs the recovery itself).
                    deadline = time.monotonic() + READER_WAIT_S
                time.sleep(0.05)

    def _open_torn_wal(self, exc: RuntimeError) -> ladybug.Database:
        wal = self.db_path.with_name(DB_FILE + WAL_SUFFIX)
        if not self.read_only and wal.exists():
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            self.torn_wal = wal.with_name(wal.name + TORN_SUFFIX + stamp)
            shutil.copy2(wal, self.torn_wal)
            log.warning(
                "the embedded store at %s has a torn WAL (%s): a write was interrupted; opening the last "
                "committed state, the torn WAL is kept as %s",
                self.data_dir,
                exc,
                self.torn_wal.name,
            )
        # Readers do not touch the files: they replay the same committed prefix in memory.
        return self._database(read_only=self.read_only, replay_to_last_commit=True)

    # -- schema ----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        if self._schema_ready or self.read_only:
            return
        try:
            for stmt in ladybug_statements(self.registry):
                self._conn.execute(stmt)
        except RuntimeError as exc:
            raise StoreError(f"embedded store: cannot create the schema: {exc}{self._pool_hint(exc)}") from exc
        self._schema_ready = True

    # -- writes ----------------------------------------------------------------------------

    @staticmethod
    def _set_clause(var: str, cols: tuple[Column, ...]) -> str:
        # Every value is CAST so that a column that is null in every row of a batch keeps its type.
        return ", ".join(f"{var}.{q(c.name)} = CAST(row.{q(c.name)} AS {c.type.value})" for c in cols if c.name != "id")

    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        """One transaction, as before; inside it, rows whose id the store does not hold yet go in by `COPY
        ... FROM` a temporary CSV file (the engine's bulk path, several times faster than MERGE, and flat as
        tables grow), and rows that update an existing id by MERGE ... SET. A worker thread writes the CSV
        files while the engine checkpoints and copies the ones before (the engine releases the GIL).
        A plan of more than `tx_rows` rows into a store holding no entity: the same statements, each
        committing on its own, behind FRESH_LOAD_MARKER (`_write_steps`)."""
        self.ensure_schema()
        # COPY goes only into tables that are empty when the load starts: LadybugDB 0.22 crashes (SIGSEGV)
        # on some COPY ... FROM (subquery) into a table that already holds rows (measured with 100 rows
        # after an earlier COPY, a MERGE or a DETACH DELETE in the same process; not with 5,000).
        try:
            empty = {label for label in plan.nodes if not self._any(f"MATCH (n:{label}) RETURN n.id LIMIT 1")}
            empty |= {b.type for b in plan.edges if not self._any(f"MATCH ()-[r:{b.type}]->() RETURN r.id LIMIT 1")}
            existing_nodes = {label: self._existing_ids(label, rows) for label, rows in plan.nodes.items()}
            existing_edges: dict[str, set[str]] = {b.type: set() for b in plan.edges}
            for b in plan.edges:
                existing_edges[b.type] |= self._existing_edge_ids(b.type, b.rows)
            # A large load into a store holding no entity commits a statement at a time (bounded memory),
            # all or nothing by the marker: its roll-back is to empty the store again.
            fresh = (
                self.tx_rows is not None
                and plan.size > self.tx_rows
                and not any(self._any(f"MATCH (n:{label}) RETURN n.id LIMIT 1") for label in self.registry.node_kinds)
            )
        except (RuntimeError, StoreError) as exc:  # reads only so far: nothing was written
            raise StoreError(
                f"embedded store refused the write (nothing was written): {exc}{self._pool_hint(exc)}"
            ) from exc
        summary = summary_from(plan, existing_nodes, existing_edges)
        steps = self._steps(plan, empty, existing_nodes, existing_edges, batch_size)
        tables = _CopyFiles()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="survgraph-copy-csv")
        try:
            self._write_steps(steps, tables, pool, progress, one_transaction=not fresh)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            tables.close()
        return summary

    def _steps(
        self,
        plan: WritePlan,
        empty: set[str],
        existing_nodes: dict[str, set[str]],
        existing_edges: dict[str, set[str]],
        batch_size: int,
    ) -> Iterator[_Step]:
        """The write, in order, read from the plan's rows as it goes (rows on disk are never all in memory):
        COPY steps (table, its columns, rows, COPY options, None) for new rows of tables empty at the start,
        MERGE steps (table, None, rows, "", the statement) for the others."""
        for label, rows in plan.nodes.items():
            cols = self.registry.node_columns[label]
            new, old = split_new_lazily(rows, existing_nodes[label]) if label in empty else (iter(()), iter(rows))
            yield from ((label, cols, chunk, "", None) for chunk in batches(new, COPY_ROWS))
            cypher = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET {self._set_clause('n', cols)}"
            yield from ((label, None, chunk, "", cypher) for chunk in batches(old, batch_size))
        created: set[str] = set()  # claim ids COPYed by an earlier batch of this plan
        ecols = self.registry.edge_columns
        for batch in plan.edges:
            done = existing_edges[batch.type] | created
            new, old = split_new_lazily(batch.rows, done) if batch.type in empty else (iter(()), iter(batch.rows))
            ends = f"from='{batch.from_label}', to='{batch.to_label}'"
            for chunk in batches(new, COPY_ROWS):
                created.update(r["id"] for r in chunk)
                yield (batch.type, ecols, chunk, ends, None)
            cypher = (
                # Two MATCH clauses, not one comma pattern: the engine plans the comma form
                # as a join that is about four times slower on large batches.
                f"UNWIND $rows AS row MATCH (a:{batch.from_label} {{id: row.from_id}}) "
                f"MATCH (b:{batch.to_label} {{id: row.to_id}}) "
                f"MERGE (a)-[r:{batch.type} {{id: row.id}}]->(b) "
                f"SET {self._set_clause('r', ecols)}"
            )
            yield from ((batch.type, None, chunk, "", cypher) for chunk in batches(old, batch_size))

    def _write_steps(
        self,
        steps: Iterator[_Step],
        tables: _CopyFiles,
        pool: ThreadPoolExecutor,
        progress: Progress | None,
        *,
        one_transaction: bool = True,
    ) -> None:
        """The steps in one transaction; or (`one_transaction` False: a load into a store holding no entity)
        each statement committing on its own, behind FRESH_LOAD_MARKER, written before the first commit and
        removed after the last: a failure here, or a kill at any instant (at the next open), empties the
        store again."""
        # Fold every earlier commit into the database file first, so that the WAL holds this load only:
        # a kill while COMMIT writes it can then lose nothing but this load. Best effort: the engine
        # refuses a checkpoint while another connection has a transaction open, and replay up to the
        # last commit keeps earlier commits in the WAL anyway (measured, docs/crash-consistency.md).
        try:
            self._conn.execute("CHECKPOINT")
        except RuntimeError as exc:
            log.info("no checkpoint before the write (%s); the WAL keeps the earlier commits", exc)

        def ahead(step: _Step | None) -> tuple[_Step, Future[_Written] | None] | None:
            """The step, with its CSV file started on the worker thread for a COPY step."""
            if step is None:
                return None
            table, cols, rows, ends, _ = step
            return step, (pool.submit(tables.write, table, cols, rows, endpoints=bool(ends)) if cols else None)

        if one_transaction:
            self._conn.execute("BEGIN TRANSACTION")
        else:
            _write_marker(self._marker)
        copied = False  # whether a COPY ran in this transaction
        group: list[_Written] = []  # the CSV files of this table's COPY steps so far
        try:
            # One step ahead: the worker writes the next CSV file while the engine copies this one. A
            # table's consecutive COPY steps (chunks of COPY_ROWS rows) are one COPY over all their files:
            # a COPY into a relationship table that already holds rows costs more the more it holds (1M
            # claims: SUPPLIES's six chunks took 2 s, 3 s, 7 s, 29 s, 44 s, 11 s in turn), one over the
            # whole table what the plain engine's does.
            current = ahead(next(steps, None))
            while current is not None:
                (table, cols, rows, ends, cypher), written = current
                current = ahead(next(steps, None))
                if written is not None:
                    assert cols is not None
                    copied = True
                    group.append(written.result())
                    following = current[0] if current is not None else None
                    if following is None or following[1] is None or following[0] != table or following[3] != ends:
                        self._copy(table, cols, group, ends)
                        group = []
                else:
                    assert cypher is not None
                    self._conn.execute(cypher, {"rows": rows})
                if progress:
                    progress(len(rows))
        except RuntimeError as exc:  # the engine's own errors
            self._rollback(copied, one_transaction)
            raise StoreError(
                f"embedded store refused the write (nothing was written): {exc}{self._pool_hint(exc)}"
            ) from exc
        except BaseException:  # a crash in the caller's progress callback, KeyboardInterrupt, ...
            self._rollback(copied, one_transaction)
            raise
        if not one_transaction:
            # Every statement is committed: the load is whole once the marker is gone.
            self._marker.unlink()
            _sync_dir(self.data_dir)
            return
        try:
            self._conn.execute("COMMIT")
        except RuntimeError as exc:
            # Whether the commit record reached the WAL is the engine's to say: reopen, so that this store
            # reads what is on disk (the graph before the load, or after it, never a part).
            self._rollback(copied)
            raise StoreError(f"embedded store: the commit of this load failed: {exc}{self._pool_hint(exc)}") from exc

    def _copy(self, table: str, cols: tuple[Column, ...], group: list[_Written], ends: str) -> None:
        """`COPY table FROM` rows (new ids, into a table empty when the load began): those a CSV file
        carries exactly from the group's temporary CSV files, in one statement (the engine's own bulk path:
        no per-value parameter conversion), any others (a list item the engine's CSV list syntax cannot
        hold) from a subquery over list parameters."""
        paths = [path for path, _, _ in group if path is not None]
        multiline = any(m for _, m, _ in group)
        rest = [row for _, _, left in group for row in left]
        options = ", ".join(x for x in ("header=false", "parallel=false" if multiline else "", ends) if x)
        if paths:
            # The paths are ours (a fresh temporary folder, fixed file names): no quote can be in them.
            files = ", ".join(f"'{path.as_posix()}'" for path in paths)
            self._conn.execute(f"COPY {table} FROM [{files}] ({options})")
        if rest:
            select, params = _copy_select(cols, rest, endpoints=bool(ends))
            self._conn.execute(f"COPY {table} FROM ({select})" + (f" ({ends})" if ends else ""), params)

    def _rollback(self, copied: bool, one_transaction: bool = True) -> None:
        """Roll the open transaction back. After a COPY was rolled back, LadybugDB 0.22 crashes (SIGSEGV)
        on the next write through the same database object (measured: tests/test_stores.py's failure
        midway); reads are right, and a database opened afresh is whole. So the store reopens it. A load
        committing a statement at a time is rolled back by the open (the marker is still there)."""
        if not one_transaction:
            self._reopen()
            return
        try:
            self._conn.execute("ROLLBACK")
        except RuntimeError as exc:  # the engine ends a transaction itself when a COPY in it fails
            if "no active transaction" not in str(exc).lower():
                raise
        if copied:
            self._reopen()

    def _reopen(self) -> None:
        self._beside.wait()
        self._conn.close()
        self._db.close()
        self._db = self._open_database()
        self._conn = ladybug.Connection(self._db)

    def _any(self, cypher: str) -> bool:
        result = self._conn.execute(cypher)
        assert not isinstance(result, list)
        return bool(result.has_next())

    def _existing_ids(self, label: str, rows: Rows) -> set[str]:
        if not rows or not self.query(f"MATCH (n:{label}) RETURN n.id AS id LIMIT 1"):
            return set()
        # A lookup of each id in the primary key's index (`WHERE n.id IN $ids` tests every node against
        # the whole list).
        found = self.query(
            f"UNWIND $ids AS i MATCH (n:{label} {{id: i}}) RETURN n.id AS id", {"ids": [r["id"] for r in rows]}
        )
        return {r["id"] for r in found}

    def _existing_edge_ids(self, etype: str, rows: Rows) -> set[str]:
        if not rows or not self.query(f"MATCH ()-[r:{etype}]->() RETURN r.id AS id LIMIT 1"):
            return set()
        if len(rows) <= EDGE_ID_LIST:
            return self.existing_edge_ids(etype, [r["id"] for r in rows])
        # Relationship ids have no index: `WHERE r.id IN $ids` tests every relationship against the whole
        # list (19 s for 20,000 ids against 20,000 relationships); one pass over the type's ids is linear.
        ids = {r["id"] for r in rows}
        result = self._conn.execute(f"MATCH ()-[r:{etype}]->() RETURN r.id")
        assert not isinstance(result, list)
        found: set[str] = set()
        while result.has_next():
            row = result.get_next()
            assert isinstance(row, list)
            rid = row[0]
            if rid in ids:
                found.add(rid)
        return found

    def clear(self) -> None:
        self.ensure_schema()
        self._beside.wait()
        for label in self.registry.node_kinds:
            self._conn.execute(f"MATCH (n:{label}) DETACH DELETE n")
        # A COPY into a table emptied by DETACH DELETE in the same process crashes LadybugDB 0.22; a
        # database opened afresh does not (see write()).
        self._reopen()

    # -- reads -----------------------------------------------------------------------------

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.ensure_schema()
        return self.query_on(self._conn, cypher, params)

    def query_beside(self, cypher: str, params: Mapping[str, Any] | None = None) -> Callable[[], list[dict[str, Any]]]:
        """Run the read on a connection of its own, in a thread of its own (the binding lets go of the GIL
        while a query runs); `close`, and a write that reopens the database, wait for it first."""
        self.ensure_schema()

        def read() -> list[dict[str, Any]]:
            conn = self.connect()
            try:
                return self.query_on(conn, cypher, params)
            finally:
                conn.close()

        return self._beside.start(read)

    def connect(self) -> ladybug.Connection:
        """A further connection to this store's database. The engine runs reads on several connections of
        one database at once (one thread per connection at a time); writes stay on the store's own
        connection (`write`, `clear`), one at a time. The caller closes it (before `close`)."""
        try:
            return ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise StoreUnavailable(f"cannot connect to the embedded store at {self.data_dir}: {exc}") from exc

    def query_on(
        self, conn: ladybug.Connection, cypher: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """`query` on a connection from `connect` (the schema must exist: call ensure_schema first)."""
        try:
            result = conn.execute(cypher, dict(params or {}))
        except RuntimeError as exc:
            raise StoreError(f"embedded store: {exc}{self._pool_hint(exc)}") from exc
        assert not isinstance(result, list)
        columns = result.get_column_names()
        rows = []
        normalise, plain = self._normalise, _PLAIN
        # Scalars (most values: the reads return columns, not node values) skip the call to _normalise.
        while result.has_next():
            values = result.get_next()
            rows.append({col: v if type(v) in plain else normalise(v) for col, v in zip(columns, values, strict=True)})
        return rows

    def _normalise(self, value: Any) -> Any:
        if type(value) in _PLAIN:
            return value
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
            return [v if type(v) in _PLAIN else self._normalise(v) for v in value]
        return value

    def ping(self) -> None:
        self.query("RETURN 1 AS ok")

    def close(self) -> None:
        self._beside.close()
        try:
            self._conn.close()
            self._db.close()
        except RuntimeError:
            pass


#: Value types the engine hands back that need no normalising (exact types: a subclass may be anything).
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None)})


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_marker(path: Path) -> None:
    """The marker, on disk (the file and its folder synced) before the load's first commit."""
    with path.open("w", encoding="utf-8") as f:
        f.write(f"a load into this empty store began at {datetime.now(UTC).isoformat()} (pid {os.getpid()})\n")
        f.flush()
        os.fsync(f.fileno())
    _sync_dir(path.parent)


#: Up to this many claim ids, existing ones are found with `WHERE r.id IN $ids`; beyond, by one pass.
EDGE_ID_LIST = 1_000

#: Rows one COPY statement takes (each goes through a temporary CSV file of at most this many rows).
COPY_ROWS = 100_000

#: Characters that the engine's CSV list syntax (`[a,b]`) reads as structure or strips: a list item holding
#: one (or empty, or with spaces at either end) is not written to CSV; its row takes the subquery path.
_LIST_UNSAFE = re.compile(r"[,\[\]{}\"'\\\r\n]")


#: A string cell the engine would read otherwise unless quoted.
_NEEDS_QUOTES = re.compile(r"^$|^\s|\s$|[,\"'\\\r\n]")


def _csv_list(items: list[str]) -> str | None:
    """A list cell for the engine's CSV reader, or None when an item cannot be written so."""
    for item in items:
        if not item or item != item.strip() or _LIST_UNSAFE.search(item):
            return None
    return '"[' + ",".join(items) + ']"'


#: A step of a write: (table, its columns for a COPY or None for a MERGE, rows, COPY options, MERGE statement).
_Step = tuple[str, tuple[Column, ...] | None, list[dict[str, Any]], str, str | None]
#: A CSV file written for a COPY: (the file or None, whether a string in it holds a line break, rows left out).
_Written = tuple[Path | None, bool, list[dict[str, Any]]]


class _CopyFiles:
    """Temporary CSV files for COPY FROM, in a private temporary folder removed at `close`.

    Cells: a missing value is an empty cell (NULL); a string is quoted (`""` doubled inside) when it is
    empty or holds a delimiter, quote, escape or line break, or spaces at an end; a float as `repr`; a
    list as a quoted `[a,b]`."""

    def __init__(self) -> None:
        self._dir: Path | None = None
        self._count = 0

    def write(self, table: str, cols: tuple[Column, ...], rows: list[dict[str, Any]], *, endpoints: bool) -> _Written:
        """Write the rows a CSV file carries exactly; returns the file (None if no row), whether a
        string in it holds a line break (the engine's parallel CSV reader refuses quoted line breaks),
        and the rows left out."""
        kinds = [c.type for c in cols]
        if any(k not in (ColumnType.string, ColumnType.string_list, ColumnType.float) for k in kinds):
            return None, False, rows
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="survgraph-copy-"))
        self._count += 1
        path = self._dir / f"{self._count:04d}-{table}.csv"
        columns: list[list[str]] = []
        if endpoints:
            columns.append([r["from_id"] for r in rows])  # ids match EntityId: nothing to quote in them
            columns.append([r["to_id"] for r in rows])
        multiline = False
        bad: set[int] = set()  # rows with a list item that CSV cannot carry
        for col in cols:
            values = [r.get(col.name) for r in rows]
            if col.type is ColumnType.string:
                # Quoted only when it has to be (the engine reads quoted cells about half as fast): empty
                # (an empty cell is NULL), or with a delimiter, quote, escape or line break, or spaces at an end.
                cells = [
                    "" if v is None else '"' + v.replace('"', '""') + '"' if _NEEDS_QUOTES.search(v) else v
                    for v in values
                ]
                multiline = multiline or any(v is not None and ("\n" in v or "\r" in v) for v in values)
            elif col.type is ColumnType.float:
                cells = ["" if v is None else repr(float(v)) for v in values]
            else:
                lists = ["" if v is None else _csv_list(v) for v in values]
                bad.update(i for i, cell in enumerate(lists) if cell is None)
                cells = [c or "" for c in lists]
            columns.append(cells)
        rest = [rows[i] for i in sorted(bad)]
        lines = (",".join(line) for i, line in enumerate(zip(*columns, strict=True)) if i not in bad)
        with path.open("w", encoding="utf-8", newline="") as f:
            f.writelines(line + "\n" for line in lines)
        if len(rest) == len(rows):
            path.unlink()
            return None, False, rest
        return path, multiline, rest

    def close(self) -> None:
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _copy_select(
    cols: tuple[Column, ...], rows: list[dict[str, Any]], *, endpoints: bool = False
) -> tuple[str, dict[str, Any]]:
    """A query returning `rows` in the table's column order, for `COPY table FROM (query)`. Values travel
    as one list parameter per column (a list of row dicts costs the engine about three times as much to
    take in), indexed from 1. A column that is null in every row is a typed NULL (the engine cannot type an
    all-null list); a list column carries a null mask beside it, since a list of lists with nulls in it
    is typed wrongly."""
    params: dict[str, Any] = {}
    exprs: list[str] = []
    if endpoints:
        params["f"] = [r["from_id"] for r in rows]
        params["t"] = [r["to_id"] for r in rows]
        exprs += ["$f[i]", "$t[i]"]
    for k, col in enumerate(cols):
        values = [r.get(col.name) for r in rows]
        ctype = col.type.value
        if all(v is None for v in values):
            exprs.append(f"CAST(NULL AS {ctype})")
        elif col.type is ColumnType.string_list:
            nulls = [v is None for v in values]
            lists = [list(v) if v is not None else [] for v in values]
            value = f"CAST($c{k}[i] AS {ctype})" if any(lists) else f"CAST([] AS {ctype})"
            if any(lists):
                params[f"c{k}"] = lists
            if any(nulls):
                params[f"n{k}"] = nulls
                value = f"CASE WHEN $n{k}[i] THEN CAST(NULL AS {ctype}) ELSE {value} END"
            exprs.append(value)
        else:
            if col.type is ColumnType.float:
                values = [None if v is None else float(v) for v in values]
            params[f"c{k}"] = values
            exprs.append(f"CAST($c{k}[i] AS {ctype})")
    params["rows"] = len(rows)
    return f"UNWIND range(1, $rows) AS i RETURN {', '.join(exprs)}", params
