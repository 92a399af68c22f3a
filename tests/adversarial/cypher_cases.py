"""The attempts of tests/adversarial/test_cypher.py, by class (no tests here).

`{ssrf}` in a query stands for the URL of a tiny HTTP server on 127.0.0.1 that counts the requests it
gets; `{marker}` for the file name of a marker file in the test Neo4j's import folder. Outcomes:
  refused     400, refused by the guard (text, planner, plan or read-only transaction)
  failed      400, the query was run or planned and Neo4j stopped it (timeout, memory, runtime error)
  too_large   400, the rows came to more than the byte cap: details say truncated and the limit
  ok          200: a read whose disguise was only data (a string that stays a string), or rows cut
              at the row cap
A resource case may list two outcomes (too_large|failed): which cap stops it first depends on speed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    klass: str
    name: str
    query: str
    outcome: str = "refused"
    reason: str = ""  # a substring of the error's details, when the layer matters

    @property
    def id(self) -> str:
        return f"{self.klass}:{self.name}"


Q = "\\u0027"  # a quote, escaped as Neo4j decodes it before lexing
DQ = "\\u0022"

CASES: list[Case] = [
    # -- \u escapes: quotes, backslashes and keywords hidden from a lexer of ours --------------------------
    Case(
        "escape",
        "quote-hides-load-csv-url",
        f"WITH 'a{Q} AS x LOAD CSV FROM {Q}{{ssrf}}/escape-1{Q} AS r RETURN r //' AS y RETURN y",
        reason="LoadCSV",
    ),
    Case(
        "escape",
        "quote-hides-load-csv-file",
        f"WITH 'a{Q} AS x LOAD CSV FROM {Q}file:///{{marker}}{Q} AS r RETURN r //' AS y RETURN y",
        reason="LoadCSV",
    ),
    Case(
        "escape",
        "dquote-hides-load-csv-url",
        f'WITH "a{DQ} AS x LOAD CSV FROM {DQ}{{ssrf}}/escape-2{DQ} AS r RETURN r //" AS y RETURN y',
        reason="LoadCSV",
    ),
    Case(
        "escape",
        "quote-hides-load-csv-with-headers",
        f"WITH 'a{Q} AS x LOAD CSV WITH HEADERS FROM {Q}{{ssrf}}/escape-3{Q} AS r "
        "FIELDTERMINATOR {Q};{Q} RETURN r //' AS y RETURN y".replace("{Q}", Q),
        reason="LoadCSV",
    ),
    Case(
        "escape",
        "quote-hides-resample-index",
        f"WITH 'a{Q} AS x CALL db.resampleIndex({Q}survgraph_names{Q}) RETURN 1 AS z //' AS y RETURN y",
        reason="db.resampleIndex",
    ),
    Case(
        "escape",
        "quote-hides-await-indexes",
        f"WITH 'a{Q} AS x CALL db.awaitIndexes(1) RETURN 1 AS z //' AS y RETURN y",
        reason="db.awaitIndexes",
    ),
    Case(
        "escape",
        "quote-hides-create-label",
        f"WITH 'a{Q} AS x CALL db.createLabel({Q}Hacked{Q}) RETURN 1 AS z //' AS y RETURN y",
    ),
    Case(
        "escape",
        "quote-hides-set",
        f"MATCH (n:Vendor) WITH n, 'a{Q} AS q SET n.name = {Q}pwned{Q} WITH n, {Q}' AS y RETURN n.id",
        reason="planner says",
    ),
    Case(
        "escape",
        "quote-hides-detach-delete",
        f"MATCH (n) WITH n, 'a{Q} AS q DETACH DELETE n WITH n, {Q}' AS y RETURN y",
        reason="planner says",
    ),
    Case(
        "escape",
        "quote-hides-semicolon",
        f"WITH 'a{Q} AS x RETURN x; CREATE (:Vendor {{id: {Q}vendor:semi{Q}}}) //' AS y RETURN y",
    ),
    Case(
        "escape",
        "quote-hides-in-transactions",
        f"MATCH (n) WITH n, 'a{Q} AS z CALL (n) {{ RETURN n.id AS i }} IN TRANSACTIONS RETURN i //' AS y RETURN y",
        reason="TransactionApply",
    ),
    Case(
        "escape",
        "quote-hides-subquery-load-csv",
        f"WITH 'a{Q} AS x CALL () {{ LOAD CSV FROM {Q}{{ssrf}}/escape-4{Q} AS r RETURN r }} RETURN r //' AS y RETURN y",
        reason="LoadCSV",
    ),
    Case(
        "escape",
        "backslash-escape-then-quote",
        "WITH 'a\\u005c' AS x LOAD CSV FROM '{ssrf}/escape-5' AS r RETURN r //' AS y RETURN y",
    ),
    Case(
        "escape",
        "escaped-keyword-outside-string",
        "WITH 1 AS x \\u004cOAD CSV FROM '{ssrf}/escape-6' AS r RETURN r",
    ),
    Case(
        "escape",
        "escaped-procedure-name-backticked",
        "CALL `db`.`resample\\u0049ndex`('survgraph_names')",
    ),
    Case(
        "escape",
        "escaped-quote-is-data",
        f'RETURN "a{Q} LOAD CSV FROM {Q}{{ssrf}}/escape-7{Q} AS r" AS y',
        outcome="ok",
    ),
    Case(
        "escape",
        "escaped-backslash-u-is-data",
        "RETURN 'a\\\\u0027 LOAD CSV FROM \\\\u0027{ssrf}/escape-8' AS y",
        outcome="ok",
    ),
    # -- comments ---------------------------------------------------------------------------------------
    Case("comment", "nested-block", "MATCH (n) RETURN n /* /* */ CREATE (:Vendor {id: 'vendor:c'}) */"),
    Case("comment", "unterminated-block", "MATCH (n) RETURN n /* LOAD CSV FROM '{ssrf}/c-1' AS r"),
    Case("comment", "line-comment-at-end", "MATCH (n:Vendor) RETURN count(n) AS c //", outcome="ok"),
    Case("comment", "line-comment-then-write", "MATCH (n) RETURN n // read\nCREATE (:Vendor {id: 'vendor:c'})"),
    Case("comment", "between-load-and-csv", "MATCH (n) WITH n LIMIT 1 LOAD/**/CSV FROM '{ssrf}/c-2' AS r RETURN r"),
    Case("comment", "line-between-load-and-csv", "WITH 1 AS x LOAD // x\nCSV FROM '{ssrf}/c-3' AS r RETURN r"),
    Case("comment", "inside-procedure-name", "CALL db./**/resampleIndex('survgraph_names')"),
    Case(
        "comment",
        "escape-inside-comment",
        f"WITH 1 AS x /* {Q} */ LOAD CSV FROM '{{ssrf}}/c-4' AS r RETURN r /* {Q} */",
    ),
    Case("comment", "comment-hides-quote", "WITH '/*' AS a LOAD CSV FROM '{ssrf}/c-5' AS r RETURN r // */'"),
    # -- unicode look-alikes and invisible characters ------------------------------------------------------
    Case(
        "unicode",
        "fullwidth-load",
        "WITH 1 AS x \uff2c\uff2f\uff21\uff24 CSV FROM '{ssrf}/u-1' AS r RETURN r",
        reason="non-ASCII",
    ),
    Case("unicode", "cyrillic-a-in-load", "WITH 1 AS x LO\u0410D CSV FROM '{ssrf}/u-2' AS r RETURN r"),
    Case("unicode", "zero-width-in-load", "WITH 1 AS x LO\u200bAD CSV FROM '{ssrf}/u-3' AS r RETURN r"),
    Case("unicode", "nbsp-between-load-csv", "WITH 1 AS x LOAD\u00a0CSV FROM '{ssrf}/u-4' AS r RETURN r"),
    Case("unicode", "bom-first", "\ufeffWITH 1 AS x LOAD CSV FROM '{ssrf}/u-5' AS r RETURN r"),
    Case("unicode", "soft-hyphen", "MATCH (n) DE\u00adTACH DELETE n"),
    Case("unicode", "word-joiner", "CALL db.resample\u2060Index('survgraph_names')"),
    Case("unicode", "rtl-override-in-string", "RETURN '\u202e' AS x"),
    Case("unicode", "tag-characters", "CALL db.create\U000e0041Label('X')"),
    Case("unicode", "cyrillic-procedure", "CALL db.cre\u0430teLabel('X')"),
    Case("unicode", "ideographic-space", "MATCH (n)\u3000DETACH DELETE n"),
    Case("unicode", "line-separator", "MATCH (n) RETURN n\u2028CREATE (:Vendor {id: 'vendor:ls'})"),
    Case("unicode", "look-alike-in-string-is-data", "RETURN '\uff2c\uff2f\uff21\uff24 CSV' AS x", outcome="ok"),
    # -- procedures -------------------------------------------------------------------------------------
    Case("procedure", "dbms-components", "CALL dbms.components()"),
    Case("procedure", "dbms-create-user", "CALL dbms.security.createUser('mallory', 'password123', false)"),
    Case("procedure", "dbms-set-config", "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')"),
    Case("procedure", "db-create-label", "CALL db.createLabel('Hacked')"),
    Case("procedure", "db-create-property", "CALL db.createProperty('hacked')"),
    Case("procedure", "db-create-reltype", "CALL db.createRelationshipType('HACKED')"),
    Case("procedure", "tx-set-metadata", "CALL tx.setMetaData({evil: true})"),
    Case("procedure", "fulltext-drop", "CALL db.index.fulltext.drop('survgraph_names')"),
    Case("procedure", "fulltext-create", "CALL db.index.fulltext.createNodeIndex('evil', ['Vendor'], ['name'])"),
    Case("procedure", "fulltext-eventually", "CALL db.index.fulltext.awaitEventuallyConsistentIndexRefresh()"),
    Case("procedure", "clear-caches", "CALL db.clearQueryCaches()"),
    Case("procedure", "backticked-parts", "CALL `db`.`createLabel`('Hacked')"),
    Case("procedure", "backticked-whole", "CALL `db.createLabel`('Hacked')"),
    Case("procedure", "lower-case-name", "CALL db.createlabel('Hacked')"),
    Case("procedure", "after-allowed-yield", "CALL db.labels() YIELD label CALL db.createLabel(label) RETURN label"),
    Case("procedure", "yield-star-admin", "CALL dbms.listConfig() YIELD * RETURN *"),
    Case("procedure", "in-subquery", "CALL () { CALL db.resampleIndex('survgraph_names') } RETURN 1 AS x"),
    Case(
        "procedure",
        "allowed-on-bad-index",
        "CALL db.index.fulltext.queryNodes('nope', 'x') YIELD node RETURN node",
        outcome="failed",
    ),
    # -- CALL { } subqueries, IN TRANSACTIONS, USE, SHOW, administration --------------------------------------
    Case("subquery", "write-inside", "CALL () { CREATE (:Vendor {id: 'vendor:sub'}) } RETURN 1 AS x"),
    Case("subquery", "set-inside", "MATCH (n:Vendor) CALL (n) { SET n.name = 'pwned' } RETURN n.id"),
    Case("subquery", "nested-delete", "CALL () { CALL () { MATCH (n) DETACH DELETE n } } RETURN 1 AS x"),
    Case("subquery", "optional-call-merge", "OPTIONAL CALL () { MERGE (v:Vendor {id: 'vendor:m'}) RETURN v } RETURN v"),
    Case(
        "subquery",
        "union-write",
        "CALL () { RETURN 1 AS x UNION MERGE (:Vendor {id: 'vendor:u'}) RETURN 2 AS x } RETURN x",
    ),
    Case("subquery", "in-transactions-write", "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1 ROW"),
    Case("subquery", "in-transactions-read", "MATCH (n) CALL (n) { RETURN n.id AS i } IN TRANSACTIONS RETURN i"),
    Case("subquery", "use-system", "USE system SHOW USERS"),
    Case("subquery", "use-in-subquery", "CALL () { USE system MATCH (n) RETURN n } RETURN 1 AS x"),
    Case("subquery", "show-users", "SHOW USERS"),
    Case("subquery", "show-procedures", "SHOW PROCEDURES YIELD name RETURN name"),
    Case("subquery", "show-settings", "SHOW SETTINGS YIELD name, value RETURN name, value"),
    Case("subquery", "terminate", "TERMINATE TRANSACTIONS 'neo4j-transaction-1'"),
    Case("subquery", "create-user", "CREATE USER mallory SET PASSWORD 'secret123'"),
    Case("subquery", "create-database", "CREATE DATABASE evil"),
    Case("subquery", "foreach-create", "FOREACH (x IN [1] | CREATE (:Vendor {id: 'vendor:f'}))"),
    # -- LOAD CSV in every disguise ------------------------------------------------------------------------
    Case("load-csv", "plain-url", "LOAD CSV FROM '{ssrf}/l-1' AS r RETURN r"),
    Case("load-csv", "lower-case", "with 1 as x load csv from '{ssrf}/l-2' as r return r"),
    Case("load-csv", "with-headers", "WITH 1 AS x LOAD CSV WITH HEADERS FROM '{ssrf}/l-3' AS r RETURN r"),
    Case("load-csv", "file-marker", "WITH 1 AS x LOAD CSV FROM 'file:///{marker}' AS r RETURN r"),
    Case("load-csv", "in-subquery", "CALL () { LOAD CSV FROM '{ssrf}/l-4' AS r RETURN r } RETURN r"),
    Case("load-csv", "url-in-parameter", "WITH $u AS u LOAD CSV FROM u AS r RETURN r"),
    Case("load-csv", "tab-newline", "WITH 1 AS x LOAD\t\nCSV FROM '{ssrf}/l-5' AS r RETURN r"),
    Case("load-csv", "after-unwind", "UNWIND [1] AS i LOAD CSV FROM '{ssrf}/l-6' + i AS r RETURN r"),
    Case(
        "load-csv",
        "url-built-by-escape",
        f"WITH 'a{Q} AS x LOAD CSV FROM {Q}file:///{Q} + {Q}{{marker}}{Q} AS r RETURN r //' AS y RETURN y",
    ),
    Case("load-csv", "explain-prefix", "EXPLAIN LOAD CSV FROM '{ssrf}/l-7' AS r RETURN r"),
    Case("load-csv", "cypher-option-prefix", "CYPHER runtime=slotted LOAD CSV FROM '{ssrf}/l-8' AS r RETURN r"),
    # -- resource exhaustion -------------------------------------------------------------------------------
    Case(
        "resource",
        "many-large-lists",
        "UNWIND range(1, 500) AS i RETURN range(1, 200000) AS xs",
        outcome="too_large|failed",
    ),
    Case(
        "resource",
        "long-strings",
        "UNWIND range(1, 1000) AS i RETURN reduce(s = 'x', k IN range(1, 17) | s + s) AS s",
        outcome="too_large|failed",
    ),
    Case("resource", "one-huge-list", "RETURN range(1, 30000000) AS xs", outcome="too_large|failed"),
    Case("resource", "collect-huge", "UNWIND range(1, 100000000) AS i RETURN collect(i) AS xs", outcome="failed"),
    Case(
        "resource",
        "cartesian",
        "MATCH (a), (b), (c), (d), (e), (f) RETURN a.id, b.id, c.id, d.id, e.id, f.id",
        outcome="ok|failed",  # the row cap (1000 rows, truncated) or the timeout stops it
    ),
    Case(
        "resource",
        "cartesian-count",
        "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*) AS c",
        outcome="failed",
    ),
    Case(
        "resource",
        "sort-huge",
        "UNWIND range(1, 100000000) AS i WITH i ORDER BY i DESC RETURN collect(i)[0] AS i",
        outcome="failed",
    ),
]
