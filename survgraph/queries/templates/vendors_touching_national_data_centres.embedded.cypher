// LadybugDB: recursive relationships with SHORTEST; the claims' test in their (r, n | WHERE ..) part.

// @statement reach: the distance from each of those data centres to each vendor within max_hops (the runner sets the depth)
MATCH (d:Database)
WHERE d.id IN $centres
MATCH (d)-[e{{types}}* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(v:Vendor)
RETURN v.id AS vendor_id, v.name AS vendor_name, d.id AS centre_id, d.name AS centre_name,
       d.country AS centre_country, length(e) AS hops;

// @statement total: how many vendors are within max_hops of those data centres
MATCH (d:Database)
WHERE d.id IN $centres
MATCH (d)-[e{{types}}* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(v:Vendor)
RETURN count(DISTINCT v.id) AS total;

// @statement witness: shortest paths from the page's nearest data centres to the page's vendors
// (one search per data centre: LadybugDB does not look up `pair.vendor` by its index, as Neo4j does)
MATCH (d:Database)
WHERE d.id IN $page_centres
MATCH p = (d)-[e{{types}}* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(v:Vendor)
WHERE v.id IN $vendors
RETURN v.id AS vendor_id, p AS path;
