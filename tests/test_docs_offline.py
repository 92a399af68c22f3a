"""/docs and /redoc render in a real browser with every request kept on the machine (no CDN, no fonts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from survgraph.graph.embedded import EmbeddedStore

from .test_api_support import ApiServer, app_for, load_small
from .test_viz_browser import BROWSER_DIR, _require_browser

PAGE_DRIVER = BROWSER_DIR / "page-driver.mjs"


def open_page(url: str, selector: str) -> dict[str, object]:
    _require_browser()
    proc = subprocess.run(
        ["node", str(PAGE_DRIVER), json.dumps({"url": url, "selector": selector, "timeoutMs": 90000})],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=BROWSER_DIR,
        check=False,
    )
    report: dict[str, object] = json.loads(proc.stdout.strip().split("\n")[-1])
    assert not report.get("fatal"), f"{report.get('fatal')}\n{proc.stderr[-2000:]}"
    return report


@pytest.mark.parametrize(
    ("path", "selector"),
    [
        # Swagger UI draws one block per operation once it has read /openapi.json
        ("/docs", ".opblock-summary-path"),
        # ReDoc draws the API's title in its own heading once it has read /openapi.json
        ("/redoc", "h1"),
    ],
)
def test_api_docs_render_offline(path: str, selector: str, tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "store") as store:
        load_small(store)
        with ApiServer(app_for(store)) as server:
            report = open_page(server.url + path, selector)
    assert report["blocked"] == [], report["blocked"]
    assert report["pageErrors"] == [], report["pageErrors"]
    requests = [str(u) for u in report["requests"]]  # type: ignore[attr-defined]
    failed = {f["url"]: f["error"] for f in report["failed"]}  # type: ignore[attr-defined]
    # What the page tries to fetch from elsewhere (ReDoc's footer logo) is stopped by the page's own CSP.
    for url in requests:
        if not (url.startswith(server.url) or url.startswith("data:")):
            assert failed.get(url) == "csp", (url, failed)
    assert any(u.endswith("/openapi.json") for u in requests), requests
    text = str(report["text"])
    assert text.startswith("/") if path == "/docs" else ("survgraph" in text), text
