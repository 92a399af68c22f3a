"""Benchmark: how long a large viz page takes to become usable in headless Chromium.

    python benchmarks/viz_large.py [--nodes 5000] [--claims 7500] [--runs 3] [--keep out.html]

A synthetic graph (every node kind, random claims between allowed endpoints, cited) is written to a fresh
embedded store; the page of the whole graph is built through the same path as `survgraph viz --all`; then
the browser driver of the tests (tests/browser/viz-driver.mjs, Debian's Chromium) opens the file and
reports when the network was laid out, drawn and ready for input, and how long a filter toggle, a search
and a click-to-highlight take. Prints one JSON object; docs/viz.md quotes it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.store import plan_write
from survgraph.schema import REGISTRY, Claim, Node, SourceKind
from survgraph.schema.models import Country, Database, Initiative, Organization, Project, Source, Vendor
from survgraph.schema.types import ISO_3166_ALPHA2
from survgraph.viz import SubgraphReader, render_page

ROOT = Path(__file__).resolve().parent.parent
DRIVER = ROOT / "tests" / "browser" / "viz-driver.mjs"

#: Share of each drawn kind in the synthetic graph (countries are capped by the ISO list).
MIX = {"Country": 0.04, "Vendor": 0.12, "Organization": 0.2, "Project": 0.4, "Database": 0.19, "Initiative": 0.05}


def synthetic(n_nodes: int, n_claims: int, seed: int = 7) -> tuple[list[Node], list[Claim]]:
    """A random graph with `n_nodes` drawn nodes and `n_claims` claims, each between allowed endpoints."""
    rng = random.Random(seed)
    cite = {"sources": ["source:bench-a"], "confidence": "reported"}
    codes = sorted(ISO_3166_ALPHA2)
    counts = {k: int(n_nodes * share) for k, share in MIX.items()}
    counts["Country"] = min(counts["Country"], len(codes))
    counts["Project"] += n_nodes - sum(counts.values())
    nodes: list[Node] = [
        Source(
            id="source:bench-a", publisher="Benchmark", kind=SourceKind.dataset, title="Synthetic records", date="2020"
        ),
        Source(
            id="source:bench-b",
            publisher="Benchmark",
            kind=SourceKind.dataset,
            title="More synthetic records",
            url="https://example.org/b",
        ),
    ]
    ids: dict[str, list[str]] = {}
    for code in codes[: counts["Country"]]:
        nodes.append(Country(id=f"country:{code}", name=f"Country {code}"))
    ids["Country"] = [f"country:{c}" for c in codes[: counts["Country"]]]
    makers: dict[str, Any] = {
        "Vendor": lambda i: Vendor(id=f"vendor:v{i}", name=f"Vendor {i}", **cite),
        "Organization": lambda i: Organization(id=f"org:o{i}", name=f"Organisation {i}", kind="government", **cite),
        "Project": lambda i: Project(id=f"project:p{i}", name=f"Project {i}", status="operational", **cite),
        "Database": lambda i: Database(id=f"database:d{i}", name=f"Database {i}", kind="other", **cite),
        "Initiative": lambda i: Initiative(id=f"initiative:i{i}", name=f"Initiative {i}", kind="other", **cite),
    }
    for kind, make in makers.items():
        made = [make(i) for i in range(counts[kind])]
        nodes.extend(made)
        ids[kind] = [n.id for n in made]
    pairs = [(e.name, a, b) for e in REGISTRY.edge_types.values() for a, b in e.endpoints if ids.get(a) and ids.get(b)]
    claims: list[Claim] = []
    seen: set[tuple[str, str, str]] = set()
    confidences = ["confirmed", "reported", "alleged"]
    while len(claims) < n_claims:
        etype, a, b = rng.choice(pairs)
        frm, to = rng.choice(ids[a]), rng.choice(ids[b])
        if frm == to or (etype, frm, to) in seen:
            continue
        seen.add((etype, frm, to))
        claims.append(
            Claim.model_validate(
                {
                    "type": etype,
                    "from": frm,
                    "to": to,
                    "sources": [rng.choice(["source:bench-a", "source:bench-b"])],
                    "confidence": rng.choice(confidences),
                }
            )
        )
    return nodes, claims


def drive(url: str, steps: list[dict[str, Any]]) -> dict[str, Any]:
    script = {"url": url, "steps": steps, "timeoutMs": 300_000}
    proc = subprocess.run(
        ["node", str(DRIVER)], input=json.dumps(script), capture_output=True, text=True, timeout=600, check=False
    )
    report: dict[str, Any] = json.loads(proc.stdout.strip().split("\n")[-1])
    if proc.returncode != 0 or report.get("fatal"):
        raise RuntimeError(f"browser driver failed: {report.get('fatal')}\n{proc.stderr[-2000:]}")
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--claims", type=int, default=7500)
    ap.add_argument("--runs", type=int, default=3, help="page loads to time (the median is reported)")
    ap.add_argument("--keep", type=Path, help="also write the page here")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        nodes, claims = synthetic(args.nodes, args.claims)
        store = EmbeddedStore(Path(tmp) / "db")
        try:
            t = time.perf_counter()
            store.write(plan_write(nodes, claims))
            load_s = time.perf_counter() - t
            t = time.perf_counter()
            sub = SubgraphReader(store, max_nodes=max(args.nodes, 1)).whole()
            read_s = time.perf_counter() - t
        finally:
            store.close()
        t = time.perf_counter()
        page = render_page(sub, show_unconnected=True)  # every entity drawn, linked or not, as before
        render_s = time.perf_counter() - t
        out = Path(tmp) / "large.html"
        out.write_text(page.html, encoding="utf-8")
        if args.keep:
            args.keep.write_text(page.html, encoding="utf-8")

        first = next(iter(sorted(sub.nodes)))
        steps = [
            {"do": "state"},
            {"do": "toggleKind", "kind": "Project"},
            {"do": "toggleKind", "kind": "Project"},
            {"do": "search", "text": "Vendor 17"},
            {"do": "fit"},
            {"do": "click", "node": first},
            {"do": "clickBackground"},
        ]
        reports = [drive(out.as_uri(), steps) for _ in range(args.runs)]

    ready = [r["readyMs"] for r in reports]
    state = reports[0]["steps"][0]["state"]
    step_ms = {
        name: statistics.median(r["steps"][i]["ms"] for r in reports)
        for i, name in [(1, "filter_off_ms"), (2, "filter_on_ms"), (3, "search_ms"), (5, "click_highlight_ms")]
    }
    errors = [m for r in reports for m in r["console"] if m["type"] == "error"] + [
        e for r in reports for e in r["pageErrors"]
    ]
    result = {
        "nodes": state["nodes"],
        "edges": state["edges"],
        "drawn_nodes": state["drawnNodes"],
        "page_bytes": len(page.html.encode()),
        "store_write_s": round(load_s, 2),
        "read_subgraph_s": round(read_s, 2),
        "render_page_s": round(render_s, 2),
        "time_to_usable_ms": {"median": statistics.median(ready), "runs": ready},
        "load_event_ms": statistics.median(r["loadMs"] for r in reports),
        **step_ms,
        "console_errors": errors,
        "chromium": "/usr/bin/chromium",
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
