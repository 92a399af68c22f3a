"""Interactive, offline pages of the graph: pick a Subgraph from a store, render it with vis-network."""

from survgraph.viz.page import LARGE_GRAPH_NODES, Page, build_network, page_data, render_page, script_json
from survgraph.viz.subgraph import MAX_DEPTH, MIN_DEPTH, Subgraph, SubgraphReader, VizError, drawn_kinds

__all__ = [
    "LARGE_GRAPH_NODES",
    "MAX_DEPTH",
    "MIN_DEPTH",
    "Page",
    "Subgraph",
    "SubgraphReader",
    "VizError",
    "build_network",
    "drawn_kinds",
    "page_data",
    "render_page",
    "script_json",
]
