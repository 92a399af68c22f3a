// @name vendors_touching_national_data_centres
// @title Vendors near national data centres
// @description Vendors with a path of at most max_hops claims (any direction) to a
// @description database of kind national_data_centre, optionally only data centres in one country.
// @description Per vendor: the data centres it reaches and how far, one shortest witness path, and
// @description the sources of every claim on that path.
// @param max_hops int default=3 min=1 max=6: longest path to a data centre, in claims (edges)
// @param country str default=null check=country_code: only data centres in this country (ISO 3166-1 alpha-2, e.g. ZW)
// @param types list[str] default=SUPPLIES,LINKS_DATA_WITH,FUNDED_BY,PART_OF,OPERATED_BY,SUBSIDIARY_OF,MEMBER_OF,ACCESSES_DATA_OF,CONTRACTED,DEPLOYS,CONSIDERS,USES_TECHNOLOGY_FROM check=edge_type: follow only these edge types; by default every type but HEADQUARTERED_IN and LOCATED_IN, since sharing a country is not a link
// @runtime frontier list[str]: ids of the nodes to expand next (set by the breadth-first search)
// @runtime ids list[str]: ids of the claims to read whole (set by the runner)
// @column vendor_id: the vendor's id
// @column vendor_name: the vendor's name
// @column hops: length of the shortest path to any of its data centres
// @column data_centres: every data centre within max_hops: [{id, name, country, hops}], nearest first
// @column path: the witness path: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the witness path as text
// @column sources: ids of the sources of every claim on the witness path
//
// How it runs: `data_centres` once, then `expand` breadth-first from the data centres for max_hops
// rounds, each with $frontier = the ids first reached in the round before. Python keeps distances
// and picks the witness (see survgraph/queries/walk.py); `claims` then reads the witness paths'
// claims whole. Nothing enumerates paths, so 6 hops stays fast on both engines, and both give
// identical rows. By hand in Neo4j Browser:
//   :param country => ''
//   :param frontier => ['database:ndc']

// @statement data_centres: the national data centres (in $country, by field or LOCATED_IN claim)
MATCH (d:Database)
WHERE d.kind = 'national_data_centre'
OPTIONAL MATCH (d)-[:LOCATED_IN]->(c:Country)
WITH d, collect(c.code) AS codes
WHERE $country = '' OR d.country = $country OR $country IN codes
RETURN d.id AS id, d.name AS name, d.country AS country
ORDER BY id;

// @statement expand: every claim of the chosen types touching the frontier, either direction
MATCH (a)-[r{{types}}]-(b)
WHERE a.id IN $frontier
RETURN a.id AS node_id, r.id AS claim_id, r.from_id AS from_id, r.to_id AS to_id,
       b.id AS other_id, b.name AS other_name;

// @statement claims: the whole claims on the paths returned
MATCH ()-[r]->()
WHERE r.id IN $ids
RETURN r AS claim;
