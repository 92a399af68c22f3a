"""Turns a Subgraph into one self-contained HTML page: pyvis builds the vis-network nodes, edges and options,
our own template inlines vis-network, the page script and the data, and nothing is fetched from anywhere.

Data from the graph reaches the page only as JSON inside <script type="application/json">, escaped for
that context; the page script renders it with textContent and DOM nodes, never as HTML. A Content Security
Policy that allows only the page's own two scripts (by hash) and no connections backs that up.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import jinja2
from markupsafe import Markup
from pyvis.network import Network

from survgraph.schema import REGISTRY, Registry
from survgraph.schema.models import wikidata_url
from survgraph.schema.registry import Column
from survgraph.viz.layout import Positions, force_layout
from survgraph.viz.subgraph import Subgraph, drawn_kinds

#: Above this many nodes positions are computed here (survgraph.viz.layout) and the browser draws them at
#: once with physics off, straight edges, and edges hidden while dragging or zooming: vis-network's own
#: physics needed over 20 s to settle 5,000 nodes in headless Chromium on a 2-core machine.
LARGE_GRAPH_NODES = 1_500

#: Styles of an edge by the confidence of its claim (vis-network `dashes`).
DASHES: dict[str, bool | list[int]] = {"confirmed": False, "reported": [8, 6], "alleged": [2, 5]}
EDGE_COLOUR = "#7f7f7f"
PATH_COLOUR = "#d62728"
LABEL_MAX = 40
#: vis-network shapes that hold their label inside them.
LABEL_INSIDE = frozenset({"box", "circle", "database", "ellipse", "text"})

#: Node fields that every kind has and that the tooltip shows in its own places.
_COMMON = frozenset({"id", "name", "aliases", "description", "source_ids", "confidence", "wikidata"})
#: Claim fields shown apart from the other fields.
_CLAIM_OWN = frozenset({"id", "from_id", "to_id", "source_ids", "confidence", "type"})

_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(value: Any) -> str:
    """JSON that is inert inside an HTML <script> element: no `</script>`, `<!--`, or line separators that
    older parsers treat as line ends, whatever strings the data holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, escaped in _ESCAPES.items():
        text = text.replace(ch, escaped)
    return text


@dataclass(frozen=True)
class Page:
    """A rendered page and the Content Security Policy it declares (servers send it as a header too)."""

    html: str
    csp: str
    nodes: int
    edges: int
    #: Entities on the page without any claim there (hidden until the page's switch is on).
    unconnected: int = 0


# -- assets ------------------------------------------------------------------------------------


@cache
def _asset(name: str) -> str:
    return (files("survgraph.viz") / "assets" / name).read_text(encoding="utf-8")


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env.from_string((files("survgraph.viz") / "templates" / "page.html").read_text(encoding="utf-8"))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _inline_script(text: str) -> str:
    # Trusted package files, but still: an inlined script must not be able to close its element.
    if "</script" in text.lower() or "<!--" in text:
        raise ValueError("an inlined script contains </script or <!--")
    return text


# -- formatting of fields ------------------------------------------------------------------------


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def fields_of(row: Mapping[str, Any], columns: Iterable[Column], skip: frozenset[str]) -> list[list[str]]:
    """[field, text] pairs for the non-empty fields of a row; nested fields (money, quantities) joined
    into one ("1,000,000 USD", "8,000 cameras")."""
    grouped: dict[str, list[Any]] = {}
    for col in columns:
        if col.field in skip or col.name in skip:
            continue
        value = row.get(col.name)
        if value is None or value == [] or value == "":
            continue
        grouped.setdefault(col.field, []).append(value)
    return [[name.replace("_", " "), " ".join(_text(v) for v in values)] for name, values in grouped.items()]


def _source_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", "publisher", "kind", "title", "date", "date_note", "url", "accessed")}


# -- the page model --------------------------------------------------------------------------------


def _kind_label(node_id: str, row: Mapping[str, Any], registry: Registry) -> str:
    # From the id prefix: an Organization's own `kind` column (e.g. "bank") overwrites the row's label.
    kind = registry.kind_of_id(node_id)
    return kind.label if kind is not None else str(row.get("kind", ""))


