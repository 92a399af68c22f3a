// @name vendor_countries
// @title Countries a vendor supplies
// @description Countries where a vendor SUPPLIES something located there (a project, database or
// @description organisation), or the country itself. The vendor is given by id, name or alias
// @description (case-insensitive). With `source`, only SUPPLIES claims citing that source:
// @description source=source:carnegie-aigs-2019 gives the countries whose AIGS Index entry names the
// @description vendor among its key companies.
// @param vendor str required: the vendor's id (vendor:nec), name or alias (NEC)
// @param source str default=null check=entity_id kinds=Source: only SUPPLIES claims citing this source, e.g. source:carnegie-aigs-2019
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column vendor_id: the vendor's id
// @column vendor: its name
// @column country_id: the id of the country supplied
// @column country: its name

WITH toLower($vendor) AS wanted
MATCH (v:Vendor)-[s:SUPPLIES]->(t)
WHERE (v.id = $vendor OR toLower(v.name) = wanted OR any(a IN v.aliases WHERE toLower(a) = wanted))
  AND ($source = '' OR $source IN s.source_ids)
  AND {{in_force s}}
OPTIONAL MATCH (t)-[l:LOCATED_IN]->(c:Country)
WHERE {{in_force l}}
WITH v, t, c
WHERE c IS NOT NULL OR t.code IS NOT NULL
RETURN DISTINCT v.id AS vendor_id, v.name AS vendor, coalesce(c.id, t.id) AS country_id,
       coalesce(c.name, t.name) AS country
ORDER BY country_id, vendor_id;
