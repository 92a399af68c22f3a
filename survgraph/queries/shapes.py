"""Output values shared by the templates: node references, paths as data and as text, source lists.

Every value is plain JSON (str, int, float, bool, None, lists, dicts) and every list is sorted, so
the same graph gives byte-identical rows on both stores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from survgraph.queries.walk import WalkPath
from survgraph.schema import REGISTRY


def kind_of(node_id: str) -> str:
    """The node kind (registry label) an id's prefix names: "vendor:acme" -> "Vendor"."""
    kind = REGISTRY.kind_of_id(node_id)
    return kind.label if kind else ""


def node_ref(node_id: str, name: str | None) -> dict[str, Any]:
    return {"id": node_id, "name": name, "kind": kind_of(node_id)}


def name_key(name: str | None, node_id: str) -> tuple[str, str]:
    """Sort key: name without case, then id (ids are unique, so the order is total)."""
    return ((name or "").casefold(), node_id)


def sorted_unique(values: Iterable[str | None]) -> list[str]:
    return sorted({v for v in values if v})


def sources_of(claims: Iterable[Mapping[str, Any]]) -> list[str]:
    """Ids of the sources behind the claims, sorted, each once."""
    return sorted({s for c in claims for s in c.get("source_ids") or ()})


def path_value(path: WalkPath, names: Mapping[str, str], claims: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """{"nodes": [{id, name, kind}], "relationships": [claim + direction]}: each relationship is the
    whole claim (every claim column) plus "direction", "->" when the claim points along the path
    and "<-" when against it."""
    rels = []
    for i, cid in enumerate(path.claims):
        rel = dict(claims[cid])
        rel["direction"] = "->" if rel["from_id"] == path.nodes[i] else "<-"
        rels.append(rel)
    return {"nodes": [node_ref(n, names.get(n)) for n in path.nodes], "relationships": rels}


def path_text(value: Mapping[str, Any]) -> str:
    """A path value as one line: Initech -[SUPPLIES]-> Civil Registry <-[OPERATED_BY]- ..."""
    nodes = value["nodes"]
    parts = [str(nodes[0]["name"] or nodes[0]["id"])]
    for rel, node in zip(value["relationships"], nodes[1:], strict=True):
        arrow = f"-[{rel['type']}]->" if rel["direction"] == "->" else f"<-[{rel['type']}]-"
        parts.append(f"{arrow} {node['name'] or node['id']}")
    return " ".join(parts)


def claim_text(claim: Mapping[str, Any], names: Mapping[str, str | None]) -> str:
    """One claim as text: Acme Vision -[SUPPLIES]-> City Cameras."""
    a, b = claim["from_id"], claim["to_id"]
    return f"{names.get(a) or a} -[{claim['type']}]-> {names.get(b) or b}"
