"""`survgraph release`: a dated, versioned bundle of the store, checked file by file, on both engines."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from survgraph.diff import DiffFormat, UnreadableStoreRow, compare, read_side, read_store, render
from survgraph.graph import GraphStore
from survgraph.graph.view import GraphView
from survgraph.loaders import load_paths
from survgraph.rdf import RdfFormat, Vocab, export
from survgraph.release import ReleaseError, write_release
from survgraph.schema import Confidence

from .conftest import FIXTURES, ROOT
from .test_diff import edited_copy, write_raw
from .test_rdf import OXIGRAPH_FORMATS

SMALL = FIXTURES / "small"
VOCAB = Vocab()


def manifest_of(bundle: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    return data


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_bundle(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [SMALL])
    (tmp_path / "releases").mkdir()
    out = tmp_path / "releases" / "survgraph-1.0.0"
    done = write_release(store, out, "1.0.0", date="2026-11-30", vocab=VOCAB, page_size=3)
    manifest = manifest_of(out)
    assert manifest == done.manifest
    assert (manifest["version"], manifest["date"], manifest["previous"]) == ("1.0.0", "2026-11-30", None)

    # Every file is listed with its sha256 (and SHA256SUMS covers the manifest too).
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {f["path"] for f in manifest["files"]} == on_disk - {"manifest.json", "SHA256SUMS"}
    for f in manifest["files"]:
        data = (out / f["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (f["sha256"], f["bytes"]), f["path"]
    check = subprocess.run(["sha256sum", "--check", "--strict", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK\n") == len(on_disk) - 1

    # The counts are the store's, asked of it one kind, type and confidence at a time.
    view = GraphView(store)
    counts = manifest["counts"]
    kinds = [k for k in store.registry.node_kinds if k != "Source"]
    assert counts["entities"]["by_kind"] == {k: n for k in kinds if (n := view.count_entities([k]))}
    assert counts["sources"]["total"] == view.count_entities(["Source"])
    assert counts["claims"]["total"] == view.count_claims()
    for etype in store.registry.edge_types:
        for conf in Confidence:
            n = view.count_claims([etype], confidence=conf.value)
            assert counts["claims"]["by_type_and_confidence"].get(etype, {}).get(conf.value, 0) == n, (etype, conf)
    for conf in Confidence:
        assert counts["claims"]["by_confidence"].get(conf.value, 0) == view.count_claims(confidence=conf.value)

    # Every RDF file parses with rdflib and with pyoxigraph, to the same triples, as many as counted.
    for fmt in RdfFormat:
        data = (out / f"rdf/survgraph{fmt.extension}").read_bytes()
        g: Graph = Dataset() if fmt is RdfFormat.trig else Graph()
        g.parse(data=data, format=fmt.rdflib_name)
        ours = {tuple(str(t) for t in triple[:3]) for triple in (g.quads() if isinstance(g, Dataset) else g)}
        theirs = {
            tuple(str(t.value) for t in (q.subject, q.predicate, q.object))
            for q in pyoxigraph.parse(data, OXIGRAPH_FORMATS[fmt])
        }
        assert len(ours) == len(theirs) == counts["triples"], fmt
    # ... and they are what `survgraph export rdf` writes.
    plain = io.BytesIO()
    export(store, plain, RdfFormat.turtle, vocab=VOCAB)
    released = Graph().parse(out / "rdf/survgraph.ttl", format="turtle")
    assert isomorphic(released, Graph().parse(data=plain.getvalue(), format="turtle"))
    for name in ("ontology", "shapes"):
        assert len(Graph().parse(out / f"schema/{name}.ttl", format="turtle")) > 100

    # The tables: one row per entity of each kind, per source, per claim.
    for kind in kinds:
        table = out / f"csv/entities-{kind.lower()}.csv"
        assert len(csv_rows(table)) == counts["entities"]["by_kind"].get(kind, 0), kind
    assert len(csv_rows(out / "csv/sources.csv")) == counts["sources"]["total"]
    claims = csv_rows(out / "csv/claims.csv")
    assert sorted(r["id"] for r in claims) == sorted(i for i, item in read_store(view).items() if item.is_claim)
    ten = next(r for r in claims if r["quantity_value"] == "10000")
    assert (ten["type"], ten["source_ids"], ten["confidence"]) == ("SUPPLIES", "source:test-b", "reported")
    assert ten["sources"].startswith("Other Publisher, Report B, 2019-12")

    assert (out / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# survgraph data 1.0.0 (2026-11-30)\n")
    assert "First release" in (out / "CHANGELOG.md").read_text(encoding="utf-8")
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary folder left beside it


def test_changelog_lists_what_changed_since_the_previous_release(store: GraphStore, tmp_path: Path) -> None:
    load_paths(store, [SMALL])
    first = write_release(store, tmp_path / "1.0.0", "1.0.0", date="2026-11-30", vocab=VOCAB)
    load_paths(store, [edited_copy(tmp_path)])
    # The previous release is read back under its own base IRI, whatever this one uses.
    elsewhere = Vocab("https://data.example/id/")
    second = write_release(store, tmp_path / "1.1.0", "1.1.0", previous=first.path, date="2026-12-01", vocab=elsewhere)
    log = (second.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert log.startswith("# Changes from 1.0.0 (2026-11-30) to 1.1.0 (2026-12-01)\n")
    assert "## Entities changed (1)\n\n- `vendor:globex` Vendor 'Globex Networks'" in log
    assert "  - confidence: reported -\\> confirmed\n  - source\\_ids: +source:test-a\n" in log
    assert "## Entities added (1)\n\n- `vendor:umbrella`" in log
    expected = compare(read_side(SMALL), read_store(GraphView(store)))
    assert second.manifest["changes"] == expected.counts()
    assert second.manifest["previous"] == {"version": "1.0.0", "date": "2026-11-30"}
    assert second.manifest["base_iri"] == "https://data.example/id/"


def test_a_failure_midway_leaves_no_release(store: GraphStore, tmp_path: Path) -> None:
    """A claim the store holds that is no valid record stops the release after the entities were written:
    nothing is left, neither OUT_DIR nor the temporary folder beside it."""
    load_paths(store, [SMALL])
    write_raw(store, "MATCH ()-[r:SUPPLIES]->() SET r.confidence = 'rumoured'", {})
    releases = tmp_path / "releases"
    releases.mkdir()
    with pytest.raises(UnreadableStoreRow, match=r"SUPPLIES 'claim:[0-9a-f]+' is not a valid claim"):
        write_release(store, releases / "1.0.0", "1.0.0", vocab=VOCAB)
    assert list(releases.iterdir()) == []


def test_refusals(embedded_store: GraphStore, tmp_path: Path) -> None:
    load_paths(embedded_store, [SMALL])
    first = write_release(embedded_store, tmp_path / "1.0.0", "1.0.0", vocab=VOCAB)
    before = {p: p.read_bytes() for p in first.path.rglob("*") if p.is_file()}

    def refused(match: str, out: Path, version: str = "2.0.0", **kw: Any) -> None:
        with pytest.raises(ReleaseError, match=match):
            write_release(embedded_store, out, version, vocab=VOCAB, **kw)

    refused("exists: a release is never overwritten", first.path)
    (tmp_path / "empty").mkdir()
    refused("exists", tmp_path / "empty")
    refused("expected X.Y.Z", tmp_path / "x", "2.0")
    refused("expected X.Y.Z", tmp_path / "x", "v2.0.0")
    refused("--date: .*out of range", tmp_path / "x", date="2026-02-30")
    (tmp_path / "a-file").write_text("x")
    refused("cannot create the folder", tmp_path / "a-file" / "x")
    refused("not after the previous release's 1.0.0", tmp_path / "x", "1.0.0", previous=first.path)
    refused("cannot read manifest.json", tmp_path / "x", previous=tmp_path / "empty")
    altered = tmp_path / "altered"
    shutil.copytree(first.path, altered)
    with (altered / "rdf/survgraph.nt").open("ab") as f:
        f.write(b'<http://127.0.0.1:8000/id/vendor:x> <http://example.org/p> "x" .\n')
    refused("does not match its checksum", tmp_path / "x", previous=altered)
    assert {p: p.read_bytes() for p in first.path.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1.0.0", "a-file", "altered", "embedded", "empty"]


def test_docs_describe_the_manifest_and_the_diff_json(embedded_store: GraphStore, tmp_path: Path) -> None:
    """docs/versions.md's manifest table names every field a manifest has, and its JSON Schema of a diff
    requires exactly the keys a real diff has (the doc must say what the code writes)."""
    doc = (ROOT / "docs" / "versions.md").read_text(encoding="utf-8")
    table = doc.split("### `manifest.json`", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.M))
    load_paths(embedded_store, [SMALL])
    manifest = write_release(embedded_store, tmp_path / "r", "1.0.0", vocab=VOCAB).manifest
    actual = {k for k in manifest if k != "counts"} | {f"counts.{k}" for k in manifest["counts"]}
    assert documented == actual

    blocks = re.findall(r"```json\n(.*?)\n```", doc, flags=re.S)
    schema = json.loads(next(b for b in blocks if '"$schema"' in b))
    data = json.loads(render(compare(read_side(SMALL), read_side(edited_copy(tmp_path))), DiffFormat.json))
    assert set(schema["required"]) == set(data)
    assert set(schema["$defs"]["item"]["required"]) == set(data["added"][0])
    assert set(schema["$defs"]["change"]["required"]) == set(data["changed"][0])
    change = schema["$defs"]["change"]["properties"]["changes"]["items"]["required"]
    assert set(change) == set(data["changed"][0]["changes"][0])
