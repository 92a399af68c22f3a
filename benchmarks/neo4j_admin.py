"""A Neo4j server holding a generated graph, imported with `neo4j-admin database import full` (benchmarks only).

    python benchmarks/neo4j_admin.py GRAPH_DIR HOME [--heap 2g] [--pagecache 1g]   # import, start, print the URI

`neo4j-admin` runs from the jars that tools/neo4j/neo4j-test-server fetched (`org.neo4j.cli.AdminTool`,
the class the `neo4j-admin` script starts), on a home of our own; then a server starts on that home from
the same jars (with its own settings: a 2 GB heap, and 1 GB per transaction instead of the test server's
128 MB, which the plain whole-graph queries at 1M claims exceed), and survgraph's schema (the unique id
constraints) is created through the store. The import reads the generator's native tables
(GRAPH_DIR/native/neo4j, with import-args.txt) as they are: at 1M claims (209,999 nodes, 1,000,000
relationships) in 35 to 60 s, nothing refused.

A home that already holds an imported graph (HOME/imported.ok) is reused: only the server starts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = ROOT / "tools" / "neo4j" / "neo4j-test-server"
PASSWORD = "survgraph-bench"
MARKER = "imported.ok"
#: The heap one transaction may hold (the test server's 128m is too small for the plain queries at 1M).
TX_MAX = "1g"


def libdir() -> Path:
    """The Neo4j jars (fetched once by tools/neo4j/neo4j-test-server into a shared cache)."""
    out = subprocess.run([str(SERVER_SCRIPT), "fetch"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


def java() -> str:
    for cand in (os.environ.get("SURVGRAPH_NEO4J_JAVA"), shutil.which("java")):
        if cand:
            return cand
    raise SystemExit("error: no java on PATH (tools/system-deps installs it)")


def import_args(neo4j_dir: Path) -> list[str]:
    """import-args.txt, the database first (graphs generated before it said so lack it: `neo4j` then)."""
    args_file = neo4j_dir / "import-args.txt"
    if not args_file.exists():
        raise FileNotFoundError(f"{args_file}: the graph was generated without --formats native")
    words = args_file.read_text().split()
    return words if words and not words[0].startswith("--") else ["neo4j", *words]


def admin_import(neo4j_dir: Path, home: Path, *, heap: str = "1g") -> float:
    """`neo4j-admin database import full` of the tables in `neo4j_dir` into database `neo4j` under `home`;
    returns the seconds it took. Raises with neo4j-admin's own output if it refuses the tables."""
    database, *args = import_args(neo4j_dir)
    if database != "neo4j":
        raise ValueError(f"{neo4j_dir / 'import-args.txt'}: imports into {database!r}; the server serves neo4j")
    home.mkdir(parents=True, exist_ok=True)
    (home / "conf").mkdir(exist_ok=True)
    # neo4j-test-server rewrites this file on start, with the same data folder.
    (home / "conf" / "neo4j.conf").write_text(
        f"server.directories.data={home / 'data'}\nserver.directories.logs={home / 'logs'}\n"
    )
    cmd = [
        java(),
        f"-Xmx{heap}",
        "-cp",
        f"{libdir()}/*",
        "org.neo4j.cli.AdminTool",
        "database",
        "import",
        "full",
        # The database before the file options: --nodes and --relationships take every word after them.
        database,
        f"--report-file={home / 'import.report'}",
        "--overwrite-destination=true",
        *args,
    ]
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=neo4j_dir, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    (home / "import.log").write_text(done.stdout + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"neo4j-admin database import failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return elapsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _conf(home: Path, port: int, pagecache: str) -> str:
    # tools/neo4j/neo4j-test-server's settings, less its 128 MiB cap per transaction: the plain whole-graph
    # queries at 1M claims need more (the cap cannot be raised there: a second declaration is an error).
    return "\n".join(
        [
            f"server.directories.data={home / 'data'}",
            f"server.directories.logs={home / 'logs'}",
            f"server.directories.run={home / 'run'}",
            f"server.directories.plugins={home / 'plugins'}",
            f"server.directories.import={home / 'import'}",
            "server.default_listen_address=127.0.0.1",
            f"server.bolt.listen_address=127.0.0.1:{port}",
            "server.http.enabled=false",
            "server.https.enabled=false",
            "dbms.security.auth_enabled=true",
            f"server.memory.pagecache.size={pagecache}",
            "dbms.usage_report.enabled=false",
            "db.tx_log.preallocate=false",
            "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
            f"db.memory.transaction.max={TX_MAX}",
            "db.transaction.timeout=600s",
            "",
        ]
    )


class Server:
    """A Neo4j 5.26 Community server on `home`, started from the fetched jars (CommunityEntryPoint, as
    tools/neo4j/neo4j-test-server starts it), with its own settings; `uri` once Bolt answers."""

    def __init__(self, home: Path, *, heap: str = "2g", pagecache: str = "1g") -> None:
        self.home = home
        self.port = _free_port()
        self.uri = f"bolt://127.0.0.1:{self.port}"
        for sub in ("conf", "data", "logs", "run", "plugins", "import"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        (home / "conf" / "neo4j.conf").write_text(_conf(home, self.port, pagecache))
        lib = libdir()
        env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
        if not (home / "data" / "databases" / "system").exists():
            subprocess.run(
                [
                    java(),
                    "-Xmx128m",
                    "-cp",
                    f"{lib}/*",
                    "org.neo4j.cli.AdminTool",
                    "dbms",
                    "set-initial-password",
                    PASSWORD,
                ],
                check=True,
                env=env,
                capture_output=True,
            )
        self._log = (home / "logs" / "console.log").open("ab")
        self.proc = subprocess.Popen(
            [
                *(java(), f"-Xms{heap}", f"-Xmx{heap}", "-XX:+UseG1GC", "-cp", f"{lib}/*"),
                *("org.neo4j.server.CommunityEntryPoint", f"--home-dir={home}", f"--config-dir={home / 'conf'}"),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(300)

    def _wait_ready(self, timeout: float) -> None:
        import neo4j

        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Neo4j exited with {self.proc.returncode}; see {self.home / 'logs'}")
            try:
                with neo4j.GraphDatabase.driver(self.uri, auth=("neo4j", PASSWORD)) as d:
                    d.verify_connectivity()
                    d.execute_query("RETURN 1", database_="neo4j")
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"Neo4j did not answer within {timeout:.0f} s") from None
                time.sleep(1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@contextmanager
def served(neo4j_dir: Path, home: Path, *, heap: str = "2g", pagecache: str = "1g") -> Iterator[Any]:
    """A running Neo4j on `home` holding the tables of `neo4j_dir` (imported once), with survgraph's schema:
    yields an open survgraph Neo4jStore; stops the server afterwards."""
    from survgraph.graph.neo4j_store import Neo4jStore

    home = home.resolve()  # neo4j-admin runs in the tables' folder
    if not (home / MARKER).exists():
        if home.exists():
            shutil.rmtree(home)
        seconds = admin_import(neo4j_dir, home, heap=heap)
        print(f"neo4j-admin database import: {seconds:.1f} s", file=sys.stderr)
        fresh = True
    else:
        fresh = False
    server = Server(home, heap=heap, pagecache=pagecache)
    store = Neo4jStore(server.uri, "neo4j", PASSWORD)
    try:
        store.ensure_schema()  # the id constraints (their indexes) survgraph's reads use
        if fresh:
            store.query("CALL db.awaitIndexes(600)")
            (home / MARKER).write_text("ok\n")
        yield store
    finally:
        store.close()
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("graph", type=Path, help="a folder from benchmarks/generate.py (with native tables)")
    ap.add_argument("home", type=Path, help="the Neo4j home to import into (created)")
    ap.add_argument("--heap", default="2g")
    ap.add_argument("--pagecache", default="1g")
    args = ap.parse_args()
    home = args.home.resolve()
    with served(args.graph.resolve() / "native" / "neo4j", home, heap=args.heap, pagecache=args.pagecache) as store:
        n = store.query("MATCH (n) RETURN count(n) AS n")[0]["n"]
        r = store.query("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
        print(f"{store.uri}: {n:,} nodes, {r:,} relationships")


if __name__ == "__main__":
    main()
