// LadybugDB: a SHORTEST search starts at one claim, so the start's own claims come first, by UNION ALL.

// @statement claims: the funding and supply claims touching the nodes closer than max_hops, with each node's distance
MATCH (x{{label id}} {id: $id})-[c:FUNDED_BY|SUPPLIES]-(m)
WHERE {{in_force c}}
RETURN x.id AS node_id, 0 AS hops, c AS claim, m.id AS other_id, x.name AS node_name, m.name AS other_name
UNION ALL
MATCH (x{{label id}} {id: $id})-[e:FUNDED_BY|SUPPLIES|PART_OF* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(n)
WITH n, length(e) AS hops
WHERE hops < $max_hops
MATCH (n)-[c:FUNDED_BY|SUPPLIES]-(m)
WHERE {{in_force c}}
RETURN n.id AS node_id, hops, c AS claim, m.id AS other_id, n.name AS node_name, m.name AS other_name;
