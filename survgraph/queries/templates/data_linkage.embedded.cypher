// @statement paths: a shortest path to every linked item
MATCH (d:Database {id: $database})
MATCH p = (d)-[e:LINKS_DATA_WITH|ACCESSES_DATA_OF* SHORTEST 1..{{max_hops}} (r, n | WHERE {{in_force r}})]-(x)
WHERE x.id <> $database
RETURN p AS path;
