"""Record files that cost far more than their size, or carry values no record may hold: YAML and CSV through
`survgraph validate`/`load` and through POST /records, on both stores.

Each case asserts the located problem (FILE:LINE: RECORD: FIELD: message) and that the store's fingerprint
(every node and edge with all properties) is unchanged. The cases that once ran for minutes or crashed
(alias bombs, recursive aliases, deep nesting) also run `survgraph validate` in a child process bounded in
time and memory (bounded_run.py), so that a regression fails fast instead of hanging CI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords, load_paths, validate_paths
from survgraph.loaders.records import MAX_RECORD_FILE_BYTES, MAX_YAML_DEPTH
from survgraph.schema.types import MAX_LIST_ITEMS, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_URL_CHARS

from ..fingerprint import fingerprint
from ..test_api_support import API_KEY, SMALL, app_for, assert_error, load_small, serve
from .bounded_run import run_module_bounded

KEY = {"X-API-Key": API_KEY}

#: A claim that is valid against the small fixture; cases add one field (line 7) to it.
CLAIM = """\
claims:
  - type: SUPPLIES
    from: vendor:acme
    to: project:city-cams
    sources: [source:test-a]
    confidence: reported
"""
CLAIM_LABEL = "vendor:acme -SUPPLIES-> project:city-cams"


def entity(extra: str = "", name: str = "X") -> str:
    """A vendor record (line 2: id, 3: name, 4: the extra field)."""
    head = f"entities:\n  - id: vendor:x\n    name: {name}\n"
    return f"{head}{extra}    sources: [source:test-a]\n    confidence: reported\n"


def nested_lists(depth: int) -> str:
    return entity(f"    description: {'[' * depth}{']' * depth}\n")


def nested_maps(depth: int) -> str:
    return entity(f"    description: {'{a: ' * depth}1{'}' * depth}\n")


BILLION_LAUGHS = """\
entities:
  - &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  - &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  - &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  - &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  - &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  - &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  - &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  - &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  - &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

ANCHORS = "record files may not use anchors or aliases"


@dataclass(frozen=True)
class Case:
    id: str
    body: str | bytes
    line: int
    record: str
    field: str
    message: str
    suffix: str = ".yaml"
    #: Once ran for minutes, or crashed: also run `survgraph validate` bounded in time and memory.
    bounded: bool = False


