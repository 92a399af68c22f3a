"""The viz pages in a real browser: Debian's Chromium, driven by playwright-core from tests/browser (never a
downloaded browser). Each test opens a generated file or a served page through tests/browser/viz-driver.mjs,
which clicks and types like a person and reports the vis-network DataSets, what is drawn, the console, every
request and every dialog as JSON.

These tests FAIL, never skip, when node, the npm packages or Chromium are missing: `.ci/run` installs them
(apt-get install chromium; npm ci in tests/browser).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import load_paths
from survgraph.queries import run_template
from survgraph.schema import REGISTRY
from survgraph.viz import LARGE_GRAPH_NODES, Subgraph, SubgraphReader, render_page
from survgraph.viz.subgraph import drawn_kinds

from .conftest import ROOT
from .test_api_support import ENGINES, app_for, engine_store, serve
from .test_viz import SMALL, XSS_IMG, XSS_SCRIPT, XSS_SVG, load_xss

BROWSER_DIR = ROOT / "tests" / "browser"
DRIVER = BROWSER_DIR / "viz-driver.mjs"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
QUERY = "vendors_touching_national_data_centres"
#: Where `SURVGRAPH_SCREENSHOT=1 pytest tests/test_viz_browser.py` writes the README's picture.
SCREENSHOT = ROOT / "docs" / "viz-screenshot.png"


def _require_browser() -> None:
    problems = []
    if shutil.which("node") is None:
        problems.append("node is not on PATH")
    if not (BROWSER_DIR / "node_modules" / "playwright-core").is_dir():
        problems.append("playwright-core is not installed: run `npm ci` in tests/browser")
    if not os.access(CHROMIUM, os.X_OK):
        problems.append(f"no Chromium at {CHROMIUM}: `apt-get install chromium` (or set CHROMIUM_PATH)")
    if problems:
        pytest.fail("the browser tests cannot run: " + "; ".join(problems), pytrace=False)


def drive(url: str, steps: list[dict[str, Any]], *, timeout_s: float = 240) -> dict[str, Any]:
    """Run the driver on `url`; its report, after checking that it finished."""
    _require_browser()
    script = {"url": url, "steps": steps, "timeoutMs": int(timeout_s * 1000)}
    proc = subprocess.run(
        ["node", str(DRIVER)],
        input=json.dumps(script),
        capture_output=True,
        text=True,
        timeout=timeout_s + 60,
        cwd=BROWSER_DIR,
        check=False,
    )
    lines = proc.stdout.strip().split("\n")  # not splitlines(): the JSON may hold U+2028
    assert lines, f"the driver printed nothing (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert not report.get("fatal"), f"driver failed: {report.get('fatal')}\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, proc.stderr[-3000:]
    return report


def assert_clean(report: dict[str, Any], *, origin: str | None = None) -> None:
    """No console error or warning, no uncaught exception, no dialog, nothing blocked, and every request
    to the page's own file or server."""
    noisy = [m for m in report["console"] if m["type"] in ("error", "warning", "assert")]
    assert not noisy, noisy
    assert not report["pageErrors"], report["pageErrors"]
    assert not report["dialogs"], report["dialogs"]
    assert not report["blocked"], report["blocked"]
    for url in report["requests"]:
        parts = urlsplit(url)
        if origin is None:
            assert parts.scheme in ("file", "data"), url
        else:
            assert f"{parts.scheme}://{parts.netloc}" == origin, url
            assert parts.hostname in ("127.0.0.1", "localhost"), url
    dom = report["dom"]
    assert dom["externalScripts"] == 0 and dom["stylesheets"] == 0 and dom["iframes"] == 0
    assert dom["images"] == 0 and dom["pwned"] is False


def step(report: dict[str, Any], index: int) -> dict[str, Any]:
    s: dict[str, Any] = report["steps"][index]["state"]
    return s


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    """The small fixture graph plus entities whose names, sources and notes are markup."""
    store = EmbeddedStore(tmp_path_factory.mktemp("viz-browser"))
    try:
        load_paths(store, [SMALL])
        load_xss(store)
        yield store
    finally:
        store.close()


def _write(tmp_path: Path, sub: Subgraph, name: str = "page.html", *, show_unconnected: bool = False) -> str:
    out = tmp_path / name
    out.write_text(render_page(sub, show_unconnected=show_unconnected).html, encoding="utf-8")
    return out.as_uri()


