"""The read-only guard for raw Cypher (survgraph.graph.raw_cypher): a battery of writes, admin calls and
disguises that must all be refused with the graph, schema and users exactly as before; the reads
that must still work; each layer on its own; and `survgraph cypher`."""

from __future__ import annotations

import json
from typing import Any

import neo4j
import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import ReadOnlyViolation, StoreError
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.graph.raw_cypher import check_plan, check_text, read_transaction_rows, run_read_only, tokenize
from survgraph.loaders import load_paths
from survgraph.queries import TEMPLATES

from .conftest import FIXTURES, Neo4jServer


@pytest.fixture(scope="module")
def guarded(neo4j_small: Neo4jStore) -> Neo4jStore:
    """Every test here only reads."""
    return neo4j_small


def snapshot(store: Neo4jStore, server: Neo4jServer) -> dict[str, Any]:
    """Everything an attempt could change: data, labels, types, property keys, indexes, constraints, users."""

    def column(cypher: str, key: str) -> list[Any]:
        return sorted(r[key] for r in store.query(cypher))

    with (
        neo4j.GraphDatabase.driver(server.uri, auth=(server.user, server.password)) as driver,
        driver.session(database="system") as system,
    ):
        users = sorted(r["user"] for r in system.run("SHOW USERS YIELD user RETURN user"))
    return {
        "stats": store.stats().as_dict(),
        "nodes": sorted(json.dumps(r["n"], sort_keys=True) for r in store.query("MATCH (n) RETURN n AS n")),
        "rels": sorted(json.dumps(r["r"], sort_keys=True) for r in store.query("MATCH ()-[r]->() RETURN r AS r")),
        "labels": column("CALL db.labels() YIELD label RETURN label", "label"),
        "types": column("CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t", "t"),
        "keys": column("CALL db.propertyKeys() YIELD propertyKey AS k RETURN k", "k"),
        "indexes": column("SHOW INDEXES YIELD name RETURN name", "name"),
        "constraints": column("SHOW CONSTRAINTS YIELD name RETURN name", "name"),
        "users": users,
    }


@pytest.fixture(scope="module")
def before(guarded: Neo4jStore, neo4j_server: Neo4jServer) -> dict[str, Any]:
    return snapshot(guarded, neo4j_server)


