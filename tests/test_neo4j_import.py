"""`survgraph neo4j-import`: records -> neo4j-admin CSV -> a new database, checked against `survgraph load`.

Fresh Neo4j homes are built at once (the imports, then the server starts, run side by side to keep this
module cheap): the small fixture plus hostile strings, and a 2k-claim generated graph, both served; and
the README's command on the seed data, imported only. Each served graph must have the fingerprint of the
same records written by `load` into the session Neo4j, and the same raw properties (not only the
normalised ones). Refusals (bad records, an existing database, a running server, a failed neo4j-admin)
are checked to leave nothing behind.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.graph.neo4j_admin import (
    ARRAY_DELIMITERS,
    ImportFiles,
    ImportWriter,
    Neo4jHome,
    write_import_files,
    write_import_plan,
)
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import StoreError
from survgraph.loaders import load_paths, validate_paths
from survgraph.loaders.validate import validate_streamed
from survgraph.schema import REGISTRY

from .conftest import FIXTURES, ROOT, SERVER_SCRIPT, TEST_PASSWORD, Neo4jServer
from .fingerprint import fingerprint
from .readme_support import readme_lines

sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate

ADMIN = f"{SERVER_SCRIPT} admin"

#: Strings that break naive CSV writers or readers: quotes, delimiters (the field's, the default array
#: one, ours is refused by the models), line breaks of every kind, backslashes, blanks, lookalikes of
#: other types and of null, non-ASCII.
HOSTILE = [
    'say "hello", then; leave',
    '"',
    '""',
    '\\"escaped\\" quote',
    "a,b,c",
    "semi;colon;list",
    "line one\nline two",
    "crlf\r\nline",
    "lone\rcarriage",
    "\ttab\tinside\t",
    "  leading and trailing  ",
    "trailing backslash \\",
    "1e5",
    "true",
    "null",
    "NaN",
    "Zürich \u2013 北京 \u2013 مرحبا \u2013 🛰️",
    "'single' quotes, \"double\" quotes; and | pipes",
]


def hostile_records(path: Path) -> Path:
    """Vendors named, aliased and described with HOSTILE strings, each supplying a fixture project with
    a hostile note; an empty description (a value, not a null). JSON is YAML."""
    entities: list[dict[str, Any]] = []
    claims: list[dict[str, Any]] = []
    for i, text in enumerate(HOSTILE):
        vid = f"vendor:hostile-{i}"
        entities.append(
            {
                "id": vid,
                "name": text,
                "aliases": [text, f"alias;{i}", f'al,"ias" {i}'],
                "description": text if i % 2 else "",
                "sources": ["source:test-a"],
                "confidence": "confirmed",
            }
        )
        claims.append(
            {
                "type": "SUPPLIES",
                "from": vid,
                "to": "project:city-cams",
                "sources": ["source:test-a"],
                "confidence": "reported",
                "notes": text,
            }
        )
    path.write_text(
        json.dumps({"entities": entities, "claims": claims}, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return path


@dataclass
class Imported:
    paths: list[Path]
    home: Path
    uri: str
    report: dict[str, Any]
    password: str

    def open(self) -> Neo4jStore:
        return Neo4jStore(self.uri, "neo4j", self.password)


def _run(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd)


def _wait(proc: subprocess.Popen[str], what: str) -> str:
    out, errs = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"{what} failed (exit {proc.returncode}):\n{out[-3000:]}\n{errs[-3000:]}"
    return out


README_SECTION = "A new Neo4j database in one go"


def _readme_commands(home: Path) -> tuple[list[str], list[str]]:
    """The README's import and start lines, on `home` instead of the README's folder."""
    (imp,) = readme_lines(README_SECTION, "survgraph ")
    (start,) = readme_lines(README_SECTION, "tools/neo4j/neo4j-test-server start")
    readme_home = shlex.split(imp)[shlex.split(imp).index("--neo4j-home") + 1]
    imp_args = [sys.executable, "-m", "survgraph", *shlex.split(imp)[1:], "--format", "json"]
    start_args = [str(ROOT / shlex.split(start)[0]), *shlex.split(start)[1:]]
    swap = {readme_home: str(home)}
    return [swap.get(a, a) for a in imp_args], [swap.get(a, a) for a in start_args]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Imported]]:
    """Three new homes, built side by side: the small fixture with hostile records and a generated
    2k-claim graph (both then served), and the README's own command on the seed data."""
    base = tmp_path_factory.mktemp("neo4j-import")
    gen = base / "generated"
    generate(gen, 2000, seed=11, formats={"yaml"})
    sets = {
        "small": [FIXTURES / "small", hostile_records(base / "hostile.yaml")],
        "generated": [gen / "yaml"],
        "readme": [ROOT / "seed_data"],
    }
    homes = {name: base / f"home-{name}" for name in sets}
    readme_import, readme_start = _readme_commands(homes["readme"])
    imports = {
        name: [
            *(sys.executable, "-m", "survgraph", "neo4j-import", *map(str, paths)),
            *("--neo4j-home", str(homes[name]), "--neo4j-admin", ADMIN, "--format", "json"),
        ]
        for name, paths in sets.items()
    }
    imports["readme"] = readme_import
    # The README's home is not served: its start line is the one the other two run (checked below), and
    # a third server would cost more than it shows.
    served = ("small", "generated")
    assert readme_start[1:4] == ["start", "--home", str(homes["readme"])]
    procs = {name: _run(args, cwd=ROOT) for name, args in imports.items()}
    reports = {name: json.loads(_wait(p, f"neo4j-import of {name}")) for name, p in procs.items()}
    procs = {
        name: _run([str(SERVER_SCRIPT), "start", "--home", str(homes[name]), "--password", TEST_PASSWORD], cwd=ROOT)
        for name in served
    }
    try:
        uris = {name: _wait(p, f"start of {name}").split()[-1] for name, p in procs.items()}
        uris["readme"] = ""
        yield {name: Imported(sets[name], homes[name], uris[name], reports[name], TEST_PASSWORD) for name in sets}
    finally:
        stops = [_run([str(SERVER_SCRIPT), "stop", "--home", str(homes[name])], cwd=ROOT) for name in served]
        for p in stops:
            p.communicate(timeout=120)