def _edges(store: GraphStore) -> list[dict[str, Any]]:
    return [r["r"] for r in store.query("MATCH ()-[r]->() RETURN r")]


def _neighbourhood(edges: list[dict[str, Any]], node: str) -> tuple[list[str], list[str]]:
    touching = [e for e in edges if node in (e["from_id"], e["to_id"])]
    nodes = {node} | {e["from_id"] for e in touching} | {e["to_id"] for e in touching}
    return sorted(nodes), sorted(e["id"] for e in touching)


# -- the whole graph, from a file ---------------------------------------------------------------------


def test_whole_graph_page(graph: GraphStore, tmp_path: Path) -> None:
    sub = SubgraphReader(graph).whole()
    edges = _edges(graph)
    n_nodes, n_edges = len(sub.nodes), len(edges)
    vendors = [n for n in sub.nodes if n.startswith("vendor:")]
    vendor_edges = [e for e in edges if e["from_id"] in vendors or e["to_id"] in vendors]
    supplies = [e for e in edges if e["type"] == "SUPPLIES"]
    funded = next(e for e in edges if e["type"] == "FUNDED_BY")
    report = drive(
        _write(tmp_path, sub),
        [
            {"do": "state"},
            {"do": "toggleKind", "kind": "Vendor"},
            {"do": "toggleKind", "kind": "Vendor"},
            {"do": "toggleType", "type": "SUPPLIES"},
            {"do": "toggleType", "type": "SUPPLIES"},
            {"do": "search", "text": "acme"},
            {"do": "fit"},
            {"do": "click", "node": "project:city-cams"},
            {"do": "clickBackground"},
            {"do": "hover", "node": "project:city-cams"},
            {"do": "hoverEdge", "edge": funded["id"]},
            {"do": "search", "text": "no such thing"},
            {"do": "screenshot", "path": str(tmp_path / "whole.png")},
        ],
    )
    assert_clean(report)
    assert report["title"] == "The whole graph · survgraph"
    first = step(report, 0)
    # The vis DataSets hold every entity and claim, and all of them are drawn.
    assert (first["nodes"], first["edges"]) == (n_nodes, n_edges)
    assert (first["drawnNodes"], first["drawnEdges"]) == (n_nodes, n_edges)
    # Filters change what is drawn, and undo.
    no_vendors = step(report, 1)
    assert no_vendors["drawnNodes"] == n_nodes - len(vendors)
    assert no_vendors["drawnEdges"] == n_edges - len(vendor_edges)
    assert no_vendors["nodes"] == n_nodes  # hidden, not removed
    assert (step(report, 2)["drawnNodes"], step(report, 2)["drawnEdges"]) == (n_nodes, n_edges)
    no_supplies = step(report, 3)
    assert (no_supplies["drawnNodes"], no_supplies["drawnEdges"]) == (n_nodes, n_edges - len(supplies))
    assert step(report, 4)["drawnEdges"] == n_edges
    # Search finds, selects and highlights.
    found = report["steps"][5]
    assert found["status"] == "Found: Acme Vision" and found["focused"] == "vendor:acme"
    assert found["state"]["selected"] == ["vendor:acme"]
    assert (found["state"]["focusNodes"], found["state"]["focusEdges"]) == _neighbourhood(edges, "vendor:acme")
    # A click highlights the neighbourhood and shows the details with the sources.
    clicked = step(report, 7)
    assert clicked["selected"] == ["project:city-cams"]
    assert (clicked["focusNodes"], clicked["focusEdges"]) == _neighbourhood(edges, "project:city-cams")
    assert "City Cameras" in clicked["details"] and "Report A" in clicked["details"]
    cleared = step(report, 8)
    assert cleared["focusNodes"] is None and cleared["selected"] == [] and cleared["details"] is None
    # Tooltips: name, kind, key fields and the sources (publisher, title, date, link).
    tip = step(report, 9)["tooltip"]
    for text in ("City Cameras", "Project", "operational", "1,000,000 USD", "Test Publisher", "Report A"):
        assert text in tip, text
    assert "2020-06-21" in tip and "https://example.org/a" in tip
    edge_tip = step(report, 10)["tooltip"]
    for text in ("FUNDED_BY", "Cable", "State Bank", "44,000,000 USD", "confirmed", "Other Publisher", "Report B"):
        assert text in edge_tip, text
    assert "2019-12" in edge_tip
    assert report["steps"][11]["status"] == "No entity matches \u201cno such thing\u201d."
    assert (tmp_path / "whole.png").stat().st_size > 10_000


