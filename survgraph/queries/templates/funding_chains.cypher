// @name funding_chains
// @title Funding around an entity
// @description Who funds what around a project, vendor, initiative, database, organisation or
// @description country: every FUNDED_BY claim within max_hops claims of it (following FUNDED_BY,
// @description SUPPLIES and PART_OF claims in either direction), and the SUPPLIES claims into
// @description funded projects and databases found on the way; optionally only claims in force on a date.
// @param id str required check=entity_id kinds=Project,Vendor,Initiative,Database,Organization,Country: where to start, e.g. project:lahore-safe-city
// @param max_hops int default=3 min=1 max=6: how far to look, in claims
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column relation: FUNDED_BY or SUPPLIES
// @column subject_id: the funded thing (FUNDED_BY) or the vendor (SUPPLIES)
// @column subject_name: its name
// @column object_id: the funder (FUNDED_BY) or the funded thing supplied (SUPPLIES)
// @column object_name: its name
// @column hops: claims between the start and the far end of this claim
// @column amount: the amount, as the source states it
// @column currency: ISO 4217 currency of the amount
// @column technologies: what was supplied (SUPPLIES claims)
// @column confidence: the claim's confidence
// @column claim_id: the claim's id
// @column sources: ids of the claim's sources
//
// How it runs: one statement: the native shortest-path search gives each node's distance from the
// start (the start included, at 0), then the FUNDED_BY and SUPPLIES claims touching the nodes closer
// than max_hops. The runner keeps FUNDED_BY claims and SUPPLIES claims into a funded thing.

// @statement claims: the funding and supply claims touching the nodes closer than max_hops, with each node's distance
MATCH (x{{label id}} {id: $id})
MATCH p = SHORTEST 1 (x)(()-[r:FUNDED_BY|SUPPLIES|PART_OF]-() WHERE {{in_force r}}){0,{{max_hops}}}(n)
WITH n, length(p) AS hops
WHERE hops < $max_hops
MATCH (n)-[c:FUNDED_BY|SUPPLIES]-(m)
WHERE {{in_force c}}
RETURN n.id AS node_id, hops, c AS claim, m.id AS other_id, n.name AS node_name, m.name AS other_name;
