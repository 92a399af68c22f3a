// LadybugDB: a recursive relationship with ALL SHORTEST; the claims' test in its (r, n | WHERE ..) part.

// @statement paths: up to limit shortest paths
MATCH (a{{label from}} {id: $from}), (b{{label to}} {id: $to})
MATCH p = (a)-[e{{types}}* ALL SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(b)
RETURN p AS path
LIMIT $limit;