# -- markup in the data is text -------------------------------------------------------------------------


def test_markup_in_the_data_stays_text(graph: GraphStore, tmp_path: Path) -> None:
    sub = SubgraphReader(graph).ego("vendor:xss-img", 1)
    contracted = next(e for e in _edges(graph) if e["type"] == "CONTRACTED")
    report = drive(
        _write(tmp_path, sub),
        [
            {"do": "hover", "node": "vendor:xss-img"},
            {"do": "hover", "node": "org:xss-script"},
            {"do": "hoverEdge", "edge": contracted["id"]},
            {"do": "click", "node": "vendor:xss-img"},
            {"do": "search", "text": XSS_SCRIPT},
            {"do": "search", "text": "<img src=x"},
        ],
    )
    # Nothing ran: no alert, no flag, no <img> element, no request for "x" (only the file itself).
    assert_clean(report)
    assert [urlsplit(u).path.rsplit("/", 1)[-1] for u in report["requests"]] == ["page.html"]
    # ... and every payload reads as the text it is.
    assert report["title"] == f"{XSS_IMG} · survgraph"
    vendor_tip = step(report, 0)["tooltip"]
    assert XSS_IMG in vendor_tip and XSS_SCRIPT in vendor_tip and XSS_SVG in vendor_tip
    org_tip = step(report, 1)["tooltip"]
    assert org_tip.startswith(XSS_SCRIPT) and XSS_IMG in org_tip
    claim_tip = step(report, 2)["tooltip"]
    assert XSS_SCRIPT in claim_tip and "CONTRACTED" in claim_tip and XSS_IMG in claim_tip
    details = step(report, 3)["details"]
    assert XSS_IMG in details and XSS_SCRIPT in details  # the source's publisher and title
    assert report["steps"][4]["focused"] == "org:xss-script"
    assert report["steps"][5]["status"] == f"Found: {XSS_IMG}"


# -- a query page highlights its witness paths -------------------------------------------------------------


def test_query_page_highlights_witness_paths(graph: GraphStore, tmp_path: Path) -> None:
    params = {"max_hops": "4"}
    rows = run_template(graph, QUERY, params)
    paths = [r["path"] for r in rows]
    on_paths = sorted({r["id"] for p in paths for r in p["relationships"]})
    first_nodes = sorted(n["id"] for n in paths[0]["nodes"])
    first_edges = sorted(r["id"] for r in paths[0]["relationships"])
    report = drive(
        _write(tmp_path, SubgraphReader(graph).query(QUERY, params)),
        [
            {"do": "state"},
            {"do": "togglePaths"},
            {"do": "togglePaths"},
            {"do": "clickPath", "index": 0},
            {"do": "hoverEdge", "edge": first_edges[0]},
        ],
    )
    assert_clean(report)
    assert step(report, 0)["pathEdgesShown"] == len(on_paths) > 0
    assert step(report, 1)["pathEdgesShown"] == 0
    assert step(report, 2)["pathEdgesShown"] == len(on_paths)
    chosen = step(report, 3)
    assert (chosen["focusNodes"], chosen["focusEdges"]) == (first_nodes, first_edges)
    claim = next(r for r in paths[0]["relationships"] if r["id"] == first_edges[0])
    tip = step(report, 4)["tooltip"]
    assert claim["type"] in tip
    for sid in claim["source_ids"]:
        title = graph.query("MATCH (s:Source) WHERE s.id = $id RETURN s", {"id": sid})[0]["s"]["title"]
        assert title in tip


def test_an_empty_result_says_so(graph: GraphStore, tmp_path: Path) -> None:
    sub = SubgraphReader(graph).query(QUERY, {"country": "US"})
    assert not sub.nodes
    report = drive(_write(tmp_path, sub), [{"do": "state"}])
    assert_clean(report)
    assert (step(report, 0)["nodes"], step(report, 0)["edges"]) == (0, 0)


