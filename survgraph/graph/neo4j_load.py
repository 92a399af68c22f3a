"""Batched, all-or-nothing loads into Neo4j: a marker node, a journal per batch, and a commit that flips
the marker (docs/crash-consistency.md, "Neo4j: batched loads").

One Neo4j transaction holds every change it makes in the server's memory (`db.memory.transaction.max`,
128 MiB on our test server), so a load of a few ten thousand claims cannot be one transaction. A load
larger than one batch (`tx_rows` rows) goes like this instead:

1. **Marker.** A `LOAD_MARKER_LABEL` node is created in a transaction of its own, with `slot: "active"`
   under a uniqueness constraint (so one load at a time, across processes), the load id, `state:
   "running"`, a heartbeat (the server's `timestamp()`) and the owner (host, pid).
2. **Batches.** Each batch of at most `tx_rows` rows is one transaction: it refreshes the heartbeat (and
   stops if the marker is no longer its own), writes a `LOAD_JOURNAL_LABEL` record per chunk, and writes
   the rows, sent as columns (one list per property, not a map per row: a third of the bytes, and far
   less of the driver's pure-Python encoding). Rows with a new id are CREATEd; the record lists their
   ids, known before the batch goes (the id lookup), so a rollback deletes them by id: nothing marks the
   items themselves. Rows that update an existing id are compared with it on the server; only those that
   change it are written, and the values the written columns had are returned by the same statement and
   saved in the journal record as JSON (written here, client-side: Neo4j has no JSON functions without
   APOC).
3. **Commit.** One small transaction sets the marker's state to "committed". From then on the load is
   the graph.
4. **Clean-up.** The journal records are deleted (a transaction each), then the marker. Every step is
   idempotent, so a clean-up cut short is finished by anyone.

Recovery (`LoadJournal.recover`, run by `Neo4jStore.ensure_schema` and before every load): a marker
whose owner is gone (a dead process on this host, or a heartbeat older than `stale_after_s`) is taken
over (a compare-and-set on its heartbeat, so two recoverers cannot both act) and then finished: a
committed load is cleaned up; any other is rolled back, journal records newest first: the ids it
created are deleted, what it updated gets its saved properties back. Deleting by id is safe because the
load held the slot (no other survgraph load wrote meanwhile) and the ids are unique by constraint (no
other writer can have created one of them while the load's item stood). A live load is left alone; a
second load waits for it (at most `wait_s`), then fails with `LoadBusy`.

Single-transaction loads (a plan of at most `tx_rows` rows) take the same slot inside their own
transaction (created and deleted there, never visible), so they wait for a batched load in flight and a
batched load waits for them.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import ConstraintError

from survgraph.graph.ddl import q
from survgraph.graph.store import Progress, StoreError, WritePlan, batches, split_new_lazily
from survgraph.schema import LOAD_JOURNAL_LABEL, LOAD_MARKER_LABEL, Registry

#: The property with which loads before journal format 2 (2026-12-02) marked what they created, until
#: their clean-up removed it. Format 2 writes no tag (its records' ids are what it created); a record of
#: the old format left by an interrupted load is still finished the old way.
TAG = "_sg_load"
#: The journal record format: 2 = no tags on the items; records without `v` are format 1.
JOURNAL_FORMAT = 2
#: The one value of the marker's unique `slot`: one load at a time.
SLOT = "active"

#: Rows a batch transaction writes. 10,000 rows of our widest rows stay far under 128 MiB of
#: transaction memory; a plan of at most this many rows is written in one transaction instead.
DEFAULT_TX_ROWS = 10_000
#: A marker whose heartbeat (refreshed every batch, a few seconds apart) is older than this is abandoned:
#: its owner is taken to be dead and the load is rolled back (or finished, if committed). A batch that
#: takes longer than this on a slow server would be taken for dead, so it is generous.
DEFAULT_STALE_AFTER_S = 120.0
#: How long a load waits for another live load before it fails with LoadBusy. Longer than the staleness
#: threshold, so that a load started right after another process died waits the dead load out.
DEFAULT_WAIT_S = 180.0


class LoadBusy(StoreError):
    """Another load holds the store for longer than this one would wait; try again later."""

    status = 503


class LoadTakenOver(StoreError):
    """This load's marker was taken over by a recovery (its heartbeat had gone stale): it was rolled back."""