def _raw(store: Neo4jStore) -> list[dict[str, Any]]:
    """Every node's labels and properties and every relationship's type and properties, as stored, less
    empty lists: the one known difference (neo4j-admin cannot store an empty array, the driver's load
    stores []; every survgraph read normalises both to [])."""
    rows = store.query("MATCH (n) RETURN n.id AS id, labels(n) AS kind, properties(n) AS p ORDER BY id")
    rows += store.query("MATCH ()-[r]->() RETURN r.id AS id, type(r) AS kind, properties(r) AS p ORDER BY id")
    for row in rows:
        row["p"] = {k: v for k, v in row["p"].items() if v != []}
    return rows


@pytest.mark.neo4j
@pytest.mark.parametrize("name", ["small", "generated"])
def test_import_equals_load(name: str, imported: dict[str, Imported], neo4j_server: Neo4jServer) -> None:
    got = imported[name]
    loaded = neo4j_server.open()
    fresh = got.open()
    try:
        loaded.clear()
        load_paths(loaded, got.paths)
        ds = validate_paths(got.paths)
        assert got.report["entities"] == len(ds.nodes) and got.report["claims"] == len(ds.claims)
        assert fresh.stats() == loaded.stats()
        assert fingerprint(fresh) == fingerprint(loaded)
        assert _raw(fresh) == _raw(loaded)
        # survgraph's constraints and full-text index exist once the store has been used (ensure_schema).
        names = {r["name"] for r in fresh.query("SHOW CONSTRAINTS YIELD name RETURN name")}
        assert {f"{label.lower()}_id" for label in fresh.registry.node_kinds} <= names
        assert {f"{etype.lower()}_id" for etype in fresh.registry.edge_types} <= names
    finally:
        fresh.close()
        loaded.close()