#: Each must be refused (ReadOnlyViolation) and change nothing.
ATTEMPTS: dict[str, str] = {
    # plain writes
    "create": "CREATE (n:Vendor {id: 'vendor:evil', name: 'Evil'})",
    "create-lowercase": "create (n:Vendor {id: 'vendor:evil', name: 'Evil'})",
    "merge": "MERGE (n:Vendor {id: 'vendor:evil'})",
    "match-merge": "OPTIONAL MATCH (n) MERGE (m:Vendor {id: 'vendor:evil'}) RETURN m",
    "set-property": "MATCH (n:Vendor) SET n.name = 'pwned'",
    "set-label": "MATCH (n:Vendor) SET n:Hacked",
    "set-map": "MATCH (n:Vendor) SET n += {name: 'pwned'} RETURN n",
    "remove-property": "MATCH (n:Vendor) REMOVE n.name",
    "remove-label": "MATCH (n:Vendor) REMOVE n:Vendor",
    "delete": "MATCH (n:Source) DELETE n",
    "delete-rels": "MATCH ()-[r]->() DELETE r",
    "detach-delete": "MATCH (n) DETACH DELETE n",
    "detach-delete-lowercase": "match (n) detach delete n",
    "create-rel": "MATCH (a:Vendor), (b:Project) CREATE (a)-[:SUPPLIES]->(b)",
    "read-then-create": "MATCH (n:Vendor) WITH n LIMIT 1 CREATE (m:Vendor {id: 'vendor:copy'}) RETURN m",
    "unwind-create": "UNWIND [1, 2] AS x CREATE (:Vendor {id: 'vendor:u' + x})",
    "union-merge": "MATCH (n) RETURN 1 AS x UNION ALL MERGE (m:Vendor {id: 'vendor:m'}) RETURN 1 AS x",
    "foreach-create": "FOREACH (x IN [1] | CREATE (:Vendor {id: 'vendor:f'}))",
    "foreach-set": "MATCH (n:Vendor) FOREACH (x IN [1] | SET n.name = 'pwned')",
    "subquery-set": "MATCH (n:Vendor) CALL (n) { SET n.name = 'pwned' } RETURN n",
    "procedure-then-create": "CALL db.labels() YIELD label CREATE (:Vendor {id: label})",
    "fulltext-then-set": "CALL db.index.fulltext.queryNodes('survgraph_names', 'acme') YIELD node SET node.name = 'x'",
    # files and URLs
    "load-csv-file": "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row",
    "load-csv-url": "LOAD CSV WITH HEADERS FROM 'http://127.0.0.1:9/x.csv' AS row CREATE (:Vendor {id: row.id})",
    "load-csv-after-match": "MATCH (n) WITH n LIMIT 1 LOAD CSV FROM 'file:///etc/hostname' AS row RETURN row",
    # several statements
    "semicolon": "MATCH (n) RETURN n; MATCH (n) DETACH DELETE n",
    "semicolon-create": "MATCH (n) RETURN count(n) AS c; CREATE (:Vendor {id: 'vendor:x'})",
    "double-semicolon": "RETURN 1 AS x;;",
    "semicolon-after-comment": "MATCH (n) RETURN n /* harmless */ ; CREATE (:Vendor {id: 'vendor:x'})",
    # procedures that write, administer, or act while planning as reads
    "create-label": "CALL db.createLabel('Hacked')",
    "create-property": "CALL db.createProperty('hacked')",
    "create-type": "CALL db.createRelationshipType('HACKED')",
    "create-user-proc": "CALL dbms.security.createUser('mallory', 'password123', false)",
    "change-password": "CALL dbms.security.changePassword('password123')",
    "fulltext-drop": "CALL db.index.fulltext.drop('survgraph_names')",
    "fulltext-create": "CALL db.index.fulltext.createNodeIndex('evil', ['Vendor'], ['name'])",
    "clear-caches": "CALL db.clearQueryCaches()",
    "resample-index": "CALL db.resampleIndex('survgraph_names')",
    "replanning": "CALL db.prepareForReplanning()",
    "set-config": "CALL dbms.setConfigValue('db.logs.query.enabled', 'off')",
    "tx-metadata": "CALL tx.setMetaData({evil: true})",
    "apoc": "MATCH (n) CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {}) YIELD batches RETURN 1",
    "backticked-procedure": "CALL `db`.`createLabel`('Hacked')",
    "backticked-dotted-procedure": "CALL `db.createLabel`('Hacked')",
    # schema and administration
    "create-index": "CREATE INDEX evil FOR (n:Vendor) ON (n.name)",
    "create-constraint": "CREATE CONSTRAINT evil FOR (n:Vendor) REQUIRE n.name IS UNIQUE",
    "drop-index": "DROP INDEX survgraph_names",
    "drop-constraint": "DROP CONSTRAINT vendor_id",
    "create-database": "CREATE DATABASE evil",
    "create-user": "CREATE USER mallory SET PASSWORD 'secret123'",
    "show-users": "SHOW USERS",
    "terminate": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "use-system": "USE system SHOW USERS",
    "use-in-subquery": "CALL { USE system MATCH (n) RETURN n } RETURN 1",
    "in-transactions": "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS",
    "in-transactions-read": "MATCH (n) CALL (n) { RETURN n.id AS i } IN TRANSACTIONS RETURN i",
    # prefixes that change what runs
    "explain-prefix": "EXPLAIN MATCH (n) DETACH DELETE n",
    "profile-prefix": "PROFILE MATCH (n) DETACH DELETE n",
    "cypher-options": "CYPHER runtime=slotted MATCH (n) DETACH DELETE n",
    # writes behind comments and string tricks
    "comment-before-create": "/* MATCH (n) RETURN n */ CREATE (:Vendor {id: 'vendor:c'})",
    "line-comment-before-set": "// only a read\nMATCH (n:Vendor) SET n.name = 'x'",
    "escaped-quote": "MATCH (n:Vendor) WHERE n.name = 'a\\\\' SET n.name = 'b' //'",
    "unterminated-string": "MATCH (n) WHERE n.name = 'abc RETURN n",
    "unterminated-comment": "MATCH (n) RETURN n /* CREATE (x)",
    # look-alikes and invisible characters
    "fullwidth-create": "\uff23\uff32\uff25\uff21\uff34\uff25 (n:Vendor {id: 'vendor:fw'})",
    "fullwidth-set": "MATCH (n:Vendor) \uff33\uff25\uff34 n.name = 'x'",
    "cyrillic-match": "\u041cATCH (n) DETACH DELETE n",
    "zero-width": "CRE\u200bATE (n:Vendor {id: 'vendor:zw'})",
    "zero-width-joiner": "MATCH (n) RETURN n\u200d; CREATE (m)",
    "greek-question-mark": "MATCH (n) RETURN n\u037e CREATE (m)",
    "bidi-override": "MATCH (n) RETURN n /*\u202e*/",
    "line-separator": "MATCH (n:Vendor) RETURN n\u2028CREATE (:X)",
    "nul": "MATCH (n) RETURN n\x00",
    "non-breaking-space": "MATCH\u00a0(n) DETACH DELETE n",
    # nothing to run
    "empty": "",
    "only-comment": "   // nothing",
    "too-long": "MATCH (n) RETURN n" + " " * 20_000,
}


