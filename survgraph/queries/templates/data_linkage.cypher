// @name data_linkage
// @title Data linkage around a database
// @description Databases, organisations and vendors linked to a database, transitively, through
// @description LINKS_DATA_WITH and ACCESSES_DATA_OF claims (either direction), up to max_hops claims
// @description away, optionally only through claims in force on a date. Per item: the distance, one
// @description shortest witness path (which one, when several are as short, is the engine's choice)
// @description and the sources on it.
// @param database str required check=entity_id kinds=Database: the database's id, e.g. database:nadra-cnic
// @param max_hops int default=3 min=1 max=6: how far to follow links, in claims
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column id: the linked item's id
// @column name: its name
// @column kind: its node kind (Database, Organization or Vendor)
// @column hops: claims between the database and the item
// @column path: the witness path from the database: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the witness path as text
// @column sources: ids of the sources of every claim on the witness path
//
// How it runs: one native search, a shortest path from the database to every item within max_hops
// (Neo4j `SHORTEST 1`; LadybugDB `SHORTEST`, in the .embedded.cypher variant).

// @statement paths: a shortest path to every linked item
MATCH (d:Database {id: $database})
MATCH p = SHORTEST 1 (d)(()-[r:LINKS_DATA_WITH|ACCESSES_DATA_OF]-() WHERE {{in_force r}}){1,{{max_hops}}}(x)
WHERE x <> d
RETURN p AS path;
