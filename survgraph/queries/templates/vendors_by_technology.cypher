// @name vendors_by_technology
// @title Vendors by technology
// @description Vendors that supply a technology, optionally only into one country. A SUPPLIES claim
// @description counts when it lists the technology, or when it lists none and the supplied project
// @description lists it (basis "project"). Per vendor: what it supplies, where, and the sources.
// @param technology str required check=technology: one of the Technology vocabulary, e.g. facial_recognition
// @param country str default=null check=country_code: only supplies into this country (ISO code, e.g. PK)
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column vendor_id: the vendor's id
// @column vendor_name: the vendor's name
// @column hq_country: the vendor's headquarters country (ISO code), if recorded
// @column basis: claim if some SUPPLIES claim names the technology, else project
// @column targets: what it supplies with the technology: [{id, name, kind, countries}]
// @column countries: ISO codes of the countries those targets are in (or are)
// @column claims: ids of the SUPPLIES claims
// @column sources: ids of the sources of those claims

MATCH (v:Vendor)-[r:SUPPLIES]->(t)
WHERE ($technology IN r.technologies
   OR (size(r.technologies) = 0 AND $technology IN t.technologies))
  AND {{in_force r}}
OPTIONAL MATCH (t)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH v, r, t, c
WHERE $country = '' OR c.code = $country OR t.code = $country
RETURN v.id AS vendor_id, v.name AS vendor_name, v.hq_country AS hq_country,
       t.id AS target_id, t.name AS target_name, coalesce(c.code, t.code) AS country,
       $technology IN r.technologies AS named, r.id AS claim_id, r.source_ids AS sources;