@pytest.mark.neo4j
def test_the_readme_commands_import_the_seed_data(imported: dict[str, Imported]) -> None:
    """The README's import line, run as written (the home moved to a temporary folder): every record of
    seed_data/ went into the new database, counted per kind and type from the validated records and
    from neo4j-admin's own report."""
    got = imported["readme"]
    ds = validate_paths(got.paths)
    nodes: dict[str, int] = {}
    edges: dict[str, int] = {}
    for n in ds.nodes:
        label = REGISTRY.kind_of_model(n).label
        nodes[label] = nodes.get(label, 0) + 1
    for c in ds.claims:
        edges[c.type] = edges.get(c.type, 0) + 1
    assert got.report["nodes"] == dict(sorted(nodes.items())) and got.report["edges"] == dict(sorted(edges.items()))
    log = (got.home / "logs" / "survgraph-neo4j-import.log").read_text()
    assert f"{len(ds.nodes)} nodes\n  {len(ds.claims)} relationships" in log
    assert (got.home / "data" / "databases" / "neo4j").is_dir()


@pytest.mark.neo4j
def test_hostile_strings_survive(imported: dict[str, Imported]) -> None:
    store = imported["small"].open()
    try:
        rows = store.query(
            "MATCH (v:Vendor)-[r:SUPPLIES]->() WHERE v.id STARTS WITH 'vendor:hostile-' "
            "RETURN v.id AS id, v.name AS name, v.aliases AS aliases, v.description AS description, r.notes AS notes"
        )
    finally:
        store.close()
    got = {int(r["id"].rsplit("-", 1)[1]): r for r in rows}
    assert sorted(got) == list(range(len(HOSTILE)))
    for i, text in enumerate(HOSTILE):
        row = got[i]
        assert row["name"] == text and row["notes"] == text
        assert sorted(row["aliases"]) == sorted([text, f"alias;{i}", f'al,"ias" {i}'])
        assert row["description"] == (text if i % 2 else "")  # "" stays a value, not a null


@pytest.mark.neo4j
def test_refuses_a_running_server(imported: dict[str, Imported]) -> None:
    got = imported["small"]
    store = got.open()
    try:
        before = fingerprint(store)
        args = ["neo4j-import", *map(str, got.paths), "--neo4j-home", str(got.home), "--neo4j-admin", ADMIN]
        for extra in ([], ["--overwrite"]):
            result = CliRunner().invoke(app, [*args, *extra])
            assert result.exit_code == 2 and "server is running" in result.output, result.output
        assert fingerprint(store) == before
    finally:
        store.close()


def test_bad_records_refused_with_their_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "entities:\n"
        "  - id: vendor:x\n"
        "    name: X\n"
        "    confidence: certain\n"
        "claims:\n"
        "  - type: SUPPLIES\n"
        "    from: vendor:x\n"
        "    to: project:nowhere\n"
        "    sources: [source:test-a]\n"
        "    confidence: reported\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    csv_dir = tmp_path / "csv"
    result = CliRunner().invoke(
        app,
        [
            "neo4j-import",
            str(FIXTURES / "small"),
            str(bad),
            *("--neo4j-home", str(home), "--csv-dir", str(csv_dir), "--neo4j-admin", ADMIN),
        ],
    )
    assert result.exit_code == 1, result.output
    # The problems `validate` finds, each as FILE:LINE: RECORD: FIELD: message, and no other line.
    problems = validate_paths([FIXTURES / "small", bad]).errors
    assert {(p.line, p.field) for p in problems} == {(4, "confidence"), (8, "to")}
    assert [ln for ln in result.stdout.splitlines() if not ln.startswith("warning")] == [str(p) for p in problems]
    assert "nothing was written" in result.output
    # Nothing written: no CSV, no home, no database.
    assert not csv_dir.exists() and not home.exists()


def test_bad_target_refused_before_validation(tmp_path: Path) -> None:
    args = ["neo4j-import", str(tmp_path / "missing.yaml"), "--neo4j-home", str(tmp_path / "h"), "--neo4j-admin", ADMIN]
    assert "bad database name" in CliRunner().invoke(app, [*args, "--database", "../x"]).output
    assert "bad database name" in CliRunner().invoke(app, [*args, "--database", "neo4j\n"]).output
    assert "system database" in CliRunner().invoke(app, [*args, "--database", "system"]).output
    db = Neo4jHome.at(tmp_path / "h").database_dir("neo4j")
    db.mkdir(parents=True)
    (db / "neostore").write_bytes(b"x")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "already exists" in result.output
    assert (db / "neostore").read_bytes() == b"x"


