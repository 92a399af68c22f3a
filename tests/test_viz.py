"""The viz layer without a browser: what each page draws (on both engines), how data is escaped into the
page, that nothing external is referenced, the large-graph layout, the CLI command and the served pages.
The browser half is tests/test_viz_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.store import plan_write
from survgraph.loaders import load_paths
from survgraph.queries import TEMPLATES, TemplateParamError, UnknownTemplate, run_template
from survgraph.schema import REGISTRY, Claim, Node
from survgraph.schema.models import Organization, Source, Vendor
from survgraph.viz import (
    LARGE_GRAPH_NODES,
    Subgraph,
    SubgraphReader,
    VizError,
    build_network,
    drawn_kinds,
    page_data,
    render_page,
    script_json,
)
from survgraph.viz.layout import force_layout

from .conftest import FIXTURES
from .readme_support import run_readme_commands
from .test_api_support import ENGINES, app_for, assert_error, engine_store, serve

SMALL = FIXTURES / "small"

#: Markup that would run if any value reached the page as HTML. Each also sets a flag the browser test reads.
XSS_IMG = '<img src=x onerror="window.__pwned=true;alert(1)">'
XSS_SCRIPT = "</script><script>window.__pwned=true;alert(1)</script>"
XSS_SVG = "<svg onload=alert(1)><!--"
XSS_SEP = "line\u2028separator\u2029here"


def xss_records() -> tuple[list[Node], list[Claim]]:
    """Entities, a source and claims whose text is markup, linked into the small fixture graph."""
    source = Source(
        id="source:xss",
        publisher=XSS_IMG,
        kind="news_report",
        title=XSS_SCRIPT,
        date="2021-03",
        url="https://example.org/xss?a=1&b=2",
    )
    vendor = Vendor(
        id="vendor:xss-img",
        name=XSS_IMG,
        aliases=[XSS_SCRIPT, "Evil Corp"],
        description=f"javascript:alert(1) {XSS_SVG} {XSS_SEP}",
        sources=["source:xss"],
        confidence="reported",
    )
    org = Organization(
        id="org:xss-script",
        name=XSS_SCRIPT,
        kind="government",
        description=XSS_IMG,
        sources=["source:xss"],
        confidence="alleged",
    )
    claims = [
        Claim.model_validate(
            {
                "type": "SUPPLIES",
                "from": "vendor:xss-img",
                "to": "project:city-cams",
                "sources": ["source:xss"],
                "confidence": "reported",
                "notes": XSS_SVG,
            }
        ),
        Claim.model_validate(
            {
                "type": "CONTRACTED",
                "from": "org:xss-script",
                "to": "vendor:xss-img",
                "sources": ["source:xss", "source:test-a"],
                "confidence": "alleged",
                "notes": XSS_SCRIPT,
            }
        ),
    ]
    return [source, vendor, org], claims


def load_xss(store: GraphStore) -> None:
    nodes, claims = xss_records()
    store.write(plan_write(nodes, claims))


@pytest.fixture
def small(store: GraphStore) -> GraphStore:
    load_paths(store, [SMALL])
    return store


def _edges(store: GraphStore) -> list[dict[str, Any]]:
    return [r["r"] for r in store.query("MATCH ()-[r]->() RETURN r")]


def _drawn_ids(store: GraphStore) -> set[str]:
    kinds = set(drawn_kinds(REGISTRY))
    return {r["n"]["id"] for r in store.query("MATCH (n) RETURN n") if REGISTRY.kind_of_id(r["n"]["id"]).label in kinds}  # type: ignore[union-attr]


def page_json(html: str) -> dict[str, Any]:
    """The data a page carries, read back the way its script reads it."""
    m = re.search(r'<script type="application/json" id="survgraph-data">(.*?)</script>', html, re.S)
    assert m, "no data element"
    data: dict[str, Any] = json.loads(m.group(1))
    return data


# -- what each page draws, on both engines -----------------------------------------------------------


def test_whole_graph_has_every_entity_and_claim(small: GraphStore) -> None:
    sub = SubgraphReader(small).whole()
    assert set(sub.nodes) == _drawn_ids(small)
    assert set(sub.edges) == {e["id"] for e in _edges(small)}
    # Sources are not drawn: they are the citations in the tooltips, every cited one present.
    assert not any(n.startswith("source:") for n in sub.nodes)
    assert set(sub.sources) == {"source:test-a", "source:test-b", "source:test-iso"}
    assert sub.sources["source:test-a"]["url"] == "https://example.org/a"


def test_ego_network_by_depth(small: GraphStore) -> None:
    reader = SubgraphReader(small)
    assert set(reader.ego("vendor:acme", 0).nodes) == {"vendor:acme"}
    one = reader.ego("vendor:acme", 1)
    assert set(one.nodes) == {"vendor:acme", "project:city-cams", "country:CN"}
    assert one.focus == "vendor:acme" and not one.highlight_nodes and not one.highlight_edges
    # Two SUPPLIES claims and HEADQUARTERED_IN; the edges among the nodes, whichever direction.
    assert sorted(e["type"] for e in one.edges.values()) == ["HEADQUARTERED_IN", "SUPPLIES", "SUPPLIES"]
    two = reader.ego("vendor:acme", 2)
    assert set(two.nodes) == {
        "vendor:acme",
        "project:city-cams",
        "country:CN",
        "initiative:corridor",
        "org:interior-ministry",
        "country:PK",
        "org:state-bank",
        "vendor:initech",
    }
    # Induced: every claim between two drawn nodes, including those between the outermost ones.
    expected = {e["id"] for e in _edges(small) if e["from_id"] in two.nodes and e["to_id"] in two.nodes}
    assert set(two.edges) == expected


def test_ego_network_stops_at_max_nodes(small: GraphStore) -> None:
    sub = SubgraphReader(small, max_nodes=4).ego("vendor:acme", 3)
    assert len(sub.nodes) == 4 and sub.truncated
    assert "stopped at 4" in sub.subtitle


def test_ego_network_refuses_unknown_entities_and_depths(small: GraphStore) -> None:
    reader = SubgraphReader(small)
    with pytest.raises(VizError, match="no entity"):
        reader.ego("vendor:nobody", 1)
    with pytest.raises(VizError, match="no entity"):
        reader.ego("source:test-a", 1)  # sources are not drawn
    with pytest.raises(VizError, match="depth"):
        reader.ego("vendor:acme", 5)


def test_query_page_highlights_every_witness_path(small: GraphStore) -> None:
    params = {"max_hops": "4"}
    rows = run_template(small, "vendors_touching_national_data_centres", params)
    sub = SubgraphReader(small).query("vendors_touching_national_data_centres", params)
    paths = [r["path"] for r in rows]
    assert paths
    assert sub.paths == [([n["id"] for n in p["nodes"]], [r["id"] for r in p["relationships"]]) for p in paths]
    on_paths = {r["id"] for p in paths for r in p["relationships"]}
    assert sub.highlight_edges == on_paths
    assert sub.highlight_nodes == {n["id"] for p in paths for n in p["nodes"]}
    assert set(sub.nodes) == sub.highlight_nodes
    assert on_paths <= set(sub.edges)
    data = page_data(sub)
    assert sorted(data["highlight"]["edges"]) == sorted(on_paths)
    red = [e for e in data["edges"] if e.get("width") == 4]
    assert {e["id"] for e in red} == on_paths


def test_query_page_with_context_adds_plain_neighbours(small: GraphStore) -> None:
    params = {"max_hops": "4"}
    bare = SubgraphReader(small).query("vendors_touching_national_data_centres", params)
    wider = SubgraphReader(small).query("vendors_touching_national_data_centres", params, context=1)
    added = set(wider.nodes) - set(bare.nodes)
    assert set(bare.nodes) <= set(wider.nodes) and added
    assert wider.highlight_edges == bare.highlight_edges
    assert not added & wider.highlight_nodes


def test_query_page_from_id_columns(small: GraphStore) -> None:
    # Rows that name entities and claims only by their ids still draw them; the entity the query is
    # about (a parameter) is drawn too.
    rows = run_template(small, "vendor_footprint", {"vendor": "vendor:acme"})
    sub = SubgraphReader(small).query("vendor_footprint", {"vendor": "vendor:acme"})
    assert "vendor:acme" in sub.nodes and "vendor:acme" in sub.highlight_nodes
    listed = {r["id"] for r in rows} & set(sub.nodes)
    assert listed and listed <= sub.highlight_nodes
    claims = {c for r in rows for c in r["claims"]}
    assert claims and claims == sub.highlight_edges


def test_query_page_errors(small: GraphStore) -> None:
    reader = SubgraphReader(small)
    with pytest.raises(UnknownTemplate):
        reader.query("no_such_template", {})
    with pytest.raises(TemplateParamError):
        reader.query("vendors_touching_national_data_centres", {"max_hops": "99"})


# -- the page: escaping, self-containment, legend --------------------------------------------------------


@pytest.mark.parametrize("text", [XSS_IMG, XSS_SCRIPT, XSS_SVG, XSS_SEP, "a & b > c", "\u2028\u2029"])
def test_script_json_is_inert_in_a_script_element(text: str) -> None:
    out = script_json({"name": text, "list": [text]})
    assert not set(out) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(out) == {"name": text, "list": [text]}


@pytest.fixture
def xss_page(small: GraphStore) -> str:
    load_xss(small)
    return render_page(SubgraphReader(small).whole()).html


def test_markup_in_the_data_never_reaches_the_html(xss_page: str) -> None:
    # The three scripts of the template and nothing else; no tag from the data anywhere.
    assert xss_page.count("<script") == 3
    assert xss_page.lower().count("</script") == 3
    for payload in (XSS_IMG, XSS_SCRIPT, XSS_SVG, "<img", "<svg", "\u2028"):
        assert payload not in xss_page, payload
    data = page_json(xss_page)
    assert data["details"]["nodes"]["vendor:xss-img"]["name"] == XSS_IMG
    assert data["details"]["nodes"]["org:xss-script"]["name"] == XSS_SCRIPT
    assert data["sources"]["source:xss"]["publisher"] == XSS_IMG
    # vis-network would render a `title` string as HTML: the page gives it none.
    assert not any("title" in n for n in data["nodes"]) and not any("title" in e for e in data["edges"])


def test_the_title_element_is_escaped(small: GraphStore) -> None:
    load_xss(small)
    html = render_page(SubgraphReader(small).ego("org:xss-script", 1)).html
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title and "&lt;/script&gt;&lt;script&gt;" in title.group(1)


def test_page_loads_nothing_from_anywhere(xss_page: str) -> None:
    head = xss_page.split('<script type="application/json"')[0]
    assert not re.search(r"<(link|img|iframe|object|embed|base)\b", xss_page, re.I)
    assert not re.search(r"\bsrc\s*=", head, re.I)
    assert "@import" not in xss_page and "url(http" not in xss_page.replace(" ", "")
    assert not re.search(r"""<script[^>]+src=""", xss_page, re.I)
    assert "cdn" not in head.lower()


def test_content_security_policy_allows_exactly_the_page_scripts(xss_page: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', xss_page)
    assert csp
    policy = csp.group(1).replace("&#39;", "'")
    assert "default-src 'none'" in policy and "unsafe-eval" not in policy
    scripts = re.findall(r"<script>(.*?)</script>", xss_page, re.S)
    assert len(scripts) == 2
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert "script-src 'unsafe-inline'" not in policy


def test_legend_and_styles_come_from_the_registry(small: GraphStore) -> None:
    data = page_data(SubgraphReader(small).whole())
    assert [k["label"] for k in data["kinds"]] == drawn_kinds(REGISTRY)
    for k in data["kinds"]:
        kind = REGISTRY.node_kinds[k["label"]]
        assert (k["colour"], k["shape"]) == (kind.colour, kind.shape)
    assert [t["name"] for t in data["edgeTypes"]] == list(REGISTRY.edge_types)
    for node in data["nodes"]:
        kind = REGISTRY.kind_of_id(node["id"])
        assert kind is not None and node["shape"] == kind.shape and node["color"]["background"] == kind.colour
    dashes = {"confirmed": False, "reported": [8, 6], "alleged": [2, 5]}
    for edge in data["edges"]:
        claim = data["details"]["edges"][edge["id"]]
        assert edge["label"] == claim["type"] and edge["arrows"] == "to"
        assert edge["dashes"] == dashes[claim["confidence"]]
    # Two SUPPLIES claims between the same two nodes curve apart instead of overlapping.
    twins = [e for e in data["edges"] if e["from"] == "vendor:acme" and e["to"] == "project:city-cams"]
    assert len(twins) == 2 and twins[0]["smooth"] != twins[1]["smooth"]


def test_tooltip_data_carries_fields_and_sources(small: GraphStore) -> None:
    data = page_data(SubgraphReader(small).whole())
    cams = data["details"]["nodes"]["project:city-cams"]
    assert cams["kind"] == "Project" and cams["name"] == "City Cameras"
    assert ["value", "1,000,000 USD"] in cams["fields"] and ["technologies", "cctv, facial_recognition"] in cams[
        "fields"
    ]
    assert cams["sources"] == ["source:test-a"]
    bank = data["details"]["nodes"]["org:state-bank"]
    assert bank["kind"] == "Organization" and ["kind", "bank"] in bank["fields"]
    supplies = [d for d in data["details"]["edges"].values() if d["type"] == "SUPPLIES" and d["from"] == "vendor:acme"]
    assert {tuple(d["sources"]) for d in supplies} == {("source:test-a",), ("source:test-b",)}
    assert ["quantity", "8,000 cameras"] in next(d["fields"] for d in supplies if d["confidence"] == "confirmed")
    source = data["sources"]["source:test-a"]
    assert (source["publisher"], source["title"], source["date"], source["url"]) == (
        "Test Publisher",
        "Report A",
        "2020-06-21",
        "https://example.org/a",
    )


def test_pyvis_builds_the_network() -> None:
    sub = Subgraph(title="t", nodes={"vendor:a": {"id": "vendor:a", "name": "A", "kind": "Vendor"}})
    net = build_network(sub)
    assert type(net).__module__.startswith("pyvis") and net.get_nodes() == ["vendor:a"]


# -- large graphs: positions computed here, physics off ----------------------------------------------------


def _ring_graph(n: int) -> tuple[list[str], list[tuple[str, str]]]:
    ids = [f"project:p{i}" for i in range(n)]
    return ids, [(ids[i], ids[(i + 1) % n]) for i in range(n)]


def test_layout_is_deterministic_and_finite() -> None:
    ids, edges = _ring_graph(300)
    ids += ["vendor:loose-a", "vendor:loose-b"]
    first = force_layout(ids, edges)
    assert first == force_layout(ids, edges)
    assert set(first) == set(ids)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in first.values())
    assert len(set(first.values())) == len(ids)


def test_layout_puts_linked_nodes_closer_than_others() -> None:
    ids, edges = _ring_graph(400)
    pos = force_layout(ids, edges)

    def dist(a: str, b: str) -> float:
        return math.dist(pos[a], pos[b])

    linked = sorted(dist(a, b) for a, b in edges)[len(edges) // 2]
    far = sorted(dist(ids[i], ids[(i + 200) % 400]) for i in range(400))[200]
    assert linked * 5 < far


def _big_subgraph(n: int) -> Subgraph:
    nodes = {f"project:p{i}": {"id": f"project:p{i}", "name": f"P{i}", "kind": "Project"} for i in range(n)}
    edges = {
        f"claim:c{i}": {
            "id": f"claim:c{i}",
            "type": "PART_OF",
            "from_id": f"project:p{i}",
            "to_id": f"project:p{(i * 7 + 1) % n}",
            "confidence": "reported",
            "source_ids": [],
        }
        for i in range(n)
    }
    return Subgraph(title="big", nodes=nodes, edges=edges)


def test_large_pages_come_laid_out_with_physics_off() -> None:
    data = page_data(_big_subgraph(LARGE_GRAPH_NODES + 1))
    assert data["large"] and data["options"]["physics"]["enabled"] is False
    assert all(isinstance(n.get("x"), float) and isinstance(n.get("y"), float) for n in data["nodes"])
    small = page_data(_big_subgraph(50))
    assert not small["large"] and small["options"]["physics"]["enabled"] is True
    assert not any("x" in n for n in small["nodes"])


# -- the CLI -------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data_dir = tmp_path / "cli-store"
    store = EmbeddedStore(data_dir)
    try:
        load_paths(store, [SMALL])
    finally:
        store.close()
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("SURVGRAPH_STORE", "embedded")
    yield data_dir


def test_cli_writes_each_kind_of_page(cli_store: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "q.html"
    result = runner.invoke(
        app, ["viz", "--query", "vendors_touching_national_data_centres", "--param", "max_hops=4", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = page_json(out.read_text(encoding="utf-8"))
    assert data["paths"] and data["highlight"]["edges"]
    ego = runner.invoke(app, ["viz", "--entity", "vendor:acme", "--depth", "1"])
    assert ego.exit_code == 0, ego.output
    assert {n["id"] for n in page_json(ego.stdout)["nodes"]} == {"vendor:acme", "project:city-cams", "country:CN"}
    whole = runner.invoke(app, ["viz", "--all", "-o", str(tmp_path / "all.html")])
    assert whole.exit_code == 0, whole.output
    assert len(page_json((tmp_path / "all.html").read_text(encoding="utf-8"))["nodes"]) == 15


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["viz"], "exactly one of"),
        (["viz", "--all", "--entity", "vendor:acme"], "exactly one of"),
        (["viz", "--entity", "vendor:nobody"], "no entity"),
        (["viz", "--query", "nope"], "unknown template"),
        (["viz", "--query", "vendors_touching_national_data_centres", "-p", "max_hops=99"], "max_hops"),
        (["viz", "--query", "vendors_touching_national_data_centres", "-p", "max_hops"], "KEY=VALUE"),
        (["viz", "--all", "-p", "a=b"], "--param goes with --query"),
    ],
)
def test_cli_errors(cli_store: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_the_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = []

    def into_tmp(args: list[str]) -> list[str]:
        if "-o" in args:  # write into the test's folder, not the checkout
            i = args.index("-o") + 1
            args[i] = str(tmp_path / args[i])
            pages.append(Path(args[i]))
        return args

    run_readme_commands(
        "Seeing the graph",
        tmp_path,
        monkeypatch,
        [["load", "seed_data/"], ["viz", "--query"], ["viz", "--entity"], ["viz", "--all"]],
        into_tmp,
    )
    query, huawei, everything = (page_json(p.read_text(encoding="utf-8")) for p in pages)
    assert query["paths"] and query["highlight"]["edges"]
    assert huawei["focus"] == "vendor:huawei" and len(huawei["nodes"]) > 1
    assert len(everything["nodes"]) > len(huawei["nodes"])


# -- the served pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_served_pages(engine: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
    with engine_store(engine, tmp_path_factory, request) as store, serve(app_for(store)) as (_, client):
        whole = client.get("/viz")
        assert whole.status_code == 200 and whole.headers["content-type"].startswith("text/html")
        csp = whole.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert whole.headers["x-content-type-options"] == "nosniff"
        assert len(page_json(whole.text)["nodes"]) == 15
        ego = client.get("/viz/entity/vendor:acme", params={"depth": 1})
        assert ego.status_code == 200, ego.text
        assert {n["id"] for n in page_json(ego.text)["nodes"]} == {"vendor:acme", "project:city-cams", "country:CN"}
        q = client.get("/viz/query/vendors_touching_national_data_centres", params={"max_hops": 4})
        assert q.status_code == 200, q.text
        rows = run_template(store, "vendors_touching_national_data_centres", {"max_hops": "4"})
        assert len(page_json(q.text)["paths"]) == len(rows) > 0
        assert_error(client.get("/viz/entity/vendor:nobody"), 404)
        assert_error(client.get("/viz/entity/vendor:acme", params={"depth": 9}), 422)
        assert_error(client.get("/viz/query/nope"), 404)
        assert_error(client.get("/viz/query/vendors_touching_national_data_centres", params={"max_hops": 99}), 422)
        # One documented operation per template, with its required parameters declared.
        paths = client.get("/openapi.json").json()["paths"]
        op = paths["/viz/query/vendors_touching_national_data_centres"]["get"]
        declared = {p.name for p in TEMPLATES.get("vendors_touching_national_data_centres").params}
        assert {p["name"] for p in op["parameters"]} == declared | {"show_unconnected"}
        assert {"max_hops", "country", "types", "as_of", "limit", "after"} <= declared
        assert [p["name"] for p in paths["/viz/query/vendor_footprint"]["get"]["parameters"] if p["required"]] == [
            "vendor"
        ]