# -- served pages, on both engines ----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_served_pages(engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
    with engine_store(engine, tmp_path_factory, request) as store, serve(app_for(store)) as (server, _):
        edges = _edges(store)
        whole = drive(f"{server.url}/viz", [{"do": "state"}, {"do": "toggleKind", "kind": "Country"}])
        assert_clean(whole, origin=server.url)
        n_nodes = len(SubgraphReader(store).whole().nodes)
        assert (step(whole, 0)["nodes"], step(whole, 0)["edges"]) == (n_nodes, len(edges))
        countries = {n for n in SubgraphReader(store).whole().nodes if n.startswith("country:")}
        assert step(whole, 1)["drawnNodes"] == n_nodes - len(countries)

        ego = drive(f"{server.url}/viz/entity/vendor:acme?depth=1", [{"do": "state"}])
        assert_clean(ego, origin=server.url)
        assert (step(ego, 0)["nodes"], step(ego, 0)["edges"]) == (3, 3)
        assert step(ego, 0)["selected"] == ["vendor:acme"]

        query = drive(f"{server.url}/viz/query/{QUERY}?max_hops=4", [{"do": "state"}])
        assert_clean(query, origin=server.url)
        rows = run_template(store, QUERY, {"max_hops": "4"})
        on_paths = {r["id"] for row in rows for r in row["path"]["relationships"]}
        assert step(query, 0)["pathEdgesShown"] == len(on_paths) > 0


# -- a large graph: laid out before it is shown -------------------------------------------------------------


def _large(n: int) -> Subgraph:
    kinds = ["Vendor", "Project", "Database"]
    ids = [f"{REGISTRY.node_kinds[kinds[i % 3]].prefix}:n{i}" for i in range(n)]
    nodes = {nid: {"id": nid, "name": f"Entity {i}", "kind": kinds[i % 3]} for i, nid in enumerate(ids)}
    edges = {}
    for i, nid in enumerate(ids):
        if nid.startswith("vendor:"):
            to = ids[(i * 7 + 1) % n]
            if to.startswith(("project:", "database:")):
                edges[f"claim:e{i}"] = {
                    "id": f"claim:e{i}",
                    "type": "SUPPLIES",
                    "from_id": nid,
                    "to_id": to,
                    "confidence": "reported",
                    "source_ids": [],
                }
    return Subgraph(title="large", nodes=nodes, edges=edges)


def test_large_page_is_usable(tmp_path: Path) -> None:
    sub = _large(LARGE_GRAPH_NODES + 500)
    report = drive(
        _write(tmp_path, sub, show_unconnected=True),  # every entity on show, linked or not
        [{"do": "state"}, {"do": "toggleKind", "kind": "Database"}, {"do": "click", "node": "vendor:n0"}],
    )
    assert_clean(report)
    # Positions come with the page: usable without waiting for a physics simulation.
    assert report["readyMs"] < 60_000, report["readyMs"]
    first = step(report, 0)
    assert (first["nodes"], first["drawnNodes"]) == (len(sub.nodes), len(sub.nodes))
    assert first["drawnEdges"] == len(sub.edges)
    databases = sum(1 for n in sub.nodes if n.startswith("database:"))
    assert step(report, 1)["drawnNodes"] == len(sub.nodes) - databases
    assert step(report, 2)["selected"] == ["vendor:n0"]


# -- the README's picture: the seed data's data-centre query, offline ---------------------------------------


