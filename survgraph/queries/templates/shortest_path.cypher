// @name shortest_path
// @title Shortest paths between two entities
// @description Shortest paths (up to limit) of at most max_hops claims between two entities, in
// @description either direction, optionally over chosen edge types only, optionally only through
// @description claims in force on a date. Every path has the same, shortest length; when there are
// @description more than limit, which ones come back is Neo4j's choice (the embedded store returns the
// @description first limit in this order). Listed smallest first (compared by node ids, then claim
// @description ids), each with the sources of its claims.
// @param from str required check=entity_id: one end, e.g. vendor:huawei
// @param to str required check=entity_id: the other end, e.g. database:zw-national-data-centre
// @param max_hops int default=4 min=1 max=6: longest path, in claims
// @param types list[str] default=null check=edge_type: follow only these edge types (default: all), e.g. SUPPLIES,PART_OF
// @param limit int default=10 min=1 max=100: at most this many paths
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column rank: 1 for the first path, 2 for the next, ...
// @column hops: the path's length in claims
// @column path: the path: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the path as text
// @column sources: ids of the sources of every claim on the path
//
// How it runs: on Neo4j, one native shortest-path search between the two ends, each found by its
// label's id index ({{label from}} becomes `:Vendor` for vendor:...), then every shortest path, at most
// limit of them: `allShortestPaths` (its bidirectional search; the as_of test on every claim of the
// path, which the planner applies inside the search). On the embedded store the runner does not run the
// statement below: it searches from both ends itself (survgraph/queries/bidirectional.py), a layer at a
// time from the end whose frontier has fewer claims, one labelled query per step, and stops at the layer
// where the two searches meet; it returns the first limit shortest paths in the order below. LadybugDB's
// own `ALL SHORTEST` (the .embedded.cypher variant, kept to paste into LadybugDB) searches from one end
// through every hub: 270 ms p50 at 1M claims on a quiet machine, against about 30 ms from both ends
// (docs/performance.md). Not Neo4j's `SHORTEST k` nor `ALL SHORTEST` path patterns: on the 1M-claim graph some
// vendor-database pairs took 14 s to 134 s that way, against 0.15 to 0.6 s with allShortestPaths
// (docs/performance.md). {{types}} becomes `:TYPE1|TYPE2` (each checked against the schema
// registry) or nothing, {{in_force r}} the as_of test (or `true` without a date); in Neo4j Browser,
// write them yourself.

// @statement paths: up to limit shortest paths
MATCH (a{{label from}} {id: $from}), (b{{label to}} {id: $to})
MATCH p = allShortestPaths((a)-[{{types}}*1..{{max_hops}}]-(b))
WHERE all(r IN relationships(p) WHERE {{in_force r}})
RETURN p AS path
LIMIT $limit;
