"""A readers-writer lock for the stores' callers in one process (the API's pooled embedded reads, the
Neo4j store's reads beside its own batched loads)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Many readers at once, or one writer alone. A waiting writer stops new readers from starting, so
    that a steady stream of reads cannot starve it. The writer may re-enter on its own thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._writers_waiting = 0

    def held_by_me(self) -> bool:
        """Whether this thread holds the write lock (its reads then belong to its own transaction)."""
        return self._writer == threading.get_ident()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold a read share (not on a thread that holds the write lock: see held_by_me)."""
        with self._cond:
            if self._writer == threading.get_ident():
                raise RuntimeError("a read share asked for by the thread that holds the write lock")
            while self._writer is not None or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
            else:
                self._writers_waiting += 1
                try:
                    while self._writer is not None or self._readers:
                        self._cond.wait()
                finally:
                    self._writers_waiting -= 1
                self._writer, self._depth = me, 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if not self._depth:
                    self._writer = None
                    self._cond.notify_all()
