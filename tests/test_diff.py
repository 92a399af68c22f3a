"""`survgraph diff`: what changed between two versions of the records, of RDF exports, or a folder and a store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from survgraph.diff import DiffFormat, UnreadableStoreRow, compare, read_side, read_store, render
from survgraph.graph import GraphStore
from survgraph.graph.embedded import EmbeddedStore
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.graph.view import GraphView
from survgraph.loaders import InvalidRecords, load_paths
from survgraph.rdf.export import export
from survgraph.rdf.formats import RdfFormat

from .conftest import FIXTURES, Neo4jServer

SMALL = FIXTURES / "small"


def edited_copy(tmp_path: Path) -> Path:
    """The small graph with one confidence raised, a source added, an entity removed, one added, and a
    camera count changed (which makes it another claim)."""
    new = tmp_path / "new"
    shutil.copytree(SMALL, new)
    f = new / "graph.yaml"
    text = f.read_text(encoding="utf-8")
    replacements = [
        # vendor:globex: confidence reported -> confirmed, and a second source
        (
            "    sources: [source:test-b]\n    confidence: reported\n  - id: vendor:initech",
            "    sources: [source:test-b, source:test-a]\n    confidence: confirmed\n  - id: vendor:initech",
        ),
        ("quantity: {value: 10000, unit: cameras}", "quantity: {value: 10500, unit: cameras}"),
    ]
    for old, new_text in replacements:
        assert old in text, old
        text = text.replace(old, new_text, 1)
    text = text.replace(
        "entities:\n",
        "entities:\n  - id: vendor:umbrella\n    name: Umbrella Optics\n    sources: [source:test-a]\n"
        "    confidence: alleged\n",
        1,
    )
    f.write_text(text, encoding="utf-8")
    return new


def test_folder_against_folder(tmp_path: Path) -> None:
    diff = compare(read_side(SMALL), read_side(edited_copy(tmp_path)))
    assert [i.id for i in diff.added if not i.is_claim] == ["vendor:umbrella"]
    assert diff.counts()["entities"] == {"added": 1, "removed": 0, "changed": 1}
    # The count 10000 -> 10500 is another claim: one removed, one added, side by side.
    assert [(i.kind, i.fields["quantity_value"]) for i in diff.removed] == [("SUPPLIES", 10000)]
    assert ("SUPPLIES", 10500) in [(i.kind, i.fields.get("quantity_value")) for i in diff.added]
    (globex,) = [c for c in diff.changed if c.new.id == "vendor:globex"]
    fields = {ch.field: (ch.old, ch.new) for ch in globex.changes}
    assert fields == {
        "confidence": ("reported", "confirmed"),
        "source_ids": (["source:test-b"], ["source:test-a", "source:test-b"]),
    }


def test_the_same_data_has_no_changes(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(SMALL, copy)
    diff = compare(read_side(SMALL), read_side(copy))
    assert diff.empty
    assert render(diff, DiffFormat.text).splitlines()[-1] == "no changes"


def test_outputs(tmp_path: Path) -> None:
    diff = compare(read_side(SMALL), read_side(edited_copy(tmp_path)))
    text = render(diff, DiffFormat.text, old_name="v1", new_name="v2")
    assert "confidence: reported -> confirmed" in text
    assert "source_ids: +source:test-a" in text
    md = render(diff, DiffFormat.markdown, old_name="v1", new_name="v2")
    assert md.startswith("# Changes from v1 to v2\n")
    assert "## Entities added (1)\n\n- `vendor:umbrella` Vendor 'Umbrella Optics'" in md
    data = json.loads(render(diff, DiffFormat.json))
    assert data["counts"]["entities"] == {"added": 1, "removed": 0, "changed": 1}
    (globex,) = [c for c in data["changed"] if c["id"] == "vendor:globex"]
    assert {"field": "confidence", "old": "reported", "new": "confirmed"} in globex["changes"]


def test_markdown_does_not_interpret_data(tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(SMALL, new)
    f = new / "graph.yaml"
    f.write_text(f.read_text().replace("name: Globex Networks", "name: '[x](javascript:alert(1)) *b* <img>'"))
    md = render(compare(read_side(SMALL), read_side(new)), DiffFormat.markdown)
    assert "\\[x\\](javascript:alert(1)) \\*b\\* \\<img\\>" in md


@pytest.mark.parametrize("fmt", [RdfFormat.turtle, RdfFormat.nt, RdfFormat.jsonld])
def test_rdf_export_against_records(store: GraphStore, tmp_path: Path, fmt: RdfFormat) -> None:
    """An export of the loaded records reads back as the same items: no changes against the folder."""
    load_paths(store, [SMALL])
    out = tmp_path / f"graph{fmt.extension}"
    with out.open("wb") as fh:
        export(store, fh, fmt)
    assert compare(read_side(SMALL), read_side(out)).empty
    diff = compare(read_side(out), read_side(edited_copy(tmp_path)))
    assert diff.counts()["entities"] == {"added": 1, "removed": 0, "changed": 1}


def test_invalid_side_is_refused_with_located_problems() -> None:
    with pytest.raises(InvalidRecords) as exc:
        read_side(FIXTURES / "bad" / "unknown_reference.yaml")
    assert any("unknown_reference.yaml" in p.file for p in exc.value.problems)


# -- the store as a side ------------------------------------------------------------------------


def cli_env(store: GraphStore, request: pytest.FixtureRequest) -> dict[str, str]:
    """The environment that points the command line at `store` (an embedded store is closed first: the
    command opens it itself)."""
    if isinstance(store, EmbeddedStore):
        store.close()
        return {"SURVGRAPH_STORE": "embedded", "SURVGRAPH_DATA_DIR": str(store.data_dir), "SURVGRAPH_BASE_IRI": ""}
    server: Neo4jServer = request.getfixturevalue("neo4j_server")
    return {**server.env(), "SURVGRAPH_STORE": "neo4j", "SURVGRAPH_BASE_IRI": ""}


def write_raw(store: GraphStore, cypher: str, params: dict[str, Any]) -> None:
    """A write that goes around the loaders (as another program's would): Neo4j's `query` reads only."""
    if isinstance(store, Neo4jStore):
        store._driver.execute_query(cypher, parameters_=params, database_=store.database)
    else:
        store.query(cypher, params)


def spied_view(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> tuple[GraphView, list[str]]:
    view = GraphView(store)
    seen: list[str] = []
    real = view._query

    def query(cypher: str, params: Any) -> list[dict[str, Any]]:
        seen.append(cypher)
        return real(cypher, params)

    monkeypatch.setattr(view, "_query", query)
    return view, seen


def test_store_side_equals_the_records_it_was_loaded_from(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    load_paths(store, [SMALL])
    view, seen = spied_view(store, monkeypatch)
    items = read_store(view, page_size=3)
    assert compare(read_side(SMALL), items).empty
    stats = store.stats()
    assert len(items) == sum(stats.nodes.values()) + sum(stats.edges.values())
    # Keyset pages of one kind or type each, never the whole graph in one query.
    pages = [c for c in seen if "count(" not in c]
    assert all("ORDER BY" in c and "LIMIT $limit" in c for c in pages), pages
    assert all(("(n:" in c) != ("[r:" in c) for c in pages), pages
    assert len(pages) > len(store.registry.node_kinds) + len(store.registry.edge_types)


def test_store_side_shows_field_changes(store: GraphStore, tmp_path: Path) -> None:
    """Load the small graph, then an edited copy on top: the store has the edits, and keeps the claim
    whose count changed (a load adds and updates, it does not delete)."""
    load_paths(store, [SMALL])
    edited = edited_copy(tmp_path)
    load_paths(store, [edited])
    after = read_store(GraphView(store), page_size=4)
    from_folder = compare(read_side(SMALL), read_side(edited))
    diff = compare(read_side(SMALL), after)
    assert [c.new.id for c in diff.changed] == [c.new.id for c in from_folder.changed]
    (globex,) = [c for c in diff.changed if c.new.id == "vendor:globex"]
    assert {ch.field: (ch.old, ch.new) for ch in globex.changes} == {
        "confidence": ("reported", "confirmed"),
        "source_ids": (["source:test-b"], ["source:test-a", "source:test-b"]),
    }
    assert [i.id for i in diff.added] == [i.id for i in from_folder.added]
    assert diff.removed == []
    # Against the edited folder, the store differs only by the replaced claim it still holds.
    assert [i.id for i in compare(read_side(edited), after).added] == [i.id for i in from_folder.removed]


def test_store_row_that_is_no_record_is_refused(store: GraphStore) -> None:
    load_paths(store, [SMALL])
    write_raw(store, "MATCH (n:Vendor) WHERE n.id = $id SET n.confidence = 'rumoured'", {"id": "vendor:acme"})
    with pytest.raises(UnreadableStoreRow, match=r"Vendor 'vendor:acme' is not a valid record: confidence"):
        read_store(GraphView(store))


def test_cli_diff_against_the_store(store: GraphStore, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from typer.testing import CliRunner

    from survgraph.cli import app

    load_paths(store, [SMALL])
    edited = edited_copy(tmp_path)
    env = cli_env(store, request)
    runner = CliRunner()
    same = runner.invoke(app, ["diff", str(SMALL), "store:"], env=env)
    assert same.exit_code == 0, same.output
    assert same.stdout.splitlines() == [f"{SMALL} -> store:{env['SURVGRAPH_STORE']}", "no changes"]
    named = runner.invoke(app, ["diff", f"store:{env['SURVGRAPH_STORE']}", str(SMALL)], env=env)
    assert named.exit_code == 0, named.output
    changed = runner.invoke(app, ["diff", "store:", str(edited), "-f", "json"], env=env)
    assert changed.exit_code == 1, changed.output
    data = json.loads(changed.stdout)
    assert data["old"] == f"store:{env['SURVGRAPH_STORE']}"
    expected = compare(read_side(SMALL), read_side(edited))
    assert data["counts"] == expected.counts()
    md = runner.invoke(app, ["diff", "store:", str(edited), "-f", "markdown"], env=env)
    assert md.exit_code == 1 and "  - confidence: reported -\\> confirmed" in md.stdout
    bad = runner.invoke(app, ["diff", "store:sqlite", str(SMALL)], env=env)
    assert bad.exit_code == 2 and "store:, store:embedded or store:neo4j" in bad.output


def test_cli_unreadable_version_exits_2_not_1(tmp_path: Path) -> None:
    """Exit code 1 says "changes": a version that does not validate is 2, its problems listed as for a load."""
    from typer.testing import CliRunner

    from survgraph.cli import app

    result = CliRunner().invoke(app, ["diff", str(FIXTURES / "bad" / "unknown_reference.yaml"), str(SMALL)])
    assert result.exit_code == 2
    assert "unknown_reference.yaml:" in result.stdout
    assert "nothing was compared" in result.stderr
    missing = CliRunner().invoke(app, ["diff", str(SMALL), "missing.ttl"])
    assert missing.exit_code == 2 and "missing.ttl: cannot read" in missing.stderr
    (tmp_path / "broken.nt").write_text("<a> <b> .\n")
    broken = CliRunner().invoke(app, ["diff", str(tmp_path / "broken.nt"), str(SMALL)])
    assert broken.exit_code == 2 and "broken.nt" in broken.stderr
