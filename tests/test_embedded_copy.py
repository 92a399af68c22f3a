"""The embedded store's bulk path: rows for empty tables go in by COPY FROM a temporary CSV file, and what
the store holds is exactly what the MERGE path writes, whatever the text (quotes, commas, line breaks,
backslashes, empty strings, list items the engine's CSV list syntax cannot carry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from survgraph.graph import embedded, plan_write
from survgraph.graph.embedded import EmbeddedStore, _CopyFiles
from survgraph.schema import REGISTRY, Claim, Node
from survgraph.schema.models import Source, Vendor
from tests.fingerprint import snapshot

#: Text that a hand-rolled CSV writer or the engine's CSV reader could get wrong.
NASTY = [
    'he said "hi", then\nleft',
    "back\\slash\\",
    "semi;colon, comma",
    "  spaced  ",
    "tab\there",
    "crlf\r\nline",
    "ü日本 ✓",
    "'single'",
    '""',
    "[brackets]",
    "{braces}",
    "null",
    "\\N",
    ",",
]


def _dataset() -> tuple[list[Node], list[Claim]]:
    nodes: list[Node] = [
        Source.model_validate(
            {
                "id": f"source:s{i}",
                "publisher": text,
                "kind": "news_report",
                "title": text,
                "description": text if i % 2 else "",
            }
        )
        for i, text in enumerate(NASTY)
    ]
    for i, text in enumerate(NASTY):
        # Odd vendors: every alias a CSV list can carry; even ones: one it cannot (the row takes the subquery path).
        aliases = [f"Alias {i}", "Hangzhou (HK) Ltd."] if i % 2 else [text, f"Alias {i}"]
        nodes.append(
            Vendor.model_validate(
                {
                    "id": f"vendor:v{i}",
                    "name": text,
                    "aliases": aliases,
                    "description": text,
                    "sources": [f"source:s{i}"],
                    "confidence": "reported",
                }
            )
        )
    claims = [
        Claim.model_validate(
            {
                "type": "SUBSIDIARY_OF",
                "from": f"vendor:v{i}",
                "to": f"vendor:v{(i + 1) % len(NASTY)}",
                "sources": [f"source:s{i}"],
                "confidence": "alleged",
                "notes": text,
                "amount": {"amount": (1e-05, 0.1, 1e15, 12345.678)[i % 4], "currency": "USD"},
                "technologies": ["cctv", "tracking"] if i % 3 else [],
            }
        )
        for i, text in enumerate(NASTY)
    ]
    return nodes, claims


@pytest.mark.parametrize("copy_rows", [embedded.COPY_ROWS, 3])
def test_copy_from_csv_stores_exactly_what_merge_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, copy_rows: int
) -> None:
    # copy_rows 3: every table's rows in several CSV files (chunks), copied by one COPY per table.
    monkeypatch.setattr(embedded, "COPY_ROWS", copy_rows)
    copies: list[tuple[str, int]] = []
    copy = EmbeddedStore._copy

    def counted(self: EmbeddedStore, table: str, cols: Any, group: list[Any], ends: str) -> None:
        copies.append((table, len(group)))
        copy(self, table, cols, group, ends)

    monkeypatch.setattr(EmbeddedStore, "_copy", counted)
    nodes, claims = _dataset()
    plan = plan_write(nodes, claims, REGISTRY)
    with EmbeddedStore(tmp_path / "copy") as copied:
        copied.write(plan)  # every table empty: the bulk path
        got = snapshot(copied)
    tables = [table for table, _ in copies]
    assert sorted(tables) == sorted([*plan.nodes, *(b.type for b in plan.edges)])  # one COPY per table (and ends)
    if copy_rows == 3:
        assert dict(copies)["Vendor"] == -(-len(plan.nodes["Vendor"]) // 3)  # of every chunk's file
    with EmbeddedStore(tmp_path / "merge") as merged:
        # One row of each table first, so that the full load goes through MERGE.
        merged.write(plan_write([nodes[0], *nodes[len(NASTY) : len(NASTY) + 2]], claims[:1], REGISTRY))
        merged.write(plan)
        want = snapshot(merged)
    assert got == want
    # And both hold the plan's own values, column for column (lists compare as sets, as in snapshot).
    stored = {n["id"]: n for n in got[0]}
    for label, rows in plan.nodes.items():
        for row in rows:
            node = stored[row["id"]]
            assert node["label"] == label
            for col, value in row.items():
                assert node[col] == (sorted(value) if isinstance(value, list) else value), (row["id"], col)
    edges = {e["id"]: e for e in got[1]}
    for batch in plan.edges:
        for row in batch.rows:
            for col, value in row.items():
                assert edges[row["id"]][col] == (sorted(value) if isinstance(value, list) else value), col


def test_rows_a_csv_list_cannot_carry_are_left_to_the_subquery(tmp_path: Path) -> None:
    nodes, _ = _dataset()
    rows = plan_write(nodes, [], REGISTRY).nodes["Vendor"]
    files = _CopyFiles()
    try:
        path, multiline, rest = files.write("Vendor", REGISTRY.node_columns["Vendor"], rows, endpoints=False)
        assert path is not None and multiline  # a name holds a line break: the engine's serial reader
        carried = sum(1 for line in path.read_text(encoding="utf-8").split("\n") if line.startswith("vendor:"))
        assert {r["id"] for r in rest} == {
            f"vendor:v{i}"
            for i, text in enumerate(NASTY)
            if i % 2 == 0 and (text != text.strip() or any(ch in text for ch in ",[]{}\"'\\\r\n"))
        }
        assert carried == len(rows) - len(rest)
    finally:
        files.close()
    assert path is not None and not path.exists()