@dataclass(frozen=True)
class LoadOptions:
    tx_rows: int = DEFAULT_TX_ROWS
    stale_after_s: float = DEFAULT_STALE_AFTER_S
    wait_s: float = DEFAULT_WAIT_S

    def __post_init__(self) -> None:
        if self.tx_rows < 1:
            raise ValueError("tx_rows must be at least 1")
        if self.stale_after_s <= 0 or self.wait_s < 0:
            raise ValueError("stale_after_s must be > 0 and wait_s >= 0")


def schema_statements() -> list[str]:
    return [
        f"CREATE CONSTRAINT survgraph_load_slot IF NOT EXISTS FOR (m:{LOAD_MARKER_LABEL}) REQUIRE m.slot IS UNIQUE",
        f"CREATE INDEX survgraph_load_journal IF NOT EXISTS FOR (j:{LOAD_JOURNAL_LABEL}) ON (j.load)",
    ]


# -- who owns a marker, and whether it is alive ---------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def _host_id() -> str:
    """This host and pid namespace: a pid read from a marker means this process table only if it matches
    (the boot id and pid namespace tell containers with one hostname apart). Empty off Linux."""
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""
    return f"{socket.gethostname()}|{boot}|{ns}" if boot else ""


def _proc_start(pid: int) -> str:
    """The start time of process `pid` (field 22 of /proc/PID/stat), "" when there is none: with the pid
    it names one process, not a later one that reuses the number."""
    stat = _read(f"/proc/{pid}/stat")
    return stat.rpartition(")")[2].split()[19] if stat else ""


#: Loads running in this process (a marker with our pid and an id not here was left by a load that failed
#: and could not roll back).
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    pstart: str

    @classmethod
    def me(cls) -> Owner:
        pid = os.getpid()
        return cls(_host_id(), pid, _proc_start(pid))

    def params(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "pstart": self.pstart}


@dataclass(frozen=True)
class Marker:
    id: str
    state: str
    heartbeat: int
    age_ms: int
    host: str
    pid: int
    pstart: str
    started: int

    def gone(self, me: Owner) -> bool:
        """Whether the owner surely is dead: it ran on this host (same process table) and its process is
        not there any more, or it is this process and the load is not running here."""
        if not self.host or self.host != me.host:
            return False
        if self.pid == me.pid and self.pstart == me.pstart:
            with _LIVE_LOCK:
                return self.id not in _LIVE
        return _proc_start(self.pid) != self.pstart

    def describe(self) -> str:
        who = self.host.partition("|")[0] or "another host"
        return (
            f"load {self.id} ({self.state}, process {self.pid} on {who}, last heartbeat {self.age_ms / 1000:.1f} s ago)"
        )


# -- the write plan, as chunks a transaction each ------------------------------------------------------


@dataclass
class Chunk:
    """Rows of one statement: `op` "create" or "update", `target` "node" or "rel"; `name` the label or type."""

    op: str
    target: str
    name: str
    rows: list[dict[str, Any]]
    from_label: str = ""
    to_label: str = ""


@dataclass
class Batch:
    chunks: list[Chunk] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(c.rows) for c in self.chunks)


def plan_batches(
    plan: WritePlan,
    existing_nodes: dict[str, set[str]],
    existing_edges: dict[str, set[str]],
    tx_rows: int,
) -> Iterator[Batch]:
    """The plan as batches of at most `tx_rows` rows: new ids as "create" chunks, ids already stored as
    "update" chunks, nodes before relationships (in the plan's order). Lazy: the rows are read (from the
    plan's spill files, when it has them) as each batch is asked for, so the client holds one batch and
    one chunk, not the plan."""
    batch = Batch()
    for chunk in _chunks(plan, existing_nodes, existing_edges, tx_rows):
        if batch.chunks and batch.rows + len(chunk.rows) > tx_rows:
            yield batch
            batch = Batch()
        batch.chunks.append(chunk)
    if batch.chunks:
        yield batch


