"""The graph for network tools: GraphML (Cytoscape, yEd, igraph), GEXF (Gephi) and CSV tables (spreadsheets).

A selection (the whole graph, an entity's neighbourhood, a query's result: the same Subgraph the viz pages
draw) becomes a networkx MultiDiGraph, and networkx's own writers write the files. Nodes carry their kind,
name, country and confidence; each claim is one edge carrying its type, confidence, dates, figures and its
sources, as ids and resolved ("publisher, title, date, url"), since these formats hold only flat values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from enum import StrEnum
from typing import IO, Any

import networkx as nx

from survgraph.viz.subgraph import Subgraph

#: Between list items inside one attribute (GraphML, GEXF and CSV cells hold flat values).
LIST_SEPARATOR = "; "


class GraphFormat(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    csv = "csv"

    @property
    def media_type(self) -> str:
        return {"graphml": "application/graphml+xml", "gexf": "application/gexf+xml", "csv": "text/csv"}[self.value]

    @property
    def extension(self) -> str:
        return f".{self.value}"


class CsvTable(StrEnum):
    nodes = "nodes"
    edges = "edges"


NODE_COLUMNS = ("id", "label", "kind", "country", "confidence", "wikidata", "description", "source_ids")
EDGE_COLUMNS = (
    "id",
    "source",
    "target",
    "claim_type",
    "confidence",
    "start_date",
    "end_date",
    "amount",
    "amount_currency",
    "quantity",
    "quantity_unit",
    "technologies",
    "notes",
    "source_ids",
    "sources",
)


def flat_cell(value: Any) -> Any:
    """A value as one flat cell: lists joined by LIST_SEPARATOR, whole doubles as integers."""
    if isinstance(value, list | tuple | set):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return int(value)  # figures are stored as doubles; 44000000, not 44000000.0, in a spreadsheet
    return value


def cite(source: Mapping[str, Any]) -> str:
    """A source as one line: publisher, title, date, url."""
    parts = [source.get("publisher"), source.get("title"), source.get("date"), source.get("url")]
    return ", ".join(str(p) for p in parts if p)


def node_attributes(row: Mapping[str, Any]) -> dict[str, Any]:
    country = row.get("country") or row.get("hq_country") or (row["id"][8:] if row.get("label") == "Country" else None)
    values = {
        "label": row.get("name") or row["id"],
        "kind": row.get("label"),
        "country": country,
        "confidence": row.get("confidence"),
        "wikidata": row.get("wikidata"),
        "description": row.get("description"),
        "source_ids": row.get("source_ids") or [],
    }
    return {k: flat_cell(v) for k, v in values.items() if v not in (None, [], "")}


def _number(value: Any) -> float | None:
    return None if value is None or isinstance(value, bool) else float(value)


def edge_attributes(row: Mapping[str, Any], sources: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    ids = list(row.get("source_ids") or [])
    values = {
        "id": row["id"],
        # GEXF gives `type`, `start` and `end` of an edge their own meanings (direction, time spell).
        "label": row.get("type"),
        "claim_type": row.get("type"),
        "confidence": row.get("confidence"),
        "start_date": row.get("start"),
        "end_date": row.get("end"),
        # Always floats: the writers type an attribute by its first value, and an amount typed `long`
        # from a whole number makes Gephi drop every later amount with cents (seen on the seed data).
        "amount": _number(row.get("amount")),
        "amount_currency": row.get("amount_currency"),
        "quantity": _number(row.get("quantity_value")),
        "quantity_unit": row.get("quantity_unit"),
        "technologies": row.get("technologies") or [],
        "notes": row.get("notes"),
        "source_ids": ids,
        "sources": [cite(sources[s]) for s in ids if s in sources],
    }
    numbers = ("amount", "quantity")
    return {k: v if k in numbers else flat_cell(v) for k, v in values.items() if v not in (None, [], "")}


def to_networkx(sub: Subgraph) -> nx.MultiDiGraph[str]:
    """The selection as a directed multigraph: one node per entity, one edge (keyed by claim id) per claim."""
    g: nx.MultiDiGraph[str] = nx.MultiDiGraph(name=sub.title)
    for node_id, row in sub.nodes.items():
        g.add_node(node_id, **node_attributes(row))
    for claim_id, row in sub.edges.items():
        if row["from_id"] in sub.nodes and row["to_id"] in sub.nodes:
            g.add_edge(row["from_id"], row["to_id"], key=claim_id, **edge_attributes(row, sub.sources))
    return g


def write_graph(sub: Subgraph, out: IO[bytes], fmt: GraphFormat, table: CsvTable = CsvTable.edges) -> None:
    """Write the selection in `fmt` to a binary stream (CSV: the nodes or the edges table)."""
    g = to_networkx(sub)
    if fmt is GraphFormat.graphml:
        nx.write_graphml(g, out, encoding="utf-8", prettyprint=True)
    elif fmt is GraphFormat.gexf:
        nx.write_gexf(g, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    else:
        text = io.StringIO(newline="")
        if table is CsvTable.nodes:
            writer = csv.DictWriter(text, NODE_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
            for node_id, attrs in g.nodes(data=True):
                writer.writerow({"id": node_id, **attrs})
        else:
            writer = csv.DictWriter(text, EDGE_COLUMNS, extrasaction="ignore", lineterminator="\r\n")
            writer.writeheader()
            for source, target, attrs in g.edges(data=True):
                # A spreadsheet reads 44000000 better than 44000000.0.
                cells = {k: flat_cell(v) for k, v in attrs.items()}
                writer.writerow({**cells, "source": source, "target": target})
        out.write(text.getvalue().encode("utf-8"))
