#!/usr/bin/env python3
"""Smoke check of a Neo4j server started by tools/neo4j/neo4j-test-server.

Usage: check_server.py PORT PASSWORD
Needs the `neo4j` Python driver. Exits 0 and prints `CHECK_OK` when every
check passes; raises (non-zero exit) on the first failure.

Checks: auth with bolt:// and neo4j:// URIs, a wrong password is refused
with AuthError, a relationship-property uniqueness constraint, a node
uniqueness constraint, a full-text index over two labels queried with
db.index.fulltext.queryNodes, and ResultSummary.query_type from EXPLAIN.
"""
import sys
import time

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ClientError


def main() -> int:
    port, password = sys.argv[1], sys.argv[2]

    # Wrong password must be refused.
    with GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", password + "-wrong")) as bad:
        try:
            bad.verify_connectivity()
        except AuthError as exc:
            print(f"wrong password refused: {type(exc).__name__}: {exc.code}")
        else:
            raise SystemExit("FAIL: wrong password was accepted")

    for scheme in ("bolt", "neo4j"):
        uri = f"{scheme}://127.0.0.1:{port}"
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as drv:
            drv.verify_connectivity()
            info = drv.get_server_info()
            print(f"{uri}: connected, agent={info.agent} protocol={info.protocol_version}")
            recs, _, _ = drv.execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition")
            print(f"{uri}: components={[dict(r) for r in recs]}")

    with GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", password)) as drv:
        # Schema.
        drv.execute_query("CREATE CONSTRAINT node_id_unique IF NOT EXISTS FOR (n:A) REQUIRE n.id IS UNIQUE")
        try:
            drv.execute_query(
                "CREATE CONSTRAINT rel_id_unique IF NOT EXISTS FOR ()-[r:T]-() REQUIRE r.id IS UNIQUE")
            print("relationship uniqueness constraint: created")
        except ClientError as exc:
            raise SystemExit(f"FAIL: relationship uniqueness constraint refused: {exc.code} {exc.message}")
        drv.execute_query(
            "CREATE FULLTEXT INDEX name_fts IF NOT EXISTS FOR (n:A|B) ON EACH [n.name]")
        drv.execute_query("CALL db.awaitIndexes(120)")
        recs, _, _ = drv.execute_query(
            "SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties "
            "RETURN name, type, entityType, labelsOrTypes, properties ORDER BY name")
        print("constraints:", [dict(r) for r in recs])
        recs, _, _ = drv.execute_query(
            "SHOW INDEXES YIELD name, type, state RETURN name, type, state ORDER BY name")
        print("indexes:", [dict(r) for r in recs])

        # Data + uniqueness enforcement.
        drv.execute_query(
            "MERGE (a:A {id: 'a1'}) SET a.name = 'Kaplan Meier estimator' "
            "MERGE (b:B {id: 'b1'}) SET b.name = 'Cox proportional hazards' "
            "MERGE (a)-[r:T {id: 't1'}]->(b)")
        for stmt in ("MATCH (a:A {id:'a1'}), (b:B {id:'b1'}) CREATE (b)-[:T {id: 't1'}]->(a)",
                     "CREATE (:A {id: 'a1'})"):
            try:
                drv.execute_query(stmt)
            except ClientError as exc:
                print(f"duplicate refused as expected: {exc.code}")
            else:
                raise SystemExit(f"FAIL: duplicate accepted: {stmt}")

        # Full-text query (the index is eventually consistent: poll briefly).
        hits = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            recs, _, _ = drv.execute_query(
                "CALL db.index.fulltext.queryNodes('name_fts', $q) YIELD node, score "
                "RETURN labels(node) AS labels, node.name AS name, score",
                q="kaplan OR hazards")
            hits = [dict(r) for r in recs]
            if len(hits) == 2:
                break
            time.sleep(0.5)
        print("fulltext hits:", hits)
        if len(hits) != 2:
            raise SystemExit("FAIL: full-text query did not return both nodes")

        # query_type from EXPLAIN.
        types = {}
        for q in ("MATCH (n) RETURN n", "CREATE (n:Tmp) RETURN n", "MATCH (n:Tmp) DELETE n",
                  "CREATE INDEX tmp_idx IF NOT EXISTS FOR (n:Tmp) ON (n.x)"):
            _, summary, _ = drv.execute_query("EXPLAIN " + q)
            types[q] = summary.query_type
        print("EXPLAIN query_type:", types)
        if types["MATCH (n) RETURN n"] != "r":
            raise SystemExit("FAIL: EXPLAIN MATCH (n) RETURN n is not query_type 'r'")

    print("CHECK_OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
