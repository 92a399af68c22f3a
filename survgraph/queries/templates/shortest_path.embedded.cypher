// LadybugDB: a recursive relationship with ALL SHORTEST; the claims' test in its (r, n | WHERE ..) part.
// survgraph's runner does not run it: it searches from both ends (survgraph/queries/bidirectional.py),
// the same paths and hop count (tests/queries/test_shortest_both_ends.py), faster through hubs. This is
// the single query to paste into LadybugDB.

// @statement paths: up to limit shortest paths
MATCH (a{{label from}} {id: $from}), (b{{label to}} {id: $to})
MATCH p = (a)-[e{{types}}* ALL SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(b)
RETURN p AS path
LIMIT $limit;
