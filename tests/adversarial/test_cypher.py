"""Attack surface: raw Cypher (POST /cypher and `survgraph cypher`) against the real Neo4j.

Every case (tests/adversarial/cypher_cases.py) is sent through FastAPI's TestClient and asserts its
status and error, that the store's fingerprint is unchanged, that the HTTP server on 127.0.0.1 the
queries point LOAD CSV at got no request, that the marker file in the test Neo4j's import folder never
comes back, and that no error names a Java class or the store's Bolt URI. A share of the cases also
runs through the real `survgraph cypher` command. Then each layer is shown on its own: the text
checks are fooled by `\\u` escapes, and Neo4j's plan is what refuses them.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import neo4j
import pytest
from fastapi.testclient import TestClient

from survgraph.api import create_app
from survgraph.graph import ReadOnlyViolation, StoreError
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.graph.raw_cypher import (
    MAX_RESULT_BYTES,
    READ_OPERATORS,
    ResultTooLarge,
    check_plan,
    check_text,
    public_message,
    run_read_only,
)
from survgraph.loaders import load_paths

from ..conftest import FIXTURES, Neo4jServer
from ..fingerprint import fingerprint
from ..test_api_support import assert_error, free_port, settings
from .cypher_cases import CASES, Case

pytestmark = pytest.mark.neo4j

#: The API's timeout for raw Cypher in these tests (the default is 10 s).
TIMEOUT_S = 5
SURVGRAPH = Path(sys.executable).with_name("survgraph")


@dataclass
class Listener:
    """An HTTP server on 127.0.0.1 that records every request it gets."""

    url: str = ""
    hits: list[str] = field(default_factory=list)


@dataclass
class Marker:
    name: str  # relative to Neo4j's import folder, as file:///NAME
    token: str  # the file's content, which must never come back


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    seen = Listener()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.hits.append(self.path)
            body = b"id\nvendor:ssrf\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def marker(neo4j_server: Neo4jServer) -> Iterator[Marker]:
    token = f"survgraph-marker-{secrets.token_hex(12)}"
    mark = Marker("survgraph-guard-marker.csv", token)
    path = neo4j_server.home / "import" / mark.name if neo4j_server.home is not None else None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{token}\n{token},{token}\n")
    try:
        yield mark
    finally:
        if path is not None:
            path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def neo(neo4j_small: Neo4jStore) -> Neo4jStore:
    return neo4j_small


@pytest.fixture(scope="module")
def client(neo: Neo4jStore) -> Iterator[TestClient]:
    app = create_app(settings(SURVGRAPH_CYPHER_TIMEOUT=TIMEOUT_S), store=neo)
    with TestClient(app) as c:
        yield c


def fill(case: Case, listener: Listener, marker: Marker) -> str:
    return case.query.replace("{ssrf}", listener.url).replace("{marker}", marker.name)


def assert_clean(text: str, store: Neo4jStore) -> None:
    """No Java class name, no Bolt URI or address of the store."""
    for leak in ("org.neo4j", "java.", "Exception", "bolt://", "neo4j://", store.uri.split("://", 1)[1]):
        assert leak not in text, (leak, text[:2000])


def assert_harmless(text: str, store: Neo4jStore, before: str, listener: Listener, marker: Marker) -> None:
    assert fingerprint(store) == before
    assert listener.hits == [], listener.hits
    assert marker.token not in text
    assert_clean(text, store)


def check_api_outcome(r: Any, case: Case) -> None:
    outcomes = case.outcome.split("|")
    if r.status_code == 200:
        assert "ok" in outcomes, r.text[:2000]
        assert set(r.json()) == {"columns", "rows", "truncated"}
        return
    body = assert_error(r, 400)
    details = " ".join(body["details"])
    if body["error"].startswith("refused"):
        assert "refused" in outcomes, body
    elif body["error"] == "the result is too large":
        assert "too_large" in outcomes, body
        assert details.startswith("truncated:") and f"limit: {MAX_RESULT_BYTES} bytes" in details
    else:
        assert body["error"] == "the query failed" and "failed" in outcomes, body
    assert case.reason in details, body


# -- every case over the API ---------------------------------------------------------------------------


def test_the_battery_is_big_enough() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    classes = {c.klass for c in CASES}
    assert classes == {"escape", "comment", "unicode", "procedure", "subquery", "load-csv", "resource"}
    # The CLI's escapes are cases of the battery (a renamed case would drop out of test_cli silently).
    assert {c.name for c in CASES if c.klass == "escape"} >= CLI_ESCAPES
    assert {c.outcome for c in CLI_CASES if c.klass == "escape"} == {"refused", "ok"}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_api(case: Case, client: TestClient, neo: Neo4jStore, listener: Listener, marker: Marker) -> None:
    before = fingerprint(neo)
    query = fill(case, listener, marker)
    r = client.post("/cypher", json={"query": query, "params": {"u": f"{listener.url}/param"}})
    check_api_outcome(r, case)
    assert_harmless(r.text, neo, before, listener, marker)


# -- a share of them through the real `survgraph cypher` -------------------------------------------------

#: The CLI runs the same guard (run_read_only) as the API, which test_api drives with every case; each case
#: here costs a process start (about 3 s on the shared CI machine). So: one escape per kind of refusal
#: (LOAD CSV to a URL and to a file, a procedure, a write the planner names, a second statement, an escaped
#: keyword) and the escape that is only data, rather than all 17 escapes; every other class as before.
#: The whole battery through the CLI: set CLI_CASES = CASES and run this file.
CLI_ESCAPES = {
    "quote-hides-load-csv-url",
    "quote-hides-load-csv-file",
    "quote-hides-resample-index",
    "quote-hides-set",
    "quote-hides-semicolon",
    "escaped-keyword-outside-string",
    "escaped-quote-is-data",
}
CLI_CASES = [c for c in CASES if c.name in CLI_ESCAPES or c.name in {
    "nested-block", "line-comment-at-end", "fullwidth-load", "bom-first", "dbms-create-user", "backticked-parts",
    "write-inside", "in-transactions-write", "use-in-subquery", "file-marker", "url-in-parameter",
    "long-strings", "collect-huge",
}]  # fmt: skip


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.id for c in CLI_CASES])
def test_cli(case: Case, neo4j_server: Neo4jServer, neo: Neo4jStore, listener: Listener, marker: Marker) -> None:
    before = fingerprint(neo)
    env = {**os.environ, **neo4j_server.env(), "SURVGRAPH_STORE": "neo4j", "COLUMNS": "200"}
    proc = subprocess.run(
        [str(SURVGRAPH), "cypher", fill(case, listener, marker), "--format", "json", "--timeout", str(TIMEOUT_S)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    said = " ".join(proc.stderr.split())
    if proc.returncode == 0:
        assert "ok" in case.outcome.split("|"), proc.stderr
        json.loads(proc.stdout)
    else:
        assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
        assert proc.stdout == ""
        if case.outcome == "refused":
            assert "refused" in said and case.reason in said, said
        elif "too_large" in case.outcome and "larger than" in said:
            assert f"larger than {MAX_RESULT_BYTES} bytes" in said, said
        else:
            assert "failed" in case.outcome and "refused" not in said, said
    assert_harmless(proc.stdout + proc.stderr, neo, before, listener, marker)


# -- each layer on its own -------------------------------------------------------------------------------

SMUGGLED = [c for c in CASES if c.klass in ("escape", "load-csv") and c.reason in ("LoadCSV", "db.resampleIndex")]


@pytest.mark.parametrize("case", SMUGGLED, ids=[c.id for c in SMUGGLED])
def test_escapes_fool_the_text_checks_and_the_plan_refuses(
    case: Case, neo: Neo4jStore, listener: Listener, marker: Marker
) -> None:
    """The reproduction: our lexer passes the query and Neo4j's planner calls it a read, yet Neo4j's
    plan holds a LoadCSV or a procedure off the list. Nothing here runs the query."""
    query = fill(case, listener, marker)
    check_text(query)  # fooled: no refusal
    query_type, plan = neo.explain(query)
    assert query_type == "r"  # fooled too: LOAD CSV and db.resampleIndex plan as reads
    with pytest.raises(ReadOnlyViolation, match=case.reason):
        check_plan(plan)
    assert listener.hits == []


WRITES = {
    "create": ("CREATE (n:Vendor {id: 'vendor:x'})", "Create"),
    "merge": ("MERGE (n:Vendor {id: 'vendor:x'})", "Merge"),
    "set": ("MATCH (n:Vendor) SET n.name = 'x'", "SetProperty"),
    "delete": ("MATCH (n:Source) DETACH DELETE n", "DetachDelete"),
    "foreach": ("FOREACH (x IN [1] | CREATE (:Vendor {id: 'vendor:f'}))", "Foreach"),
    "in-transactions": ("MATCH (n) CALL (n) { RETURN n.id AS i } IN TRANSACTIONS RETURN i", "TransactionApply"),
    "create-index": ("CREATE INDEX evil FOR (n:Vendor) ON (n.name)", "CreateIndex"),
    "load-csv": ("LOAD CSV FROM 'file:///x.csv' AS r RETURN r", "LoadCSV"),
    "create-label": ("CALL db.createLabel('X')", "db.createLabel"),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_the_plan_alone_refuses_writes(name: str, neo: Neo4jStore) -> None:
    """Without the text checks and the query type, the plan walk alone refuses every write, schema
    change, LOAD CSV and procedure off the list, by the operator Neo4j names."""
    query, operator = WRITES[name]
    _, plan = neo.explain(query)
    with pytest.raises(ReadOnlyViolation, match=operator):
        check_plan(plan)


def test_an_unknown_operator_is_refused() -> None:
    known = {"operatorType": "ProduceResults@neo4j", "args": {}, "children": []}
    check_plan(known)
    for plan in (
        {"operatorType": "ProduceResults@neo4j", "children": [{"operatorType": "SomeFutureOperator@neo4j"}]},
        {"operatorType": "ProcedureCall@neo4j", "args": {"Details": "`db.labels`() :: ()"}},
        {"operatorType": "ProcedureCall@neo4j", "args": {}},
        {"children": []},
        {},
    ):
        with pytest.raises(ReadOnlyViolation):
            check_plan(plan)
    assert "LoadCSV" not in READ_OPERATORS and "Create" not in READ_OPERATORS


# -- limits --------------------------------------------------------------------------------------------


def test_the_server_limits_are_set(neo4j_server: Neo4jServer) -> None:
    """The test Neo4j runs with the transaction timeout and memory limit of docs/security.md."""
    if neo4j_server.home is None:
        pytest.fail("these limits are set by tools/neo4j/neo4j-test-server; NEO4J_URI servers must set them too")
    with neo4j.GraphDatabase.driver(neo4j_server.uri, auth=(neo4j_server.user, neo4j_server.password)) as driver:
        records, _, _ = driver.execute_query(
            "SHOW SETTINGS YIELD name, value WHERE name IN $names RETURN name, value",
            names=["db.transaction.timeout", "db.memory.transaction.max"],
        )
    values = {r["name"]: r["value"] for r in records}
    assert values == {"db.transaction.timeout": "5m", "db.memory.transaction.max": "128.00MiB"}


def test_memory_limit_stops_a_query(neo: Neo4jStore) -> None:
    before = fingerprint(neo)
    with pytest.raises(StoreError, match=r"more memory than Neo4j allows a transaction \(db.memory.transaction.max\)"):
        run_read_only(neo, "UNWIND range(1, 30000000) AS i RETURN collect(i) AS xs", timeout_s=60)
    assert fingerprint(neo) == before


def test_byte_cap_is_exact(neo: Neo4jStore) -> None:
    """Rows up to the cap come back whole; one byte less gives the error, never a partial answer; over
    the API, 20 rows of 1 MiB strings stop at the 8 MiB cap with a short 400."""
    small = run_read_only(neo, "UNWIND range(1, 3) AS i RETURN i", byte_cap=len('{"i":1}') * 3)
    assert [r["i"] for r in small] == [1, 2, 3]
    with pytest.raises(ResultTooLarge, match="larger than 20 bytes"):
        run_read_only(neo, "UNWIND range(1, 3) AS i RETURN i", byte_cap=20)
    before = fingerprint(neo)
    query = "UNWIND range(1, 20) AS i RETURN i, reduce(s = 'x', k IN range(1, 20) | s + s) AS s"
    with TestClient(create_app(settings(SURVGRAPH_CYPHER_TIMEOUT=120), store=neo)) as c:
        r = c.post("/cypher", json={"query": query})
    body = assert_error(r, 400)
    assert body["error"] == "the result is too large", body
    assert body["details"][0].startswith("truncated: reading stopped at the byte cap, after 7 row(s)")
    assert body["details"][1] == f"limit: {MAX_RESULT_BYTES} bytes of rows as JSON"
    assert len(r.content) < 1000
    assert fingerprint(neo) == before


# -- error bodies ----------------------------------------------------------------------------------------


def test_public_message() -> None:
    raw = (
        "Failed to invoke procedure `db.index.fulltext.queryNodes`: Caused by: java.lang.IllegalArgumentException: "
        "There is no such fulltext schema index: nope\n\tat org.neo4j.kernel.impl.Foo.bar(Foo.java:12)\n"
        "Cannot parse: org.apache.lucene.queryparser.classic.ParseException: Encountered <EOF> "
        "at bolt://db.internal:7687 and neo4j+s://x.example:7687 (db.internal:7687)"
    )
    clean = public_message(raw, "bolt://db.internal:7687", "db.internal:7687")
    assert "There is no such fulltext schema index: nope" in clean and "Encountered <EOF>" in clean
    for leak in ("java.", "org.", "Exception", "bolt://", "neo4j+s://", "db.internal", "Foo.java"):
        assert leak not in clean, clean
    # Property keys and procedure names are not Java class names.
    assert public_message("n.name and db.index.fulltext.queryNodes and org.name") == (
        "n.name and db.index.fulltext.queryNodes and org.name"
    )


def test_java_exceptions_do_not_reach_clients(client: TestClient, neo: Neo4jStore) -> None:
    for query in (
        "CALL db.index.fulltext.queryNodes('nope', 'x') YIELD node RETURN node",
        "CALL db.index.fulltext.queryNodes('survgraph_names', 'a:[') YIELD node RETURN node",
        "RETURN 1 / 0 AS x",
        "RETURN date('not a date') AS d",
    ):
        r = client.post("/cypher", json={"query": query})
        body = assert_error(r, 400)
        assert body["error"] == "the query failed", body
        assert_clean(r.text, neo)


def test_an_unreachable_store_is_not_named() -> None:
    port = free_port()
    dead = Neo4jStore(f"bolt://127.0.0.1:{port}", "neo4j", "wrong-password", connection_timeout=2)
    try:
        with TestClient(create_app(settings(), store=dead)) as c:
            r = c.post("/cypher", json={"query": "MATCH (n) RETURN count(n) AS c"})
    finally:
        dead.close()
    assert_error(r, 503)
    for leak in (str(port), "bolt://", "127.0.0.1", "Exception"):
        assert leak not in r.text, r.text


# -- the embedded store: refused outright ----------------------------------------------------------------

EMBEDDED_ATTEMPTS = [
    "MATCH (n) RETURN count(n) AS c",
    "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "COPY Vendor TO '/tmp/survgraph-evil.csv'",
    "LOAD FROM '/etc/passwd' RETURN *",
    "CALL db.labels() YIELD label RETURN label",
]


def test_embedded_store_refuses_over_the_api(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "embedded")
    try:
        load_paths(store, [FIXTURES / "small"])
        before = fingerprint(store)
        with TestClient(create_app(settings(), store=store)) as c:
            for query in EMBEDDED_ATTEMPTS:
                body = assert_error(c.post("/cypher", json={"query": query}), 400)
                assert "raw Cypher needs the Neo4j store" in body["error"], body
        for query in EMBEDDED_ATTEMPTS:
            with pytest.raises(ReadOnlyViolation, match="only on the Neo4j store"):
                run_read_only(store, query)
        assert fingerprint(store) == before
        assert not Path("/tmp/survgraph-evil.csv").exists()
    finally:
        store.close()
