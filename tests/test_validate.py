"""`survgraph validate` and `load` on bad records: exact messages, exit codes, and an untouched store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from survgraph.cli import app, edge_table_markdown
from survgraph.graph import GraphStore
from survgraph.loaders import InvalidRecords, load_paths, validate_paths

from .conftest import FIXTURES, ROOT, SEED
from .test_evidence import EVIDENCE_EXPECTED

SMALL = FIXTURES / "small"
BAD = FIXTURES / "bad"
runner = CliRunner()

EXPECTED: dict[str, list[str]] = {
    "unknown_reference.yaml": [
        "unknown_reference.yaml:4: vendor:acme -SUPPLIES-> project:nowhere: to: unknown id 'project:nowhere'"
    ],
    "wrong_endpoint_kind.yaml": [
        "wrong_endpoint_kind.yaml:4: vendor:acme -MEMBER_OF-> initiative:big: type: "
        "MEMBER_OF cannot go from Vendor to Initiative; allowed: Country->Initiative"
    ],
    "duplicate_id.yaml": [
        f"duplicate_id.yaml:2: vendor:acme: id: duplicate id (first defined at {SMALL / 'graph.yaml'}:21)"
    ],
    "claim_without_source.yaml": [
        "claim_without_source.yaml:2: vendor:acme -SUPPLIES-> project:cable: sources: required"
    ],
    "unknown_source.yaml": ["unknown_source.yaml:4: vendor:hooli: sources: unknown source 'source:never-written'"],
    "entity_without_source.yaml": [
        "entity_without_source.yaml:2: vendor:uncited: sources: every entity cites at least one source"
    ],
    "bad_fields.yaml": [
        "bad_fields.yaml:4: project:bad-fields: start: '2016-13': month 13 is out of range",
        "bad_fields.yaml:5: project:bad-fields: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        "bad_fields.yaml:6: project:bad-fields: technologies.0: Input should be 'cctv', ",
        "bad_fields.yaml:7: project:bad-fields: value.currency: 'ZZZ' is not an ISO 4217 currency code",
        "bad_fields.yaml:9: project:bad-fields: confidence: Input should be 'confirmed', 'reported' or 'alleged'",
    ],
    "unknown_field_and_prefix.yaml": [
        "unknown_field_and_prefix.yaml:2: person:someone: id: unknown id prefix; expected one of country:, "
        "vendor:, org:, project:, database:, initiative:, source:",
        "unknown_field_and_prefix.yaml:8: vendor:typo: hq_contry: unknown field",
    ],
    "unknown_edge_type.yaml": [
        "unknown_edge_type.yaml:2: vendor:acme -SELLS_TO-> project:cable: type: unknown edge type 'SELLS_TO'; "
        "expected one of SUPPLIES, LINKS_DATA_WITH, FUNDED_BY, PART_OF, LOCATED_IN, HEADQUARTERED_IN, "
        "OPERATED_BY, SUBSIDIARY_OF, MEMBER_OF, ACCESSES_DATA_OF, CONTRACTED, DEPLOYS, CONSIDERS"
    ],
    "nul_character.yaml": [
        "nul_character.yaml:3: -: -: YAML: unacceptable character #x0000: control characters are not allowed"
    ],
    "syntax_error.yaml": ["syntax_error.yaml:4: -: -: YAML syntax: did not find expected ',' or ']'"],
}


# The evidence rules' fixtures live in tests/fixtures/bad/ too: every check below covers them as well.
EXPECTED.update(EVIDENCE_EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_reports_each_problem_exactly(name: str) -> None:
    result = runner.invoke(app, ["validate", str(SMALL), str(BAD / name)])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    expected = [f"{BAD / e}" for e in EXPECTED[name]]
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        assert line.startswith(want), f"{line!r} does not start with {want!r}"


def test_unused_source_is_a_warning_and_exits_zero() -> None:
    result = runner.invoke(app, ["validate", str(SMALL), str(BAD / "unused_source.yaml")])
    assert result.exit_code == 0
    assert result.stdout.strip() == (
        f"warning: {BAD / 'unused_source.yaml'}:2: source:nobody-cites-me: id: source is not cited by any record"
    )


def test_all_problems_are_reported_at_once() -> None:
    ds = validate_paths([SMALL, *sorted(BAD.glob("*.yaml"))])
    expected = sum(len(v) for v in EXPECTED.values())
    assert len(ds.errors) == expected
    assert [p.file for p in ds.problems] == sorted(p.file for p in ds.problems)


def test_missing_path_is_an_error() -> None:
    result = runner.invoke(app, ["validate", str(BAD / "does-not-exist.yaml")])
    assert result.exit_code == 1
    assert "does-not-exist.yaml:0: -: -: no such file or directory" in result.stdout


def test_seed_data_is_valid_without_warnings() -> None:
    ds = validate_paths([SEED])
    assert [str(p) for p in ds.problems] == []
    assert len(ds.nodes) > 250 and ds.claims


def test_every_node_and_claim_in_seed_cites_a_source() -> None:
    ds = validate_paths([SEED])
    ids = {n.id for n in ds.nodes}
    for node in ds.nodes:
        if not node.id.startswith("source:"):
            assert node.source_ids and all(s in ids for s in node.source_ids), node.id
    for claim in ds.claims:
        assert claim.source_ids and all(s.startswith("source:") and s in ids for s in claim.source_ids)


def test_seed_readme_edge_table_matches_registry() -> None:
    assert edge_table_markdown() in (SEED / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_records_leave_the_store_untouched(store: GraphStore, name: str) -> None:
    load_paths(store, [SMALL])
    before = store.stats()
    with pytest.raises(InvalidRecords) as info:
        load_paths(store, [SMALL, BAD / name])
    assert len(info.value.problems) == len(EXPECTED[name])
    assert store.stats() == before


def test_cli_load_refuses_bad_records_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVGRAPH_DATA_DIR", str(tmp_path / "data"))
    result = runner.invoke(app, ["load", str(SMALL), str(BAD / "unknown_reference.yaml")])
    assert result.exit_code == 1
    assert "unknown id 'project:nowhere'" in result.stdout
    stats = runner.invoke(app, ["stats", "--format", "json"])
    assert stats.exit_code == 0
    data = json.loads(stats.stdout)
    assert sum(data["nodes"].values()) == 0 and sum(data["edges"].values()) == 0


def test_project_root_layout() -> None:
    for path in ("pyproject.toml", "docker-compose.yml", "seed_data", "survgraph/py.typed", ".ci/run"):
        assert (ROOT / path).exists(), path


def test_an_explicit_location_claim_replaces_the_derived_one(tmp_path: Path) -> None:
    (tmp_path / "hq.yaml").write_text(
        "sources:\n"
        "  - {id: source:registry, publisher: Company Registry, kind: official_document,"
        " title: Acme's registration}\n"
        "claims:\n"
        "  - {type: HEADQUARTERED_IN, from: vendor:acme, to: country:CN, sources: [source:registry],"
        " confidence: confirmed}\n"
    )
    ds = validate_paths([SMALL, tmp_path / "hq.yaml"])
    assert not ds.errors
    hq = [c for c in ds.claims if c.type == "HEADQUARTERED_IN" and c.from_id == "vendor:acme"]
    assert [c.source_ids for c in hq] == [["source:registry"]]
    assert hq[0].notes is None  # the curated claim, not the one derived from hq_country
