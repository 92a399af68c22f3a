// @name vendors_touching_national_data_centres
// @title Vendors near national data centres
// @description Vendors with a path of at most max_hops claims (any direction) to a
// @description database of kind national_data_centre, optionally only data centres in one country,
// @description optionally only through claims in force on a date. Per vendor: the data centres it
// @description reaches and how far, one shortest witness path (which one, when several are as short,
// @description is the engine's choice), the sources of every claim on that path, and how many
// @description vendors there are in all. Nearest first, a page of limit vendors at a time: pass the
// @description last vendor_id of a page as after for the next; count=false skips the total, which costs a
// @description search as deep as max_hops when the page alone needs less.
// @param max_hops int default=3 min=1 max=6: longest path to a data centre, in claims (edges)
// @param country str default=null check=country_code: only data centres in this country (ISO 3166-1 alpha-2, e.g. ZW)
// @param types list[str] default=SUPPLIES,LINKS_DATA_WITH,FUNDED_BY,PART_OF,OPERATED_BY,SUBSIDIARY_OF,MEMBER_OF,ACCESSES_DATA_OF,CONTRACTED,DEPLOYS,CONSIDERS,USES_TECHNOLOGY_FROM check=edge_type: follow only these edge types; by default every type but HEADQUARTERED_IN and LOCATED_IN, since sharing a country is not a link
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @param limit int default=50 min=1 max=1000: vendors per page
// @param after str default=null check=entity_id kinds=Vendor: the last vendor_id of the page before (none: the first page)
// @param count bool default=true: count the vendors on all pages (total); false skips that search and gives total null
// @runtime centres list[str]: the national data centres asked about, set by the runner (statement centres)
// @runtime pairs list[str]: the page's {vendor, centre} pairs (each vendor and its nearest data centre), set by the runner
// @runtime vendors list[str]: the page's vendor ids, set by the runner
// @runtime page_centres list[str]: their nearest data centres' ids, set by the runner
// @column vendor_id: the vendor's id
// @column vendor_name: the vendor's name
// @column hops: length of the shortest path to any of its data centres
// @column data_centres: every data centre within max_hops: [{id, name, country, hops}], nearest first
// @column path: the witness path: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the witness path as text
// @column sources: ids of the sources of every claim on the witness path
// @column total: how many vendors there are on all pages (null with count=false)
//
// How it runs: `reach` searches outward from the national data centres (the native shortest-path
// search, distances only, no paths), one depth at a time: within 1 claim, then 2, ... up to max_hops,
// rendered with {{max_hops}} set to that depth. The order is nearest first, then name, then id, so a page
// is settled once every vendor up to some depth is known and there are enough of them to fill it past
// `after`: the runner stops there (a search to depth 2 costs a small part of one to depth 3 at a million
// claims). With more than one data centre a vendor's data_centres column needs every centre within
// max_hops, so the search then goes on to max_hops. `total` counts the vendors within max_hops in one
// statement, started first and run beside the others on a connection of its own (skipped with
// count=false, and with several data centres, whose search goes to max_hops anyway), and `witness` finds
// one shortest path for the page's vendors only, each to its nearest data centre, no longer than the
// page's farthest vendor. By hand in Neo4j Browser: :param country => '', write the types and max_hops
// in, and `true` for {{in_force r}}.

// @statement centres: the national data centres asked about (in $country, by field or LOCATED_IN claim)
MATCH (d:Database)
WHERE d.kind = 'national_data_centre'
OPTIONAL MATCH (d)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH d, collect(c.code) AS codes
WHERE $country = '' OR d.country = $country OR $country IN codes
RETURN d.id AS centre_id;

// @statement reach: each vendor within max_hops of each of those data centres (the runner sets the depth); hops is that bound
// (a var-length match kept DISTINCT per centre and vendor, which Neo4j runs as a breadth-first search that
// visits each node once: five to ten times faster than a SHORTEST search at 100k claims. It gives no
// lengths: the runner searches depth 1, 2, ... and keeps the depth at which it first met each pair.)
MATCH (d:Database)
WHERE d.id IN $centres
MATCH p = (d)-[{{types}}*1..{{max_hops}}]-(v:Vendor)
WHERE all(r IN relationships(p) WHERE {{in_force r}})
WITH DISTINCT d, v
RETURN v.id AS vendor_id, v.name AS vendor_name, d.id AS centre_id, d.name AS centre_name,
       d.country AS centre_country, {{max_hops}} AS hops;

// @statement total: how many vendors are within max_hops of those data centres
// (count(DISTINCT v.id), not count(DISTINCT v): after this breadth-first search, Neo4j 5.26 counts
// count(DISTINCT v) once per centre and vendor: 17,118 for 669 vendors within 2 claims of the 249
// centres of the 100k-claim graph)
MATCH (d:Database)
WHERE d.id IN $centres
MATCH p = (d)-[{{types}}*1..{{max_hops}}]-(v:Vendor)
WHERE all(r IN relationships(p) WHERE {{in_force r}})
RETURN count(DISTINCT v.id) AS total;

// @statement witness: one shortest path from each vendor of the page to its nearest data centre
// (shortestPath between two ends found by their labels' id indexes: Neo4j's bidirectional search)
UNWIND $pairs AS pair
MATCH (v:Vendor {id: pair.vendor})
MATCH (d:Database {id: pair.centre})
MATCH p = shortestPath((v)-[{{types}}*1..{{max_hops}}]-(d))
WHERE all(r IN relationships(p) WHERE {{in_force r}})
RETURN v.id AS vendor_id, p AS path;
