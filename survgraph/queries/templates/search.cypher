// @name search
// @title Search names and aliases
// @description Entities whose name or one of whose aliases contains the text, ignoring case. Exact
// @description name matches come first, then names starting with the text, other name matches,
// @description exact aliases and other alias matches; by name within each.
// @param text str required min=1 max=200: the text to look for, e.g. huawei
// @param limit int default=20 min=1 max=200: at most this many results
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @runtime lucene str: the text as a Lucene query of escaped *term* wildcards (Neo4j variant only)
// @column id: the entity's id
// @column kind: its node kind
// @column name: its name
// @column aliases: its aliases
// @column matched: name, or the alias that matched
//
// This form runs on both engines. On Neo4j, search.neo4j.cypher uses the full-text index
// survgraph_names to find candidates first, then applies the same test, so both answer alike.

WITH toLower($text) AS needle
MATCH (n)
WHERE toLower(n.name) CONTAINS needle
   OR any(alias IN n.aliases WHERE toLower(alias) CONTAINS needle)
RETURN n.id AS id, n.name AS name, n.aliases AS aliases;