YAML_CASES = [
    Case("billion-laughs", BILLION_LAUGHS, 2, "-", "-", f"YAML anchor &a refused: {ANCHORS}", bounded=True),
    Case("recursive-alias", "entities:\n  - &r [*r]\n", 2, "-", "-", "YAML anchor &r refused", bounded=True),
    Case("recursive-alias-map", "entities:\n  - &m {id: vendor:x, self: *m}\n", 2, "-", "-", "anchor &m refused"),
    Case("alias-undefined", "entities:\n  - *nothing\n", 2, "-", "-", f"YAML alias *nothing refused: {ANCHORS}"),
    Case("anchor-on-scalar", entity("    description: &d text\n"), 4, "-", "-", "YAML anchor &d refused"),
    Case(
        "merge-key",
        "entities:\n  - id: vendor:x\n    <<: *base\n    name: X\n",
        3,
        "-",
        "-",
        "YAML alias *base refused",
    ),
    Case("anchor-on-section", "entities: &all []\n", 1, "-", "-", "YAML anchor &all refused"),
    Case("deep-lists-500", nested_lists(500), 4, "-", "-", "nested deeper than", bounded=True),
    Case("deep-maps-500", nested_maps(500), 4, "-", "-", "nested deeper than", bounded=True),
    Case("deep-lists-100k", nested_lists(100_000), 4, "-", "-", "nesting depth", bounded=True),
    Case("deep-just-over", nested_lists(MAX_YAML_DEPTH), 4, "-", "-", f"nested deeper than {MAX_YAML_DEPTH}"),
    Case("tag-binary", entity("    description: !!binary aGVsbG8=\n"), 4, "-", "-", "tag:yaml.org,2002:binary"),
    Case(
        "tag-python",
        entity("    description: !!python/object/apply:os.system [echo]\n"),
        4,
        "-",
        "-",
        "YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' refused",
    ),
    Case("tag-set", entity("    aliases: !!set {a, b}\n"), 4, "-", "-", "tag:yaml.org,2002:set"),
    Case("tag-local", entity("    description: !secret text\n"), 4, "-", "-", "YAML tag '!secret' refused"),
    Case("tag-timestamp", CLAIM + "    start: !!timestamp 2016-05-20\n", 7, "-", "-", "2002:timestamp"),
    Case("tag-omap", entity("    description: !!omap [a: 1]\n"), 4, "-", "-", "2002:omap"),
    Case("second-document", entity() + "---\nentities: []\n", 6, "-", "-", "found a second"),
    Case("complex-key", "entities:\n  - id: vendor:x\n    ? [a, b]\n    : 1\n", 3, "vendor:x", "-", "plain text"),
    Case(
        "mapping-key-nested",
        entity("    description: {? {a: 1} : 2}\n"),
        4,
        "vendor:x",
        "description",
        "a mapping key must be plain text",
    ),
    Case(
        "int-5000-digits",
        CLAIM + f"    amount: {{amount: {'9' * 5000}, currency: USD}}\n",
        7,
        CLAIM_LABEL,
        "amount",
        "cannot read the value: Exceeds the limit (4300 digits)",
    ),
    Case(
        "amount-inf", CLAIM + "    amount: {amount: .inf, currency: USD}\n", 7, CLAIM_LABEL, "amount.amount", "finite"
    ),
    Case("amount-neg-inf", CLAIM + "    amount: {amount: -.inf, currency: USD}\n", 7, CLAIM_LABEL, "amount.amount", ""),
    Case(
        "amount-nan", CLAIM + "    amount: {amount: .nan, currency: USD}\n", 7, CLAIM_LABEL, "amount.amount", "finite"
    ),
    Case(
        "amount-1e400",
        CLAIM + "    amount: {amount: 1.0e+400, currency: USD}\n",
        7,
        CLAIM_LABEL,
        "amount.amount",
        "finite",
    ),
    Case(
        "amount-string-1e400",
        CLAIM + '    amount: {amount: "1e400", currency: USD}\n',
        7,
        CLAIM_LABEL,
        "amount.amount",
        "finite",
    ),
    Case(
        "amount-string-inf",
        CLAIM + '    amount: {amount: "Infinity", currency: USD}\n',
        7,
        CLAIM_LABEL,
        "amount.amount",
        "",
    ),
    Case(
        "quantity-inf",
        CLAIM + "    quantity: {value: .inf, unit: cameras}\n",
        7,
        CLAIM_LABEL,
        "quantity.value",
        "finite",
    ),
    Case(
        "quantity-over-max",
        CLAIM + "    quantity: {value: 1.0e+16, unit: cameras}\n",
        7,
        CLAIM_LABEL,
        "quantity.value",
        "less than or equal to 1000000000000000",
    ),
    Case("year-0000", CLAIM + '    start: "0000"\n', 7, CLAIM_LABEL, "start", "year 0000 is refused"),
    Case("year-0000-month", CLAIM + '    end: "0000-06"\n', 7, CLAIM_LABEL, "end", "year 0000 is refused"),
    Case(
        "source-date-0000",
        'sources:\n  - id: source:x\n    publisher: P\n    kind: dataset\n    title: T\n    date: "0000-01-01"\n',
        6,
        "source:x",
        "date",
        "year 0000 is refused",
    ),
    Case(
        "description-too-long",
        entity(f"    description: {'a' * (MAX_TEXT_CHARS + 1)}\n"),
        4,
        "vendor:x",
        "description",
        f"at most {MAX_TEXT_CHARS} characters",
    ),
    Case(
        "name-too-long",
        entity(name="n" * (MAX_NAME_CHARS + 1)),
        3,
        "vendor:x",
        "name",
        f"at most {MAX_NAME_CHARS} characters",
    ),
    Case(
        "notes-too-long",
        CLAIM + f"    notes: {'a' * (MAX_TEXT_CHARS + 1)}\n",
        7,
        CLAIM_LABEL,
        "notes",
        f"at most {MAX_TEXT_CHARS} characters",
    ),
    Case(
        "aliases-too-many",
        entity(f"    aliases: [{', '.join(f'a{i}' for i in range(MAX_LIST_ITEMS + 1))}]\n"),
        4,
        "vendor:x",
        "aliases",
        f"at most {MAX_LIST_ITEMS} items",
    ),
    Case(
        "claim-sources-too-many",
        CLAIM.replace("[source:test-a]", "[" + ", ".join(["source:test-a"] * (MAX_LIST_ITEMS + 1)) + "]"),
        5,
        CLAIM_LABEL,
        "sources",
        f"at most {MAX_LIST_ITEMS} items",
    ),
    Case(
        "url-too-long",
        f"sources:\n  - id: source:x\n    publisher: P\n    kind: dataset\n    title: T\n"
        f"    url: https://e.org/{'a' * MAX_URL_CHARS}\n",
        6,
        "source:x",
        "url",
        f"at most {MAX_URL_CHARS} characters",
    ),
    Case(
        "id-too-long",
        entity().replace("vendor:x", "vendor:" + "x" * 300),
        2,
        "vendor:" + "x" * 300,
        "id",
        "at most 200 characters",
    ),
    Case(
        "name-control-char",
        entity(name='"X\\u0007Y"'),
        3,
        "vendor:x",
        "name",
        "control character U+0007 at position 1",
    ),
    Case(
        "description-escape-char",
        entity('    description: "a\\u001b[31mred"\n'),
        4,
        "vendor:x",
        "description",
        "control character U+001B",
    ),
    Case("nul-character", entity("    description: a\x00b\n"), 4, "-", "-", "unacceptable character #x0000"),
    Case("not-utf8", b"entities:\n  - id: vendor:x\n    name: \xff\xfe\n", 1, "-", "-", "cannot read file"),
]

