// Neo4j: candidates from the full-text index survgraph_names (see survgraph/graph/ddl.py), then the
// same case-insensitive CONTAINS test as search.cypher. $lucene holds each run of letters and digits
// of the text as a lower-case, escaped *run* wildcard, ANDed ("*:*" if there is none): every name
// that contains the text contains each run inside one indexed token, so no match is lost.
//   :param text => 'acme'
//   :param lucene => '*acme*'

CALL db.index.fulltext.queryNodes('survgraph_names', $lucene) YIELD node
WITH node AS n, toLower($text) AS needle
WHERE toLower(n.name) CONTAINS needle
   OR any(alias IN n.aliases WHERE toLower(alias) CONTAINS needle)
RETURN n.id AS id, n.name AS name, n.aliases AS aliases;
