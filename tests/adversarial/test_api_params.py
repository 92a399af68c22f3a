"""Attack surface: every HTTP parameter of every route, on `survgraph serve` over the embedded store.

LadybugDB 0.22 segfaults on `ORDER BY .. SKIP s LIMIT k` with s past the last row (the reproducer is
ladybug_skip_segfault.py beside this file; docs/embedded-engine.md). `GET /entities?offset=12001` used
to send exactly that and kill the server. This battery runs the real server process on a store of more
than 12,000 entities and 12,000 claims, sends every parameter of every route (read from the server's own
OpenAPI description, so routes added later are attacked too) a list of extreme values, and asserts:
the process never dies, no answer is a 5xx, every error is JSON {"error", "details"} (a 404 may add
"suggestions"), every 200 of the listings is a correct page, and the store's fingerprint is unchanged.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.store import plan_write
from survgraph.loaders import validate_paths
from survgraph.schema import Claim, Country, Vendor

from ..fingerprint import fingerprint
from ..test_api_support import SMALL, free_port

HERE = Path(__file__).parent
REPRODUCER = HERE / "ladybug_skip_segfault.py"

BULK = 12_500  # more entities (and claims) than the ~12,000 at which offsets crashed the server
BULK_PREFIX = "vendor:bulk-"


def _cursor(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


#: Values every parameter is sent: numbers out of any range, text the engines may choke on, and
#: cursors that are forged, garbled or issued for the other listing.
NUMBERS = [
    "0",
    "-1",
    "-9223372036854775809",
    "9223372036854775807",
    "18446744073709551616",
    "1" + "0" * 400,
    "1e309",
    "NaN",
    "-0",
    "0x10",
    "\u0661\u0662",  # Arabic-Indic digits: int() in Python accepts them
    "12001",
    "1000000",
    "4",
    "6",
]
TEXTS = [
    "",
    " ",
    "x" * 200,
    "x" * 201,
    "x" * 6000,
    "\u00e9" * 200,
    "\U0001d54f" * 150,
    "\u0000",
    "a\u0000b",
    "\u202e",
    "' OR 1=1 //",
    "`) MATCH (n) DETACH DELETE n //",
    "$q",
    "%00",
    "../../etc/passwd",
    "vendor:acme",
    f"{BULK_PREFIX}{BULK:05d}",
    "vendor:" + "a" * 193,
    "claim:" + "0" * 64,
    "\U0001f525",
    "\u0416",
    "SUPPLIES",
    "Vendor",
]
CURSORS = [
    _cursor({"v": 1, "on": "entities", "after": "\uffff"}),
    _cursor({"v": 1, "on": "claims", "after": "vendor:acme"}),
    _cursor({"v": 1, "on": "entities", "after": "a" * 200}),
    _cursor({"v": 1, "on": "entities", "after": "a" * 201}),
    _cursor({"v": 1, "on": "entities", "after": ""}),
    _cursor({"v": 1, "on": "entities", "after": 5}),
    _cursor({"v": 2, "on": "entities", "after": "vendor:acme"}),
    _cursor({"v": 1, "on": "entities", "after": "vendor:acme", "x": 1}),
    _cursor({"v": 1, "on": "paths", "after": "vendor:acme"}),
    _cursor(None),
    _cursor([1, 2]),
    _cursor("vendor:acme"),
    base64.urlsafe_b64encode(b"\xff\xfe\x00garbage").decode(),
    "not base64 !",
    "====",
    "A" * 900,
    "A" * 901,
]
PAYLOADS = NUMBERS + TEXTS + CURSORS

#: Valid values for the parameters not under attack, so that only the attacked one is bad.
SAMPLES = {
    "from": "vendor:acme",
    "to": "initiative:big",
    "entity_id": "vendor:acme",
    "name": "vendor_footprint",
    "entity": "vendor:acme",  # keeps /export/rdf to a neighbourhood, not the 12,500-vendor graph
}
#: Routes whose default answer draws or exports the whole graph (12,500 vendors): not parameter attacks.
SKIPPED_WITHOUT_PARAMS = {"/viz"}
#: Parameters that, left blank, select the whole graph for export: blank values are skipped for them.
WHOLE_GRAPH_WHEN_BLANK = {("/export/rdf", "entity"), ("/export/rdf", "query")}


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    client: httpx.Client
    tally: Tally = field(default_factory=Tally)

    def alive(self) -> None:
        assert self.proc.poll() is None, f"the server died: exit {self.proc.returncode}\n{self.log.read_text()[-3000:]}"

    def send(self, method: str, path: str, params: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        r = self.client.request(method, path, params=params, **kwargs)
        self.tally.requests += 1
        self.tally.statuses[r.status_code] += 1
        self.tally.by_route[path.split("?")[0]] += 1
        return r


def _small_and_bulk(store: EmbeddedStore) -> None:
    """The small graph plus 12,500 vendors, each HEADQUARTERED_IN country:NZ, written as ONE load into the
    fresh store: its tables are empty, so the rows go in by the engine's bulk path (COPY) rather than
    25,000 MERGEs (the store holds the same graph either way; what is under attack is the server)."""
    small = validate_paths([SMALL])
    assert not small.errors, small.errors
    nodes: list[Any] = [*small.nodes, Country(id="country:NZ", name="New Zealand")]
    claims = list(small.claims)
    for i in range(1, BULK + 1):
        vid = f"{BULK_PREFIX}{i:05d}"
        nodes.append(Vendor(id=vid, name=f"Bulk vendor {i:05d}", sources=["source:test-a"], confidence="reported"))
        claims.append(
            Claim.model_validate(
                {
                    "type": "HEADQUARTERED_IN",
                    "from": vid,
                    "to": "country:NZ",
                    "sources": ["source:test-a"],
                    "confidence": "reported",
                }
            )
        )
    store.write(plan_write(nodes, claims), batch_size=2500)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, set[str], set[str]]]:
    """An embedded store of the small graph plus 12,500 vendors and their 12,500 claims; its fingerprint,
    entity ids and claim ids, read before any attack."""
    path = tmp_path_factory.mktemp("adversarial-params")
    with EmbeddedStore(path) as store:
        _small_and_bulk(store)
        ids = {r["id"] for r in store.query("MATCH (n) RETURN n.id AS id")}
        claims = {r["id"] for r in store.query("MATCH ()-[r]->() RETURN r.id AS id")}
        before = fingerprint(store)
    assert len(ids) > BULK and len(claims) > BULK
    yield path, before, ids, claims
    with EmbeddedStore(path, read_only=True) as store:
        assert fingerprint(store) == before, "the attacks changed the store"


@pytest.fixture(scope="module")
def server(
    data_dir: tuple[Path, str, set[str], set[str]], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    path = data_dir[0]
    port = free_port()
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SURVGRAPH_", "NEO4J_"))}
    env.update(SURVGRAPH_STORE="embedded", SURVGRAPH_DATA_DIR=str(path))
    exe = Path(sys.executable).with_name("survgraph")  # the console script, as a user runs it
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-seed", "--log-level", "warning"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=url, timeout=300)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"serve exited with {proc.returncode}: {log.read_text()}"
            try:
                if client.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not answer /health within 120 s"
            time.sleep(0.2)
        srv = Server(url, proc, log, client)
        yield srv
        srv.alive()
        summary = dict(sorted(srv.tally.statuses.items()))
        print(f"\n{srv.tally.requests} requests, statuses {summary}, routes {len(srv.tally.by_route)}")
    finally:
        client.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _check(srv: Server, r: httpx.Response, what: str) -> None:
    """A JSON error of the common shape with a 4xx, or a 200; never a 5xx."""
    assert r.status_code < 500, (what, r.status_code, r.text[:1000])
    ctype = r.headers.get("content-type", "")
    if r.status_code >= 400:
        assert ctype.startswith("application/json"), (what, r.status_code, ctype)
        body = r.json()
        # A 404 for an unknown id may add the closest ids (`suggestions`); nothing else is ever added.
        allowed = {"error", "details", "suggestions"} if r.status_code == 404 else {"error", "details"}
        assert {"error", "details"} <= set(body) <= allowed, (what, r.text[:1000])
        assert all(isinstance(s, str) for s in body.get("suggestions", [])), (what, r.text[:1000])
    elif r.status_code == 200 and ctype.startswith("application/json"):
        r.json()  # parses


def _page_is_correct(body: dict[str, Any], after: str, limit: int, universe: set[str]) -> None:
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(i > after for i in ids) and len(ids) <= limit
    assert set(ids) <= universe
    assert isinstance(body["total"], int) and body["total"] >= 0


# -- the reason: the engine bug, still there ---------------------------------------------------------


def test_the_engine_still_segfaults_on_skip_past_the_end() -> None:
    """If this fails, LadybugDB fixed the bug: update docs/embedded-engine.md (the defence stays)."""
    crash = subprocess.run([sys.executable, str(REPRODUCER), "4000", "12000"], capture_output=True, timeout=120)
    assert crash.returncode == -signal.SIGSEGV, (crash.returncode, crash.stdout, crash.stderr)
    fine = subprocess.run([sys.executable, str(REPRODUCER), "4000", "3990"], capture_output=True, timeout=120)
    assert fine.returncode == 0 and b"survived" in fine.stdout


# -- the attacks -------------------------------------------------------------------------------------


def _operations(srv: Server) -> list[tuple[str, str, list[dict[str, Any]]]]:
    spec = srv.send("GET", "/openapi.json").json()
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            ops.append((method.upper(), path, op.get("parameters", [])))
    return ops


def _request(
    srv: Server, method: str, path: str, params: list[dict[str, Any]], target: str | None, value: str
) -> httpx.Response:
    query: dict[str, Any] = {}
    url = path
    for p in params:
        name = p["name"]
        if p["in"] == "path":
            url = url.replace("{" + name + "}", quote(value if name == target else SAMPLES.get(name, "x"), safe=""))
        elif name == target:
            query[name] = value
        elif p.get("required") or name in SAMPLES:
            query[name] = SAMPLES.get(name, "x")
    if method == "POST":
        return srv.send(method, url, query, json={"query": value or "RETURN 1", "params": {"x": value}})
    return srv.send(method, url, query)


def test_every_parameter_of_every_route(server: Server) -> None:
    attacked = 0
    for method, path, params in _operations(server):
        targets = [p["name"] for p in params] or [None]
        if path in SKIPPED_WITHOUT_PARAMS:
            continue
        for target in targets:
            for value in PAYLOADS if target is not None or method == "POST" else [""]:
                if (path, target) in WHOLE_GRAPH_WHEN_BLANK and not value.strip():
                    continue
                what = f"{method} {path} {target}={value[:40]!r}"
                try:
                    r = _request(server, method, path, params, target, value)
                except httpx.TransportError as exc:
                    server.alive()
                    raise AssertionError(f"{what}: no answer ({exc!r})") from exc
                _check(server, r, what)
                attacked += 1
        server.alive()
    assert attacked > 900


@pytest.mark.parametrize("listing", ["/entities", "/claims"])
@pytest.mark.parametrize("offset", ["12001", "23830", "50000", "1000000", "-1", "0"])
def test_the_old_offset_is_refused_not_fatal(server: Server, listing: str, offset: str) -> None:
    r = server.send("GET", listing, {"offset": offset, "limit": "500"})
    assert r.status_code == 400 and "offset" in r.json()["error"], r.text
    server.alive()


def test_template_parameters_with_extreme_values(server: Server) -> None:
    """Query templates take their parameters from the query string of /queries/{name} and /viz/query/{name}."""
    templates = server.send("GET", "/queries").json()["items"]
    assert templates
    for template in templates:
        for spec in template["params"]:
            for value in NUMBERS[:9] + TEXTS[:10]:
                for base in ("/queries", "/viz/query"):
                    r = server.send("GET", f"{base}/{template['name']}", {spec["name"]: value})
                    _check(server, r, f"{base}/{template['name']} {spec['name']}={value[:40]!r}")
        server.alive()


def test_paging_through_everything_by_cursor(server: Server, data_dir: tuple[Path, str, set[str], set[str]]) -> None:
    """The cursor reaches every entity and every claim of the 12,500-vendor store exactly once, in order."""
    _, _, entity_ids, claim_ids = data_dir
    for listing, universe in (("/entities", entity_ids), ("/claims", claim_ids)):
        seen: list[str] = []
        cursor: str | None = None
        after = ""
        while True:
            params = {"limit": "500", **({"after": cursor} if cursor else {})}
            r = server.send("GET", listing, params)
            assert r.status_code == 200, r.text[:1000]
            body = r.json()
            _page_is_correct(body, after, 500, universe)
            assert body["total"] == len(universe)
            seen += [item["id"] for item in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
            after = seen[-1]
        assert seen == sorted(universe)
        # A cursor of one listing is refused by the other, with a 400 that says so.
        first = server.send("GET", listing, {"limit": "1"}).json()["next"]
        other = "/claims" if listing == "/entities" else "/entities"
        refused = server.send("GET", other, {"after": first})
        assert refused.status_code == 400 and "cursor" in refused.json()["error"]
    # Filters keep working across pages: the 12,500 claims into country:NZ.
    r = server.send("GET", "/claims", {"to": "country:NZ", "limit": "500"}).json()
    assert r["total"] == BULK and len(r["items"]) == 500 and r["next"]
    server.alive()


@pytest.mark.parametrize("depth", ["0", "1", "4", "6", "7", "-1", "99999999999"])
def test_depths_at_and_past_their_bounds(server: Server, depth: str) -> None:
    """Neighbourhoods of the hub that 12,500 claims point at: bounded, answered or refused, never fatal."""
    for path, params in (
        ("/viz/entity/country:NZ", {"depth": depth}),
        ("/export/rdf", {"entity": "country:NZ", "depth": depth, "format": "nt"}),
        ("/paths", {"from": f"{BULK_PREFIX}00001", "to": f"{BULK_PREFIX}{BULK:05d}", "max_hops": depth}),
    ):
        r = server.send("GET", path, params)
        _check(server, r, f"{path} depth={depth}")
        server.alive()
