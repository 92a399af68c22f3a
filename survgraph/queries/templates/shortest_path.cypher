// @name shortest_path
// @title Shortest paths between two entities
// @description Every shortest path (up to limit) of at most max_hops claims between two entities, in
// @description either direction, optionally over chosen edge types only. Paths come smallest first
// @description (compared by node ids, then claim ids), each with the sources of its claims.
// @param from str required check=entity_id: one end, e.g. vendor:huawei
// @param to str required check=entity_id: the other end, e.g. database:zw-national-data-centre
// @param max_hops int default=4 min=1 max=6: longest path, in claims
// @param types list[str] default=null check=edge_type: follow only these edge types (default: all), e.g. SUPPLIES,PART_OF
// @param limit int default=10 min=1 max=100: at most this many paths
// @runtime frontier list[str]: ids of the nodes to expand next (set by the breadth-first search)
// @runtime ids list[str]: ids of the claims to read whole (set by the runner)
// @column rank: 1 for the first path, 2 for the next, ...
// @column hops: the path's length in claims
// @column path: the path: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the path as text
// @column sources: ids of the sources of every claim on the path
//
// How it runs: `ends` once, then `expand` breadth-first from `from` until `to` is reached; the
// paths are then read off what was fetched, lazily, so hub nodes do not make it enumerate
// millions of paths. {{types}} becomes `:TYPE1|TYPE2` (each checked against the schema registry)
// or nothing; in Neo4j Browser, delete it or write the types yourself.

// @statement ends: both ends, if they exist
MATCH (x)
WHERE x.id = $from OR x.id = $to
RETURN x.id AS id, x.name AS name;

// @statement expand: claims of the chosen types touching the frontier
MATCH (a)-[r{{types}}]-(b)
WHERE a.id IN $frontier
RETURN a.id AS node_id, r.id AS claim_id, r.from_id AS from_id, r.to_id AS to_id,
       b.id AS other_id, b.name AS other_name;

// @statement claims: the whole claims on the paths returned
MATCH ()-[r]->()
WHERE r.id IN $ids
RETURN r AS claim;
