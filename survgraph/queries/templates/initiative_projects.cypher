// @name initiative_projects
// @title Projects under an initiative
// @description Projects that are PART_OF an initiative, directly or (nested=true) through chains of
// @description PART_OF claims: projects of sub-initiatives (CPEC PART_OF BRI) and sub-projects of
// @description projects. Per project: the shortest chain, what it passes through, and its sources.
// @param initiative str required check=entity_id kinds=Initiative: the initiative's id, e.g. initiative:bri
// @param nested bool default=true: also follow chains through nested initiatives and projects
// @param max_depth int default=6 min=1 max=10: longest PART_OF chain followed
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column project_id: the project's id
// @column project_name: the project's name
// @column status: the project's status
// @column country: the project's country (ISO code), if recorded
// @column hops: number of PART_OF claims in the shortest chain
// @column via: ids of the initiatives and projects the chain passes through, from the project up
// @column claims: ids of the PART_OF claims on the chain
// @column sources: ids of the sources of those claims
//
// PART_OF chains are short and point one way, so a variable-length pattern is cheap on both
// engines; Python keeps the shortest chain per project (the smallest by ids on ties), which is the
// same under Neo4j's trail semantics and the embedded engine's walk semantics.
// In Neo4j Browser, replace {{max_depth}} with a number from 1 to 10.

MATCH p = (x:Project)-[:PART_OF*1..{{max_depth}}]->(i:Initiative {id: $initiative})
WHERE $nested OR length(p) = 1
UNWIND relationships(p) AS r
RETURN x.id AS project_id, x.name AS project_name, x.status AS status, x.country AS country, p AS chain,
       r.id AS claim_id, {{in_force r}} AS in_force;
