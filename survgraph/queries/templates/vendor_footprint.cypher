// @name vendor_footprint
// @title Vendor footprint
// @description Countries, projects, databases, organisations and technologies a vendor is linked to:
// @description one row per linked item, with how it is linked and the claims and sources behind it.
// @description Countries come from the headquarters claim, from what the vendor supplies, from the
// @description countries where supplied things are located, and from contracts; technologies from its
// @description SUPPLIES claims.
// @param vendor str required check=entity_id kinds=Vendor: the vendor's id, e.g. vendor:huawei
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column category: country, project, database, organization or technology
// @column id: the item's id (the technology's name for technologies)
// @column name: the item's name
// @column via: how the item is linked, as edge-type chains such as SUPPLIES+LOCATED_IN
// @column through: ids of the things the link goes through (the supplied project, ...)
// @column claims: ids of the claims behind the link
// @column sources: ids of the sources of those claims
//
// Each UNION branch returns plain values (the embedded engine cannot union node columns of
// different kinds); an empty category means "the kind of the item". Python merges the rows.

MATCH (v:Vendor {id: $vendor})-[r:HEADQUARTERED_IN]->(t:Country)
WHERE {{in_force r}}
RETURN 'country' AS category, t.id AS id, t.name AS name, 'HEADQUARTERED_IN' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})-[r:SUPPLIES]->(t)
WHERE {{in_force r}}
RETURN '' AS category, t.id AS id, t.name AS name, 'SUPPLIES' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})-[r:SUPPLIES]->(t)-[r2:LOCATED_IN]->(c:Country)
WHERE {{in_force r}} AND {{in_force r2}}
RETURN 'country' AS category, c.id AS id, c.name AS name, 'SUPPLIES+LOCATED_IN' AS via, t.id AS through,
       [r.id, r2.id] AS claims, r.source_ids + r2.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})-[r:ACCESSES_DATA_OF]->(t:Database)
WHERE {{in_force r}}
RETURN 'database' AS category, t.id AS id, t.name AS name, 'ACCESSES_DATA_OF' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})-[r:ACCESSES_DATA_OF]->(t:Database)-[r2:LOCATED_IN]->(c:Country)
WHERE {{in_force r}} AND {{in_force r2}}
RETURN 'country' AS category, c.id AS id, c.name AS name, 'ACCESSES_DATA_OF+LOCATED_IN' AS via, t.id AS through,
       [r.id, r2.id] AS claims, r.source_ids + r2.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})<-[r:CONTRACTED]-(t)
WHERE {{in_force r}}
RETURN '' AS category, t.id AS id, t.name AS name, 'CONTRACTED' AS via, '' AS through,
       [r.id] AS claims, r.source_ids AS sources
UNION ALL
MATCH (v:Vendor {id: $vendor})-[r:SUPPLIES]->(t)
WHERE {{in_force r}}
UNWIND r.technologies AS technology
RETURN 'technology' AS category, technology AS id, technology AS name, 'SUPPLIES' AS via, t.id AS through,
       [r.id] AS claims, r.source_ids AS sources;
