"""The HTML output as an attack surface: hostile text in every field that reaches a viz page, on both stores.

Each case loads real records through `POST /records` (the validation and loader a client meets), then fetches
the pages that show them (the entity's page, the whole graph, query pages whose parameters are echoed back)
and checks the bytes:
- the page keeps its shape: exactly the three <script> elements of the template, the data element's JSON
  parses and holds the hostile text exactly (nothing was cut, nothing broke out);
- outside that JSON the hostile text never appears raw; inside it no `<`, `>`, `&`, U+2028 or U+2029 is left;
- a Content Security Policy is sent (header and <meta>) whose script-src allows exactly the hashes of the two
  inline scripts the page carries: no 'unsafe-inline', no 'unsafe-eval', no host;
- fetching pages writes nothing (tests/fingerprint.py).
Values the record schema refuses (a source URL that is not http(s), an id with markup) must be refused with a
located 422 and nothing written. The browser side of a few payloads is in tests/test_viz_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from survgraph.graph import GraphStore

from ..fingerprint import fingerprint
from ..test_api_support import API_KEY, ApiServer, app_for, assert_error, engine_store

_DATA = re.compile(r'<script type="application/json" id="survgraph-data">(.*?)</script>', re.S)
_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
#: What must never be left inside the inline JSON: each could end the element or a JS line.
_FORBIDDEN_IN_JSON = ("<", ">", "&", "\u2028", "\u2029")


@dataclass(frozen=True)
class Case:
    name: str
    text: str = "harmless text"  # in names, aliases, descriptions, titles, publishers and notes
    url: str = "https://example.org/report"  # the source's URL
    refused: str | None = None  # a substring of the 422 details when the record schema must refuse it
    query: dict[str, str] = field(default_factory=dict)  # extra /viz/query/search parameters


TEXT = [
    Case("script-close", "</script><script>alert(1)</script>"),
    Case("script-close-odd-case", "</SCRIPT ><script >alert(1)</script\t>"),
    Case("html-comment-open", "<!--<script>alert(1)//"),
    Case("img-onerror", '<img src=x onerror="alert(1)">'),
    Case("svg-onload", "<svg/onload=alert(1)>"),
    Case("attribute-breakout-double", '"><script>alert(1)</script>'),
    Case("attribute-breakout-single", "' autofocus onfocus='alert(1)"),
    Case("line-separators", "before\u2028between\u2029after"),
    Case("line-separator-then-code", "\u2028alert(1)//\u2029"),
    Case("escaped-lookalike", "\\u003c/script\\u003e\\u2028"),
    Case("html-entities", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;"),
    Case("template-syntax", "{{ 7*7 }} {% raw %} ${7*7} #{7*7}"),
    Case("cdata", "]]><![CDATA[<script>alert(1)</script>"),
    Case("bidi-override", "\u202egnp.exe<script>alert(1)</script>"),
    Case("title-breakout", "</title><script>alert(1)</script>"),
    Case("style-breakout", "</style><script>alert(1)</script>"),
    Case("json-breakout", '"}]};alert(1);//'),
    Case("backslash-quote", '\\"</script>\\'),
    Case("javascript-in-text", "javascript:alert(1) data:text/html,<b>x</b>"),
]

URLS = [
    Case("url-javascript", url="javascript:alert(1)", refused="url"),
    Case("url-javascript-mixed-case", url="JaVaScRiPt:alert(1)", refused="url"),
    Case("url-javascript-leading-space", url=" javascript:alert(1)", refused="url"),
    Case("url-data-html", url="data:text/html,<script>alert(1)</script>", refused="url"),
    Case("url-vbscript", url="vbscript:msgbox(1)", refused="url"),
    Case("url-http-with-markup", url='https://example.org/"><script>alert(1)</script>'),
    Case("url-fragment-script-close", url="https://example.org/#</script><svg/onload=alert(1)>"),
    Case("url-userinfo-javascript", url="https://javascript:alert(1)@example.org/"),
]

CASES = TEXT + URLS
#: Template parameters that are echoed back into the page (its subtitle), without a record behind them.
ECHOED = [
    "</script><img src=x onerror=alert(1)>",
    "\u2028</script>\u2029",
    '"><svg onload=alert(1)>',
]


def records(n: int, case: Case) -> str:
    """A record file (JSON is YAML) with the case's text in every free-text field."""
    t = case.text
    doc: dict[str, Any] = {
        "sources": [
            {
                "id": f"source:html-{n}",
                "publisher": t,
                "kind": "official_document",
                "title": t,
                "date": "2021-03",
                "url": case.url,
            }
        ],
        "entities": [
            {
                "id": f"vendor:html-{n}",
                "name": t,
                "aliases": [t, f"alias {n}"],
                "description": t,
                "hq_country": "CN",
                "sources": [f"source:html-{n}"],
                "confidence": "reported",
            },
            {
                "id": f"project:html-{n}",
                "name": f"{t} project",
                "description": t,
                "country": "PK",
                "sources": [f"source:html-{n}"],
                "confidence": "alleged",
            },
        ],
        "claims": [
            {
                "type": "SUPPLIES",
                "from": f"vendor:html-{n}",
                "to": f"project:html-{n}",
                "sources": [f"source:html-{n}"],
                "confidence": "reported",
                "notes": t,
            }
        ],
    }
    return json.dumps(doc, ensure_ascii=True, indent=1)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_inert_page(response: httpx.Response, hostile: list[str]) -> dict[str, Any]:
    """The checks of the module docstring on one page; returns the page's data."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    page = response.text
    # Shape: the template's three scripts and nothing more.
    assert page.lower().count("<script") == 3, "a <script> element was added"
    assert page.lower().count("</script") == 3, "a </script> was added"
    found = _DATA.search(page)
    assert found, "the data element is missing or was cut"
    raw = found.group(1)
    for ch in _FORBIDDEN_IN_JSON:
        assert ch not in raw, f"{ch!r} left raw in the inline JSON"
    data: dict[str, Any] = json.loads(raw)
    outside = page[: found.start()] + page[found.end() :]
    for text in hostile:
        # (U+2028/9 matter only to scripts: raw in <title> they are plain text.)
        if any(ch in text for ch in "<>&\"'"):
            assert text not in outside, f"{text!r} appears raw outside the inline JSON"
    # CSP: exactly the hashes of the two inline scripts, both in the header and in the page.
    scripts = _SCRIPT.findall(page)
    assert len(scripts) == 2
    csp = response.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}
    assert sorted(directives["script-src"]) == sorted(_sha256(s) for s in scripts)
    assert directives["default-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in csp
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert meta and "script-src " + " ".join(directives["script-src"]) in meta.group(1).replace("&#39;", "'")
    return data


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[GraphStore, httpx.Client]]:
    with (
        engine_store(request.param, tmp_path_factory, request) as store,
        ApiServer(app_for(store, SURVGRAPH_API_KEY=API_KEY)) as server,
        server.client() as client,
    ):
        yield store, client


def _load(client: httpx.Client, body: str) -> httpx.Response:
    return client.post(
        "/records", content=body.encode(), headers={"X-API-Key": API_KEY, "Content-Type": "application/yaml"}
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_record_renders_inert(site: tuple[GraphStore, httpx.Client], case: Case) -> None:
    store, client = site
    n = CASES.index(case)
    before = fingerprint(store)
    loaded = _load(client, records(n, case))
    if case.refused is not None:
        body = assert_error(loaded, 422)
        assert any(case.refused in d for d in body["details"]), body
        assert fingerprint(store) == before, "a refused load wrote something"
        return
    assert loaded.status_code == 200, loaded.text
    after_load = fingerprint(store)
    assert after_load != before
    hostile = [case.text, case.url]

    data = assert_inert_page(client.get(f"/viz/entity/vendor:html-{n}"), hostile)
    vendor = data["details"]["nodes"][f"vendor:html-{n}"]
    assert vendor["name"] == case.text and vendor["description"] == case.text
    assert case.text in vendor["aliases"]
    assert data["details"]["nodes"][f"project:html-{n}"]["name"] == f"{case.text} project"
    source = data["sources"][f"source:html-{n}"]
    assert source["title"] == case.text and source["publisher"] == case.text and source["url"] == case.url
    notes = [f for e in data["details"]["edges"].values() for f in e["fields"] if f[0] == "notes"]
    assert ["notes", case.text] in notes
    assert data["title"] == case.text

    whole = assert_inert_page(client.get("/viz"), hostile)
    assert whole["details"]["nodes"][f"vendor:html-{n}"]["name"] == case.text
    footprint = assert_inert_page(
        client.get("/viz/query/vendor_footprint", params={"vendor": f"vendor:html-{n}"}), hostile
    )
    assert f"project:html-{n}" in footprint["details"]["nodes"]
    by_source = assert_inert_page(
        client.get("/viz/query/claims_by_source", params={"source": f"source:html-{n}"}), hostile
    )
    assert by_source["sources"][f"source:html-{n}"]["url"] == case.url
    # The JSON API carries the same text, as JSON.
    entity = client.get(f"/entities/vendor:html-{n}")
    assert entity.headers["content-type"] == "application/json" and entity.json()["entity"]["name"] == case.text
    assert fingerprint(store) == after_load, "reading pages wrote something"


@pytest.mark.parametrize("text", ECHOED, ids=["script-close", "line-separators", "attribute-breakout"])
def test_echoed_template_parameters_are_inert(site: tuple[GraphStore, httpx.Client], text: str) -> None:
    """Template parameters come back in the page (its subtitle names them): a search for hostile text."""
    store, client = site
    before = fingerprint(store)
    data = assert_inert_page(client.get("/viz/query/search", params={"text": text}), [text])
    assert text.strip() in data["subtitle"]
    assert fingerprint(store) == before


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/viz/entity/<script>alert(1)<%2Fscript>", {}),
        ("/viz/query/vendor_footprint", {"vendor": "<img src=x onerror=alert(1)>"}),
        ("/viz/query/neighbourhood", {"id": "vendor:acme", "depth": "</script>"}),
        ("/viz/query/<svg onload=alert(1)>", {}),
    ],
    ids=["entity-id", "template-entity-parameter", "template-int-parameter", "template-name"],
)
def test_hostile_page_parameters_get_json_errors(
    site: tuple[GraphStore, httpx.Client], path: str, params: dict[str, str]
) -> None:
    """A refused viz request answers JSON (never HTML that would echo the value), and writes nothing."""
    store, client = site
    before = fingerprint(store)
    response = client.get(path, params=params)
    assert response.status_code in (404, 422), response.text
    assert_error(response, response.status_code)
    assert "<" not in response.headers.get("content-type", "")
    assert fingerprint(store) == before
