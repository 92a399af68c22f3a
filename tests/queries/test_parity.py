"""Every template gives the same rows on both stores (on the fixtures and on seed_data/), and the
6-hop search agrees on a hub-heavy graph."""

from __future__ import annotations

import functools
import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from survgraph.graph.embedded import EmbeddedStore
from survgraph.loaders import Dataset, load_paths, validate_paths
from survgraph.queries import (
    TEMPLATES,
    run_template,
)
from survgraph.schema import Technology

from ..conftest import Neo4jServer
from .conftest import (
    DATASETS,
    ENGINES,
    EVERY_TYPE,
    EXTRA,
    SMALL,
    Graphs,
    sample_params,
)

# -- every template, both stores, same rows ---------------------------------------------------------


@functools.cache
def seed_dataset() -> Dataset:
    return validate_paths(DATASETS["seed"])


#: Columns that hold a witness path: when several paths are as short, which one comes back is the
#: engine's choice, so parity is on the answers (who, how far, which data centres, how many paths).
WITNESS_COLUMNS = {
    "vendors_touching_national_data_centres": ("path", "path_text", "sources"),
    "data_linkage": ("path", "path_text", "sources"),
    "shortest_path": ("path", "path_text", "sources"),
}


def answers(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drop = WITNESS_COLUMNS.get(name, ())
    return [{k: v for k, v in row.items() if k not in drop} for row in rows]


PARITY_CASES = [(dataset, name) for dataset in ("small", "extra", "seed") for name in TEMPLATES.names()]


@pytest.mark.parametrize(("dataset", "name"), PARITY_CASES, ids=[f"{d}-{n}" for d, n in PARITY_CASES])
def test_same_rows_on_both_stores(graphs: Graphs, dataset: str, name: str) -> None:
    ds = SMALL if dataset == "small" else EXTRA if dataset == "extra" else seed_dataset()
    assert not ds.errors, ds.errors[:5]
    template = TEMPLATES.get(name)
    sets = sample_params(template, ds)
    if dataset != "seed":
        assert sets, f"no parameters drawn for {name}"
    for params in sets:
        rows = {engine: run_template(graphs.get(dataset, engine), name, params) for engine in ENGINES}
        assert answers(name, rows["embedded"]) == answers(name, rows["neo4j"]), (name, params)
        for row in rows["embedded"]:
            assert list(row) == template.columns


# -- speed: the 6-hop search on a hub-heavy graph ----------------------------------------------------


def synthetic_graph(folder: Path, *, vendors: int, projects: int, orgs: int, databases: int, seed: int = 7) -> Path:
    """Vendors supplying projects in 40 countries, projects funded and grouped into initiatives: every
    country and every big vendor a hub, which is where enumerating paths blows up."""
    rnd = random.Random(seed)
    codes = [
        "AE",
        "AO",
        "AR",
        "BD",
        "BO",
        "BR",
        "CM",
        "DE",
        "EC",
        "EG",
        "ET",
        "FR",
        "GB",
        "GH",
        "ID",
        "IN",
        "IR",
        "KE",
        "KZ",
        "LA",
    ]
    codes += [
        "LK",
        "MM",
        "MN",
        "MX",
        "MY",
        "NG",
        "PE",
        "PH",
        "PK",
        "RS",
        "RU",
        "SA",
        "TH",
        "TR",
        "UG",
        "US",
        "UZ",
        "VE",
        "ZM",
        "ZW",
    ]
    hq = ["CN"] * 4 + ["US", "IL", "DE", "FR", "GB", "RU", "JP", "KR", "SE"]
    countries = [{"id": f"country:{c}", "name": c, "sources": ["source:s0"]} for c in sorted(set(codes + hq))]
    sources = [{"id": f"source:s{i}", "publisher": "P", "kind": "dataset", "title": f"Title {i}"} for i in range(50)]
    techs = [t.value for t in Technology]
    entities: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def src() -> list[str]:
        return [f"source:s{rnd.randrange(50)}"]

    def claim(t: str, a: str, b: str, **kw: Any) -> None:
        if (t, a, b) not in seen and a != b:
            seen.add((t, a, b))
            claims.append({"type": t, "from": a, "to": b, "sources": src(), "confidence": "reported", **kw})

    for i in range(vendors):
        entities.append(
            {
                "id": f"vendor:v{i}",
                "name": f"Vendor {i}",
                "hq_country": rnd.choice(hq),
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(orgs):
        entities.append(
            {
                "id": f"org:o{i}",
                "name": f"Org {i}",
                "kind": "bank",
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(10):
        entities.append(
            {
                "id": f"initiative:i{i}",
                "name": f"Initiative {i}",
                "kind": "other",
                "sources": src(),
                "confidence": "reported",
            }
        )
    for i in range(projects):
        entities.append(
            {
                "id": f"project:p{i}",
                "name": f"Project {i}",
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
        for v in rnd.sample(range(vendors), rnd.randint(1, 3)):
            claim("SUPPLIES", f"vendor:v{v}", f"project:p{i}", technologies=[rnd.choice(techs)])
        if rnd.random() < 0.4:
            claim("FUNDED_BY", f"project:p{i}", f"org:o{rnd.randrange(orgs)}")
        if rnd.random() < 0.3:
            claim("PART_OF", f"project:p{i}", f"initiative:i{rnd.randrange(10)}")
    for i in range(databases):
        kind = "national_data_centre" if i % 4 == 0 else "civil_registry"
        entities.append(
            {
                "id": f"database:d{i}",
                "name": f"Database {i}",
                "kind": kind,
                "country": rnd.choice(codes),
                "sources": src(),
                "confidence": "reported",
            }
        )
        if rnd.random() < 0.6:
            claim("SUPPLIES", f"vendor:v{rnd.randrange(vendors)}", f"database:d{i}")
        if rnd.random() < 0.4:
            claim("LINKS_DATA_WITH", f"database:d{i}", f"database:d{rnd.randrange(databases)}")
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"sources": sources, "entities": countries + entities, "claims": claims}
    (folder / "graph.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return folder


def test_six_hops_on_a_hub_heavy_graph_agree(neo4j_server: Neo4jServer, tmp_path: Path, graphs: Graphs) -> None:
    """~1,000 entities and ~2,000 claims with country and vendor hubs: both engines give the same
    vendors, distances and data centres at 6 hops. (Its speed is measured by benchmarks/bench_paths.py.)"""
    folder = synthetic_graph(tmp_path / "synthetic", vendors=100, projects=400, orgs=100, databases=60)
    embedded = EmbeddedStore(tmp_path / "embedded")
    neo4j = neo4j_server.open()
    graphs.neo4j_holds = None  # the shared Neo4j store is reloaded by the next test that needs it
    try:
        neo4j.clear()
        for store in (embedded, neo4j):
            ds, _ = load_paths(store, [folder])
            assert not ds.errors
        name = "vendors_touching_national_data_centres"
        found = {}
        for store in (embedded, neo4j):
            found[store.name] = run_template(store, name, {"max_hops": 6, "types": EVERY_TYPE, "limit": 1000})
        assert answers(name, found["embedded"]) == answers(name, found["neo4j"])
        assert len(found["embedded"]) > 50
    finally:
        embedded.close()
        neo4j.clear()
        neo4j.close()
