"""Pair: the API's entity lookups (`GET /entities/{id}`) vs a constant route of the same server, same run.

A real uvicorn server runs in a subprocess (benchmarks/api_server.py) on the generated graph, copied into
an embedded store the plain engine's way; `wrk` (a C load generator: the Python client of before could not
issue more than about 150 requests a second on the shared 2 cores, so it measured itself) keeps 1, 50, then
200 connections busy for a fixed time, each request for one of many real entity ids (a Lua script walks
the list; every kind, hubs excluded), then does the same on `/__bench/constant`, which never touches the
store. `ours` is the entity route, `plain` the constant route: the ratio is what the store and the
entity's shaping cost on top of the server itself. Rows: req/s, p50, p95, p99 per number of connections.

`wrk` is a system package (Debian `wrk`; tools/system-deps installs it): without it the pair fails with
a message saying so. Closed loop: each connection sends its next request when the last one is answered,
so the latency at N connections is about N / throughput (Little's law) once the server is saturated.

Embedded store only (the API's Neo4j path has its own driver pool): other stores give no rows.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import GeneratedGraph, Result, copy_into_ladybug, profile

SERVER = Path(__file__).resolve().parent / "api_server.py"
#: Connections: 1 (a request's own latency, no queue), then 50 and 200 (the issue's loads).
CLIENTS = (1, 50, 200)
#: Seconds each load runs, per profile.
DURATION = {"ci": 2.0, "full": 15.0}
#: Overrides for a quick smoke run (the harness test): "2,4" clients, "0.5" seconds.
CLIENTS_ENV = "SURVGRAPH_BENCH_API_CLIENTS"
SECONDS_ENV = "SURVGRAPH_BENCH_API_SECONDS"
#: wrk threads: one leaves the other core to the server (wrk's one thread issues tens of thousands of
#: requests a second, far above what the server answers here).
WRK_THREADS = 1
#: Entity ids the Lua script walks (a spread over the whole id range, not only the generator's samples).
ID_COUNT = 2000


class MissingTool(RuntimeError):
    pass


def wrk_path() -> str:
    """The wrk binary, or a clear error naming the package."""
    found = shutil.which("wrk")
    if found is None:
        raise MissingTool(
            "bench_api needs the `wrk` load generator (a C program; Debian package `wrk`): "
            "run tools/system-deps, or apt-get install wrk"
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """api_server.py in a subprocess, up once `ready` (a path) answers 200: a route that reads the store,
    so that the store's lazy opening on the first request is not measured as the first loads' latency."""

    def __init__(self, data_dir: Path, *, ready: str = "/health", extra: tuple[str, ...] = ()) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready = ready
        args = [sys.executable, str(SERVER), "--data-dir", str(data_dir), "--port", str(self.port)]
        self.proc = subprocess.Popen([*args, *extra])

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 300
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the API server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}{self.ready}", timeout=60).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"the API server did not answer {self.ready} within 300 s")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


LUA = """
local paths = {%(paths)s}
local i = 0
init = function(args)
  i = math.random(#paths)
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.read + e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run measured: requests per second and latency percentiles (seconds)."""

    count: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: int  # connect/read/write errors and timeouts
    bad_status: int  # answers other than 2xx/3xx


def measure(url: str, paths: list[str], clients: int, duration: float) -> Load:
    """wrk with `clients` connections for `duration` seconds (whole seconds, at least 1: wrk's unit) over
    `paths`, after a one-second warm-up."""
    wrk = wrk_path()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "paths.lua"
        script.write_text(LUA % {"paths": ", ".join(f'"{p}"' for p in paths)})
        base = [wrk, "-t", str(min(WRK_THREADS, clients)), "--timeout", "120s", "-s", str(script), url]
        # Warm-up: opens the connections, the server's threads and the store's read pool.
        subprocess.run([*base[:1], "-c", str(clients), "-d", "1s", *base[1:]], check=True, capture_output=True)
        done = subprocess.run(
            [*base[:1], "-c", str(clients), "-d", f"{max(1, round(duration))}s", *base[1:]],
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    m = re.search(r"^WRKRESULT (.*)$", done.stdout, re.M)
    if m is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    n, micros, errors, timeouts, status, p50, p95, p99, mx = (int(x) for x in m.group(1).split())
    if n == 0:
        raise RuntimeError(f"no request to {paths[0]}... completed in {duration} s")
    got = Load(n, n / (micros / 1e6), p50 / 1e6, p95 / 1e6, p99 / 1e6, mx / 1e6, errors + timeouts, status)
    if got.bad_status:
        raise RuntimeError(f"{got.bad_status} of {n} answers from {paths[0]}... were errors")
    if got.errors > 0.01 * n:
        raise RuntimeError(f"{got.errors} of {n} requests to {paths[0]}... failed (connection errors, timeouts)")
    return got


def entity_ids(store_dir: Path, hubs: list[str], count: int = ID_COUNT) -> list[str]:
    """`count` real entity ids spread evenly over every kind's ids (countries included), less the few huge
    hubs (`country:CN` has a tenth of all claims: one answer of megabytes, a different benchmark)."""
    from survgraph.graph.embedded import EmbeddedStore
    from survgraph.schema import REGISTRY

    with EmbeddedStore(store_dir, read_only=True) as store:
        ids: list[str] = []
        for label in REGISTRY.node_kinds:
            if label == "Source":
                continue
            ids += [r["id"] for r in store.query(f"MATCH (n:{label}) RETURN n.id AS id ORDER BY n.id")]
    ids = [i for i in ids if i not in set(hubs)]
    step = max(1, len(ids) // count)
    return ids[::step][:count]


def ladybug_store(graph: GeneratedGraph, workdir: Path) -> Path:
    """The graph copied into LadybugDB the plain engine's way, shared by the pairs of one work folder."""
    return copy_into_ladybug(graph, workdir.parent / f"ladybug-{graph.root.name}")


def run(graph: GeneratedGraph, store: str, workdir: Path) -> list[Result]:
    if store != "embedded":
        return []
    wrk_path()  # fail before copying a graph
    duration = float(os.environ.get(SECONDS_ENV) or DURATION[profile()])
    clients_list = [int(c) for c in os.environ.get(CLIENTS_ENV, "").split(",") if c.strip()] or list(CLIENTS)
    data_dir = ladybug_store(graph, workdir)
    entity_paths = [f"/entities/{eid}" for eid in entity_ids(data_dir, graph.hubs)]
    constant = ["/__bench/constant"]
    results: list[Result] = []
    work = "GET /entities/{id} vs constant route"
    with Server(data_dir, ready=entity_paths[0]) as server:
        for clients in clients_list:
            ours = measure(server.url, entity_paths, clients, duration)
            plain = measure(server.url, constant, clients, duration)
            note = f"{clients} connections"
            if ours.errors or plain.errors:
                note += f", {ours.errors + plain.errors} connection errors"
            results.append(Result(f"{work}: throughput", store, graph.claims, ours.rps, plain.rps, "req/s", note))
            for q in ("p50", "p95", "p99"):
                mine, theirs = getattr(ours, q), getattr(plain, q)
                results.append(Result(f"{work}: {q}", store, graph.claims, mine * 1e3, theirs * 1e3, "ms", note))
    return results


if __name__ == "__main__":
    # python benchmarks/bench_api.py GRAPH_DIR: run this pair alone on a graph from generate.py
    from common import markdown_table
    from generate import load_graph

    with tempfile.TemporaryDirectory() as tmp:
        print(markdown_table(run(load_graph(Path(sys.argv[1])), "embedded", Path(tmp) / "api")))
