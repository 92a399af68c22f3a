// @name neighbourhood
// @title Neighbourhood of an entity
// @description The ego network of an entity: every node within depth claims of it (either direction,
// @description any type) and every claim crossed on the way (a claim with an end closer than depth),
// @description optionally only claims in force on a date. One row per node, then one row per claim.
// @param id str required check=entity_id: the entity at the centre, e.g. vendor:huawei
// @param depth int default=1 min=1 max=3: how many claims out
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column element: node or claim
// @column id: the node's or the claim's id
// @column kind: the node kind (Vendor, ...) or the claim's edge type (SUPPLIES, ...)
// @column name: the node's name, or the claim as text (Acme -[SUPPLIES]-> City Cameras)
// @column hops: the node's distance from the centre; for a claim, the distance of its far end
// @column from_id: the claim's subject (claims only)
// @column to_id: the claim's object (claims only)
// @column confidence: the node's or the claim's confidence
// @column sources: ids of the node's or the claim's sources
//
// How it runs: one statement: the native shortest-path search gives each node's distance from the
// centre (the centre included, at 0), then every claim touching a node closer than depth, with what
// its far end cites (a far end not met closer is at depth exactly).

// @statement claims: the nodes closer than depth, each with its distance, and every claim touching them
MATCH (x{{label id}} {id: $id})
MATCH p = SHORTEST 1 (x)(()-[r]-() WHERE {{in_force r}}){0,{{depth}}}(n)
WITH n, length(p) AS hops
WHERE hops < $depth
OPTIONAL MATCH (n)-[c]-(m)
WHERE {{in_force c}}
RETURN n.id AS node_id, hops, n.name AS node_name, n.confidence AS node_confidence, n.source_ids AS node_sources,
       c AS claim, m.id AS other_id, m.name AS other_name, m.confidence AS other_confidence,
       m.source_ids AS other_sources;