def test_array_delimiter_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list item holding the first delimiter (the models refuse it today; a future field might not)
    moves the writer to the next one instead of splitting the item."""
    ds = validate_paths([FIXTURES / "small"])
    vendor = next(n for n in ds.nodes if n.id == "vendor:acme")
    monkeypatch.setattr(vendor, "aliases", [f"a{ARRAY_DELIMITERS[0]}b", "c"])
    files = write_import_files(tmp_path, ds.nodes, ds.claims)
    assert files.array_delimiter == ARRAY_DELIMITERS[1]
    text = files.nodes["Vendor"].read_text(encoding="utf-8")
    assert f'"a{ARRAY_DELIMITERS[0]}b{ARRAY_DELIMITERS[1]}c"' in text
    assert f"--array-delimiter=U+{ord(ARRAY_DELIMITERS[1]):04X}" in files.admin_args("neo4j")


def test_a_csv_dir_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    """--csv-dir pointed at a records folder by mistake: refused before anything, its files untouched."""
    records = tmp_path / "records"
    shutil.copytree(FIXTURES / "small", records)
    before = {p.name: p.read_bytes() for p in records.iterdir()}
    args = [str(records), "--neo4j-home", str(tmp_path / "h"), "--neo4j-admin", ADMIN, "--csv-dir", str(records)]
    result = CliRunner().invoke(app, ["neo4j-import", *args])
    assert result.exit_code == 2 and "not an earlier import's folder" in result.output
    assert {p.name: p.read_bytes() for p in records.iterdir()} == before
    # A folder of an earlier import is reused: its CSVs are replaced.
    ours = tmp_path / "ours"
    ds = validate_paths([records])
    first = write_import_files(ours, ds.nodes, ds.claims)
    second = write_import_files(ours, ds.nodes[:3], [])
    assert set(second.nodes.values()) < set(first.nodes.values())
    assert sorted(p.name for p in ours.glob("*.csv")) == sorted(p.name for p in second.nodes.values())


def test_a_failing_neo4j_admin_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "fake-admin"
    # Like neo4j-admin on bad input: it leaves store files behind, then fails.
    fake.write_text(
        "#!/bin/sh\n"
        'mkdir -p "$NEO4J_HOME/data/databases/neo4j" "$NEO4J_HOME/data/transactions/neo4j"\n'
        'touch "$NEO4J_HOME/data/databases/neo4j/neostore"\n'
        "echo 'ERROR: Error in input data' >&2\n"
        "exit 3\n"
    )
    fake.chmod(0o755)
    home = tmp_path / "home"
    result = CliRunner().invoke(
        app, ["neo4j-import", str(FIXTURES / "small"), "--neo4j-home", str(home), "--neo4j-admin", str(fake)]
    )
    assert result.exit_code == 2
    assert "neo4j-admin import failed (exit 3)" in result.output and "Error in input data" in result.output
    assert "the partial database was removed" in result.output
    assert "Error in input data" in (home / "logs" / "survgraph-neo4j-import.log").read_text()  # the log stays
    target = Neo4jHome.at(home)
    assert not target.database_dir("neo4j").exists() and not target.transactions_dir("neo4j").exists()


def test_no_admin_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    result = CliRunner().invoke(app, ["neo4j-import", str(FIXTURES / "small"), "--neo4j-home", str(tmp_path / "h")])
    assert result.exit_code == 2 and "no neo4j-admin" in result.output
    assert os.listdir(tmp_path) == []


def _written(files: ImportFiles) -> dict[str, list[str]]:
    """Each file's lines, by name: nodes in their order, relationships sorted (ImportWriter writes a type's
    claims in the order they passed, write_import_plan grouped by their endpoints' kinds)."""
    out = {path.name: path.read_text(encoding="utf-8").splitlines() for path in files.nodes.values()}
    for path in files.relationships.values():
        header, *rows = path.read_text(encoding="utf-8").splitlines()
        out[path.name] = [header, *sorted(rows)]
    return out


