"""`survgraph diff`: what changed between two versions of the records, of RDF exports, or a folder and a store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from survgraph.diff import DiffFormat, compare, read_side, render
from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords, load_paths
from survgraph.rdf.export import export
from survgraph.rdf.formats import RdfFormat

from .conftest import FIXTURES

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
