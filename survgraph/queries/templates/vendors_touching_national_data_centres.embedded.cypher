// LadybugDB: recursive relationships with SHORTEST; the claims' test in their (r, n | WHERE ..) part.

// @statement reach: the distance from each national data centre (in $country) to each vendor
MATCH (d:Database)
WHERE d.kind = 'national_data_centre'
OPTIONAL MATCH (d)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH d, collect(c.code) AS codes
WHERE $country = '' OR d.country = $country OR $country IN codes
MATCH (d)-[e{{types}}* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(v:Vendor)
RETURN v.id AS vendor_id, v.name AS vendor_name, d.id AS centre_id, d.name AS centre_name,
       d.country AS centre_country, length(e) AS hops;

// @statement witness: one shortest path from each vendor of the page to its nearest data centre
UNWIND $pairs AS pair
MATCH (v:Vendor {id: pair.vendor}), (d:Database {id: pair.centre})
MATCH p = (v)-[e{{types}}* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(d)
RETURN v.id AS vendor_id, p AS path;
