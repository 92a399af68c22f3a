"""The Python half of each template: run its statements, then merge, order and shape the rows.

Every runner returns rows keyed by the template's columns, sorted on a total order (ids break
ties), so the two stores give identical answers. A template without an entry in RUNNERS has one
statement and runs it as is (`run_plain`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from survgraph.graph import GraphView
from survgraph.queries.bidirectional import BidirectionalSearch
from survgraph.queries.catalogue import TemplateError
from survgraph.queries.context import Context, Runner
from survgraph.queries.lucene import contains_query
from survgraph.queries.params import TemplateParamError
from survgraph.queries.shapes import (
    claim_text,
    kind_of,
    name_key,
    node_ref,
    path_text,
    path_value,
    sorted_unique,
    sources_of,
)
from survgraph.queries.walk import WalkPath

RUNNERS: dict[str, Runner] = {}

#: Templates each of whose rows is a path between the entities given (`check=entity_id` parameters): a row
#: proves they are in the graph, so run_template checks them only when the answer is empty. On Neo4j the
#: check beside the statement cost a second query on the server's cores (shortest path at 1M claims: p50
#: 18.5 ms against 12.4 ms for the statement alone).
ROWS_PROVE_ENTITIES = frozenset({"shortest_path"})


def runner(name: str) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        RUNNERS[name] = fn
        return fn

    return register


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True, default=str))


def run_plain(ctx: Context) -> list[dict[str, Any]]:
    """One statement, rows as returned. Without ORDER BY they are sorted on every column in order;
    with ORDER BY the statement's order stands (its author makes it total)."""
    names = list(ctx.template.statements)
    if len(names) != 1:
        raise TemplateError(f"{ctx.template.name}: {len(names)} statements need a runner in survgraph.queries.runners")
    rows = ctx.run(names[0])
    if "ORDER BY" not in " ".join(ctx.template.statement(names[0], ctx.store.name).text.upper().split()):
        columns = ctx.template.columns
        rows.sort(key=lambda r: [_sortable(r.get(c)) for c in columns])
    return rows


# -- path searches (each engine's own shortest-path search; see the templates' notes) -------------


def _walk(value: Mapping[str, Any]) -> tuple[WalkPath, dict[str, str], dict[str, dict[str, Any]]]:
    """A path as the store returns it ({nodes, relationships}, in walking order) as a WalkPath, with
    the names of its nodes and its claims whole, by id."""
    nodes, rels = value["nodes"], value["relationships"]
    path = WalkPath(tuple(n["id"] for n in nodes), tuple(r["id"] for r in rels))
    return path, {n["id"]: n.get("name") for n in nodes}, {r["id"]: dict(r) for r in rels}


def _path_columns(value: Mapping[str, Any]) -> dict[str, Any]:
    """The path, path_text and sources columns of one path as the store returns it."""
    return _walk_columns(*_walk(value))


