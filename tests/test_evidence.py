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


# -- the evidence where readers see it: API, RDF, viz ------------------------------------------------


def test_api_entities_link_their_wikidata_page_and_sources_carry_their_kind() -> None:
    from survgraph.api.reads import entity_out, source_out
    from survgraph.schema import REGISTRY

    lists = {"aliases": [], "source_ids": []}
    huawei = entity_out({"id": "vendor:huawei", "name": "Huawei", "wikidata": "Q160120", **lists}, REGISTRY)
    assert huawei.wikidata_url == "https://www.wikidata.org/wiki/Q160120"
    assert huawei.model_dump()["wikidata_url"] == "https://www.wikidata.org/wiki/Q160120"
    assert entity_out({"id": "vendor:acme", "name": "Acme", **lists}, REGISTRY).wikidata_url is None
    row = {"id": "source:copy", "publisher": "Copy", "publisher_key": "copy", "kind": "repost", "reposts": "source:o"}
    assert source_out(row).model_dump(include={"kind", "publisher_key", "reposts"}) == {
        "kind": "repost",
        "publisher_key": "copy",
        "reposts": "source:o",
    }


def test_rdf_writes_the_source_kind_and_the_original_of_a_repost() -> None:
    from rdflib import Literal
    from rdflib.namespace import OWL

    from survgraph.rdf.export import TripleMaker
    from survgraph.rdf.vocab import SG, WD, Vocab
    from survgraph.schema import REGISTRY

    vocab = Vocab()
    maker = TripleMaker(vocab, REGISTRY)
    row = {"id": "source:copy", "title": "Copy", "publisher": "Copy", "kind": "repost", "reposts": "source:o"}
    triples = set(maker.node("Source", row))
    s = vocab.iri("source:copy")
    assert (s, SG.kind, Literal("repost")) in triples
    assert (s, SG.reposts, vocab.iri("source:o")) in triples
    vendor = set(maker.node("Vendor", {"id": "vendor:huawei", "name": "Huawei", "wikidata": "Q160120"}))
    assert (vocab.iri("vendor:huawei"), OWL.sameAs, WD.Q160120) in vendor


def test_viz_tooltip_data_carries_the_wikidata_link_and_source_kind() -> None:
    from survgraph.viz.page import page_data
    from survgraph.viz.subgraph import Subgraph

    sub = Subgraph(
        title="t",
        nodes={"vendor:huawei": {"id": "vendor:huawei", "name": "Huawei", "wikidata": "Q160120", "source_ids": []}},
        sources={"source:a": {"id": "source:a", "publisher": "P", "kind": "news_report", "title": "T"}},
    )
    data = page_data(sub)
    node = data["details"]["nodes"]["vendor:huawei"]
    assert (node["wikidata"], node["wikidataUrl"]) == ("Q160120", "https://www.wikidata.org/wiki/Q160120")
    assert ["wikidata", "Q160120"] not in node["fields"]  # shown once, as the link
    assert data["sources"]["source:a"]["kind"] == "news_report"
