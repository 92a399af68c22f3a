"""The shared graphs of the query-template tests (one loaded store per dataset and engine, for the
whole package), the expected rows several files use, and sample parameters for any template."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.loaders import Dataset, load_paths, validate_paths
from survgraph.queries import (
    ParamSpec,
    Template,
    run_template,
)
from survgraph.schema import REGISTRY, Technology

from ..conftest import FIXTURES, SEED, Neo4jServer

ENGINES = ["embedded", "neo4j"]
DATASETS: dict[str, list[Path]] = {
    "small": [FIXTURES / "small"],
    "extra": [FIXTURES / "small", FIXTURES / "queries"],
    "seed": [SEED],
}
SMALL = validate_paths(DATASETS["small"])
EXTRA = validate_paths(DATASETS["extra"])


class Graphs:
    """One loaded store per (dataset, engine), for the whole package
    (tests/queries/). Neo4j has one database, so it
    holds the dataset asked for last; tests are ordered to switch rarely. Tests here only read."""

    def __init__(self, server: Neo4jServer, root: Path) -> None:
        self.server = server
        self.root = root
        self.embedded: dict[str, EmbeddedStore] = {}
        self.neo4j: Neo4jStore | None = None
        self.neo4j_holds: str | None = None

    def get(self, dataset: str, engine: str) -> GraphStore:
        if engine == "embedded":
            if dataset not in self.embedded:
                store = EmbeddedStore(self.root / dataset)
                load_paths(store, DATASETS[dataset])
                self.embedded[dataset] = store
            return self.embedded[dataset]
        if self.neo4j is None:
            self.neo4j = self.server.open()
        if self.neo4j_holds != dataset:
            self.neo4j_holds = None
            self.neo4j.clear()
            load_paths(self.neo4j, DATASETS[dataset])
            self.neo4j_holds = dataset
        return self.neo4j

    def get_generated(self, name: str, engine: str, load: Callable[[GraphStore], None]) -> GraphStore:
        """A store holding a graph that `load` writes (generated in memory, not read from files)."""
        if engine == "embedded":
            if name not in self.embedded:
                store = EmbeddedStore(self.root / name)
                load(store)
                self.embedded[name] = store
            return self.embedded[name]
        if self.neo4j is None:
            self.neo4j = self.server.open()
        if self.neo4j_holds != name:
            self.neo4j_holds = None
            self.neo4j.clear()
            load(self.neo4j)
            self.neo4j_holds = name
        return self.neo4j

    def close(self) -> None:
        for store in self.embedded.values():
            store.close()
        if self.neo4j is not None:
            self.neo4j.clear()
            self.neo4j.close()


@pytest.fixture(scope="package")
def graphs(neo4j_server: Neo4jServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graphs]:
    g = Graphs(neo4j_server, tmp_path_factory.mktemp("query-graphs"))
    try:
        yield g
    finally:
        g.close()


class Claims:
    """Claim ids by (type, from, to[, source]), computed from the fixture files, not from a store."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds

    def __call__(self, etype: str, a: str, b: str, source: str | None = None) -> str:
        found = [
            c
            for c in self.ds.claims
            if (c.type, c.from_id, c.to_id) == (etype, a, b) and (source is None or source in c.source_ids)
        ]
        assert len(found) == 1, (etype, a, b, source, found)
        assert found[0].id is not None
        return found[0].id


C = Claims(SMALL)
X = Claims(EXTRA)


