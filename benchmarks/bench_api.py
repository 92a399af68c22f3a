"""Pair: the API's entity lookups (`GET /entities/{id}`) vs a constant route of the same server, same run.

A real uvicorn server runs in a subprocess (benchmarks/api_server.py) on the generated graph, copied into
an embedded store; an async httpx client keeps 50, then 200 requests in flight for a fixed time, over the
graph's sample entities (the long tail, not the hubs), then does the same on `/__bench/constant`, which
never touches the store. `ours` is the entity route, `plain` the constant route: the ratio is what the
store costs on top of the server itself. The same is measured once more with `--serial` (every store call
behind one lock, the way the API served the embedded store before), to show what parallel reads buy.

Embedded store only (the API's Neo4j path has its own driver pool): other stores give no rows.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GeneratedGraph, Result, copy_into_ladybug, profile

SERVER = Path(__file__).resolve().parent / "api_server.py"
CLIENTS = (50, 200)
#: Seconds each load runs, per profile.
DURATION = {"ci": 2.0, "full": 15.0}
#: Overrides for a quick smoke run (the harness test): "2,4" clients, "0.5" seconds.
CLIENTS_ENV = "SURVGRAPH_BENCH_API_CLIENTS"
SECONDS_ENV = "SURVGRAPH_BENCH_API_SECONDS"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """api_server.py in a subprocess, up once /health answers."""

    def __init__(self, data_dir: Path, *, serial: bool = False) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, str(SERVER), "--data-dir", str(data_dir), "--port", str(self.port)]
        self.proc = subprocess.Popen([*args, *(["--serial"] if serial else [])])

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("the API server did not start within 60 s")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Load:
    """What one load run measured: requests per second and latency percentiles (seconds)."""

    def __init__(self, latencies: list[float], elapsed: float, errors: int) -> None:
        if not latencies:
            raise RuntimeError("no request completed")
        self.rps = len(latencies) / elapsed
        qs = statistics.quantiles(latencies, n=100, method="inclusive")
        self.p50, self.p95 = qs[49], qs[94]
        self.errors = errors
        self.count = len(latencies)


async def _load(url: str, paths: list[str], clients: int, duration: float) -> Load:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as client:
        # Warm up: open the connections (and the server's store and threads) before the clock starts.
        await asyncio.gather(*(client.get(paths[i % len(paths)]) for i in range(clients)))
        stop = time.perf_counter() + duration

        async def worker(i: int) -> None:
            nonlocal errors
            k = i
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    r = await client.get(paths[k % len(paths)])
                except httpx.TransportError:
                    errors += 1  # counted, not timed; more than 1% fails the run
                else:
                    latencies.append(time.perf_counter() - t0)
                    if r.status_code != 200:
                        raise RuntimeError(f"{r.request.url.path}: {r.status_code} {r.text[:200]}")
                k += clients

        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        elapsed = time.perf_counter() - start
    return Load(latencies, elapsed, errors)


def measure(url: str, paths: list[str], clients: int, duration: float) -> Load:
    got = asyncio.run(_load(url, paths, clients, duration))
    if got.errors > 0.01 * (got.count + got.errors):
        raise RuntimeError(f"{got.errors} of {got.count + got.errors} requests to {paths[0]}... failed to connect")
    return got


def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]:
    if store != "embedded":
        return []
    duration = float(os.environ.get(SECONDS_ENV) or DURATION[profile()])
    clients_list = [int(c) for c in os.environ.get(CLIENTS_ENV, "").split(",") if c.strip()] or list(CLIENTS)
    data_dir = copy_into_ladybug(graph, workdir / "api-store")
    entity_paths = [f"/entities/{eid}" for eid in graph.sample_entities]
    constant = ["/__bench/constant"]
    results: list[Result] = []
    for serial in (False, True):
        label = ", one global lock as before" if serial else ""
        with Server(data_dir, serial=serial) as server:
            for clients in clients_list:
                ours = measure(server.url, entity_paths, clients, duration)
                plain = measure(server.url, constant, clients, duration)
                note = f"{clients} clients{label}"
                if ours.errors or plain.errors:
                    note += f", {ours.errors + plain.errors} connection errors"
                work = "GET /entities/{id} vs constant route"
                results.append(Result(f"{work}: throughput", store, graph.claims, ours.rps, plain.rps, "req/s", note))
                if not serial:
                    results.append(
                        Result(f"{work}: p50", store, graph.claims, ours.p50 * 1e3, plain.p50 * 1e3, "ms", note)
                    )
                results.append(Result(f"{work}: p95", store, graph.claims, ours.p95 * 1e3, plain.p95 * 1e3, "ms", note))
    return results


if __name__ == "__main__":
    # python benchmarks/bench_api.py GRAPH_DIR: run this pair alone on a graph from generate.py
    import tempfile

    from common import markdown_table
    from generate import load_graph

    with tempfile.TemporaryDirectory() as tmp:
        print(markdown_table(run(load_graph(Path(sys.argv[1])), "embedded", Path(tmp))))
