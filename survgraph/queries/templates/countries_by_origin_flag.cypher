// @name countries_by_origin_flag
// @title Countries using technology from a country of origin
// @description Countries with a project that USES_TECHNOLOGY_FROM the origin country: the AIGS
// @description Index's Chinese, US and Japanese technology flags, which hold whether or not a vendor
// @description of that origin is named (countries_by_vendor_origin counts named vendors instead).
// @description Per country, whether it is a MEMBER_OF the initiative. `technology` keeps projects
// @description that also use that technology; the index does not say that the two are one system.
// @description With `source`, only claims citing that source count, for origin and membership alike.
// @param origin str required check=country_code: ISO code of the country of origin, e.g. CN, US, JP
// @param initiative str default=initiative:bri check=entity_id kinds=Initiative: the initiative of the `member` column
// @param technology str default=null check=technology: only projects that also use this technology
// @param source str default=null check=entity_id kinds=Source: only claims citing this source, e.g. source:carnegie-aigs-2019
// @param members_only bool default=false: only countries that are members of the initiative
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column country_id: the country's id
// @column country: its name
// @column member: whether the country is a MEMBER_OF the initiative

MATCH (p:Project)-[u:USES_TECHNOLOGY_FROM]->(:Country {code: $origin})
MATCH (p)-[l:LOCATED_IN]->(c:Country)
WHERE ($technology = '' OR $technology IN p.technologies)
  AND {{in_force u}} AND {{in_force l}}
  AND ($source = '' OR $source IN u.source_ids)
WITH DISTINCT c
OPTIONAL MATCH (c)-[m:MEMBER_OF]->(:Initiative {id: $initiative})
WHERE ($source = '' OR $source IN m.source_ids) AND {{in_force m}}
WITH c, count(m) AS memberships
WHERE NOT $members_only OR memberships > 0
RETURN c.id AS country_id, c.name AS country, memberships > 0 AS member
ORDER BY country_id;
