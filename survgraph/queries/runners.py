"""The Python half of each template: run its statements, then merge, order and shape the rows.

Every runner returns rows keyed by the template's columns, sorted on a total order (ids break
ties), so the two stores give identical answers. A template without an entry in RUNNERS has one
statement and runs it as is (`run_plain`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any

from survgraph.graph import GraphView
from survgraph.queries.catalogue import TemplateError
from survgraph.queries.context import Context, Runner
from survgraph.queries.lucene import contains_query
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
from survgraph.queries.walk import Ball, WalkPath, descend, distances_from, expand, shortest_paths

RUNNERS: dict[str, Runner] = {}


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


# -- hop-bounded searches (breadth-first; see walk.py) -------------------------------------------


def _read_claims_whole(ctx: Context, ball: Ball, paths: Iterable[WalkPath]) -> None:
    """Replace the id-only claims on `paths` with whole claims, through the `claims` statement."""
    wanted = sorted({c for path in paths for c in path.claims if "type" not in ball.claims[c]})
    if wanted:
        for row in ctx.run("claims", ids=wanted):
            ball.claims[row["claim"]["id"]] = row["claim"]


@runner("vendors_touching_national_data_centres")
def vendors_touching_national_data_centres(ctx: Context) -> list[dict[str, Any]]:
    max_hops: int = ctx.values["max_hops"]
    centres = {r["id"]: r for r in ctx.run("data_centres")}
    if not centres:
        return []
    ball = expand(ctx.fetch(), {cid: r["name"] for cid, r in centres.items()}, max_hops)
    per_centre = {cid: distances_from(ball, cid, max_hops) for cid in sorted(centres)}
    witnesses = {node: descend(ball, node) for node in ball.dist if kind_of(node) == "Vendor"}
    _read_claims_whole(ctx, ball, witnesses.values())
    rows: list[dict[str, Any]] = []
    for node, path in witnesses.items():
        reached = sorted((dist[node], cid) for cid, dist in per_centre.items() if node in dist)
        value = path_value(path, ball.names, ball.claims)
        rows.append(
            {
                "vendor_id": node,
                "vendor_name": ball.names[node],
                "hops": path.hops,
                "data_centres": [
                    {"id": cid, "name": centres[cid]["name"], "country": centres[cid]["country"], "hops": hops}
                    for hops, cid in reached
                ],
                "path": value,
                "path_text": path_text(value),
                "sources": sources_of(ball.claims[c] for c in path.claims),
            }
        )
    rows.sort(key=lambda r: (r["hops"], *name_key(r["vendor_name"], r["vendor_id"])))
    return rows


@runner("funding_chains")
def funding_chains(ctx: Context) -> list[dict[str, Any]]:
    start = ctx.run("start")
    if not start:
        return []
    ball = expand(ctx.fetch(), {start[0]["id"]: start[0]["name"]}, ctx.values["max_hops"])
    funded = {c["from_id"] for c in ball.claims.values() if c["type"] == "FUNDED_BY"}
    rows = []
    for cid, c in ball.claims.items():
        if not (c["type"] == "FUNDED_BY" or (c["type"] == "SUPPLIES" and c["to_id"] in funded)):
            continue
        a, b = c["from_id"], c["to_id"]
        rows.append(
            {
                "relation": c["type"],
                "subject_id": a,
                "subject_name": ball.names[a],
                "object_id": b,
                "object_name": ball.names[b],
                "hops": min(ball.dist[a], ball.dist[b]) + 1,
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
    start = ctx.run("start")
    if not start:
        return []
    seed = start[0]["id"]
    ball = expand(ctx.fetch(), {seed: start[0]["name"]}, ctx.values["max_hops"])
    paths = {node: descend(ball, node).reversed() for node in ball.dist if node != seed}
    _read_claims_whole(ctx, ball, paths.values())
    rows: list[dict[str, Any]] = []
    for node, path in paths.items():
        value = path_value(path, ball.names, ball.claims)
        rows.append(
            {
                "id": node,
                "name": ball.names[node],
                "kind": kind_of(node),
                "hops": ball.dist[node],
                "path": value,
                "path_text": path_text(value),
                "sources": sources_of(ball.claims[c] for c in path.claims),
            }
        )
    rows.sort(key=lambda r: (r["hops"], *name_key(r["name"], r["id"])))
    return rows


@runner("shortest_path")
def shortest_path(ctx: Context) -> list[dict[str, Any]]:
    source, target = ctx.values["from"], ctx.values["to"]
    if source == target:
        return []
    ends = {r["id"]: r["name"] for r in ctx.run("ends")}
    if source not in ends or target not in ends:
        return []
    ball = expand(ctx.fetch(), {source: ends[source]}, ctx.values["max_hops"], stop_at=target)
    paths = list(islice(shortest_paths(ball, source, target), ctx.values["limit"]))
    _read_claims_whole(ctx, ball, paths)
    rows = []
    for rank, path in enumerate(paths, start=1):
        value = path_value(path, ball.names, ball.claims)
        rows.append(
            {
                "rank": rank,
                "hops": path.hops,
                "path": value,
                "path_text": path_text(value),
                "sources": sources_of(ball.claims[c] for c in path.claims),
            }
        )
    return rows


@runner("neighbourhood")
def neighbourhood(ctx: Context) -> list[dict[str, Any]]:
    start = ctx.run("start")
    if not start:
        return []
    ego = start[0]
    ball = expand(ctx.fetch(), {ego["id"]: ego["name"]}, ctx.values["depth"])
    ball.extra[ego["id"]] = {"confidence": ego["confidence"], "sources": ego["sources"]}
    nodes: list[dict[str, Any]] = []
    for node, hops in ball.dist.items():
        extra = ball.extra.get(node, {})
        nodes.append(
            {
                "element": "node",
                "id": node,
                "kind": kind_of(node),
                "name": ball.names[node],
                "hops": hops,
                "from_id": None,
                "to_id": None,
                "confidence": extra.get("confidence"),
                "sources": sorted_unique(extra.get("sources") or []),
            }
        )
    nodes.sort(key=lambda r: (r["hops"], *name_key(r["name"], r["id"])))
    claims = []
    for cid, c in ball.claims.items():
        claims.append(
            {
                "element": "claim",
                "id": cid,
                "kind": c["type"],
                "name": claim_text(c, ball.names),
                "hops": min(ball.dist[c["from_id"]], ball.dist[c["to_id"]]) + 1,
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
