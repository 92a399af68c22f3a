// @name claims_by_source
// @title What a source supports
// @description Everything that cites a source: the entities that name it among their sources, then
// @description the claims (edges) that do.
// @param source str required check=entity_id kinds=Source: the source's id, e.g. source:dawn-2016-lahore
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column element: node or claim
// @column id: the entity's or the claim's id
// @column kind: the node kind (Vendor, ...) or the claim's edge type (SUPPLIES, ...)
// @column name: the entity's name, or the claim as text (Acme -[SUPPLIES]-> City Cameras)
// @column from_id: the claim's subject (claims only)
// @column to_id: the claim's object (claims only)
// @column confidence: the entity's or the claim's confidence

// @statement entities: entities citing the source
MATCH (n)
WHERE $source IN n.source_ids
RETURN n.id AS id, n.name AS name, n.confidence AS confidence;

// @statement claims: claims citing the source
MATCH (a)-[r]->(b)
WHERE $source IN r.source_ids AND {{in_force r}}
RETURN r AS claim, a.name AS from_name, b.name AS to_name;