def test_the_battery_is_big_enough() -> None:
    assert len(ATTEMPTS) >= 40


@pytest.mark.parametrize("label", list(ATTEMPTS))
def test_refused_and_nothing_changes(
    guarded: Neo4jStore, neo4j_server: Neo4jServer, before: dict[str, Any], label: str
) -> None:
    with pytest.raises(ReadOnlyViolation) as caught:
        run_read_only(guarded, ATTEMPTS[label])
    assert str(caught.value).startswith("refused: ")
    assert snapshot(guarded, neo4j_server) == before


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("CREATE (n)", "starts with one of"),
        ("MATCH (n) RETURN n; CREATE (m)", "one statement only"),
        ("LOAD CSV FROM 'x' AS r RETURN r", "starts with one of"),
        ("MATCH (n) WITH n LOAD CSV FROM 'x' AS r RETURN r", "LOAD CSV"),
        ("CALL db.createLabel('X')", "not on the read-only list"),
        ("MATCH (n) CALL (n) { RETURN 1 AS i } IN TRANSACTIONS RETURN i", "IN TRANSACTIONS"),
        ("\uff2dATCH (n) RETURN n", "non-ASCII"),
        ("MATCH (n) RETURN n\u200b", "invisible or control character U+200B"),
        ("MATCH\u00a0(n) RETURN n", "non-ASCII character"),
        ("MATCH (n)\u3000RETURN n", "non-ASCII character"),
        ("MATCH (n) SET n.x = 1", "planner says the query writes"),
        ("CALL db.clearQueryCaches()", "not on the read-only list"),
        ("MATCH (n) RETURN n.", "cannot plan the query"),
    ],
)
def test_refusals_say_why(guarded: Neo4jStore, text: str, reason: str) -> None:
    with pytest.raises(ReadOnlyViolation, match=None) as caught:
        run_read_only(guarded, text)
    assert reason in str(caught.value)


