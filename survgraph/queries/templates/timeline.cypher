// @name timeline
// @title Timeline of an entity
// @description One entity's claims in date order: by start, then end; claims without a start come
// @description last (those with only an end first among them). For a country, also the claims of
// @description everything LOCATED_IN it (projects, databases, organisations), each once; `about` says
// @description which entity a row belongs to. With as_of, only claims in force that day (the
// @description LOCATED_IN claim that brings a thing into a country's timeline too).
// @param id str required check=entity_id: the entity, e.g. vendor:huawei or country:PK
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column start: when the claim began (YYYY, YYYY-MM or YYYY-MM-DD), if recorded
// @column end: when it ended, if recorded
// @column type: the claim's edge type (SUPPLIES, ...)
// @column about_id: the entity the claim belongs to: the one asked for, or a thing located in the country
// @column about: its name
// @column direction: -> when `about` is the claim's subject, <- when it is the object
// @column other_id: the claim's other end
// @column other: its name
// @column text: the claim as text (Acme -[SUPPLIES]-> City Cameras)
// @column confidence: the claim's confidence
// @column claim_id: the claim's id
// @column sources: ids of the claim's sources

// @statement claims: the claims touching the entity
MATCH (x{{label id}} {id: $id})-[r]-(o)
WHERE {{in_force r}}
RETURN x.id AS about_id, x.name AS about_name, r AS claim, o.id AS other_id, o.name AS other_name;

// @statement located: for a country, the claims touching what is located in it
MATCH (x)-[l:LOCATED_IN]->(:Country {id: $id})
WHERE {{in_force l}}
MATCH (x)-[r]-(o)
WHERE {{in_force r}}
RETURN x.id AS about_id, x.name AS about_name, r AS claim, o.id AS other_id, o.name AS other_name;
