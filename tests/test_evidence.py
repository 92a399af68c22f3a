"""The evidence rules (survgraph/loaders/evidence.py): each rule's failing fixture, with the exact messages,
and the cases each rule lets through. Behaviour on a store (a refused load writes nothing) is covered for
these fixtures by tests/test_validate.py, which runs every fixture in tests/fixtures/bad/."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from survgraph.cli import app
from survgraph.loaders import validate_paths
from survgraph.loaders.evidence import RULES
from survgraph.schema import Confidence

from .conftest import FIXTURES, SEED

SMALL = FIXTURES / "small"
BAD = FIXTURES / "bad"
runner = CliRunner()

WEAK = "confidence: confirmed needs a primary source or secondary sources from two independent publishers; "

#: Each failing fixture and the exact lines `survgraph validate` prints for it (after the fixture's path).
EVIDENCE_EXPECTED: dict[str, list[str]] = {
    "evidence_confirmed_one_secondary.yaml": [
        f"evidence_confirmed_one_secondary.yaml:12: vendor:acme -SUPPLIES-> project:cable: {WEAK}"
        "cited: 1 secondary source(s) from 1 publisher(s) (daily-paper)"
    ],
    "evidence_confirmed_same_publisher.yaml": [
        f"evidence_confirmed_same_publisher.yaml:26: vendor:ev-herald-vendor: {WEAK}"
        "cited: 2 secondary source(s) from 1 publisher(s) (herald-group)",
        f"evidence_confirmed_same_publisher.yaml:32: vendor:acme -SUPPLIES-> project:cable: {WEAK}"
        "cited: 2 secondary source(s) from 1 publisher(s) (original-wire)",
    ],
    "evidence_figure_unattributed.yaml": [
        "evidence_figure_unattributed.yaml:9: vendor:acme -SUPPLIES-> project:cable: figure_sources: "
        "the claim states amount, quantity and cites 2 sources: name the ones that state it"
    ],
    "evidence_figure_sources_not_cited.yaml": [
        "evidence_figure_sources_not_cited.yaml:9: vendor:acme -SUPPLIES-> project:cable: figure_sources: "
        "'source:test-iso' not among the claim's sources"
    ],
    "evidence_repost.yaml": [
        "evidence_repost.yaml:3: source:ev-anonymous-copy: reposts: a repost names the source it reposts",
        "evidence_repost.yaml:10: source:ev-dangling-copy: reposts: unknown source 'source:ev-never-written'",
        "evidence_repost.yaml:15: source:ev-not-a-repost: reposts: only a source of kind 'repost' reposts another",
        "evidence_repost.yaml:17: source:ev-no-kind: kind: required",
    ],
}


@pytest.mark.parametrize("name", sorted(EVIDENCE_EXPECTED))
def test_each_rule_reports_its_breach_exactly(name: str) -> None:
    result = runner.invoke(app, ["validate", str(SMALL), str(BAD / name)])
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
    assert lines == [f"{BAD / e}" for e in EVIDENCE_EXPECTED[name]]


def test_figure_sources_on_a_claim_without_a_figure_is_a_warning() -> None:
    name = "evidence_figure_sources_without_figure.yaml"
    result = runner.invoke(app, ["validate", str(SMALL), str(BAD / name)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"warning: {BAD / name}:8: vendor:acme -SUPPLIES-> project:cable: figure_sources: "
        "the claim states no figure (amount, quantity, start, end)"
    )


def test_confirmed_without_evidence_is_an_error_and_the_rules_say_so() -> None:
    assert RULES["confirmed-needs-evidence"].severity == "error"
    assert {r.severity for r in RULES.values()} <= {"error", "warning"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "records.yaml"
    path.write_text(text)
    return path


SOURCES = """\
sources:
  - {id: source:wire, publisher: Wire Service, kind: news_report, title: Wire}
  - {id: source:paper, publisher: Paper, kind: news_report, title: Paper}
  - {id: source:copy, publisher: Copy Site, kind: repost, reposts: source:wire, title: Copy}
  - {id: source:copy-of-copy, publisher: Second Copy, kind: repost, reposts: source:copy, title: Copy 2}
  - {id: source:ministry, publisher: Ministry, kind: government_statement, title: Statement}
claims:
"""


@pytest.mark.parametrize(
    ("sources", "passes"),
    [
        (["source:ministry"], True),  # one primary source
        (["source:wire", "source:paper"], True),  # two independent publishers
        (["source:copy", "source:paper"], True),  # a repost speaks for its original's publisher, which is not Paper's
        (["source:wire", "source:copy"], False),  # a repost and its original: one publisher
        (["source:wire", "source:copy-of-copy"], False),  # followed through a chain of reposts
        (["source:wire"], False),
    ],
)
def test_confirmed_counts_primary_sources_and_independent_publishers(
    tmp_path: Path, sources: list[str], passes: bool
) -> None:
    text = SOURCES + (
        f"  - {{type: SUPPLIES, from: vendor:acme, to: project:cable, sources: [{', '.join(sources)}],"
        " confidence: confirmed}\n"
    )
    ds = validate_paths([SMALL, _write(tmp_path, text)])
    weak = [p for p in ds.errors if p.field == "confidence"]
    assert (not weak) is passes, [str(p) for p in ds.problems]
    assert len(ds.errors) == len(weak)


def test_a_single_source_is_taken_as_the_source_of_the_figure(tmp_path: Path) -> None:
    text = SOURCES + (
        "  - {type: SUPPLIES, from: vendor:acme, to: project:cable, sources: [source:wire], confidence: reported,"
        " quantity: {value: 5, unit: cameras}}\n"
        "  - {type: SUPPLIES, from: vendor:globex, to: project:cable, sources: [source:wire, source:paper],"
        " confidence: confirmed, start: '2019', figure_sources: [source:paper]}\n"
    )
    ds = validate_paths([SMALL, _write(tmp_path, text)])
    assert [str(p) for p in ds.errors] == []


def test_reported_and_alleged_need_no_second_publisher(tmp_path: Path) -> None:
    text = SOURCES + (
        "  - {type: SUPPLIES, from: vendor:acme, to: project:cable, sources: [source:copy], confidence: reported}\n"
        "  - {type: SUPPLIES, from: vendor:initech, to: project:cable, sources: [source:wire], confidence: alleged}\n"
    )
    assert [str(p) for p in validate_paths([SMALL, _write(tmp_path, text)]).errors] == []


def test_seed_data_meets_the_evidence_rules() -> None:
    ds = validate_paths([SEED])
    assert [str(p) for p in ds.problems] == []
    sources = {n.id: n for n in ds.nodes if n.id.startswith("source:")}
    assert sources and all(getattr(s, "kind", None) and getattr(s, "publisher_key", None) for s in sources.values())
    confirmed = [c for c in ds.claims if c.confidence is Confidence.confirmed]
    assert confirmed  # the rules leave confirmed claims where the sources support them


def test_the_original_of_a_cited_repost_counts_as_cited(tmp_path: Path) -> None:
    text = SOURCES + (
        "  - {type: SUPPLIES, from: vendor:acme, to: project:cable, sources: [source:copy-of-copy, source:paper],"
        " confidence: reported}\n"
        "  - {type: SUPPLIES, from: vendor:initech, to: project:cable, sources: [source:ministry],"
        " confidence: reported}\n"
    )
    ds = validate_paths([SMALL, _write(tmp_path, text)])
    assert [str(p) for p in ds.problems] == []