def test_reads_still_work(guarded: Neo4jStore, neo4j_server: Neo4jServer, before: dict[str, Any]) -> None:
    def run(text: str, **kw: Any) -> list[dict[str, Any]]:
        return list(run_read_only(guarded, text, **kw))

    assert run("MATCH (v:Vendor) RETURN v.id AS id ORDER BY id") == [
        {"id": "vendor:acme"},
        {"id": "vendor:globex"},
        {"id": "vendor:initech"},
    ]
    assert run("MATCH (n:Country) RETURN count(n) AS c;") == [{"c": 4}]  # a trailing ; is fine
    assert run("match (n:Country) return count(n) as c // ; DETACH DELETE n") == [{"c": 4}]
    assert run("MATCH (v:Vendor {id: $id}) RETURN v.name AS name", params={"id": "vendor:acme"}) == [
        {"name": "Acme Vision"}
    ]
    # Writes inside string literals are data.
    assert run('MATCH (n:Vendor) WHERE n.name = "x\'; CREATE (:E) //" RETURN n') == []
    assert run("WITH 'MATCH (n) DETACH DELETE n; LOAD CSV' AS text RETURN text") == [
        {"text": "MATCH (n) DETACH DELETE n; LOAD CSV"}
    ]
    assert run("RETURN 'Zéta Sécurité 漢字' AS name") == [{"name": "Zéta Sécurité 漢字"}]
    # Keys named like keywords, and read-only procedures and subqueries.
    assert run("MATCH (p:Project {id: 'project:city-cams'}) RETURN p.start AS start, p.end AS end") == [
        {"start": "2016-05", "end": None}
    ]
    assert {r["label"] for r in run("CALL db.labels() YIELD label RETURN label")} >= {"Vendor", "Country"}
    assert run("CALL db.index.fulltext.queryNodes('survgraph_names', 'acme') YIELD node RETURN node.id AS id") == [
        {"id": "vendor:acme"}
    ]
    assert run(
        "MATCH (v:Vendor) CALL (v) { MATCH (v)-[:SUPPLIES]->(t) RETURN count(t) AS n } RETURN v.id AS id, n ORDER BY id"
    ) == [{"id": "vendor:acme", "n": 2}, {"id": "vendor:globex", "n": 1}, {"id": "vendor:initech", "n": 1}]
    # Nodes, relationships and paths come back normalised, as GraphStore.query gives them.
    (row,) = run("MATCH p = (:Vendor {id: 'vendor:initech'})-[:SUPPLIES]->(d:Database) RETURN p, d")
    assert row["d"]["id"] == "database:registry"
    assert [n["id"] for n in row["p"]["nodes"]] == ["vendor:initech", "database:registry"]
    assert row["p"]["relationships"][0]["type"] == "SUPPLIES"
    assert snapshot(guarded, neo4j_server) == before


def test_row_cap_and_timeout(guarded: Neo4jStore, neo4j_server: Neo4jServer, before: dict[str, Any]) -> None:
    capped = run_read_only(guarded, "UNWIND range(1, 50) AS i RETURN i", row_cap=10)
    assert [r["i"] for r in capped] == list(range(1, 11))
    assert capped.truncated and capped.columns == ["i"]
    whole = run_read_only(guarded, "UNWIND range(1, 10) AS i RETURN i", row_cap=10)
    assert len(whole) == 10 and not whole.truncated
    slow = "UNWIND range(1, 1000000000) AS i WITH i WHERE i % 7 = 99 RETURN count(*) AS c"
    with pytest.raises(StoreError, match=r"did not finish within 0\.5 s") as caught:
        run_read_only(guarded, slow, timeout_s=0.5)
    assert not isinstance(caught.value, ReadOnlyViolation)
    assert snapshot(guarded, neo4j_server) == before


def test_the_read_transaction_alone_refuses_writes(
    guarded: Neo4jStore, neo4j_server: Neo4jServer, before: dict[str, Any]
) -> None:
    """The last layer holds even without the text checks and EXPLAIN in front of it."""
    for write in (
        "CREATE (n:Vendor {id: 'vendor:evil', name: 'Evil'}) RETURN n",
        "MATCH (n) DETACH DELETE n",
        "CALL db.createLabel('Hacked')",
        "MATCH (n:Vendor) SET n.name = 'pwned' RETURN n",
    ):
        with pytest.raises(ReadOnlyViolation, match="read-only transaction"):
            read_transaction_rows(guarded, write)
    assert snapshot(guarded, neo4j_server) == before


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_every_template_passes_the_plan_walk(guarded: Neo4jStore, name: str) -> None:
    """The read-operator list is wide enough for the project's own reads: every statement of every
    query template, as Neo4j plans it, passes check_plan."""
    from .queries.conftest import SMALL, sample_params

    template = TEMPLATES.get(name)
    for params in sample_params(template, SMALL) or [{}]:
        values = template.validate(params)
        for stmt in template.statements:
            query_type, plan = guarded.explain(template.render(stmt, "neo4j", values))
            assert query_type == "r", stmt
            check_plan(plan)


