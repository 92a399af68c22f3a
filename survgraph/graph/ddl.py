"""Schema statements for each engine, generated from the registry."""

from __future__ import annotations

from survgraph.schema import Registry


def q(name: str) -> str:
    """Backtick-quote an identifier from the registry (column names such as `end` are keywords)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a registry identifier: {name!r}")
    return f"`{name}`"


def neo4j_statements(registry: Registry) -> list[str]:
    """Uniqueness of `id` per label and per relationship type, plus one full-text index on names."""
    stmts = [
        f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for label in registry.node_kinds
    ]
    stmts += [
        f"CREATE CONSTRAINT {etype.lower()}_id IF NOT EXISTS FOR ()-[r:{etype}]-() REQUIRE r.id IS UNIQUE"
        for etype in registry.edge_types
    ]
    labels = "|".join(registry.node_kinds)
    stmts.append(f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{labels}) ON EACH [n.name, n.aliases]")
    return stmts


FULLTEXT_INDEX = "survgraph_names"


def ladybug_statements(registry: Registry) -> list[str]:
    """Node tables keyed on `id`, and one rel table per edge type listing every allowed pair."""
    stmts = []
    for label, cols in registry.node_columns.items():
        body = ", ".join(f"{q(c.name)} {c.type.value}" for c in cols)
        stmts.append(f"CREATE NODE TABLE IF NOT EXISTS {label}({body}, PRIMARY KEY({q('id')}))")
    rel_cols = ", ".join(f"{q(c.name)} {c.type.value}" for c in registry.edge_columns)
    for etype, edge in registry.edge_types.items():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in edge.endpoints)
        stmts.append(f"CREATE REL TABLE IF NOT EXISTS {etype}({pairs}, {rel_cols})")
    return stmts
