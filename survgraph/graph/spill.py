"""Rows kept on disk instead of in memory: a load of a million claims plans its rows into temporary files
and writes by stepping through them, so the client holds one chunk of rows at a time, not all of them.

The files are pickles that this process writes and reads back itself, in a private temporary folder
(mkdtemp: readable by this user only); nothing from outside is ever unpickled.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Self

from survgraph.graph.store import EdgeBatch, WritePlan

#: Items pickled together: large enough that pickle's per-call cost vanishes, small enough to be nothing in
#: memory (a few MB of rows).
SPILL_CHUNK = 2_000


class SpilledRows:
    """Items (rows, or any picklable values) appended to one file, read back in order as often as asked.
    `len` and iteration work as on a list; `append` after iteration starts is refused."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._buffer: list[Any] = []
        self._count = 0
        self._file: IO[bytes] | None = path.open("wb")

    def append(self, item: Any) -> None:
        if self._file is None:
            raise RuntimeError(f"{self.path.name}: appended to after it was read")
        self._buffer.append(item)
        self._count += 1
        if len(self._buffer) >= SPILL_CHUNK:
            self.flush()

    def flush(self) -> None:
        """Write the items appended so far (the next chunk starts empty): e.g. after a large item, so that a
        chunk holds one, written and read back alone."""
        if self._file is None:
            raise RuntimeError(f"{self.path.name}: flushed after it was read")
        if self._buffer:
            pickle.dump(self._buffer, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._buffer = []

    def seal(self) -> None:
        """Finish writing (reading does it first)."""
        if self._file is not None:
            self.flush()
            self._file.close()
            self._file = None

    def __len__(self) -> int:
        return self._count

    def chunks(self) -> Iterator[list[Any]]:
        self.seal()
        with self.path.open("rb") as f:
            while True:
                try:
                    chunk: list[Any] = pickle.load(f)  # our own file: see the module's docstring
                except EOFError:
                    return
                yield chunk

    def __iter__(self) -> Iterator[Any]:
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class PlanSpill:
    """A write plan on disk: node rows per label and claim rows per (type, from label, to label), each in
    a SpilledRows of a private temporary folder, removed by `close` (on success and on failure alike: use
    it as a context manager). `plan()` is a WritePlan whose rows are these files."""

    def __init__(self, prefix: str = "survgraph-plan-", dir: Path | None = None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=dir))
        self._files: list[SpilledRows] = []
        self.nodes: dict[str, SpilledRows] = {}
        self.edges: dict[tuple[str, str, str], SpilledRows] = {}

    def rows(self, name: str) -> SpilledRows:
        """A further spill file in the folder (removed with it), for any items."""
        rows = SpilledRows(self.folder / f"{len(self._files):04d}-{name}.pickle")
        self._files.append(rows)
        return rows

    def add_node(self, label: str, row: dict[str, Any]) -> None:
        rows = self.nodes.get(label)
        if rows is None:
            rows = self.nodes[label] = self.rows(f"node-{label}")
        rows.append(row)

    def add_edge(self, etype: str, from_label: str, to_label: str, row: dict[str, Any]) -> None:
        key = (etype, from_label, to_label)
        rows = self.edges.get(key)
        if rows is None:
            rows = self.edges[key] = self.rows(f"rel-{etype}-{from_label}-{to_label}")
        rows.append(row)

    @property
    def node_count(self) -> int:
        return sum(len(r) for r in self.nodes.values())

    @property
    def edge_count(self) -> int:
        return sum(len(r) for r in self.edges.values())

    def plan(self) -> WritePlan:
        """The rows as a write plan (nodes per label, edges sorted by type and endpoints, as plan_write)."""
        for rows in self._files:
            rows.seal()
        edges = [EdgeBatch(t, f, to, self.edges[(t, f, to)]) for t, f, to in sorted(self.edges)]
        return WritePlan(dict(self.nodes), edges)

    def close(self) -> None:
        for rows in self._files:
            rows.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
