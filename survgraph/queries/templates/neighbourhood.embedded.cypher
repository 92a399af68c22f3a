// LadybugDB: a SHORTEST search starts at one claim, so the centre's own claims come first, by UNION ALL.

// @statement claims: the nodes closer than depth, each with its distance, and every claim touching them
MATCH (x{{label id}} {id: $id})
OPTIONAL MATCH (x)-[c]-(m)
WHERE {{in_force c}}
RETURN x.id AS node_id, 0 AS hops, x.name AS node_name, x.confidence AS node_confidence, x.source_ids AS node_sources,
       c AS claim, m.id AS other_id, m.name AS other_name, m.confidence AS other_confidence,
       m.source_ids AS other_sources
UNION ALL
MATCH (x{{label id}} {id: $id})-[e* SHORTEST 1..{{depth}} (r, n | WHERE {{in_force r}})]-(n)
WITH n, length(e) AS hops
WHERE hops < $depth
MATCH (n)-[c]-(m)
WHERE {{in_force c}}
RETURN n.id AS node_id, hops, n.name AS node_name, n.confidence AS node_confidence, n.source_ids AS node_sources,
       c AS claim, m.id AS other_id, m.name AS other_name, m.confidence AS other_confidence,
       m.source_ids AS other_sources;