def test_seed_query_page_and_screenshot(tmp_path: Path) -> None:
    """The issue's "done when": the data-centre query on the seed data opens offline with the witness paths
    highlighted, a legend, and the sources in the tooltips."""
    store = EmbeddedStore(tmp_path / "seed")
    try:
        load_paths(store, [ROOT / "seed_data"])
        rows = run_template(store, QUERY, {})
        sub = SubgraphReader(store).query(QUERY, {})
        sources = {r["s"]["id"]: r["s"] for r in store.query("MATCH (s:Source) RETURN s")}
    finally:
        store.close()
    assert rows, "the seed data has no vendor near a national data centre"
    on_paths = {r["id"] for row in rows for r in row["path"]["relationships"]}
    # Hover the vendor with the longest witness path: its tooltip lists its sources.
    vendor = max(rows, key=lambda r: (r["hops"], r["vendor_id"]))["vendor_id"]
    shot = tmp_path / "viz-screenshot.png"
    report = drive(
        _write(tmp_path, sub),
        [{"do": "state"}, {"do": "hover", "node": vendor}, {"do": "screenshot", "path": str(shot)}],
    )
    assert_clean(report)
    assert step(report, 0)["pathEdgesShown"] == len(on_paths)
    tip = step(report, 1)["tooltip"]
    cited = sub.nodes[vendor]["source_ids"]
    assert cited and all(sources[s]["title"] in tip and sources[s]["publisher"] in tip for s in cited)
    assert shot.stat().st_size > 20_000
    if os.environ.get("SURVGRAPH_SCREENSHOT") == "1":
        shutil.copyfile(shot, SCREENSHOT)


# -- hostile records loaded through the API, in the browser (tests/adversarial/test_html.py has the bytes) -----