@pytest.mark.parametrize("layout", ["csv", "yaml", "small"])
def test_import_writer_writes_what_the_plan_writes(tmp_path: Path, layout: str) -> None:
    """The CSVs written as the validation passes each record (ImportWriter, what the command uses) hold
    exactly the rows write_import_plan writes from the validated write plan: the same cells, counts and
    options, for claims from the CSV tables' fast path (CheckedClaim), from models and derived ones."""
    if layout == "small":
        records = [FIXTURES / "small", hostile_records(tmp_path / "hostile.yaml")]
    else:
        generate(tmp_path / "gen", 2000, seed=5, formats={layout})
        records = [tmp_path / "gen" / layout]
    with PlanSpill() as spill:
        ds = validate_streamed(records, spill)
        assert not ds.errors
        planned = write_import_plan(tmp_path / "planned", spill.plan())
    with PlanSpill() as spill:
        writer = ImportWriter(tmp_path / "streamed")
        ds = validate_streamed(records, spill, sink=writer)
        writer.close()
        assert not ds.errors and not writer.clash
    streamed = writer.finish()
    assert streamed.node_counts == planned.node_counts and streamed.relationship_counts == planned.relationship_counts
    assert ds.counts == (planned.node_count, planned.relationship_count)
    assert planned.relationship_count > (1000 if layout != "small" else 0)
    assert _written(streamed) == _written(planned)
    assert streamed.multiline == planned.multiline == (layout == "small")  # the hostile strings' line breaks

    def options(files: ImportFiles) -> list[str]:
        return [a for a in files.admin_args("neo4j") if not a.startswith(("--nodes", "--rel", "--report"))]

    assert options(streamed) == options(planned)


def test_import_writer_refusals(tmp_path: Path) -> None:
    """A list item holding the delimiter stops the writing (`clash`: the command runs again with the next
    one, which writes it); a claim whose end is no written node is refused when the files are finished."""
    ds = validate_paths([FIXTURES / "small"])
    vendor = next(n for n in ds.nodes if n.id == "vendor:acme")
    row = {**REGISTRY.node_row(vendor), "aliases": [f"a{ARRAY_DELIMITERS[0]}b", "c"]}
    facts = SimpleNamespace(id=vendor.id, row=row)
    first = ImportWriter(tmp_path / "first")
    first.node(facts, "Vendor")
    assert first.clash and first.counts == (0, 0)
    second = ImportWriter(tmp_path / "second", delimiter=ARRAY_DELIMITERS[1])
    second.node(facts, "Vendor")
    with pytest.raises(StoreError, match="appears twice"):
        second.node(facts, "Vendor")
    claim = next(c for c in ds.claims if c.from_id == vendor.id)
    second.claim(claim)
    with pytest.raises(StoreError, match="appears twice"):
        second.claim(claim)
    assert not second.clash and second.counts == (1, 1)
    with pytest.raises(StoreError, match=f"{claim.to_id!r} is not among the records"):
        second.finish()
    assert f'"a{ARRAY_DELIMITERS[0]}b{ARRAY_DELIMITERS[1]}c"' in second.files.nodes["Vendor"].read_text()
    with pytest.raises(StoreError, match="not empty"):
        ImportWriter(tmp_path / "second")


def test_bad_records_leave_an_earlier_csv_dir_as_it_was(tmp_path: Path) -> None:
    """--csv-dir of an earlier import and records that fail validation: its files stay as they were, and
    no staging folder is left in it."""
    ours = tmp_path / "ours"
    ds = validate_paths([FIXTURES / "small"])
    write_import_files(ours, ds.nodes, ds.claims)
    before = {p.name: p.read_bytes() for p in ours.iterdir()}
    bad = tmp_path / "bad.yaml"
    bad.write_text("entities:\n  - id: vendor:x\n    name: X\n    confidence: certain\n", encoding="utf-8")
    args = [str(FIXTURES / "small"), str(bad), "--neo4j-home", str(tmp_path / "h"), "--neo4j-admin", ADMIN]
    result = CliRunner().invoke(app, ["neo4j-import", *args, "--csv-dir", str(ours)])
    assert result.exit_code == 1 and "nothing was written" in result.output, result.output
    assert {p.name: p.read_bytes() for p in ours.iterdir()} == before
    assert not (tmp_path / "h").exists()
