// @name funding_chains
// @title Funding around an entity
// @description Who funds what around a project, vendor, initiative, database, organisation or
// @description country: every FUNDED_BY claim within max_hops claims of it (following FUNDED_BY,
// @description SUPPLIES and PART_OF claims in either direction), and the SUPPLIES claims into
// @description funded projects and databases found on the way.
// @param id str required check=entity_id kinds=Project,Vendor,Initiative,Database,Organization,Country: where to start, e.g. project:lahore-safe-city
// @param max_hops int default=3 min=1 max=6: how far to look, in claims
// @runtime frontier list[str]: ids of the nodes to expand next (set by the breadth-first search)
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
// How it runs: `start` once, then `expand` breadth-first for max_hops rounds ($frontier = the ids
// first reached in the round before); see survgraph/queries/walk.py.

// @statement start: the entity to start from
MATCH (x {id: $id})
RETURN x.id AS id, x.name AS name;

// @statement expand: funding, supply and part-of claims touching the frontier
MATCH (a)-[r:FUNDED_BY|SUPPLIES|PART_OF]-(b)
WHERE a.id IN $frontier
RETURN a.id AS node_id, r AS claim, b.id AS other_id, b.name AS other_name;