CSV_HEAD = "id,name,aliases,sources,confidence\n"
CSV_CASES = [
    Case(
        "csv-cell-over-csv-limit",
        CSV_HEAD + f"vendor:x,{'a' * 200_000},,source:test-a,reported\n",
        2,
        "-",
        "-",
        "field larger than field limit",
        ".csv",
    ),
    Case(
        "csv-name-too-long",
        CSV_HEAD + f"vendor:x,{'a' * (MAX_NAME_CHARS + 1)},,source:test-a,reported\n",
        2,
        "vendor:x",
        "name",
        f"at most {MAX_NAME_CHARS} characters",
        ".csv",
    ),
    Case(
        "csv-aliases-too-many",
        CSV_HEAD + f"vendor:x,X,{';'.join(f'a{i}' for i in range(MAX_LIST_ITEMS + 1))},source:test-a,reported\n",
        2,
        "vendor:x",
        "aliases",
        f"at most {MAX_LIST_ITEMS} items",
        ".csv",
    ),
    Case(
        "csv-nul-in-name",
        CSV_HEAD + "vendor:x,X\x00Y,,source:test-a,reported\n",
        2,
        "vendor:x",
        "name",
        "control character U+0000",
        ".csv",
    ),
    Case(
        "csv-not-utf8",
        CSV_HEAD.encode() + b"vendor:x,\xff\xfe,,source:test-a,reported\n",
        1,
        "-",
        "-",
        "cannot read file",
        ".csv",
    ),
    Case(
        "csv-year-0000",
        "id,name,kind,sources,confidence,start\ninitiative:x,X,other,source:test-a,reported,0000\n",
        2,
        "initiative:x",
        "start",
        "year 0000 is refused",
        ".csv",
    ),
]


def _write(tmp_path: Path, case: Case) -> Path:
    path = tmp_path / f"attack{case.suffix}"
    if isinstance(case.body, bytes):
        path.write_bytes(case.body)
    else:
        path.write_text(case.body, encoding="utf-8")
    return path


def _located(case: Case, file: str) -> str:
    return f"{file}:{case.line}: {case.record}: {case.field}: "


def _assert_reported(problems: list[str], case: Case, file: str) -> None:
    head = _located(case, file)
    assert any(p.startswith(head) and case.message in p for p in problems), (head, case.message, problems)


@pytest.fixture
def loaded(store: GraphStore) -> GraphStore:
    load_small(store)
    return store


