// @name neighbourhood
// @title Neighbourhood of an entity
// @description The ego network of an entity: every node within depth claims of it (either direction,
// @description any type) and every claim crossed on the way (a claim with an end closer than depth).
// @description One row per node, then one row per claim.
// @param id str required check=entity_id: the entity at the centre, e.g. vendor:huawei
// @param depth int default=1 min=1 max=3: how many claims out
// @runtime frontier list[str]: ids of the nodes to expand next (set by the breadth-first search)
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
// How it runs: `start` once, then `expand` breadth-first for depth rounds; see survgraph/queries/walk.py.

// @statement start: the entity at the centre
MATCH (x {id: $id})
RETURN x.id AS id, x.name AS name, x.confidence AS confidence, x.source_ids AS sources;

// @statement expand: every claim touching the frontier, with what the far end cites
MATCH (a)-[r]-(b)
WHERE a.id IN $frontier
RETURN a.id AS node_id, r AS claim, b.id AS other_id, b.name AS other_name,
       b.confidence AS confidence, b.source_ids AS sources;