def _chunks(
    plan: WritePlan,
    existing_nodes: dict[str, set[str]],
    existing_edges: dict[str, set[str]],
    tx_rows: int,
) -> Iterator[Chunk]:
    for label, rows in plan.nodes.items():
        new, old = split_new_lazily(rows, existing_nodes[label])
        yield from (Chunk("create", "node", label, c) for c in batches(new, tx_rows))
        yield from (Chunk("update", "node", label, c) for c in batches(old, tx_rows))
    created: set[str] = set()  # ids of relationships an earlier table creates
    for eb in plan.edges:
        # The split of this table is taken once the tables before it are read to the end (this generator
        # runs in order), so `created` holds every id they create.
        new, old = split_new_lazily(eb.rows, existing_edges[eb.type] | created)
        for c in batches(new, tx_rows):
            created.update(r["id"] for r in c)
            yield Chunk("create", "rel", eb.type, c, eb.from_label, eb.to_label)
        yield from (Chunk("update", "rel", eb.type, c, eb.from_label, eb.to_label) for c in batches(old, tx_rows))


# -- the journal ----------------------------------------------------------------------------------------


class LoadJournal:
    """Batched loads and their recovery on one Neo4j database (see the module's docstring)."""

    def __init__(
        self,
        driver: Driver,
        database: str | None,
        registry: Registry,
        options: LoadOptions,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._driver = driver
        self._database = database
        self.registry = registry
        self.options = options
        self._sleep = sleep
        self.me = Owner.me()

    def _session(self) -> neo4j.Session:
        # Our own statements name properties that may not exist yet (a first load): no warnings for those.
        return self._driver.session(database=self._database, notifications_min_severity="OFF")

    def _run(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """One statement in a write transaction of its own (retried by the driver on transient errors)."""

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(cypher, params).data()

        with self._session() as s:
            return s.execute_write(work)

    # -- markers ------------------------------------------------------------------------------------

    def markers(self) -> list[Marker]:
        records = self._run(
            f"MATCH (m:{LOAD_MARKER_LABEL}) WHERE m.id IS NOT NULL "
            "RETURN m.id AS id, m.state AS state, m.heartbeat AS heartbeat, timestamp() - m.heartbeat AS age, "
            "m.host AS host, m.pid AS pid, m.pstart AS pstart, m.started AS started"
        )
        return [
            Marker(
                str(r["id"]),
                str(r["state"]),
                int(r["heartbeat"] or 0),
                int(r["age"] or 0),
                str(r["host"] or ""),
                int(r["pid"] or 0),
                str(r["pstart"] or ""),
                int(r["started"] or 0),
            )
            for r in records
        ]

    def abandoned(self, m: Marker) -> bool:
        return m.gone(self.me) or m.age_ms > self.options.stale_after_s * 1000

    def recover(self) -> list[Marker]:
        """Finish every abandoned load (roll it back, or clean up after its commit); return the live ones."""
        live = []
        for m in self.markers():
            if self.abandoned(m):
                if self._take_over(m):
                    self._finish(m.id)
                else:
                    live.append(m)  # someone else took it over, or its owner beat again
            else:
                live.append(m)
        return live

    def _take_over(self, m: Marker) -> bool:
        """Make an abandoned marker ours, if its heartbeat is still the one we saw (compare-and-set: the
        first statement takes the marker's write lock, the second reads it after any rival's commit)."""
        with self._session() as s:
            tx = s.begin_transaction()
            try:
                tx.run(
                    f"MATCH (m:{LOAD_MARKER_LABEL} {{slot: $slot}}) SET m.claimed = $pid", slot=SLOT, pid=self.me.pid
                ).consume()
                rec = tx.run(
                    f"MATCH (m:{LOAD_MARKER_LABEL} {{slot: $slot}}) RETURN m.id AS id, m.heartbeat AS hb", slot=SLOT
                ).single()
                if rec is None or rec["id"] != m.id or rec["hb"] != m.heartbeat:
                    tx.rollback()
                    return False
                tx.run(
                    f"MATCH (m:{LOAD_MARKER_LABEL} {{slot: $slot}}) "
                    "SET m.heartbeat = timestamp(), m.host = $host, m.pid = $pid, m.pstart = $pstart, "
                    "m.state = CASE m.state WHEN 'committed' THEN 'committed' ELSE 'rolling_back' END",
                    slot=SLOT,
                    **self.me.params(),
                ).consume()
                tx.commit()
                return True
            finally:
                tx.close()

    def _finish(self, load: str) -> None:
        """Complete the clean-up of a committed load, or roll back any other (the marker is ours)."""
        with _live(load):
            records = self._run(f"MATCH (m:{LOAD_MARKER_LABEL} {{id: $load}}) RETURN m.state AS state", load=load)
            if not records:
                return
            if records[0]["state"] == "committed":
                self.clean_up(load)
            else:
                self.roll_back(load)

    @contextmanager
    def acquire(self, load: str, rows: int) -> Iterator[None]:
        """Create this load's marker (waiting for, or recovering, another), and mark the load live."""
        with _live(load):
            self.wait_for_slot(
                lambda: self._run(
                    f"CREATE (m:{LOAD_MARKER_LABEL} {{slot: $slot, id: $load, state: 'running', rows: $rows, "
                    "started: timestamp(), heartbeat: timestamp(), host: $host, pid: $pid, pstart: $pstart})",
                    slot=SLOT,
                    load=load,
                    rows=rows,
                    **self.me.params(),
                )
            )
            yield

    def wait_for_slot(self, attempt: Callable[[], object]) -> None:
        """Run `attempt` (which takes the slot) until it does not fail for the slot being held: recover an
        abandoned load that holds it, wait for a live one (at most `wait_s`), then raise LoadBusy."""
        deadline = time.monotonic() + self.options.wait_s
        pause = 0.05
        while True:
            try:
                attempt()
                return
            except SlotTaken:
                pass
            except ConstraintError as exc:
                if LOAD_MARKER_LABEL not in str(exc):
                    raise
            live = self.recover()
            if not live:
                continue  # the slot is free now (or was freed meanwhile): try again at once
            if time.monotonic() >= deadline:
                raise LoadBusy(
                    f"Neo4j: another load holds the store ({live[0].describe()}); waited {self.options.wait_s:.0f} s. "
                    f"Try again later; a load whose heartbeat is older than {self.options.stale_after_s:.0f} s is "
                    "taken for dead and rolled back by the next load or open."
                )
            self._sleep(pause)
            pause = min(1.0, pause * 2)

    # -- the batches --------------------------------------------------------------------------------

    def write(
        self,
        load: str,
        plan: WritePlan,
        existing_nodes: dict[str, set[str]],
        existing_edges: dict[str, set[str]],
        progress: Progress | None,
    ) -> None:
        """Write the plan in batches behind this load's marker (acquire() first), commit, clean up. Any
        failure before the commit rolls back what was written and re-raises."""
        saved: dict[tuple[str, str], set[str]] = {}  # (target, name) -> ids whose old properties are saved
        seq = 0
        try:
            for batch in plan_batches(plan, existing_nodes, existing_edges, self.options.tx_rows):
                seqs = list(range(seq, seq + len(batch.chunks)))
                seq += len(batch.chunks)
                with self._session() as s:
                    newly_saved = s.execute_write(self._write_batch, load, batch, seqs, saved)
                # Only once the batch committed: a transaction the driver retried must save them again.
                for key, ids in newly_saved:
                    saved.setdefault(key, set()).update(ids)
                if progress:
                    progress(batch.rows)
            self.commit(load)
        except LoadTakenOver:
            raise  # the recovery that took the marker over rolls the load back
        except BaseException:
            # Best effort: when this fails too (the server went away), the next open or load rolls it back;
            # the first error is the one to report.
            with contextlib.suppress(Exception):
                self.roll_back(load)
            raise
        self.clean_up(load)

    def _heartbeat(self, tx: ManagedTransaction, load: str) -> None:
        """Refresh the marker's heartbeat in this batch's transaction, and check the marker is still ours
        (a recovery that took it over has rolled the load back: the batch must not land). The SET takes
        the marker's write lock before the RETURN reads it, so a rival's take-over is seen, or waits."""
        rec = tx.run(
            f"MATCH (m:{LOAD_MARKER_LABEL} {{slot: $slot}}) SET m.heartbeat = timestamp() "
            "RETURN m.id AS id, m.state AS state, m.pid AS pid",
            slot=SLOT,
        ).single()
        if rec is None or rec["id"] != load or rec["state"] != "running" or rec["pid"] != self.me.pid:
            raise LoadTakenOver(f"Neo4j: load {load} was taken for dead and rolled back by another process")

    def _write_batch(
        self,
        tx: ManagedTransaction,
        load: str,
        batch: Batch,
        seqs: list[int],
        saved: dict[tuple[str, str], set[str]],
    ) -> list[tuple[tuple[str, str], list[str]]]:
        """One batch: heartbeat, then per chunk its rows and its journal record (the same transaction, so
        both land or neither). Returns the ids whose properties it saved, per (target, name), for the
        caller to add to `saved` once it committed."""
        self._heartbeat(tx, load)
        newly_saved: list[tuple[tuple[str, str], list[str]]] = []
        for chunk, seq in zip(batch.chunks, seqs, strict=True):
            if chunk.op == "create":
                names, cols = self._columns(chunk, drop_empty=True)
                ids = cols[0]
                tx.run(self._create_statement(chunk, names), cols=cols).consume()
                before = ""
            else:
                names, cols = self._columns(chunk, drop_empty=False)
                # An id twice in one chunk: every row is written, in order (the last wins, as MERGE ... SET
                # row by row gives); a comparison with the stored item would skip a row that restores it.
                every = len(set(cols[0])) < len(cols[0])
                rec = tx.run(self._update_statement(chunk, names), cols=cols, every=every).single()
                matched = int(rec["matched"]) if rec else 0
                if matched != len(cols[0]):
                    raise StoreError(self._not_matched(tx, chunk, names, cols))
                done = saved.get((chunk.target, chunk.name), set())
                changed: list[list[Any]] = list(rec["before"]) if rec else []
                ids = [c[0] for c in changed]
                keep = [c for c in changed if c[0] not in done]
                # The columns the statement writes, as they were: restoring them restores the item (a
                # property outside the registry's columns is never written, so never needs restoring).
                before = json.dumps({"columns": names, "rows": keep}, ensure_ascii=False, separators=(",", ":"))
                newly_saved.append(((chunk.target, chunk.name), [k[0] for k in keep]))
            tx.run(
                f"CREATE (j:{LOAD_JOURNAL_LABEL} {{load: $load, seq: $seq, v: $v, op: $op, target: $target, "
                "name: $name, ids: $ids, before: $before})",
                load=load,
                seq=seq,
                v=JOURNAL_FORMAT,
                op=chunk.op,
                target=chunk.target,
                name=chunk.name,
                ids=ids,
                before=before,
            ).consume()
        return newly_saved

    def _registry_columns(self, target: str, name: str) -> list[str]:
        """The registry's column names of a node kind's table or of the claims (`target` node or edge)."""
        cols = self.registry.node_columns[name] if target == "node" else self.registry.edge_columns
        return [c.name for c in cols]

    def _column_names(self, chunk: Chunk) -> list[str]:
        names = self._registry_columns(chunk.target, chunk.name)
        assert names[0] == "id"
        return names

    def _columns(self, chunk: Chunk, *, drop_empty: bool) -> tuple[list[str], list[list[Any]]]:
        """The chunk's rows as one list per column (the registry's columns, `id` first): the driver encodes
        a list of values for a fraction of what a map per row costs (each key again in every row). With
        `drop_empty`, a column null in every row is left out (SET of null on a new item is a no-op)."""
        names: list[str] = []
        cols: list[list[Any]] = []
        for name in self._column_names(chunk):
            col = [r.get(name) for r in chunk.rows]
            if drop_empty and name != "id" and all(v is None for v in col):
                continue
            names.append(name)
            cols.append(col)
        return names, cols

    def _create_statement(self, chunk: Chunk, names: list[str]) -> str:
        """CREATE of the chunk's new ids (the lookup before the load found none of them; the uniqueness
        constraints fail the batch if another writer made one meanwhile)."""
        sets = ", ".join(f"x.{q(name)} = $cols[{k}][i]" for k, name in enumerate(names))
        head = "UNWIND range(0, size($cols[0]) - 1) AS i "
        if chunk.target == "node":
            return f"{head}CREATE (x:{chunk.name}) SET {sets}"
        f, t = names.index("from_id"), names.index("to_id")
        return (
            f"{head}MATCH (a:{chunk.from_label} {{id: $cols[{f}][i]}}) "
            f"MATCH (b:{chunk.to_label} {{id: $cols[{t}][i]}}) CREATE (a)-[x:{chunk.name}]->(b) SET {sets}"
        )

    def _update_statement(self, chunk: Chunk, names: list[str]) -> str:
        """Rows of ids already stored, in one statement: find each by its id (a relationship by its type's
        id index, and only between the endpoints the row names), compare it with the row on the server,
        and write only the rows that change it (all of them when `$every`). Returns how many rows found
        their item (the caller fails the load unless all did) and, for each changed item, [the
        values of the columns it had, `id` first]: read before any write (the aggregation, and the Eager
        the planner puts before the SET, end the reads first), as lists (decoded far faster than maps)."""
        same = " AND ".join(
            f"((x.{q(name)} IS NULL AND $cols[{k}][i] IS NULL) OR coalesce(x.{q(name)} = $cols[{k}][i], false))"
            for k, name in enumerate(names)
            if name != "id"
        )
        sets = ", ".join(f"x.{q(name)} = $cols[{k}][i]" for k, name in enumerate(names) if name != "id")
        olds = ", ".join(f"x.{q(name)}" for name in names)
        head = "UNWIND range(0, size($cols[0]) - 1) AS i "
        if chunk.target == "node":
            match = f"MATCH (x:{chunk.name} {{id: $cols[0][i]}}) "
        else:
            f, t = names.index("from_id"), names.index("to_id")
            match = (
                f"MATCH (a)-[x:{chunk.name} {{id: $cols[0][i]}}]->(b) "
                f"WHERE a.id = $cols[{f}][i] AND b.id = $cols[{t}][i] "
            )
        return (
            f"{head}{match}"
            "WITH count(x) AS matched, "
            f"collect(CASE WHEN $every OR NOT ({same}) THEN [x, i, [{olds}]] END) AS changed "
            f"CALL (changed) {{ UNWIND changed AS c WITH c[0] AS x, c[1] AS i SET {sets} }} "
            "RETURN matched, [c IN changed | c[2]] AS before"
        )

    def _not_matched(self, tx: ManagedTransaction, chunk: Chunk, names: list[str], cols: list[list[Any]]) -> str:
        """The error for an update whose rows did not all find their item: which ids, and why."""
        ids = cols[0]
        if chunk.target == "node":
            rec = tx.run(f"MATCH (x:{chunk.name}) WHERE x.id IN $ids RETURN collect([x.id, 0, 0]) AS found", ids=ids)
            wanted = [(0, 0)] * len(ids)
            why = "deleted by another writer during the load"
        else:
            rec = tx.run(
                f"MATCH (a)-[x:{chunk.name}]->(b) WHERE x.id IN $ids RETURN collect([x.id, a.id, b.id]) AS found",
                ids=ids,
            )
            wanted = list(zip(cols[names.index("from_id")], cols[names.index("to_id")], strict=True))
            why = "stored between other endpoints than its row names (a claim id given twice?), or deleted meanwhile"
        found = rec.single()
        stored = {f[0]: (f[1], f[2]) for f in (found["found"] if found else [])}
        bad = [i for i, ends in zip(ids, wanted, strict=True) if stored.get(i) != ends]
        return (
            f"Neo4j: {len(bad)} of {len(ids)} {chunk.name} rows to update did not find their stored item "
            f"({', '.join(map(str, bad[:5]))}{', ...' if len(bad) > 5 else ''}): {why}. The load is rolled back."
        )

    # -- commit, clean-up, rollback -------------------------------------------------------------------

    def commit(self, load: str) -> None:
        """The one small transaction after which the load is the graph."""

        def flip(tx: ManagedTransaction) -> None:
            self._heartbeat(tx, load)
            tx.run(
                f"MATCH (m:{LOAD_MARKER_LABEL} {{slot: $slot, id: $load}}) SET m.state = 'committed'",
                slot=SLOT,
                load=load,
            ).consume()

        with self._session() as s:
            s.execute_write(flip)

    def _journal(self, load: str) -> list[int]:
        records = self._run(
            f"MATCH (j:{LOAD_JOURNAL_LABEL} {{load: $load}}) RETURN j.seq AS seq ORDER BY seq", load=load
        )
        return [int(r["seq"]) for r in records]

    def clean_up(self, load: str) -> None:
        """After the commit: delete the load's journal, one record a transaction (a record of the old
        format first untags what it created), then the marker. Idempotent: each step removes what it has
        done from what is left."""
        for seq in self._journal(load):
            with self._session() as s:
                s.execute_write(self._clean_record, load, seq)
        self._drop_marker(load)

    def roll_back(self, load: str) -> None:
        """Undo an uncommitted load: journal records newest first, each in a transaction of its own (delete
        what it created, restore what it updated, delete the record), then the marker."""
        self._run(
            f"MATCH (m:{LOAD_MARKER_LABEL} {{id: $load}}) WHERE m.state <> 'committed' SET m.state = 'rolling_back'",
            load=load,
        )
        for seq in reversed(self._journal(load)):
            with self._session() as s:
                s.execute_write(self._undo_record, load, seq)
        self._drop_marker(load)

    def _drop_marker(self, load: str) -> None:
        self._run(f"MATCH (m:{LOAD_MARKER_LABEL} {{id: $load}}) DELETE m", load=load)

    def _record(self, tx: ManagedTransaction, load: str, seq: int) -> dict[str, Any] | None:
        rec = tx.run(
            f"MATCH (j:{LOAD_JOURNAL_LABEL} {{load: $load, seq: $seq}}) "
            "RETURN j.op AS op, j.target AS target, j.name AS name, j.ids AS ids, j.before AS before, "
            "coalesce(j.v, 1) AS v",
            load=load,
            seq=seq,
        ).single()
        if rec is None:
            return None
        name = str(rec["name"])
        target = str(rec["target"])
        # The label or type is a stored string: only one from the registry goes into Cypher.
        known = self.registry.node_kinds if target == "node" else self.registry.edge_types
        if name not in known:
            raise StoreError(f"Neo4j: load journal {load}/{seq} names {name!r}, not in the schema registry")
        return {
            "op": rec["op"],
            "target": target,
            "name": name,
            "ids": list(rec["ids"] or []),
            "before": rec["before"],
            "v": int(rec["v"]),
        }

    def _match_ids(self, rec: dict[str, Any]) -> str:
        """The items of a record's ids; of a format-1 record, only those carrying the load's tag."""
        tagged = f"WHERE x.{q(TAG)} = $load " if rec["v"] < 2 else ""
        if rec["target"] == "node":
            return f"UNWIND $ids AS id MATCH (x:{rec['name']} {{id: id}}) {tagged}"
        return f"UNWIND $ids AS id MATCH ()-[x:{rec['name']} {{id: id}}]->() {tagged}"

    def _clean_record(self, tx: ManagedTransaction, load: str, seq: int) -> None:
        found = tx.run(
            f"MATCH (j:{LOAD_JOURNAL_LABEL} {{load: $load, seq: $seq}}) RETURN coalesce(j.v, 1) AS v",
            load=load,
            seq=seq,
        ).single()
        if found is None:
            return
        if int(found["v"]) < 2:  # a record of the old format: its items carry the tag until now
            rec = self._record(tx, load, seq)
            assert rec is not None
            tx.run(self._match_ids(rec) + f"REMOVE x.{q(TAG)}", ids=rec["ids"], load=load).consume()
        self._delete_record(tx, load, seq)

    def _undo_record(self, tx: ManagedTransaction, load: str, seq: int) -> None:
        rec = self._record(tx, load, seq)
        if rec is None:
            return
        if rec["op"] == "create" or rec["v"] < 2:
            # What the record's batch created: every id of a create record (the batch made them, in the
            # same transaction as the record). Format 1 also tagged what an update's MERGE created.
            delete = "DETACH DELETE x" if rec["target"] == "node" else "DELETE x"
            tx.run(self._match_ids(rec) + delete, ids=rec["ids"], load=load).consume()
        if rec["op"] == "update" and rec["before"]:
            tx.run(*self._restore(rec, load, seq)).consume()
        self._delete_record(tx, load, seq)

    def _restore(self, rec: dict[str, Any], load: str, seq: int) -> tuple[str, dict[str, Any]]:
        """The statement that puts back what an update record saved: format 1, [id, every property] pairs
        (the item's properties replaced); format 2, the columns the update wrote, with their values per
        item, `id` first (those columns set, null ones removed)."""
        match = (
            f"MATCH (x:{rec['name']} {{id: row[0]}}) "
            if rec["target"] == "node"
            else f"MATCH ()-[x:{rec['name']} {{id: row[0]}}]->() "
        )
        saved = json.loads(rec["before"])
        if rec["v"] < 2:
            return f"UNWIND $rows AS row {match}SET x = row[1]", {"rows": saved}
        names = saved["columns"]
        known = set(self._registry_columns(rec["target"], rec["name"]))
        # The column names are stored strings: only the registry's go into Cypher.
        if not names or names[0] != "id" or not set(names) <= known:
            raise StoreError(f"Neo4j: load journal {load}/{seq} saved columns {names!r}, not the registry's")
        sets = ", ".join(f"x.{q(name)} = row[{k}]" for k, name in enumerate(names) if k)
        return f"UNWIND $rows AS row {match}SET {sets}", {"rows": saved["rows"]}

    def _delete_record(self, tx: ManagedTransaction, load: str, seq: int) -> None:
        tx.run(f"MATCH (j:{LOAD_JOURNAL_LABEL} {{load: $load, seq: $seq}}) DELETE j", load=load, seq=seq).consume()


class SlotTaken(Exception):
    """Internal: a single-transaction load found the slot held by a batched load."""


@contextmanager
def _live(load: str) -> Iterator[None]:
    with _LIVE_LOCK:
        _LIVE.add(load)
    try:
        yield
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(load)


def new_load_id() -> str:
    return uuid.uuid4().hex


def take_slot_in(tx: ManagedTransaction, load: str) -> None:
    """Inside a single-transaction load: hold the slot until this transaction ends (created here and
    deleted before the commit, so nobody sees it; another transaction creating it waits on the
    constraint's lock). Raises SlotTaken when a batched load holds it."""
    try:
        tx.run(
            f"CREATE (m:{LOAD_MARKER_LABEL} {{slot: $slot, single: $load}})",
            slot=SLOT,
            load=load,
        ).consume()
    except ConstraintError as exc:
        raise SlotTaken(str(exc)) from exc


def release_slot_in(tx: ManagedTransaction, load: str) -> None:
    tx.run(f"MATCH (m:{LOAD_MARKER_LABEL} {{single: $load}}) DELETE m", load=load).consume()