def brief(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its path reduced to node ids and (type, direction, claim id) steps."""
    out = dict(row)
    if isinstance(out.get("path"), dict):
        p = out["path"]
        out["path"] = (
            [n["id"] for n in p["nodes"]],
            [(r["type"], r["direction"], r["id"]) for r in p["relationships"]],
        )
    return out


def run(graphs: Graphs, engine: str, name: str, params: dict[str, Any], dataset: str = "small") -> list[dict[str, Any]]:
    return run_template(graphs.get(dataset, engine), name, params)


def dump(store: GraphStore) -> tuple[list[Any], list[Any]]:
    """Every node and relationship with every property, in a fixed order."""
    nodes = store.query("MATCH (n) RETURN n AS n")
    rels = store.query("MATCH ()-[r]->() RETURN r AS r")
    return (
        sorted(json.dumps(r["n"], sort_keys=True) for r in nodes),
        sorted(json.dumps(r["r"], sort_keys=True) for r in rels),
    )


#: By default the search skips HEADQUARTERED_IN and LOCATED_IN; the geographic paths of the small
#: fixture are tested by asking for every type.
EVERY_TYPE = ",".join(REGISTRY.edge_types)

INITECH = {
    "vendor_id": "vendor:initech",
    "vendor_name": "Initech",
    "hops": 2,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 2}],
    "path": (
        ["vendor:initech", "database:registry", "database:ndc"],
        [
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": "Initech -[SUPPLIES]-> Civil Registry -[LINKS_DATA_WITH]-> National Data Centre",
    "sources": ["source:test-a", "source:test-b"],
}
# Acme reaches the data centre only through China, where Initech is headquartered too.
ACME = {
    "vendor_id": "vendor:acme",
    "vendor_name": "Acme Vision",
    "hops": 4,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 4}],
    "path": (
        ["vendor:acme", "country:CN", "vendor:initech", "database:registry", "database:ndc"],
        [
            ("HEADQUARTERED_IN", "->", C("HEADQUARTERED_IN", "vendor:acme", "country:CN")),
            ("HEADQUARTERED_IN", "<-", C("HEADQUARTERED_IN", "vendor:initech", "country:CN")),
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": (
        "Acme Vision -[HEADQUARTERED_IN]-> China <-[HEADQUARTERED_IN]- Initech -[SUPPLIES]-> Civil Registry "
        "-[LINKS_DATA_WITH]-> National Data Centre"
    ),
    "sources": ["source:test-a", "source:test-b"],
}
# Globex: its cable is funded by a bank located in China; 6 claims, and no shorter way.
GLOBEX = {
    "vendor_id": "vendor:globex",
    "vendor_name": "Globex Networks",
    "hops": 6,
    "data_centres": [{"id": "database:ndc", "name": "National Data Centre", "country": "ZW", "hops": 6}],
    "path": (
        [
            "vendor:globex",
            "project:cable",
            "org:state-bank",
            "country:CN",
            "vendor:initech",
            "database:registry",
            "database:ndc",
        ],
        [
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:globex", "project:cable")),
            ("FUNDED_BY", "->", C("FUNDED_BY", "project:cable", "org:state-bank")),
            ("LOCATED_IN", "->", C("LOCATED_IN", "org:state-bank", "country:CN")),
            ("HEADQUARTERED_IN", "<-", C("HEADQUARTERED_IN", "vendor:initech", "country:CN")),
            ("SUPPLIES", "->", C("SUPPLIES", "vendor:initech", "database:registry")),
            ("LINKS_DATA_WITH", "->", C("LINKS_DATA_WITH", "database:registry", "database:ndc")),
        ],
    ),
    "path_text": (
        "Globex Networks -[SUPPLIES]-> Cable -[FUNDED_BY]-> State Bank -[LOCATED_IN]-> China "
        "<-[HEADQUARTERED_IN]- Initech -[SUPPLIES]-> Civil Registry -[LINKS_DATA_WITH]-> National Data Centre"
    ),
    "sources": ["source:test-a", "source:test-b"],
}


def sample_params(template: Template, ds: Dataset) -> list[dict[str, Any]]:
    """A few parameter sets for any template, drawn from the dataset: ids of the kinds a parameter
    takes, codes of countries with claims, technologies in use, name fragments for text."""
    with_claims = {c.from_id for c in ds.claims} | {c.to_id for c in ds.claims}
    nodes = sorted((n for n in ds.nodes if n.id in with_claims), key=lambda n: n.id)

    def spread(values: list[Any], k: int = 4) -> list[Any]:
        values = list(dict.fromkeys(values))
        if len(values) <= k:
            return values
        return [values[i * (len(values) - 1) // (k - 1)] for i in range(k)]

    def values_for(spec: ParamSpec, offset: int) -> list[Any]:
        if spec.check == "entity_id":
            ids = [n.id for n in nodes if not spec.kinds or type(n).__name__ in spec.kinds]
            if spec.kinds == ("Source",):
                ids = sorted({s for c in ds.claims for s in c.source_ids})
            return spread(ids[offset:] + ids[:offset])
        if spec.check == "country_code":
            return spread(sorted({i.partition(":")[2] for i in with_claims if i.startswith("country:")}))
        if spec.check == "technology":
            used = sorted({t.value for c in ds.claims for t in c.technologies}) or [Technology.cctv.value]
            return spread(used)
        if spec.type == "str":
            names = [n.name for n in nodes if n.id.startswith("vendor:")] or [n.name for n in nodes]
            return spread([name[:3] for name in names] if spec.name == "text" else names)
        return []

    required = [p for p in template.params if p.required]
    columns = [values_for(spec, i * 3) for i, spec in enumerate(required)]
    if any(not col for col in columns):
        return []
    sets = [
        {spec.name: col[i % len(col)] for spec, col in zip(required, columns, strict=True)}
        for i in range(max(map(len, columns), default=1))
    ]
    for spec in template.params:
        if spec.type == "int" and spec.max is not None and not spec.required:
            sets.append({**sets[0], spec.name: spec.max})  # the widest search too
    return sets
