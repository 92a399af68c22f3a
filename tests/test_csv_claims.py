"""The CSV layout for claims (a header with type, from and to; nested fields as `field.part` columns): it
loads the same graph as the YAML it was written from, and a bad cell is refused at its file, line and field."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from survgraph.graph import GraphStore
from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import WritePlan, plan_write
from survgraph.loaders import load_paths, validate_paths
from survgraph.loaders.records import ClaimTable, Problem, read_csv, read_file
from survgraph.loaders.validate import _list_fields, validate_streamed
from survgraph.schema import REGISTRY, Claim

from .conftest import FIXTURES, SEED
from .fingerprint import fingerprint

SMALL = FIXTURES / "small"


def _columns() -> list[str]:
    """Every claim field as a CSV column: nested models (amount, quantity) by their parts."""
    cols: list[str] = []
    for name, info in Claim.model_fields.items():
        key = info.alias or name
        if key in ("amount", "quantity"):
            cols += [f"{key}.{part}" for part in ("amount", "currency")] if key == "amount" else []
            cols += [f"{key}.{part}" for part in ("value", "unit")] if key == "quantity" else []
        else:
            cols.append(key)
    return cols


def _cell(record: dict[str, Any], column: str) -> str:
    key, dot, part = column.partition(".")
    value = record.get(key)
    if dot and value is not None:
        value = value.get(part)
    if isinstance(value, list):
        return ";".join(value)
    return "" if value is None else str(value)


def _split_small(tmp_path: Path) -> tuple[Path, Path]:
    """The small fixture twice: as is (YAML claims), and with its claims moved to a claims CSV."""
    data = yaml.safe_load((SMALL / "graph.yaml").read_text(encoding="utf-8"))
    as_yaml, as_csv = tmp_path / "yaml", tmp_path / "csv"
    for folder in (as_yaml, as_csv):
        folder.mkdir()
        (folder / "countries.csv").write_bytes((SMALL / "countries.csv").read_bytes())
    (as_yaml / "graph.yaml").write_bytes((SMALL / "graph.yaml").read_bytes())
    (as_csv / "graph.yaml").write_text(yaml.safe_dump({k: v for k, v in data.items() if k != "claims"}))
    cols = _columns()
    with (as_csv / "claims.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows([_cell(c, col) for col in cols] for c in data["claims"])
    return as_yaml, as_csv


def test_claims_csv_loads_the_same_graph_as_the_yaml(store: GraphStore, tmp_path: Path) -> None:
    as_yaml, as_csv = _split_small(tmp_path)
    want, got = validate_paths([as_yaml]), validate_paths([as_csv])
    assert want.problems == got.problems == []
    # Figures (amount, quantity) and lists came through the CSV cells.
    assert any(c.amount is not None for c in got.claims) and any(c.quantity is not None for c in got.claims)
    assert sorted(c.model_dump_json() for c in got.claims) == sorted(c.model_dump_json() for c in want.claims)
    load_paths(store, [as_yaml])
    from_yaml = fingerprint(store)
    store.clear()
    load_paths(store, [as_csv])
    assert fingerprint(store) == from_yaml


def test_bad_claim_cells_are_refused_at_their_file_line_and_field(tmp_path: Path) -> None:
    _, as_csv = _split_small(tmp_path)
    bad = as_csv / "more-claims.csv"
    bad.write_text(
        "type,from,to,sources,confidence,amount.amount,amount.currency,colour\n"
        "SUPPLIES,vendor:acme,project:cable,source:test-b,reported,,,\n"
        "SUPPLIES,vendor:globex,project:city-cams,source:test-b,sure,,,\n"
        "FUNDED_BY,project:city-cams,org:state-bank,source:test-b,reported,lots,USD,\n"
        "\n"
        "SUPPLIES,vendor:initech,project:cable,source:test-b,alleged,,,red\n"
        'SUPPLIES,vendor:acme,"project:\nnowhere",source:test-b,alleged,,,\n'
        "SUPPLIES,vendor:acme,project:gone,source:test-b,alleged,,,\n",
        encoding="utf-8",
    )
    ds = validate_paths([as_csv])
    got = [(p.line, p.record, p.field, p.message.split(",")[0]) for p in ds.errors if p.file == str(bad)]
    assert got == [
        (3, "vendor:globex -SUPPLIES-> project:city-cams", "confidence", "Input should be 'confirmed'"),
        (4, "project:city-cams -FUNDED_BY-> org:state-bank", "amount.amount", "Input should be a valid number"),
        (6, "vendor:initech -SUPPLIES-> project:cable", "colour", "unknown field"),
        # a quoted line break: the record's line is the line it ends on (as for entity tables)
        (
            8,
            "vendor:acme -SUPPLIES-> project:\nnowhere",
            "to",
            "String should match pattern '^[a-z]+:[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$'",
        ),
        (9, "vendor:acme -SUPPLIES-> project:gone", "to", "unknown id 'project:gone'"),
    ]


def _rows(plan: WritePlan) -> list[tuple[str, ...]]:
    """A write plan's rows, as comparable text, in no particular order."""
    rows = [(label, repr(row)) for label, node_rows in plan.nodes.items() for row in node_rows]
    rows += [(e.type, e.from_label, e.to_label, repr(row)) for e in plan.edges for row in e.rows]
    return sorted(rows)