def _short(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "\u2026"


def _parallel_smooth(edges: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Curves for claims that share their two ends, so that each stays visible and hoverable."""
    groups: dict[frozenset[str], list[str]] = {}
    for eid in sorted(edges):
        e = edges[eid]
        groups.setdefault(frozenset((e["from_id"], e["to_id"])), []).append(eid)
    smooth: dict[str, dict[str, Any]] = {}
    for ids in groups.values():
        if len(ids) < 2:
            continue
        for i, eid in enumerate(ids):
            kind = "curvedCW" if i % 2 == 0 else "curvedCCW"
            smooth[eid] = {"enabled": True, "type": kind, "roundness": round(0.15 + 0.15 * (i // 2), 2)}
    return smooth


def _options(large: bool, n_nodes: int) -> dict[str, Any]:
    physics: dict[str, Any]
    if large:
        physics = {"enabled": False, "stabilization": {"enabled": False}}
    else:
        physics = {
            "enabled": True,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 140, "springConstant": 0.06},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 25, "fit": True},
            "minVelocity": 0.75,
        }
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": not large and n_nodes <= 300},
        "nodes": {"font": {"size": 14, "face": "sans-serif"}, "borderWidth": 1, "size": 16},
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}},
            "font": {"size": 10, "align": "middle", "color": "#444444", "strokeWidth": 3},
            "color": {"color": EDGE_COLOUR, "highlight": "#222222", "hover": "#222222", "inherit": False},
            "width": 1.4,
            "selectionWidth": 1.5,
            "smooth": False if large else {"enabled": True, "type": "dynamic"},
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "multiselect": False,
            "navigationButtons": False,
            "keyboard": {"enabled": False},
        },
        "physics": physics,
    }


def build_network(sub: Subgraph, registry: Registry = REGISTRY) -> Network:
    """The pyvis Network of a Subgraph: one vis node per entity (colour and shape of its kind), one directed
    edge per claim (labelled by type, dashed by confidence), witness paths in red. No `title`s: tooltips are
    built in the page from the JSON, as DOM nodes (vis-network would render a title string as HTML)."""
    large = len(sub.nodes) > LARGE_GRAPH_NODES
    net = Network(directed=True, height="100%", width="100%", cdn_resources="remote")
    positions: Positions = {}
    if large:
        pairs = [(e["from_id"], e["to_id"]) for e in sub.edges.values()]
        positions = force_layout(sorted(sub.nodes), pairs)
    for nid in sorted(sub.nodes):
        row = sub.nodes[nid]
        kind = registry.node_kinds.get(_kind_label(nid, row, registry))
        colour = kind.colour if kind else "#999999"
        hl = nid in sub.highlight_nodes
        border = PATH_COLOUR if hl else colour
        node: dict[str, Any] = {
            "color": {
                "background": colour,
                "border": border,
                "highlight": {"background": colour, "border": "#222222"},
                "hover": {"background": colour, "border": "#222222"},
            },
            "borderWidth": 4 if hl else 1,
        }
        if kind is not None and kind.shape in LABEL_INSIDE:
            # vis-network writes the label inside these shapes and grows them to fit: keep them small.
            node["widthConstraint"] = {"maximum": 90}
            node["font"] = {"size": 11}
        if nid == sub.focus:
            node["size"] = 24
        if nid in positions:
            node["x"], node["y"] = positions[nid]
        net.add_node(nid, label=_short(str(row.get("name") or nid)), shape=kind.shape if kind else "dot", **node)
    smooth = _parallel_smooth(sub.edges)
    for eid in sorted(sub.edges):
        e = sub.edges[eid]
        if e["from_id"] not in sub.nodes or e["to_id"] not in sub.nodes:
            continue
        hl = eid in sub.highlight_edges
        edge: dict[str, Any] = {
            "id": eid,
            "label": e["type"],
            "dashes": DASHES.get(str(e.get("confidence")), [2, 5]),
        }
        if hl:
            edge["color"] = {"color": PATH_COLOUR, "highlight": PATH_COLOUR, "hover": PATH_COLOUR, "inherit": False}
            edge["width"] = 4
        if eid in smooth:
            edge["smooth"] = smooth[eid]
        net.add_edge(e["from_id"], e["to_id"], **edge)
    net.set_options(json.dumps(_options(large, len(sub.nodes))))
    return net


def _year(value: Any) -> int | None:
    text = str(value or "")
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else None


def claim_years(edges: Iterable[Mapping[str, Any]]) -> list[int] | None:
    """[first, last]: the years the claims' start and end dates span, or None when no claim is dated."""
    years = [y for e in edges for y in (_year(e.get("start")), _year(e.get("end"))) if y is not None]
    return [min(years), max(years)] if years else None


def unconnected_ids(sub: Subgraph, drawn: set[str]) -> list[str]:
    """Entities no drawn claim touches, other than the page's focus and what a query highlights."""
    touched = {sub.edges[e][end] for e in drawn for end in ("from_id", "to_id")}
    keep = touched | sub.highlight_nodes | ({sub.focus} if sub.focus else set())
    return sorted(set(sub.nodes) - keep)


def page_data(sub: Subgraph, registry: Registry = REGISTRY, *, show_unconnected: bool = False) -> dict[str, Any]:
    """Everything the page script needs, as plain JSON values. Entities without any claim on the page are
    in the data but hidden until the page's "without claims" switch (initially `show_unconnected`) is on."""
    net = build_network(sub, registry)
    vis_nodes, vis_edges, _, _, _, options = net.get_network_data()
    drawn = {e["id"] for e in vis_edges}
    node_details = {}
    kind_counts: dict[str, int] = {}
    for nid, row in sub.nodes.items():
        label = _kind_label(nid, row, registry)
        kind_counts[label] = kind_counts.get(label, 0) + 1
        node_details[nid] = {
            "id": nid,
            "name": row.get("name") or nid,
            "kind": label,
            "aliases": row.get("aliases") or [],
            "description": row.get("description"),
            "confidence": row.get("confidence"),
            "wikidata": row.get("wikidata"),
            "wikidataUrl": wikidata_url(row.get("wikidata")),
            "fields": fields_of(row, registry.node_columns.get(label, ()), _COMMON),
            "sources": row.get("source_ids") or [],
        }
    edge_details = {}
    type_counts: dict[str, int] = {}
    for eid, e in sub.edges.items():
        if eid not in drawn:
            continue
        type_counts[e["type"]] = type_counts.get(e["type"], 0) + 1
        edge_details[eid] = {
            "id": eid,
            "type": e["type"],
            "from": e["from_id"],
            "to": e["to_id"],
            "confidence": e.get("confidence"),
            # The claim's dates as stored (partial dates): the time slider reads them in the page.
            "start": e.get("start"),
            "end": e.get("end"),
            "fields": fields_of(e, registry.edge_columns, _CLAIM_OWN),
            "sources": e.get("source_ids") or [],
        }
    kinds = [
        {
            "label": k.label,
            "colour": k.colour,
            "shape": k.shape,
            "description": k.description,
            "count": kind_counts.get(k.label, 0),
        }
        for k in (registry.node_kinds[label] for label in drawn_kinds(registry))
    ]
    edge_types = [
        {"name": t.name, "description": t.description, "count": type_counts.get(t.name, 0)}
        for t in registry.edge_types.values()
    ]
    return {
        "title": sub.title,
        "subtitle": sub.subtitle,
        "truncated": sub.truncated,
        "large": len(sub.nodes) > LARGE_GRAPH_NODES,
        "focus": sub.focus,
        "kinds": kinds,
        "edgeTypes": edge_types,
        "confidence": [{"name": name, "dashes": dashes} for name, dashes in DASHES.items()],
        "pathColour": PATH_COLOUR,
        "nodes": vis_nodes,
        "edges": vis_edges,
        "options": json.loads(options),
        "details": {"nodes": node_details, "edges": edge_details},
        "sources": {sid: _source_out(row) for sid, row in sub.sources.items()},
        "paths": [{"nodes": n, "edges": [e for e in es if e in drawn]} for n, es in sub.paths],
        "highlight": {"nodes": sorted(sub.highlight_nodes), "edges": sorted(sub.highlight_edges & drawn)},
        "unconnected": unconnected_ids(sub, drawn),
        "asOf": sub.as_of,
        "years": claim_years(edge_details.values()),
        "showUnconnected": show_unconnected,
    }


def render_page(sub: Subgraph, registry: Registry = REGISTRY, *, show_unconnected: bool = False) -> Page:
    """The page of a Subgraph: one HTML string with no external resource. Entities without any claim on the
    page show only once the page's switch is on (`show_unconnected`: on from the start)."""
    data = page_data(sub, registry, show_unconnected=show_unconnected)
    vis_js = _inline_script(_asset("vis-network.min.js"))
    app_js = _inline_script(_asset("viz.js"))
    csp = "; ".join(
        [
            "default-src 'none'",
            f"script-src {_sha256(vis_js)} {_sha256(app_js)}",
            # vis-network injects its own stylesheet; our styles are inline too.
            "style-src 'unsafe-inline'",
            "img-src data:",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    html = _template().render(
        title=sub.title,
        csp=csp,
        css=Markup(_asset("viz.css")),
        vis_js=Markup(vis_js),
        app_js=Markup(app_js),
        data_json=Markup(script_json(data)),
    )
    return Page(
        html=html, csp=csp, nodes=len(data["nodes"]), edges=len(data["edges"]), unconnected=len(data["unconnected"])
    )
