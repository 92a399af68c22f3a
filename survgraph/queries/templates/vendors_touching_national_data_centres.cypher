// @name vendors_touching_national_data_centres
// @title Vendors near national data centres
// @description Vendors with a path of at most max_hops claims (any direction) to a
// @description database of kind national_data_centre, optionally only data centres in one country,
// @description optionally only through claims in force on a date. Per vendor: the data centres it
// @description reaches and how far, one shortest witness path (which one, when several are as short,
// @description is the engine's choice), the sources of every claim on that path, and how many
// @description vendors there are in all. Nearest first, a page of limit vendors at a time: pass the
// @description last vendor_id of a page as after for the next.
// @param max_hops int default=3 min=1 max=6: longest path to a data centre, in claims (edges)
// @param country str default=null check=country_code: only data centres in this country (ISO 3166-1 alpha-2, e.g. ZW)
// @param types list[str] default=SUPPLIES,LINKS_DATA_WITH,FUNDED_BY,PART_OF,OPERATED_BY,SUBSIDIARY_OF,MEMBER_OF,ACCESSES_DATA_OF,CONTRACTED,DEPLOYS,CONSIDERS,USES_TECHNOLOGY_FROM check=edge_type: follow only these edge types; by default every type but HEADQUARTERED_IN and LOCATED_IN, since sharing a country is not a link
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @param limit int default=50 min=1 max=1000: vendors per page
// @param after str default=null check=entity_id kinds=Vendor: the last vendor_id of the page before (none: the first page)
// @runtime pairs list[str]: the page's {vendor, centre} pairs (each vendor and its nearest data centre), set by the runner
// @runtime vendors list[str]: the page's vendor ids, set by the runner
// @runtime centres list[str]: their nearest data centres' ids, set by the runner
// @column vendor_id: the vendor's id
// @column vendor_name: the vendor's name
// @column hops: length of the shortest path to any of its data centres
// @column data_centres: every data centre within max_hops: [{id, name, country, hops}], nearest first
// @column path: the witness path: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the witness path as text
// @column sources: ids of the sources of every claim on the witness path
// @column total: how many vendors there are on all pages
//
// How it runs: `reach` once, the native shortest-path search from every national data centre to the
// vendors within max_hops, returning only distances (no paths: cheap at a million claims). The runner
// orders the vendors (nearest, then by name, then id), counts them, takes the page, and `witness`
// finds one shortest path for the page's vendors only, each to its nearest data centre. By hand in
// Neo4j Browser: :param country => '', write the types and max_hops in, and `true` for {{in_force r}}.

// @statement reach: the distance from each national data centre (in $country, by field or LOCATED_IN claim) to each vendor
MATCH (d:Database)
WHERE d.kind = 'national_data_centre'
OPTIONAL MATCH (d)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH d, collect(c.code) AS codes
WHERE $country = '' OR d.country = $country OR $country IN codes
MATCH p = SHORTEST 1 (d)(()-[r{{types}}]-() WHERE {{in_force r}}){1,{{max_hops}}}(v:Vendor)
RETURN v.id AS vendor_id, v.name AS vendor_name, d.id AS centre_id, d.name AS centre_name,
       d.country AS centre_country, length(p) AS hops;

// @statement witness: one shortest path from each vendor of the page to its nearest data centre
UNWIND $pairs AS pair
MATCH (v:Vendor {id: pair.vendor}), (d:Database {id: pair.centre})
MATCH p = SHORTEST 1 (v)(()-[r{{types}}]-() WHERE {{in_force r}}){1,{{max_hops}}}(d)
RETURN v.id AS vendor_id, p AS path;