def test_embedded_store_is_refused(embedded_store: EmbeddedStore) -> None:
    load_paths(embedded_store, [FIXTURES / "small"])
    for text in ("MATCH (n) RETURN count(n) AS c", "MATCH (n) RETURN n; CREATE (:Vendor {id: 'vendor:x'})"):
        with pytest.raises(ReadOnlyViolation, match="only on the Neo4j store"):
            run_read_only(embedded_store, text)
    assert embedded_store.stats().nodes["Vendor"] == 3


def test_lexer() -> None:
    kinds = [(t.kind, t.text) for t in tokenize("MATCH (n:`Ven``dor`) // c;\nWHERE n.x = 'a;\\'b' /* ; */ RETURN 1.5;")]
    assert kinds == [
        ("word", "MATCH"),
        ("punct", "("),
        ("word", "n"),
        ("punct", ":"),
        ("quoted", "Ven`dor"),
        ("punct", ")"),
        ("word", "WHERE"),
        ("word", "n"),
        ("punct", "."),
        ("word", "x"),
        ("punct", "="),
        ("string", "a;\\'b"),
        ("word", "RETURN"),
        ("number", "1.5"),
        ("punct", ";"),
    ]
    assert check_text("MATCH (n) RETURN n ; // done") == "MATCH (n) RETURN n"
    assert check_text("  RETURN 1  ") == "RETURN 1"


# -- survgraph cypher --------------------------------------------------------------------------------


@pytest.fixture
def neo4j_env(guarded: Neo4jStore, neo4j_server: Neo4jServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in neo4j_server.env().items():
        monkeypatch.setenv(key, value)


@pytest.mark.usefixtures("neo4j_env")
def test_cli_cypher(neo4j_server: Neo4jServer, guarded: Neo4jStore, before: dict[str, Any]) -> None:
    runner = CliRunner()
    query = "MATCH (v:Vendor) RETURN v.id AS id, v.name AS name ORDER BY id"
    result = runner.invoke(app, ["cypher", query, "--store", "neo4j", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in json.loads(result.stdout)] == ["vendor:acme", "vendor:globex", "vendor:initech"]
    csv_out = runner.invoke(app, ["cypher", query, "--store", "neo4j", "--format", "csv"])
    assert csv_out.stdout.splitlines()[:2] == ["id,name", "vendor:acme,Acme Vision"]
    piped = runner.invoke(app, ["cypher", "-", "--store", "neo4j", "--format", "json"], input="RETURN 1 AS one")
    assert json.loads(piped.stdout) == [{"one": 1}]
    capped = runner.invoke(app, ["cypher", query, "--store", "neo4j", "--format", "json", "--row-cap", "2"])
    assert len(json.loads(capped.stdout)) == 2 and "only the first 2 rows" in capped.stderr
    refused = runner.invoke(app, ["cypher", "MATCH (n) DETACH DELETE n", "--store", "neo4j"])
    assert refused.exit_code == 2
    assert "refused" in refused.stderr and refused.stdout == ""
    assert snapshot(guarded, neo4j_server) == before


def test_cli_cypher_on_embedded_is_refused(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "store"))
    result = CliRunner().invoke(app, ["cypher", "MATCH (n) RETURN n", "--store", "embedded"])
    assert result.exit_code == 2
    assert "only on the Neo4j store" in " ".join(result.stderr.split())
