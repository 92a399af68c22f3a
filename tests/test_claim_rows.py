"""The fast path for CSV rows of claims (loaders/claim_rows.py) accepts only rows the slow path (the row's
record, the Claim model, every check) accepts, and the validation reports the same problems, in the same
order, and makes the same write plan, with it or without it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import string
from pathlib import Path

import yaml

from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import WritePlan
from survgraph.loaders import validate_paths
from survgraph.loaders.claim_rows import RowChecker
from survgraph.loaders.records import ClaimTable, Problem, claim_table_rows
from survgraph.loaders.validate import Dataset, validate_streamed
from survgraph.schema import REGISTRY, Source
from survgraph.schema.models import _plain_defining_json, claim_id_of
from survgraph.schema.types import MAX_LIST_ITEMS, MAX_TEXT_CHARS

from .conftest import FIXTURES

SMALL = FIXTURES / "small"

HEADER = [
    "id",
    "type",
    "from",
    "to",
    "sources",
    "confidence",
    "start",
    "end",
    "technologies",
    "amount.amount",
    "amount.currency",
    "quantity.value",
    "quantity.unit",
    "figure_sources",
    "notes",
    "key",
    "colour",
]

#: Valid rows (by the model and every check), each different from the others (cells split on ",").
GOOD = [
    row.split(",")
    for row in (
        ",SUPPLIES,vendor:globex,project:city-cams,source:test-b,reported,2019,2020-02,cctv;tracking,,,,,,"
        "a note\twith a tab,k-1,",
        "claim:x1,SUPPLIES,vendor:initech,project:city-cams, source:test-a; source:test-b ;,alleged,2016-02-29,,,,,,,"
        "source:test-a,,,",
        "claim:x2,LINKS_DATA_WITH,database:ndc,database:registry,source:test-a,confirmed,,,,,,,,,,,",
        ",OPERATED_BY,project:cable,org:interior-ministry,source:test-b,confirmed,,2021-12-31,;,,,,,;,,,",
    )
]

#: Odd values for each column: many are refused by the model or a later check, some are fine.
ODD: dict[str, list[str]] = {
    "id": ["claim:bad id", "Claim:x", "claim:" + "a" * 200, "claim:x1", "claim:ok-1.2_3", "claim:\u00e9"],
    "type": ["SELLS", "supplies", "FUNDED_BY", "S" * 101, ""],
    "from": ["vendor:nobody", "Vendor:acme", "", "source:test-a", "country:PK", "vendor:acme "],
    "to": ["project:gone", "", "vendor:acme", "project:city-cams\n", "database:ndc"],
    "sources": [
        "",
        ";",
        "source:nope",
        "vendor:acme",
        "source:test-a;source:nope",
        "source:news",
        ";".join(["source:test-a"] * (MAX_LIST_ITEMS + 1)),
        "source:test-a;;source:test-a",
        "Source:test-a",
    ],
    "confidence": ["Confirmed", "", "sure", "confirmed", "reported "],
    "start": ["2019-13", "2019-02-29", "0000", " 2019", "19", "2019-1", "2024-02-29", "2019-04-31"],
    "end": ["2019-00", "9999-12-31", "2019-02-30", "1"],
    "technologies": ["cctv;laser", "CCTV", ";", "cctv; ;data_centre", ";".join(["cctv"] * (MAX_LIST_ITEMS + 1))],
    "amount.amount": ["12", "-1", "lots", "1e400"],
    "amount.currency": ["USD", "usd"],
    "quantity.value": ["8000", "-3"],
    "quantity.unit": ["cameras", "Cameras"],
    "figure_sources": ["Source:x", "source:news", "source:test-a", "source:test-a;source:test-b", "x"],
    "notes": ["bad \x01 note", "n" * (MAX_TEXT_CHARS + 1), "\x7f", "line\nbreak"],
    "key": ["Bad Key", "k" * 101, "a--b", "ok_key-2", "-"],
    "colour": ["red", " "],
}


def _row_variants() -> list[list[str]]:
    rows = [list(r) for r in GOOD]
    for good in GOOD:
        for column, values in ODD.items():
            for value in values:
                row = list(good)
                if column not in ("id", "key"):  # not the same claim as the good row (unless it is the point)
                    n = len(rows)
                    row[0], row[HEADER.index("key")] = (f"claim:v{n}", "") if row[0] else ("", f"v{n}")
                row[HEADER.index(column)] = value
                rows.append(row)
    # rows that break an evidence rule only: confirmed on one secondary publisher; a figure on a claim citing
    # two sources, without figure_sources; figure_sources without a figure (a warning)
    base = GOOD[2]
    changes: list[dict[str, str]] = [
        {"confidence": "confirmed", "sources": "source:news"},
        {"sources": "source:test-a;source:test-b", "start": "2020"},
        {"figure_sources": "source:test-a"},
    ]
    for n, change in enumerate(changes):
        row = list(base)
        row[0], row[HEADER.index("key")] = "", f"evidence-{n}"
        for column, value in change.items():
            row[HEADER.index(column)] = value
        rows.append(row)
    rows.append(GOOD[0][:5])  # a short row (the missing cells: fields not given)
    rows.append([])  # a blank line
    return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def _graph(tmp_path: Path) -> Path:
    """The small fixture's records, a secondary source, and claim tables full of odd cells."""
    folder = tmp_path / "graph"
    folder.mkdir()
    (folder / "countries.csv").write_bytes((SMALL / "countries.csv").read_bytes())
    (folder / "graph.yaml").write_bytes((SMALL / "graph.yaml").read_bytes())
    news = {"id": "source:news", "publisher": "Daily", "kind": "news_report", "title": "News"}
    (folder / "news.yaml").write_text(yaml.safe_dump({"sources": [news]}), encoding="utf-8")
    rows = _row_variants()
    _write(folder / "claims-a.csv", HEADER, rows)
    # the same rows in a table without the optional columns (a row is read padded), and with \n line ends
    short_header = [c for c in HEADER if c not in ("key", "notes", "id", "colour")]
    keep = [HEADER.index(c) for c in short_header]
    with (folder / "claims-b.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(short_header)
        w.writerows([[r[i] for i in keep if i < len(r)] for r in rows])
    return folder


def _rows(plan: WritePlan) -> list[tuple[str, ...]]:
    rows = [(label, repr(row)) for label, node_rows in plan.nodes.items() for row in node_rows]
    rows += [(e.type, e.from_label, e.to_label, repr(row)) for e in plan.edges for row in e.rows]
    return sorted(rows)


def _streamed(folder: Path, *, fast: bool, rows: bool) -> tuple[list[Problem], list[tuple[str, ...]], Dataset]:
    with PlanSpill() as spill:
        ds = validate_streamed([folder], spill, rows=rows, fast=fast)
        plan = _rows(ds.plan.plan()) if ds.plan is not None else []
    return ds.problems, plan, ds


def test_the_fast_path_gives_the_problems_and_plan_of_the_slow_path(tmp_path: Path) -> None:
    folder = _graph(tmp_path)
    slow_problems, slow_plan, _ = _streamed(folder, fast=False, rows=True)
    fast_problems, fast_plan, _ = _streamed(folder, fast=True, rows=True)
    assert fast_problems == slow_problems
    assert fast_plan == slow_plan
    counted_problems, _, counted = _streamed(folder, fast=True, rows=False)
    assert counted_problems == slow_problems
    in_memory = validate_paths([folder])
    assert in_memory.problems == slow_problems
    assert (counted.entity_count, counted.claim_count) == (len(in_memory.nodes), len(in_memory.claims))
    # The tables hold many problems, of every kind, so that the comparison above means something.
    messages = " | ".join(p.message for p in slow_problems)
    for what in (
        "same claim as",
        "unknown id",
        "unknown source",
        "is not a source",
        "cannot go from",
        "unknown edge type",
        "unknown field",
        "String should match pattern",
        "is not a partial date",
        "out of range",
        "control character",
        "Input should be",
        "at least 1 item",
        "at most 500 items",
        "confirmed needs a primary source",
        "name the ones that state it",
        "states no figure",
        "not among the claim's sources",
    ):
        assert what in messages, what
    claims_a = {p.line for p in slow_problems if p.file.endswith("claims-a.csv")}
    assert len(claims_a) > 100


def _checker(folder: Path, table: ClaimTable) -> tuple[RowChecker, list[tuple[int, list[str]]]]:
    ds = validate_paths([folder])
    labels = {n.id: REGISTRY.kind_of_model(n).label for n in ds.nodes}
    sources = frozenset(n.id for n in ds.nodes if isinstance(n, Source))
    parsed = claim_table_rows(table)
    assert parsed is not None
    header, rows, lines = parsed
    assert lines is not None  # quoted cells (some span lines): each row's line as the reader counts
    return RowChecker(header, REGISTRY, labels, sources), list(zip(lines, rows, strict=True))


def test_the_fast_path_accepts_valid_rows_and_no_row_the_model_refuses(tmp_path: Path) -> None:
    folder = _graph(tmp_path)
    path = folder / "claims-a.csv"
    checker, rows = _checker(folder, ClaimTable(str(path), path.read_text(encoding="utf-8")))
    for row in GOOD:
        assert checker.check(row) is not None
    # Every row with a problem but a repeated claim or an evidence rule (which the validator checks after the
    # fast path, as after the model): the fast path is not sure of it.
    ds = validate_paths([folder])
    later = ("same claim", "confirmed needs", "the claim states")
    refused_by_model = {
        p.line
        for p in ds.errors
        if p.file == str(path) and not p.message.startswith(later) and "not among the claim's" not in p.message
    }
    accepted = {line for line, row in rows if row and checker.check(row) is not None}
    assert refused_by_model and accepted
    assert accepted.isdisjoint(refused_by_model)
    # and it accepts every valid variant but those with a figure or another cell it leaves alone
    valid_lines = {line for line, row in rows if row} - {p.line for p in ds.problems if p.file == str(path)}
    slow_only = ("amount.amount", "amount.currency", "quantity.value", "quantity.unit", "colour")
    by_line = dict(rows)
    for line in valid_lines - accepted:
        row = by_line[line]
        assert len(row) != len(HEADER) or any(row[HEADER.index(c)] for c in slow_only), row


def test_a_claim_the_fast_path_accepts_equals_the_models(tmp_path: Path) -> None:
    """Its fields as the model makes them (the write row reads them alike), its id given or derived."""
    folder = _graph(tmp_path)
    path = folder / "claims-a.csv"
    checker, _ = _checker(folder, ClaimTable(str(path), path.read_text(encoding="utf-8")))
    models = validate_paths([folder]).claims
    by_id = {c.id: c for c in models}
    for row in GOOD:
        fast = checker.check(row)
        assert fast is not None
        model = by_id[fast.id]
        assert REGISTRY.edge_row(fast) == REGISTRY.edge_row(model)
        assert (fast.type, fast.amount, fast.quantity) == (model.type, model.amount, model.quantity)


def test_a_table_with_quotes_or_odd_line_ends_keeps_each_rows_line(tmp_path: Path) -> None:
    """A quoted cell may span lines, a bare \\r ends one: the rows' lines are then the reader's."""
    folder = _graph(tmp_path)
    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(HEADER)
    w.writerows(
        [
            GOOD[0],
            [*GOOD[1][:14], "two\nlines", "", ""],
            ["", "SUPPLIES", "vendor:acme", "project:gone", "source:test-a", "reported"],
        ]
    )
    (folder / "claims-a.csv").write_text(text.getvalue(), encoding="utf-8")
    (folder / "claims-b.csv").write_text(
        "type,from,to,sources,confidence\rSUPPLIES,vendor:acme,project:nope,source:test-a,reported\r", encoding="utf-8"
    )
    fast, _, _ = _streamed(folder, fast=True, rows=False)
    assert fast == _streamed(folder, fast=False, rows=False)[0]
    assert [(p.line, p.field) for p in fast if "claims-a" in p.file] == [(5, "to")]
    assert [(p.line, p.field) for p in fast if "claims-b" in p.file] == [(2, "to")]


def test_a_claim_id_written_directly_is_the_encoders() -> None:
    """claim_id writes the defining JSON of a claim without figures itself when each value is plain text:
    the same text as the JSON encoder, else it leaves the value to the encoder."""
    rng = random.Random(7)
    alphabet = string.printable + '\x7f\u00e9\u2028"\\'
    direct = 0
    for _ in range(20_000):
        values = [None if rng.random() < 0.3 else "".join(rng.choices(alphabet, k=rng.randrange(6))) for _ in range(6)]
        claim_type, from_id, to_id = (v or "x" for v in values[:3])
        start, end, key = values[3:]
        defining = {"type": claim_type, "from": from_id, "to": to_id, "start": start, "end": end}
        want = json.dumps({**defining, "amount": None, "quantity": None, "key": key}, sort_keys=True)
        got = _plain_defining_json(claim_type, from_id, to_id, start, end, key)
        if got is not None:
            direct += 1
            assert got == want
        expected_id = "claim:" + hashlib.sha256(want.encode()).hexdigest()[:16]
        assert claim_id_of(claim_type, from_id, to_id, start, end, None, None, key) == expected_id
    assert 1_000 < direct < 20_000  # both ways taken
