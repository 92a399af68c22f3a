// @name data_linkage
// @title Data linkage around a database
// @description Databases, organisations and vendors linked to a database, transitively, through
// @description LINKS_DATA_WITH and ACCESSES_DATA_OF claims (either direction), up to max_hops claims
// @description away. Per item: the distance, one shortest witness path and the sources on it.
// @param database str required check=entity_id kinds=Database: the database's id, e.g. database:nadra-cnic
// @param max_hops int default=3 min=1 max=6: how far to follow links, in claims
// @runtime frontier list[str]: ids of the nodes to expand next (set by the breadth-first search)
// @runtime ids list[str]: ids of the claims to read whole (set by the runner)
// @column id: the linked item's id
// @column name: its name
// @column kind: its node kind (Database, Organization or Vendor)
// @column hops: claims between the database and the item
// @column path: the witness path from the database: {nodes: [{id, name, kind}], relationships: [each claim whole, plus direction -> or <-]}
// @column path_text: the witness path as text
// @column sources: ids of the sources of every claim on the witness path
//
// How it runs: `start` once, then `expand` breadth-first; see survgraph/queries/walk.py.

// @statement start: the database to start from
MATCH (d:Database {id: $database})
RETURN d.id AS id, d.name AS name;

// @statement expand: data links touching the frontier
MATCH (a)-[r:LINKS_DATA_WITH|ACCESSES_DATA_OF]-(b)
WHERE a.id IN $frontier
RETURN a.id AS node_id, r.id AS claim_id, r.from_id AS from_id, r.to_id AS to_id,
       b.id AS other_id, b.name AS other_name;

// @statement claims: the whole claims on the paths returned
MATCH ()-[r]->()
WHERE r.id IN $ids
RETURN r AS claim;
