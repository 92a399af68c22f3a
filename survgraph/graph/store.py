"""The store interface both backends implement, its errors, and the one place results are normalised."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Protocol, Self

from survgraph.errors import SurvgraphError
from survgraph.schema import REGISTRY, Claim, Node, Registry

#: Called after each written batch with the number of rows in it.
Progress = Callable[[int], None]

DEFAULT_BATCH_SIZE = 500


class StoreError(SurvgraphError):
    """A store could not do what was asked; the message says why in a user's terms. Over HTTP it is our
    failure (500): the API only sends the store queries it built itself."""

    status = 500
    exit_code = 2


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, wrong address, database locked)."""

    status = 503


class StoreAuthError(StoreError):
    """The store refused the credentials (the server's own: a client can only wait for a fix)."""

    status = 503


class ReadOnlyViolation(StoreError):
    """A query that was meant to only read would write, or cannot be proven to only read."""

    status = 400


@dataclass
class KindCount:
    created: int = 0
    updated: int = 0


@dataclass
class WriteSummary:
    """Per node kind and edge type: how many records were new and how many already existed."""

    nodes: dict[str, KindCount] = field(default_factory=dict)
    edges: dict[str, KindCount] = field(default_factory=dict)

    def as_dict(self) -> dict[str, dict[str, dict[str, int]]]:
        return {
            "nodes": {k: vars(v) for k, v in sorted(self.nodes.items())},
            "edges": {k: vars(v) for k, v in sorted(self.edges.items())},
        }


@dataclass(frozen=True)
class Stats:
    nodes: dict[str, int]
    edges: dict[str, int]

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {"nodes": dict(self.nodes), "edges": dict(self.edges)}


class Rows(Protocol):
    """Rows of one table: a list, or rows on disk (survgraph/graph/spill.py) read back on each iteration."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class EdgeBatch:
    """Rows of one edge type between one pair of node kinds (stores look endpoints up by label)."""

    type: str
    from_label: str
    to_label: str
    rows: Rows


@dataclass(frozen=True)
class WritePlan:
    nodes: Mapping[str, Rows]
    edges: list[EdgeBatch]

    @property
    def size(self) -> int:
        return sum(len(r) for r in self.nodes.values()) + sum(len(b.rows) for b in self.edges)


def plan_write(nodes: Sequence[Node], claims: Sequence[Claim], registry: Registry = REGISTRY) -> WritePlan:
    """Group validated records into per-label rows. A claim endpoint that is not among `nodes` takes
    its label from its id prefix (it must already be in the store)."""
    by_label: dict[str, list[dict[str, Any]]] = {}
    labels: dict[str, str] = {}
    for n in nodes:
        label = registry.kind_of_model(n).label
        labels[n.id] = label
        by_label.setdefault(label, []).append(registry.node_row(n))
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for c in claims:
        fk = labels.get(c.from_id) or _label_from_id(c.from_id, registry)
        tk = labels.get(c.to_id) or _label_from_id(c.to_id, registry)
        groups.setdefault((c.type, fk, tk), []).append(registry.edge_row(c))
    edges = [EdgeBatch(t, f, to, rows) for (t, f, to), rows in sorted(groups.items())]
    return WritePlan(dict(by_label), edges)


def _label_from_id(node_id: str, registry: Registry) -> str:
    kind = registry.kind_of_id(node_id)
    if kind is None:
        raise StoreError(f"cannot tell the kind of {node_id!r}")
    return kind.label


def split_new(rows: Iterable[dict[str, Any]], existing: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows whose id is new (one per id, the last: a later row of the same id wins, as MERGE ... SET
    gives), and the rows that update an existing id (in their order). Stores create the first kind with
    their bulk statements (no lookup of an existing match) and MERGE the second."""
    rows = rows if isinstance(rows, list) else list(rows)
    new, old = split_new_lazily(rows, existing)
    return list(new), list(old)


def split_new_lazily(rows: Rows, existing: set[str]) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    """split_new as two iterators that read the rows again as they go (rows on disk stay there): the ids
    are read once here to find each new id's last row."""
    last: dict[str, int] = {}
    for i, row in enumerate(rows):
        if row["id"] not in existing:
            last[row["id"]] = i

    def new() -> Iterator[dict[str, Any]]:
        for i, row in enumerate(rows):
            if last.get(row["id"]) == i:
                yield row

    def old() -> Iterator[dict[str, Any]]:
        return (row for row in rows if row["id"] in existing)

    return new(), old()


def summary_from(plan: WritePlan, nodes: Mapping[str, set[str]], edges: Mapping[str, set[str]]) -> WriteSummary:
    """Created versus updated per kind and type, from the ids of the plan that the store already holds."""
    summary = WriteSummary()
    for label, rows in plan.nodes.items():
        ids = {r["id"] for r in rows}
        count = summary.nodes.setdefault(label, KindCount())
        count.updated += len(ids & nodes[label])
        count.created += len(ids - nodes[label])
    edge_ids: dict[str, set[str]] = {}
    for batch in plan.edges:
        edge_ids.setdefault(batch.type, set()).update(r["id"] for r in batch.rows)
    for etype, ids in edge_ids.items():
        count = summary.edges.setdefault(etype, KindCount())
        count.updated += len(ids & edges[etype])
        count.created += len(ids - edges[etype])
    return summary


def batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Lists of `size` rows (the last shorter), read as they are needed."""
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


class BesideReads:
    """The reads a store runs in threads of their own (`GraphStore.query_beside`): started in a small
    pool, and each waited for before the store closes (a query must not outlive its connection)."""

    def __init__(self, workers: int = 2) -> None:
        self._workers = workers
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._running: set[Future[list[dict[str, Any]]]] = set()

    def start(self, read: Callable[[], list[dict[str, Any]]]) -> Callable[[], list[dict[str, Any]]]:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="survgraph-beside")
            future = self._pool.submit(read)
            self._running.add(future)
        future.add_done_callback(self._finished)
        return future.result

    def _finished(self, future: Future[list[dict[str, Any]]]) -> None:
        with self._lock:
            self._running.discard(future)

    def wait(self) -> None:
        """Wait until every read started so far has ended (its errors stay with its caller)."""
        with self._lock:
            running = list(self._running)
        wait_all(running)

    def close(self) -> None:
        self.wait()
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


class GraphStore(ABC):
    """One interface, two engines. Writes are all or nothing; reads return plain Python values:
    nodes as dicts with `label` (the node kind) and every registry column, relationships as dicts with `type`,
    `from_id`, `to_id` and every claim column, paths as {"nodes": [...], "relationships": [...]}."""

    name: str
    #: The Cypher function that names a relationship's type: `type(r)` (LadybugDB calls it `label`).
    rel_type_function = "type"

    def __init__(self, registry: Registry = REGISTRY) -> None:
        self.registry = registry

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints, indexes or tables from the registry (idempotent)."""

    @abstractmethod
    def write(
        self, plan: WritePlan, *, batch_size: int = DEFAULT_BATCH_SIZE, progress: Progress | None = None
    ) -> WriteSummary:
        """Upsert every row of the plan in ONE transaction: on any failure nothing is written."""

    @abstractmethod
    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read query (a trusted template, never user text) and return normalised rows."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and edge (tests and `survgraph reset`)."""

    @abstractmethod
    def close(self) -> None: ...

    def query_beside(self, cypher: str, params: Mapping[str, Any] | None = None) -> Callable[[], list[dict[str, Any]]]:
        """Start a read that may run beside this thread's next reads; the function returned waits for its
        rows (and raises what the read raised). Here: the read runs now, in this thread. A store that can
        run two reads at once (a second embedded connection, a Neo4j session of its own) runs it in a
        thread of its own. For a read whose answer is needed only at the end (a count beside a page)."""
        rows = self.query(cypher, params)
        return lambda: rows

    def one_connection(self) -> AbstractContextManager[None]:
        """Run this thread's reads inside the block on one connection: a store that pools connections
        (the API's embedded store) borrows one for the whole block, not one per query. Reads only: no write
        inside it. Here, a store with one connection or its own pool: nothing to do."""
        return nullcontext()

    def stats(self) -> Stats:
        nodes = {
            label: int(self.query(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"])
            for label in self.registry.node_kinds
        }
        edges = {
            etype: int(self.query(f"MATCH ()-[r:{etype}]->() RETURN count(r) AS n")[0]["n"])
            for etype in self.registry.edge_types
        }
        return Stats(nodes, edges)

    def existing_ids(self, label: str, ids: list[str]) -> set[str]:
        rows = self.query(f"MATCH (n:{label}) WHERE n.id IN $ids RETURN n.id AS id", {"ids": ids})
        return {r["id"] for r in rows}

    def existing_edge_ids(self, etype: str, ids: list[str]) -> set[str]:
        rows = self.query(f"MATCH ()-[r:{etype}]->() WHERE r.id IN $ids RETURN r.id AS id", {"ids": ids})
        return {r["id"] for r in rows}

    def summarise(self, plan: WritePlan) -> WriteSummary:
        """What a write of `plan` would create versus update, read before writing."""
        summary = WriteSummary()
        for label, rows in plan.nodes.items():
            ids = [r["id"] for r in rows]
            found = self.existing_ids(label, ids) if ids else set()
            count = summary.nodes.setdefault(label, KindCount())
            count.updated += len(found)
            count.created += len(ids) - len(found)
        for batch in plan.edges:
            ids = [r["id"] for r in batch.rows]
            found = self.existing_edge_ids(batch.type, ids)
            count = summary.edges.setdefault(batch.type, KindCount())
            count.updated += len(found)
            count.created += len(ids) - len(found)
        return summary

    # -- normalisation, shared by both engines ------------------------------------------------

    def normalise_node(self, label: str, props: Mapping[str, Any]) -> dict[str, Any]:
        # "label", not "kind": Organization, Database and Initiative have a `kind` column of their own.
        return _normalised({"label": label}, _node_columns(self.registry, label), props)

    def normalise_rel(self, etype: str, props: Mapping[str, Any]) -> dict[str, Any]:
        return _normalised({"type": etype}, _edge_columns(self.registry), props)


#: (name, is a list) per column, per registry: rows are normalised by the hundred thousand in an export,
#: and reading each column's type enum every time was most of the cost.
_Columns = tuple[tuple[str, bool], ...]
_COLUMNS: dict[tuple[int, str | None], tuple[Registry, _Columns]] = {}


def _columns_of(registry: Registry, label: str | None) -> _Columns:
    key = (id(registry), label)
    found = _COLUMNS.get(key)
    if found is None or found[0] is not registry:
        cols = registry.edge_columns if label is None else registry.node_columns.get(label, ())
        found = (registry, tuple((c.name, c.type.value == "STRING[]") for c in cols))
        _COLUMNS[key] = found
    return found[1]


def _node_columns(registry: Registry, label: str) -> _Columns:
    return _columns_of(registry, label)


def _edge_columns(registry: Registry) -> _Columns:
    return _columns_of(registry, None)


def _normalised(out: dict[str, Any], columns: _Columns, props: Mapping[str, Any]) -> dict[str, Any]:
    for name, is_list in columns:
        value = props.get(name)
        out[name] = (list(value) if value else []) if is_list else value
    return out