def test_hostile_records_served_stay_inert(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A few payloads of the HTML attack suite, loaded with POST /records and opened in Chromium: the details
    and tooltips show them as text, nothing runs, and the source link is the http(s) URL, never a script."""
    from .adversarial.test_html import CASES, records
    from .test_api_support import API_KEY

    picked = ["script-close", "attribute-breakout-double", "line-separator-then-code", "url-http-with-markup"]
    store = EmbeddedStore(tmp_path_factory.mktemp("viz-hostile"))
    try:
        load_paths(store, [SMALL])
        with serve(app_for(store, SURVGRAPH_API_KEY=API_KEY)) as (server, client):
            for name in picked:
                case = next(c for c in CASES if c.name == name)
                n, text = CASES.index(case), case.text
                loaded = client.post("/records", content=records(n, case), headers={"X-API-Key": API_KEY})
                assert loaded.status_code == 200, loaded.text
                report = drive(
                    f"{server.url}/viz/entity/vendor:html-{n}",
                    [{"do": "hover", "node": f"vendor:html-{n}"}, {"do": "click", "node": f"vendor:html-{n}"}],
                )
                assert_clean(report, origin=server.url)
                assert report["title"] == f"{text} · survgraph"
                assert text in step(report, 0)["tooltip"]
                details = step(report, 1)["details"]
                assert text in details and case.url in details
                # One link, the source's, as the browser parsed it: https, nothing that could run.
                (link,) = report["dom"]["links"]
                assert link.startswith("https://example.org/") and not set(link) & set("<>\"' "), link
    finally:
        store.close()


# -- the time slider and the switch for entities without claims ---------------------------------------------


def _expected_shown(sub: Subgraph, day: str | None, show_unconnected: bool) -> tuple[list[str], list[str]]:
    """What a page should show at `day` (None: all dates), from the claims' dates and the in-force rule."""
    from survgraph.graph.time import claim_in_force

    edges = sorted(k for k, e in sub.edges.items() if claim_in_force(e.get("start"), e.get("end"), day))
    ever = {sub.edges[k][end] for k in sub.edges for end in ("from_id", "to_id")}
    live = {sub.edges[k][end] for k in edges for end in ("from_id", "to_id")}
    nodes = sorted(n for n in sub.nodes if (n in live) or (n not in ever and show_unconnected))
    return nodes, edges


@pytest.mark.parametrize("engine", ENGINES)
def test_time_slider_and_unconnected_switch(
    engine: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    """Moving the slider to a year shows the claims in force at its end and the entities they touch; "all
    dates" shows everything again; the switch shows and hides the entities without any claim. No request."""
    from .test_as_of_surfaces import extra_records

    extra = extra_records(tmp_path / "extra")
    with engine_store(engine, tmp_path_factory, request) as store:
        load_paths(store, [SMALL, extra])
        sub = SubgraphReader(store).whole()
    years = sorted({int(str(v)[:4]) for e in sub.edges.values() for v in (e.get("start"), e.get("end")) if v})
    assert years and "vendor:loner" in sub.nodes
    first, last = years[0], years[-1]
    steps: list[dict[str, Any]] = [{"do": "state", "shown": True}]
    steps += [{"do": "setYear", "year": y, "shown": True} for y in range(first, last + 1)]
    steps += [
        {"do": "setYear", "year": "all", "shown": True},
        {"do": "toggleUnconnected", "shown": True},
        {"do": "setYear", "year": first, "shown": True},
        {"do": "search", "text": "Latecomer"},
        {"do": "toggleUnconnected", "shown": True},
        {"do": "search", "text": "Loner"},
    ]
    report = drive(_write(tmp_path, sub), steps)
    assert_clean(report)
    assert [urlsplit(u).path.rsplit("/", 1)[-1] for u in report["requests"]] == ["page.html"]
    shown = [s.get("shown") for s in report["steps"]]
    assert (shown[0]["nodes"], shown[0]["edges"]) == _expected_shown(sub, None, False)
    assert "vendor:loner" not in shown[0]["nodes"]
    changed = 0
    for i, year in enumerate(range(first, last + 1), start=1):
        expected = _expected_shown(sub, f"{year}-12-31", False)
        assert (shown[i]["nodes"], shown[i]["edges"]) == expected, year
        assert report["steps"][i]["label"] == f"the end of {year}"
        assert step(report, i)["asOf"] == f"{year}-12-31"
        changed += expected != _expected_shown(sub, None, False)
    assert changed > 0  # some year hides something
    i = last - first + 2
    assert report["steps"][i]["label"] == "all dates" and step(report, i)["asOf"] is None
    assert (shown[i]["nodes"], shown[i]["edges"]) == _expected_shown(sub, None, False)
    assert (shown[i + 1]["nodes"], shown[i + 1]["edges"]) == _expected_shown(sub, None, True)
    assert sorted(sub.nodes) == shown[i + 1]["nodes"] and step(report, i + 1)["showUnconnected"] is True
    early = _expected_shown(sub, f"{first}-12-31", True)
    assert (shown[i + 2]["nodes"], shown[i + 2]["edges"]) == early
    assert "vendor:loner" in early[0] and "vendor:latecomer" not in early[0]
    assert report["steps"][i + 3]["status"] == f"Latecomer has no claim in force at {first}-12-31."
    assert (shown[i + 4]["nodes"], shown[i + 4]["edges"]) == _expected_shown(sub, f"{first}-12-31", False)
    assert report["steps"][i + 5]["status"].startswith("Loner has no claim on this page")
    # The kind legend counts what is on show at each step (not the entities the slider or switch hid).
    legends = [(s["legend"], _legend_of(sub, s["nodes"])) for s in shown if s]
    assert all(got == want for got, want in legends), legends
    assert len({json.dumps(got, sort_keys=True) for got, _ in legends}) > 1  # the counts did move


def _legend_of(sub: Subgraph, shown_nodes: list[str]) -> dict[str, int]:
    """The kind legend's counts for the entities on show: every kind drawn, 0 for one with none shown."""
    counts = dict.fromkeys(drawn_kinds(REGISTRY), 0)
    for node_id in shown_nodes:
        counts[sub.nodes[node_id]["label"]] += 1
    return counts


@pytest.mark.parametrize("engine", ENGINES)
def test_served_page_as_of_and_show_unconnected(
    engine: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> None:
    """/viz?as_of=&show_unconnected=true: the page holds only the claims in force that day, and opens with the
    entities without claims on show; everything it loads comes from the server itself."""
    from .test_as_of_surfaces import extra_records

    extra = extra_records(tmp_path / "extra")
    day = "2015-06-30"
    with engine_store(engine, tmp_path_factory, request) as store:
        load_paths(store, [SMALL, extra])
        sub = SubgraphReader(store, as_of=day).whole()
        with serve(app_for(store)) as (server, _):
            report = drive(
                f"{server.url}/viz?as_of={day}&show_unconnected=true",
                [{"do": "state", "shown": True}, {"do": "toggleUnconnected", "shown": True}],
            )
    assert_clean(report, origin=server.url)
    on, off = report["steps"][0]["shown"], report["steps"][1]["shown"]
    # On the served page, "without claims" means without a claim in force on the day it was asked for.
    assert (on["nodes"], on["edges"]) == _expected_shown(sub, None, True)
    assert (off["nodes"], off["edges"]) == _expected_shown(sub, None, False)
    assert "vendor:latecomer" in on["nodes"] and "vendor:latecomer" not in off["nodes"]
