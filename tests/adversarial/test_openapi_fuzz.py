"""Property-based testing of the HTTP API against its own OpenAPI schema (schemathesis), on both stores.

Every operation of the schema the app publishes is fuzzed through a real uvicorn server, with data that fits
the schema (positive) and data that does not (negative). Each response must:
- not be a server error (no 5xx; a crash of the process would fail every later request, and the module);
- conform to the schema: a documented status code, the declared media type, a body that matches the declared
  model, the declared headers; negative data must be refused with a 4xx;
- leave the store exactly as it was (tests/fingerprint.py): compared after every request to `POST /records`
  (the one route that writes, only ever sent with an absent or a wrong X-API-Key: 401), and before and after
  the examples of every other operation (all of them read only; one comparison per request would double the
  run time on the embedded store for nothing a batch comparison misses).

CI runs a bounded, deterministic profile: 12 examples per operation and generation mode, hypothesis
`derandomize` (the same examples on every run), about 1,000 requests per store and under a minute of CPU for
the embedded one on a quiet machine. The full profile is the same test with more examples:

    SURVGRAPH_FUZZ_EXAMPLES=200 .venv/bin/pytest -q tests/adversarial/test_openapi_fuzz.py -p no:cacheprovider -s

(`-s` prints the figures: examples, statuses and failures per route and store.)
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from survgraph.api import create_app
from survgraph.graph import GraphStore

from ..fingerprint import fingerprint
from ..test_api_support import API_KEY, ApiServer, app_for, engine_store, settings

#: Examples per operation and generation mode. CI: the default; the full profile: e.g. 200.
EXAMPLES = int(os.environ.get("SURVGRAPH_FUZZ_EXAMPLES", "12"))

#: The schema as the app publishes it, with writes enabled so that POST /records is in it.
SCHEMA = schemathesis.openapi.from_dict(create_app(settings(SURVGRAPH_API_KEY=API_KEY)).openapi())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
OPERATION_IDS = [op.label for op in OPERATIONS]
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]

#: POST /cypher has its own adversarial suite (tests/adversarial/test_cypher.py): each accepted query runs in a
#: child reader process, too slow to fuzz by the thousand.
EXCLUDED = {"POST /cypher"}

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

FIGURES: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))


@pytest.fixture(scope="module", params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, GraphStore, ApiServer]]:
    engine = request.param
    with (
        engine_store(engine, tmp_path_factory, request) as store,
        ApiServer(app_for(store, SURVGRAPH_API_KEY=API_KEY)) as server,
    ):
        yield engine, store, server


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    if not FIGURES:
        return
    lines = [f"\nOpenAPI fuzz figures ({EXAMPLES} examples per operation and mode asked for):"]
    for engine, routes in FIGURES.items():
        total: Counter[str] = Counter()
        for route, counts in sorted(routes.items()):
            total.update(counts)
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k.startswith("status "))
            lines.append(f"  [{engine}] {route}: {counts['examples']} examples ({statuses})")
        lines.append(
            f"  [{engine}] total: {len({r.rsplit(' (', 1)[0] for r in routes})} operations "
            f"({len(routes)} with a generation mode), {total['examples']} examples, "
            f"{total['5xx']} server errors, {total['failures']} check failures, {total['crashes']} crashes"
        )
    print("\n".join(lines))


def _has_inputs(operation: schemathesis.APIOperation) -> bool:
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


def _prepare(case: schemathesis.Case, counts: Counter[str], attempt: int) -> None:
    """The exemptions above, applied to one generated case."""
    label = case.operation.label
    if label == "POST /records":
        headers = dict(case.headers or {})
        headers.pop("X-API-Key", None)
        if attempt % 2:
            headers["X-API-Key"] = "wrong-" + API_KEY
        case.headers = headers


#: Every (operation, mode) pair worth a test: not the excluded operations, and no negative mode for an
#: operation that takes no input (there is no invalid request to make). Decided here, so nothing is skipped.
CASES = [
    pytest.param(op, mode, id=f"{op.label}-{mode.value}")
    for op in OPERATIONS
    if op.label not in EXCLUDED
    for mode in MODES
    if mode is schemathesis.GenerationMode.POSITIVE or _has_inputs(op)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_operation_conforms(
    served: tuple[str, GraphStore, ApiServer], operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode
) -> None:
    engine, store, server = served
    before = fingerprint(store)
    counts = FIGURES[engine][f"{operation.label} ({mode.value})"]
    session = requests.Session()
    attempts = [0]

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        attempts[0] += 1
        _prepare(case, counts, attempts[0])
        counts["examples"] += 1
        checks = [*CHECKS, negative_data_rejection] if mode is schemathesis.GenerationMode.NEGATIVE else CHECKS
        try:
            response = case.call(base_url=server.url, session=session, timeout=60)
        except requests.ConnectionError:
            counts["crashes"] += 1  # the server dropped the connection or is gone
            raise
        counts[f"status {response.status_code}"] += 1
        if response.status_code >= 500:
            counts["5xx"] += 1
        try:
            case.validate_response(response, checks=checks)
        except BaseException:
            counts["failures"] += 1
            raise
        if operation.label == "POST /records":
            assert response.status_code == 401, response.text
            assert fingerprint(store) == before, f"POST /records wrote without the key: {case.as_curl_command()}"

    run()
    assert server.thread.is_alive(), "the API server died"
    assert fingerprint(store) == before, f"{operation.label} changed the store"


def test_schema_covers_the_routes() -> None:
    """The fuzz reaches every route the routers declare (with writes on): a route missing from the schema would
    escape it. The by-name template routes are hidden on purpose: each template is its own documented route."""
    import importlib
    import pkgutil

    from fastapi import APIRouter
    from fastapi.routing import APIRoute

    import survgraph.api.routers as package
    from survgraph.api.routers import queries, viz

    # Every router module of the package, so that a new one cannot be forgotten here.
    modules = [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]
    routers = [m for m in modules if isinstance(getattr(m, "router", None), APIRouter)]
    declared = {
        f"{method} {route.path}"
        for module in routers
        for route in module.router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    assert declared == set(OPERATION_IDS)
    assert "GET /export/graph" in declared
    hidden = {
        route.path
        for module in (queries, viz)
        for route in module.router.routes
        if isinstance(route, APIRoute) and not route.include_in_schema
    }
    assert hidden == {"/queries/{name}", "/viz/query/{name}"}