def test_streamed_claim_tables_give_the_problems_and_rows_of_a_validation_in_memory(tmp_path: Path) -> None:
    """validate_streamed keeps a CSV table of claims as its text until every node is known (a ClaimTable,
    parsed then): the problems, in their order among those of YAML claims before and after it, and the
    write plan are validate_paths's."""
    _, as_csv = _split_small(tmp_path)
    data = yaml.safe_load((SMALL / "graph.yaml").read_text(encoding="utf-8"))
    # the same claim in YAML before the claims table (the table's row is the second) and after it
    (as_csv / "a-claims.yaml").write_text(yaml.safe_dump({"claims": data["claims"][:1]}))
    (as_csv / "z-claims.yaml").write_text(yaml.safe_dump({"claims": data["claims"][1:2]}))
    (as_csv / "more-claims.csv").write_text(
        "type,from,to,sources,confidence,amount.amount,amount.currency,colour\n"
        "SUPPLIES,vendor:globex,project:city-cams,source:test-b,sure,,,\n"
        "FUNDED_BY,project:city-cams,org:state-bank,source:test-b,reported,lots,USD,\n"
        "SUPPLIES,vendor:initech,project:cable,source:test-b,alleged,,,red\n"
        "SUPPLIES,vendor:acme,project:gone,source:nowhere,confirmed,,,\n",
        encoding="utf-8",
    )
    (as_csv / "wide.csv").write_text("type,from,to\nSUPPLIES,vendor:a,project:b\nSUPPLIES,vendor:a,project:b,x\n")
    (as_csv / "x-huge-cell.csv").write_text(
        'type,from,to,notes\nSUPPLIES,vendor:acme,project:cable,"' + "n" * 200_000 + '"\n'
    )
    (as_csv / "y-parts.csv").write_text("type,from,to,amount,amount.currency\nSUPPLIES,vendor:a,project:b,5,USD\n")
    fields = _list_fields(REGISTRY)
    assert isinstance(read_file(as_csv / "claims.csv", fields, claim_tables=True)[0], ClaimTable)
    assert isinstance(read_file(as_csv / "countries.csv", fields, claim_tables=True)[0], list)

    expected = validate_paths([as_csv])
    messages = " | ".join(p.message for p in expected.problems)
    for what in ("same claim as", "more cells than header", "cannot read CSV", "as a whole and by parts", "unknown"):
        assert what in messages
    with PlanSpill() as spill:
        ds = validate_streamed([as_csv], spill)
        assert ds.problems == expected.problems
        assert ds.plan is not None
        assert _rows(ds.plan.plan()) == _rows(plan_write(expected.nodes, expected.claims))
    with PlanSpill() as spill:
        counted = validate_streamed([as_csv], spill, rows=False)
        assert counted.problems == expected.problems
        assert (counted.entity_count, counted.claim_count) == (len(expected.nodes), len(expected.claims))


def test_cells_become_the_same_fields_with_or_without_a_repeated_column(tmp_path: Path) -> None:
    """read_csv pairs a row's non-empty cells with the names of a header that names each column once, and
    takes a repeated column's last cell otherwise: the fields, their order (plain ones, then nested ones),
    lists, parts and short rows come out alike."""
    fields = _list_fields(REGISTRY)
    unique = tmp_path / "unique.csv"
    unique.write_text(
        "id,name,value.amount,aliases,value.currency,sources\n"
        "project:a,A,12,x; y ;,USD,source:s\n"
        "\n"
        "project:b,B,,,EUR\n"
        "project:c,,,,,\n"
        "project:d\n",
        encoding="utf-8",
    )
    records, problems = read_csv(unique, fields)
    assert problems == []
    assert [(r.line, list(r.data.items())) for r in records] == [
        (
            2,
            [
                ("id", "project:a"),
                ("name", "A"),
                ("aliases", ["x", "y"]),
                ("sources", ["source:s"]),
                ("value", {"amount": "12", "currency": "USD"}),
            ],
        ),
        (4, [("id", "project:b"), ("name", "B"), ("value", {"currency": "EUR"})]),
        (5, [("id", "project:c")]),
        (6, [("id", "project:d")]),
    ]
    repeated = tmp_path / "repeated.csv"
    repeated.write_text("id,name,aliases,name\nproject:a,A,x;y,\nproject:b,,,B\nproject:c,C\n", encoding="utf-8")
    records, problems = read_csv(repeated, fields)
    assert problems == []
    assert [list(r.data.items()) for r in records] == [
        [("id", "project:a"), ("aliases", ["x", "y"])],
        [("id", "project:b"), ("name", "B")],
        [("id", "project:c")],
    ]
    clash = tmp_path / "clash.csv"
    clash.write_text("id,value,value.amount\nproject:a,1,2\n", encoding="utf-8")
    assert read_csv(clash, fields)[1] == [
        Problem(str(clash), 2, "project:a", "value", "field given twice (as a whole and by parts)")
    ]


def test_a_claims_csv_with_more_cells_than_columns_is_refused_at_the_row(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("type,from,to\nSUPPLIES,vendor:a,project:b\nSUPPLIES,vendor:a,project:b,extra\n")
    ds = validate_paths([path])
    assert [(p.line, p.field, p.message) for p in ds.errors if p.message.startswith("more")] == [
        (3, "-", "more cells than header columns")
    ]


def test_the_documented_claims_csv_example_validates_against_the_seed_data(tmp_path: Path) -> None:
    text = (SEED / "README.md").read_text(encoding="utf-8")
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "claims.csv"
    path.write_text(example, encoding="utf-8")
    ds = validate_paths([SEED, path])
    assert ds.errors == []
    [claim] = [c for c in ds.claims if c.key == "csv-example"]
    assert claim.quantity is not None and claim.quantity.value == 8000 and claim.technologies == ["cctv"]
