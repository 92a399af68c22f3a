"""Benchmark: entity look-ups from many threads, in process (no HTTP), through each way of sharing the store.

    python benchmarks/readers.py GRAPH_DIR [--threads 16] [--seconds 4] [--rounds 3] [--caps 2,64]

GRAPH_DIR is a graph from benchmarks/generate.py (copied into an embedded store beside it, once). Each
round runs every variant for the same time, one after another (interleaved, so that a machine whose load
drifts treats them alike): `lock` is the API's old LockedStore (one lock around one connection),
`readers=N` is ConcurrentStore with at most N reads at once. Prints look-ups per second per round.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from survgraph.api.provider import ConcurrentStore, LockedStore
from survgraph.api.reads import GraphReads
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import copy_into_ladybug
from generate import load_graph


def lookups_per_second(store: GraphStore, ids: list[str], threads: int, seconds: float) -> float:
    stop = time.perf_counter() + seconds
    done = [0] * threads

    def worker(i: int) -> None:
        k = i
        while time.perf_counter() < stop:
            reads = GraphReads(store)
            entity = reads.entity(ids[k % len(ids)])
            assert entity is not None
            reads.entity_claims(entity)
            reads.sources(entity.source_ids)
            done[i] += 1
            k += threads

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return sum(done) / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graph", type=Path)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--caps", default="2,64", help="max_readers values to compare with the lock")
    args = ap.parse_args()
    graph = load_graph(args.graph)
    inner = EmbeddedStore(copy_into_ladybug(graph, args.graph / "readers-store"))
    variants: dict[str, GraphStore] = {"lock": LockedStore(inner)}
    for cap in (int(c) for c in args.caps.split(",")):
        variants[f"readers={cap}"] = ConcurrentStore(inner, max_readers=cap)
    print(f"{graph.claims:,} claims, {args.threads} threads, {args.seconds} s per run; look-ups per second")
    for n in range(args.rounds):
        got = {
            name: lookups_per_second(s, graph.sample_entities, args.threads, args.seconds)
            for name, s in variants.items()
        }
        print(f"round {n + 1}: " + ", ".join(f"{name} {v:.1f}" for name, v in got.items()), flush=True)
    for store in variants.values():
        if isinstance(store, ConcurrentStore):
            store.close()  # its read connections, then the store itself (once)
            break


if __name__ == "__main__":
    main()