def _walk_columns(path: WalkPath, names: Mapping[str, Any], claims: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The path, path_text and sources columns of one path, from its nodes' names and claims by id (those
    of other paths too)."""
    shaped = path_value(path, names, claims)
    return {"path": shaped, "path_text": path_text(shaped), "sources": sources_of(claims[c] for c in path.claims)}


def _cursor_error(ctx: Context, after: str) -> TemplateParamError:
    return TemplateParamError(
        ctx.template.name,
        [
            {
                "param": "after",
                "message": f"{after} is not among the vendors found (the data or the other parameters changed?); "
                "ask for the first page again, without after",
                "type": "cursor",
            }
        ],
    )


def _reach(ctx: Context, centres: list[str], depth: int, vendors: dict[str, dict[str, Any]]) -> None:
    """Add every vendor within `depth` claims of the data centres to `vendors`: its name and each centre's
    distance (a row's hops may be the depth searched, not the length: the nearest depth asked wins)."""
    within = replace(ctx, values={**ctx.values, "max_hops": depth})
    for r in within.run("reach", centres=centres):
        v = vendors.setdefault(r["vendor_id"], {"name": r["vendor_name"], "centres": {}})
        centre = v["centres"].get(r["centre_id"])
        if centre is None or r["hops"] < centre["hops"]:
            v["centres"][r["centre_id"]] = {
                "id": r["centre_id"],
                "name": r["centre_name"],
                "country": r["centre_country"],
                "hops": r["hops"],
            }
    for v in vendors.values():
        v["reached"] = sorted(v["centres"].values(), key=lambda c: (c["hops"], c["id"]))
        v["hops"] = v["reached"][0]["hops"]


@runner("vendors_touching_national_data_centres")
def vendors_touching_national_data_centres(ctx: Context) -> list[dict[str, Any]]:
    centres = sorted(r["centre_id"] for r in ctx.run("centres"))
    after: str | None = ctx.values.get("after")
    limit: int = ctx.values["limit"]
    max_hops: int = ctx.values["max_hops"]
    # One depth at a time, from 1 (the order is hops first, so a depth's vendors all come before the next
    # depth's): stop at the first depth whose vendors fill the page past `after`. With several centres,
    # each vendor's data_centres lists every one within max_hops, which only the search to max_hops finds.
    # The total is a search to max_hops of its own: with one data centre it starts now, beside the page's
    # statements (a second connection or session), and is waited for at the end. With several, the page's
    # search goes to max_hops anyway and counts them.
    counted: Callable[[], list[dict[str, Any]]] | None = None
    if ctx.values["count"] and len(centres) == 1:
        counted = ctx.run_beside("total", centres=centres)
    vendors: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    first = depth = 0
    while centres and depth < max_hops:
        depth += 1
        _reach(ctx, centres, depth, vendors)
        order = sorted(vendors, key=lambda vid: (vendors[vid]["hops"], *name_key(vendors[vid]["name"], vid)))
        first = order.index(after) + 1 if after in vendors else 0
        if len(centres) == 1 and (first or not after) and len(order) >= first + limit:
            break
    if after and after not in vendors:
        raise _cursor_error(ctx, after)
    page = order[first : first + limit]
    if not page:
        return []
    pairs = [{"vendor": vid, "centre": vendors[vid]["reached"][0]["id"]} for vid in page]
    # No witness is longer than the page's farthest vendor: the search need not go deeper.
    near = replace(ctx, values={**ctx.values, "max_hops": max(vendors[vid]["hops"] for vid in page)})
    witness: dict[str, dict[str, Any]] = {}
    for r in near.run("witness", pairs=pairs, vendors=page, page_centres=sorted({p["centre"] for p in pairs})):
        vid = r["vendor_id"]
        value = r["path"]
        if value["nodes"][0]["id"] != vid:  # searched from the data centre: walk it from the vendor
            value = {"nodes": value["nodes"][::-1], "relationships": value["relationships"][::-1]}
        found = _path_columns(value)
        if len(found["path"]["relationships"]) != vendors[vid]["hops"]:
            continue  # a path to a farther data centre
        if vid not in witness or found["path"]["nodes"][-1]["id"] < witness[vid]["path"]["nodes"][-1]["id"]:
            witness[vid] = found
    total: int | None = None
    if ctx.values["count"]:
        total = len(order) if counted is None else counted()[0]["total"]
    rows: list[dict[str, Any]] = []
    for vid in page:
        if vid not in witness:  # the graph changed between the two statements
            continue
        v = vendors[vid]
        rows.append(
            {
                "vendor_id": vid,
                "vendor_name": v["name"],
                "hops": v["hops"],
                "data_centres": v["reached"],
                **witness[vid],
                "total": total,
            }
        )
    return rows


@dataclass
class _Around:
    """What a claims-around-a-ball statement returned: each node's distance (nodes closer than the
    bound), names, the claims touching them whole, and each claim's nearest end's distance."""

    dist: dict[str, int] = field(default_factory=dict)
    names: dict[str, str | None] = field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    near: dict[str, int] = field(default_factory=dict)


def _around(rows: Iterable[Mapping[str, Any]]) -> _Around:
    out = _Around()
    for r in rows:
        node, hops = r["node_id"], r["hops"]
        out.dist[node] = min(hops, out.dist.get(node, hops))
        out.names[node] = r.get("node_name")
        out.nodes.setdefault(node, {"confidence": r.get("node_confidence"), "sources": r.get("node_sources")})
        claim = r.get("claim")
        if claim is None:
            continue
        other = r["other_id"]
        out.names.setdefault(other, r.get("other_name"))
        out.nodes.setdefault(other, {"confidence": r.get("other_confidence"), "sources": r.get("other_sources")})
        out.claims[claim["id"]] = claim
        out.near[claim["id"]] = min(hops, out.near.get(claim["id"], hops))
    return out


@runner("funding_chains")
def funding_chains(ctx: Context) -> list[dict[str, Any]]:
    found = _around(ctx.run("claims"))
    funded = {c["from_id"] for c in found.claims.values() if c["type"] == "FUNDED_BY"}
    rows = []
    for cid, c in found.claims.items():
        if not (c["type"] == "FUNDED_BY" or (c["type"] == "SUPPLIES" and c["to_id"] in funded)):
            continue
        a, b = c["from_id"], c["to_id"]
        rows.append(
            {
                "relation": c["type"],
                "subject_id": a,
                "subject_name": found.names.get(a),
                "object_id": b,
                "object_name": found.names.get(b),
                "hops": found.near[cid] + 1,
                "amount": c.get("amount"),
                "currency": c.get("amount_currency"),
                "technologies": sorted(c.get("technologies") or []),
                "confidence": c.get("confidence"),
                "claim_id": cid,
                "sources": sorted_unique(c.get("source_ids") or []),
            }
        )
    rows.sort(key=lambda r: (r["hops"], r["relation"], r["subject_id"], r["object_id"], r["claim_id"]))
    return rows


@runner("data_linkage")
def data_linkage(ctx: Context) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for r in ctx.run("paths"):
        cols = _path_columns(r["path"])
        end = cols["path"]["nodes"][-1]
        hops = len(cols["path"]["relationships"])
        current = best.get(end["id"])
        if current is None or hops < current["hops"]:
            best[end["id"]] = {"id": end["id"], "name": end["name"], "kind": kind_of(end["id"]), "hops": hops, **cols}
    rows = list(best.values())
    rows.sort(key=lambda r: (r["hops"], *name_key(r["name"], r["id"])))
    return rows


@runner("shortest_path")
def shortest_path(ctx: Context) -> list[dict[str, Any]]:
    if ctx.values["from"] == ctx.values["to"]:
        return []
    if ctx.store.name == "embedded":
        return _shortest_both_ends(ctx)
    found: dict[WalkPath, Mapping[str, Any]] = {}
    for r in ctx.run("paths"):
        path, _, _ = _walk(r["path"])
        found.setdefault(path, r["path"])
    if not found:
        return []
    least = min(p.hops for p in found)
    # Only the shortest count (allShortestPaths returns no other; kept should a template search more).
    # Smallest first: compared step by step on (node id, claim id), as the shortest paths are listed.
    chosen = sorted((p for p in found if p.hops == least), key=lambda p: tuple(zip(p.nodes[1:], p.claims, strict=True)))
    return [
        {"rank": rank, "hops": path.hops, **_path_columns(found[path])}
        for rank, path in enumerate(chosen[: ctx.values["limit"]], start=1)
    ]


def _shortest_both_ends(ctx: Context) -> list[dict[str, Any]]:
    """The embedded store's shortest paths: a search from both ends (survgraph.queries.bidirectional), not
    LadybugDB's one-ended ALL SHORTEST (the template's .embedded.cypher, kept for users to paste)."""
    search = BidirectionalSearch(
        ctx.store, types=ctx.values.get("types"), as_of=ctx.values.get("as_of"), max_hops=ctx.values["max_hops"]
    )
    found = search.search(ctx.values["from"], ctx.values["to"], ctx.values["limit"])
    if not found.paths:
        return []
    names, claims = search.read(found.paths)
    return [
        {"rank": rank, "hops": path.hops, **_walk_columns(path, names, claims)}
        for rank, path in enumerate(found.paths, start=1)
    ]


@runner("neighbourhood")
def neighbourhood(ctx: Context) -> list[dict[str, Any]]:
    found = _around(ctx.run("claims"))
    if not found.dist:
        return []
    depth: int = ctx.values["depth"]
    # A far end not met closer than depth is at depth exactly: it is one claim from a node closer.
    dist = {node: found.dist.get(node, depth) for node in found.nodes}
    nodes: list[dict[str, Any]] = []
    for node, hops in dist.items():
        info = found.nodes[node]
        nodes.append(
            {
                "element": "node",
                "id": node,
                "kind": kind_of(node),
                "name": found.names.get(node),
                "hops": hops,
                "from_id": None,
                "to_id": None,
                "confidence": info.get("confidence"),
                "sources": sorted_unique(info.get("sources") or []),
            }
        )
    nodes.sort(key=lambda r: (r["hops"], *name_key(r["name"], r["id"])))
    claims = []
    for cid, c in found.claims.items():
        claims.append(
            {
                "element": "claim",
                "id": cid,
                "kind": c["type"],
                "name": claim_text(c, found.names),
                "hops": found.near[cid] + 1,
                "from_id": c["from_id"],
                "to_id": c["to_id"],
                "confidence": c.get("confidence"),
                "sources": sorted_unique(c.get("source_ids") or []),
            }
        )
    claims.sort(key=lambda r: (r["hops"], r["kind"], r["from_id"], r["to_id"], r["id"]))
    return nodes + claims


# -- one-statement templates whose rows are merged -----------------------------------------------


def _merge_links(rows: Iterable[Mapping[str, Any]], order: tuple[str, ...]) -> list[dict[str, Any]]:
    """Rows of (category, id, name, via, through, claims, sources) merged per (category, id)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        category = r["category"] or kind_of(r["id"]).lower()
        m = merged.setdefault(
            (category, r["id"]),
            {"category": category, "id": r["id"], "name": r["name"], "via": set(), "through": set(), "claims": set()},
        )
        m["via"].add(r["via"])
        if r["through"]:
            m["through"].add(r["through"])
        m["claims"].update(r["claims"])
        m.setdefault("sources", set()).update(r["sources"] or [])
    out = [
        {
            "category": m["category"],
            "id": m["id"],
            "name": m["name"],
            "via": sorted(m["via"]),
            "through": sorted(m["through"]),
            "claims": sorted(m["claims"]),
            "sources": sorted(m["sources"]),
        }
        for m in merged.values()
    ]
    rank = {c: i for i, c in enumerate(order)}
    out.sort(key=lambda m: (rank.get(m["category"], len(order)), *name_key(m["name"], m["id"])))
    return out


@runner("vendor_footprint")
def vendor_footprint(ctx: Context) -> list[dict[str, Any]]:
    return _merge_links(ctx.run(), ("country", "project", "database", "organization", "technology"))


@runner("country_profile")
def country_profile(ctx: Context) -> list[dict[str, Any]]:
    return _merge_links(ctx.run(), ("project", "database", "vendor", "funder", "organization", "initiative"))


@runner("initiative_projects")
def initiative_projects(ctx: Context) -> list[dict[str, Any]]:
    # One row per claim on a chain, with whether that claim is in force on `as_of`: a chain counts only
    # when every claim on it does (LadybugDB cannot read $as_of inside all(... WHERE ...)).
    chains: dict[tuple[str, tuple[str, ...]], Mapping[str, Any]] = {}
    broken: set[tuple[str, tuple[str, ...]]] = set()
    for row in ctx.run():
        chain_key = (row["project_id"], tuple(c["id"] for c in row["chain"]["relationships"]))
        chains[chain_key] = row
        if not row["in_force"]:
            broken.add(chain_key)
    best: dict[str, tuple[tuple[int, list[str], list[str]], Mapping[str, Any]]] = {}
    for chain_key, r in sorted(chains.items()):
        if chain_key in broken:
            continue
        chain = r["chain"]
        nodes = [n["id"] for n in chain["nodes"]]
        claims = [c["id"] for c in chain["relationships"]]
        key = (len(claims), nodes, claims)
        current = best.get(r["project_id"])
        if current is None or key < current[0]:
            best[r["project_id"]] = (key, r)
    rows: list[dict[str, Any]] = []
    for (hops, nodes, claims), found in best.values():
        rows.append(
            {
                "project_id": found["project_id"],
                "project_name": found["project_name"],
                "status": found["status"],
                "country": found["country"],
                "hops": hops,
                "via": nodes[1:-1],
                "claims": claims,
                "sources": sources_of(found["chain"]["relationships"]),
            }
        )
    rows.sort(key=lambda r: (r["hops"], *name_key(r["project_name"], r["project_id"])))
    return rows


@runner("vendors_by_technology")
def vendors_by_technology(ctx: Context) -> list[dict[str, Any]]:
    vendors: dict[str, dict[str, Any]] = {}
    for r in ctx.run():
        v = vendors.setdefault(
            r["vendor_id"],
            {
                "vendor_id": r["vendor_id"],
                "vendor_name": r["vendor_name"],
                "hq_country": r["hq_country"],
                "named": False,
                "targets": {},
                "claims": set(),
                "sources": set(),
            },
        )
        v["named"] = v["named"] or bool(r["named"])
        target = v["targets"].setdefault(
            r["target_id"], {**node_ref(r["target_id"], r["target_name"]), "countries": set()}
        )
        if r["country"]:
            target["countries"].add(r["country"])
        v["claims"].add(r["claim_id"])
        v["sources"].update(r["sources"] or [])
    rows = []
    for v in vendors.values():
        targets = sorted(v["targets"].values(), key=lambda t: name_key(t["name"], t["id"]))
        rows.append(
            {
                "vendor_id": v["vendor_id"],
                "vendor_name": v["vendor_name"],
                "hq_country": v["hq_country"],
                "basis": "claim" if v["named"] else "project",
                "targets": [{**t, "countries": sorted(t["countries"])} for t in targets],
                "countries": sorted({c for t in targets for c in t["countries"]}),
                "claims": sorted(v["claims"]),
                "sources": sorted(v["sources"]),
            }
        )
    rows.sort(key=lambda r: name_key(r["vendor_name"], r["vendor_id"]))
    return rows


@runner("countries_by_vendor_origin")
def countries_by_vendor_origin(ctx: Context) -> list[dict[str, Any]]:
    countries: dict[str, dict[str, Any]] = {}
    for r in ctx.run():
        c = countries.setdefault(
            r["country"],
            {"name": r["country_name"], "vendors": {}, "targets": {}, "claims": set(), "sources": set()},
        )
        c["vendors"][r["vendor_id"]] = r["vendor_name"]
        c["targets"][r["target_id"]] = r["target_name"]
        for claim, sources in (
            (r["hq_claim"], r["hq_sources"]),
            (r["supply_claim"], r["supply_sources"]),
            (r["location_claim"], r["location_sources"]),
        ):
            if claim:
                c["claims"].add(claim)
                c["sources"].update(sources or [])
    rows = [
        {
            "country": code,
            "country_name": c["name"],
            "vendors": [
                {"id": i, "name": n} for i, n in sorted(c["vendors"].items(), key=lambda kv: name_key(kv[1], kv[0]))
            ],
            "targets": [node_ref(i, n) for i, n in sorted(c["targets"].items(), key=lambda kv: name_key(kv[1], kv[0]))],
            "claims": sorted(c["claims"]),
            "sources": sorted(c["sources"]),
        }
        for code, c in countries.items()
    ]
    rows.sort(key=lambda r: (-len(r["vendors"]), r["country"]))
    return rows


@runner("claims_by_source")
def claims_by_source(ctx: Context) -> list[dict[str, Any]]:
    entities = [
        {
            "element": "node",
            "id": r["id"],
            "kind": kind_of(r["id"]),
            "name": r["name"],
            "from_id": None,
            "to_id": None,
            "confidence": r["confidence"],
        }
        for r in ctx.run("entities")
    ]
    entities.sort(key=lambda r: (r["kind"], *name_key(r["name"], r["id"])))
    claims = []
    for r in ctx.run("claims"):
        c = r["claim"]
        names = {c["from_id"]: r["from_name"], c["to_id"]: r["to_name"]}
        claims.append(
            {
                "element": "claim",
                "id": c["id"],
                "kind": c["type"],
                "name": claim_text(c, names),
                "from_id": c["from_id"],
                "to_id": c["to_id"],
                "confidence": c.get("confidence"),
            }
        )
    claims.sort(key=lambda r: (r["kind"], r["from_id"], r["to_id"], r["id"]))
    return entities + claims


@runner("vendor_countries")
def vendor_countries(ctx: Context) -> list[dict[str, Any]]:
    """As written; a vendor id (vendor:...) that answers nothing must name a vendor of the graph, else
    NoSuchEntity with the closest ids (a name or alias that matches nothing is just no answer)."""
    rows = run_plain(ctx)
    wanted: str = ctx.values["vendor"]
    if not rows and kind_of(wanted) == "Vendor":
        GraphView(ctx.store).require([wanted])
    return rows


def timeline_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Date order: start, then end (partial dates sort as text: "2016" < "2016-05" < "2016-05-20");
    a missing start or end sorts after every date. Ties: type, the entity, then the claim id."""
    start, end = row["start"], row["end"]
    return (start is None, start or "", end is None, end or "", row["type"], row["about_id"], row["claim_id"])


@runner("timeline")
def timeline(ctx: Context) -> list[dict[str, Any]]:
    entity: str = ctx.values["id"]
    found = ctx.run("claims")
    if kind_of(entity) == "Country":
        found += ctx.run("located")
    rows: dict[str, dict[str, Any]] = {}
    for r in found:
        c = r["claim"]
        about, other = r["about_id"], r["other_id"]
        outgoing = c["from_id"] == about
        if c["from_id"] == c["to_id"]:
            other = about
        names = {about: r["about_name"], other: r["other_name"]}
        row = {
            "start": c.get("start"),
            "end": c.get("end"),
            "type": c["type"],
            "about_id": about,
            "about": r["about_name"],
            "direction": "->" if outgoing else "<-",
            "other_id": other,
            "other": r["other_name"],
            "text": claim_text(c, names),
            "confidence": c.get("confidence"),
            "claim_id": c["id"],
            "sources": sorted_unique(c.get("source_ids") or []),
        }
        # A claim met twice (from both ends inside a country, or a self-loop) is shown once: on the
        # entity asked for if it touches it, else on the smallest id.
        current = rows.get(c["id"])
        if current is None or (
            (about != entity, about, row["direction"])
            < (current["about_id"] != entity, current["about_id"], current["direction"])
        ):
            rows[c["id"]] = row
    return sorted(rows.values(), key=timeline_key)


@runner("search")
def search(ctx: Context) -> list[dict[str, Any]]:
    text: str = ctx.values["text"]
    needle = text.lower()
    ranked = []
    for r in ctx.run(lucene=contains_query(text)):
        name = r["name"] or ""
        aliases = list(r["aliases"] or [])
        lower = name.lower()
        if lower == needle:
            tier, matched = 0, "name"
        elif lower.startswith(needle):
            tier, matched = 1, "name"
        elif needle in lower:
            tier, matched = 2, "name"
        elif exact := sorted(a for a in aliases if a.lower() == needle):
            tier, matched = 3, exact[0]
        elif partial := sorted(a for a in aliases if needle in a.lower()):
            tier, matched = 4, partial[0]
        else:  # the engine's lower-casing matched where Python's does not (rare Unicode cases)
            tier, matched = 5, ""
        row = {"id": r["id"], "kind": kind_of(r["id"]), "name": name, "aliases": aliases, "matched": matched}
        ranked.append(((tier, *name_key(name, r["id"])), row))
    ranked.sort(key=lambda pair: pair[0])
    return [row for _, row in ranked[: ctx.values["limit"]]]
