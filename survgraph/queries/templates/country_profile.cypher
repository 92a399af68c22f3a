// @name country_profile
// @title Country profile
// @description Projects, databases, vendors, funders, organisations and initiatives in a country: one
// @description row per item, with how it is linked to the country and the claims and sources behind it.
// @description Vendors: those supplying something located in the country (or the country itself),
// @description contracted by it, or headquartered there. Funders: of projects and databases located
// @description there. Initiatives: the country's memberships, and those its projects are part of.
// @param country str required check=country_code: ISO 3166-1 alpha-2 code, e.g. PK
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column category: project, database, vendor, funder, organization or initiative
// @column id: the item's id
// @column name: the item's name
// @column via: how the item is linked to the country, as edge-type chains such as SUPPLIES+LOCATED_IN
// @column through: ids of the things the link goes through (the supplied project, ...)
// @column claims: ids of the claims behind the link
// @column sources: ids of the sources of those claims
//
// Each UNION branch returns plain values (the embedded engine cannot union node columns of
// different kinds); an empty category means "the kind of the item". Python merges the rows.

MATCH (t:Project)-[r:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'project' AS category, t.id AS id, t.name AS name, 'LOCATED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (c:Country {code: $country})-[r:DEPLOYS]->(t)
WHERE {{in_force r}}
RETURN '' AS category, t.id AS id, t.name AS name, 'DEPLOYS' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (c:Country {code: $country})-[r:CONSIDERS]->(t:Project)
WHERE {{in_force r}}
RETURN 'project' AS category, t.id AS id, t.name AS name, 'CONSIDERS' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Database)-[r:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'database' AS category, t.id AS id, t.name AS name, 'LOCATED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Organization)-[r:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'organization' AS category, t.id AS id, t.name AS name, 'LOCATED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Organization)-[r:HEADQUARTERED_IN]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'organization' AS category, t.id AS id, t.name AS name, 'HEADQUARTERED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Vendor)-[r:SUPPLIES]->(x)-[r2:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}} AND {{in_force r2}}
RETURN 'vendor' AS category, t.id AS id, t.name AS name, 'SUPPLIES+LOCATED_IN' AS via, x.id AS through,
       [r.id, r2.id] AS claims, r.source_ids + r2.source_ids AS sources
UNION ALL
MATCH (t:Vendor)-[r:SUPPLIES]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'vendor' AS category, t.id AS id, t.name AS name, 'SUPPLIES' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (c:Country {code: $country})-[r:CONTRACTED]->(t:Vendor)
WHERE {{in_force r}}
RETURN 'vendor' AS category, t.id AS id, t.name AS name, 'CONTRACTED' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Vendor)-[r:HEADQUARTERED_IN]->(c:Country {code: $country})
WHERE {{in_force r}}
RETURN 'vendor' AS category, t.id AS id, t.name AS name, 'HEADQUARTERED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t)<-[r:FUNDED_BY]-(x)-[r2:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}} AND {{in_force r2}}
RETURN 'funder' AS category, t.id AS id, t.name AS name, 'FUNDED_BY+LOCATED_IN' AS via, x.id AS through,
       [r.id, r2.id] AS claims, r.source_ids + r2.source_ids AS sources
UNION ALL
MATCH (c:Country {code: $country})-[r:MEMBER_OF]->(t:Initiative)
WHERE {{in_force r}}
RETURN 'initiative' AS category, t.id AS id, t.name AS name, 'MEMBER_OF' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (t:Initiative)<-[r:PART_OF]-(x:Project)-[r2:LOCATED_IN]->(c:Country {code: $country})
WHERE {{in_force r}} AND {{in_force r2}}
RETURN 'initiative' AS category, t.id AS id, t.name AS name, 'PART_OF+LOCATED_IN' AS via, x.id AS through,
       [r.id, r2.id] AS claims, r.source_ids + r2.source_ids AS sources;
