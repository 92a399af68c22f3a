// @name countries_by_vendor_origin
// @title Where a country's vendors supply
// @description Countries where vendors headquartered in `origin` supply something: a project,
// @description database or organisation located there, or the country itself. Per country: the
// @description vendors, what they supply, and the claims and sources (headquarters, supply, location).
// @description Countries with the most vendors come first.
// @param origin str required check=country_code: the vendors' headquarters country (ISO code), e.g. CN
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column country: ISO code of the country supplied
// @column country_name: its name
// @column vendors: the vendors: [{id, name}], by name
// @column targets: what they supply there: [{id, name, kind}], by name
// @column claims: ids of the claims behind it (HEADQUARTERED_IN, SUPPLIES, LOCATED_IN)
// @column sources: ids of the sources of those claims

MATCH (v:Vendor)-[h:HEADQUARTERED_IN]->(:Country {code: $origin})
MATCH (v)-[r:SUPPLIES]->(t)
WHERE {{in_force h}} AND {{in_force r}}
OPTIONAL MATCH (t)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH v, h, r, t, l, c
WHERE c IS NOT NULL OR t.code IS NOT NULL
RETURN v.id AS vendor_id, v.name AS vendor_name, t.id AS target_id, t.name AS target_name,
       coalesce(c.code, t.code) AS country, coalesce(c.name, t.name) AS country_name,
       h.id AS hq_claim, h.source_ids AS hq_sources, r.id AS supply_claim, r.source_ids AS supply_sources,
       l.id AS location_claim, l.source_ids AS location_sources;