@pytest.mark.parametrize("case", YAML_CASES + CSV_CASES, ids=lambda c: c.id)
def test_record_file_is_refused_with_a_located_problem(loaded: GraphStore, tmp_path: Path, case: Case) -> None:
    path = _write(tmp_path, case)
    if case.bounded:
        out = run_module_bounded("survgraph.cli", "validate", str(path))
        assert out.returncode == 1, out
        assert "Traceback" not in out.stderr, out.stderr
        _assert_reported(out.stdout.splitlines(), case, str(path))
    _assert_reported([str(p) for p in validate_paths([path]).errors], case, str(path))
    before = fingerprint(loaded)
    with pytest.raises(InvalidRecords) as refused:
        load_paths(loaded, [path])
    _assert_reported([str(p) for p in refused.value.problems], case, str(path))
    assert fingerprint(loaded) == before


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_a_file_over_the_size_limit_is_refused_unread(loaded: GraphStore, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"huge{suffix}"
    # A 50 MB description would not even be read: the file is refused by its size.
    with path.open("w", encoding="utf-8") as f:
        f.write(entity() if suffix == ".yaml" else CSV_HEAD)
        f.write("#" + "a" * (MAX_RECORD_FILE_BYTES + 1) + "\n")
    before = fingerprint(loaded)
    with pytest.raises(InvalidRecords) as refused:
        load_paths(loaded, [path])
    [problem] = refused.value.problems
    assert str(problem) == (
        f"{path}:1: -: -: file is {path.stat().st_size} bytes; the limit is {MAX_RECORD_FILE_BYTES} bytes"
    )
    assert fingerprint(loaded) == before


def test_the_limits_leave_a_valid_file_alone(loaded: GraphStore, tmp_path: Path) -> None:
    """The limits are not a blanket refusal: fields at their limits load (so each case above fails for its
    own reason), and a finite figure at the maximum is written."""
    path = tmp_path / "ok.yaml"
    text = entity(
        f"    description: {'d' * MAX_TEXT_CHARS}\n"
        f"    aliases: [{', '.join(f'a{i}' for i in range(MAX_LIST_ITEMS))}]\n",
        name="n" * MAX_NAME_CHARS,
    )
    path.write_text(text + CLAIM + '    amount: {amount: 1.0e+15, currency: USD}\n    start: "0001"\n')
    ds, _ = load_paths(loaded, [SMALL, path])  # the references are to the small graph's records
    assert not ds.errors
    [row] = loaded.query("MATCH (n:Vendor {id: 'vendor:x'}) RETURN n.name AS name, n.description AS d")
    assert row["name"] == "n" * MAX_NAME_CHARS and len(row["d"]) == MAX_TEXT_CHARS


# -- the same through POST /records --------------------------------------------------------------

POSTED = [
    c
    for c in YAML_CASES
    if c.id
    in {
        "billion-laughs",
        "recursive-alias",
        "recursive-alias-map",
        "merge-key",
        "deep-lists-500",
        "deep-maps-500",
        "deep-lists-100k",
        "tag-python",
        "complex-key",
        "int-5000-digits",
        "amount-inf",
        "amount-1e400",
        "quantity-inf",
        "year-0000",
        "description-too-long",
        "aliases-too-many",
        "name-control-char",
        "nul-character",
    }
]


@pytest.mark.parametrize("case", POSTED, ids=lambda c: c.id)
def test_posted_records_are_refused_with_a_located_422(loaded: GraphStore, case: Case) -> None:
    body = case.body if isinstance(case.body, bytes) else case.body.encode()
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY)) as (_, client):
        before = fingerprint(loaded)
        error = assert_error(client.post("/records", content=body, headers=KEY), 422)
        _assert_reported(error["details"], case, "request.yaml")
        assert fingerprint(loaded) == before


def test_posted_body_over_the_limit_is_413(loaded: GraphStore) -> None:
    limit = 64 * 1024
    with serve(app_for(loaded, SURVGRAPH_API_KEY=API_KEY, SURVGRAPH_MAX_BODY_BYTES=limit)) as (_, client):
        before = fingerprint(loaded)
        body = entity(f"    description: {'a' * limit}\n").encode()
        error = assert_error(client.post("/records", content=body, headers=KEY), 413)
        assert error["error"] == f"the body is larger than {limit} bytes"
        # Streamed without a Content-Length: counted as it arrives.
        chunks = iter([body[:1000], body[1000:]])
        error = assert_error(client.post("/records", content=chunks, headers=KEY), 413)
        assert error["error"] == f"the body is larger than {limit} bytes"
        assert fingerprint(loaded) == before
