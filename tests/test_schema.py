"""The schema: validated types, models, deterministic claim ids, and the DDL generated from the registry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from survgraph.graph.ddl import ladybug_statements, neo4j_statements
from survgraph.schema import REGISTRY, Claim, Country, Project, Source, Vendor
from survgraph.schema.models import claim_id


def test_partial_dates_accept_year_month_day() -> None:
    for value in ("2016", "2016-05", "2016-05-20", "2020-02-29"):
        Project(id="project:p", name="P", start=value, sources=["source:s"], confidence="confirmed")


# The last four: a trailing line break (Python's `$` matches before one), and digits that are not ASCII
# (`\\d` matches Arabic-Indic or fullwidth digits, and `int()` reads them).
@pytest.mark.parametrize(
    "value",
    [
        "16",
        "2016-5",
        "2016-13",
        "2016-05-32",
        "2019-02-29",
        "2016/05",
        "May 2016",
        "2016\n",
        "2016-05-20\n",
        "\u0662\u0660\u0661\u0666",
        "\uff12\uff10\uff11\uff16-05",
    ],
)
def test_partial_dates_reject_malformed(value: str) -> None:
    with pytest.raises(ValidationError):
        Project(id="project:p", name="P", start=value, sources=["source:s"], confidence="confirmed")


def test_country_code_from_id_and_validated() -> None:
    assert Country(id="country:PK", name="Pakistan").code == "PK"
    with pytest.raises(ValidationError, match="not an ISO 3166-1"):
        Country(id="country:XX", name="Nowhere")
    with pytest.raises(ValidationError, match="does not match"):
        Country(id="country:PK", name="Pakistan", code="ZW")


def test_vendor_needs_sources_and_confidence() -> None:
    with pytest.raises(ValidationError, match="at least one source"):
        Vendor(id="vendor:x", name="X", confidence="reported")
    with pytest.raises(ValidationError, match="confidence"):
        Vendor(id="vendor:x", name="X", sources=["source:s"])


def test_wikidata_and_money_are_validated() -> None:
    Vendor(id="vendor:x", name="X", wikidata="Q160120", sources=["source:s"], confidence="confirmed")
    with pytest.raises(ValidationError):
        Vendor(id="vendor:x", name="X", wikidata="160120", sources=["source:s"], confidence="confirmed")
    for qid in ("Q160120\n", "Q\u0661\u0662", "Q\uff11\uff12"):
        with pytest.raises(ValidationError):
            Vendor(id="vendor:x", name="X", wikidata=qid, sources=["source:s"], confidence="confirmed")
    with pytest.raises(ValidationError, match="ISO 4217"):
        Project(id="project:p", name="P", value={"amount": 1, "currency": "XYZ"}, sources=["s:s"], confidence="alleged")


def test_source_name_defaults_to_title_and_url_must_be_http() -> None:
    s = Source(id="source:a", publisher="Dawn", kind="news_report", title="Safe cities")
    assert s.name == "Safe cities"
    with pytest.raises(ValidationError):
        Source(id="source:a", publisher="Dawn", kind="news_report", title="T", url="javascript:alert(1)")


def _claim(**kw: object) -> Claim:
    base: dict[str, object] = {
        "type": "SUPPLIES",
        "from": "vendor:a",
        "to": "project:b",
        "sources": ["source:s"],
        "confidence": "confirmed",
    }
    base.update(kw)
    return Claim.model_validate(base)


def test_claim_id_is_deterministic_and_ignores_sources_and_wording() -> None:
    a = _claim()
    b = _claim(sources=["source:t"], notes="other words", confidence="reported")
    assert a.id == b.id == claim_id(a)
    assert a.id is not None and a.id.startswith("claim:")


def test_conflicting_figures_are_separate_claims() -> None:
    a = _claim(quantity={"value": 8000, "unit": "cameras"})
    b = _claim(quantity={"value": 8023, "unit": "cameras"})
    c = _claim(key="second-contract")
    assert len({a.id, b.id, c.id, _claim().id}) == 4


_SLUG = st.from_regex(r"^[a-z0-9]{1,12}$", fullmatch=True)


@given(_SLUG, _SLUG)
def test_claim_ids_differ_when_endpoints_differ(x: str, y: str) -> None:
    one = _claim(**{"from": f"vendor:{x}", "to": f"project:{y}"})
    two = _claim(**{"from": f"vendor:{y}", "to": f"project:{x}"})
    assert (one.id == two.id) == (x == y)


def test_registry_round_trips_models_through_rows() -> None:
    p = Project(
        id="project:p",
        name="P",
        start="2016-05",
        technologies=["cctv"],
        value={"amount": 12.5, "currency": "PKR"},
        sources=["source:s"],
        confidence="reported",
    )
    row = REGISTRY.node_row(p)
    assert row["value_amount"] == 12.5 and row["value_currency"] == "PKR" and row["technologies"] == ["cctv"]
    assert REGISTRY.node_from_row("Project", row) == p
    c = _claim(quantity={"value": 8000, "unit": "cameras"}, amount={"amount": 5, "currency": "USD"})
    crow = REGISTRY.edge_row(c)
    assert crow["quantity_value"] == 8000 and crow["amount"] == 5 and crow["amount_currency"] == "USD"
    assert REGISTRY.claim_from_row("SUPPLIES", crow) == c


def test_every_edge_type_endpoint_is_a_known_kind() -> None:
    for edge in REGISTRY.edge_types.values():
        assert edge.endpoints
        for a, b in edge.endpoints:
            assert a in REGISTRY.node_kinds and b in REGISTRY.node_kinds
    assert REGISTRY.allows("SUPPLIES", "Vendor", "Project")
    assert not REGISTRY.allows("SUPPLIES", "Project", "Vendor")
    assert not REGISTRY.allows("NO_SUCH", "Vendor", "Project")


def test_ddl_is_generated_for_every_kind_and_type() -> None:
    neo = "\n".join(neo4j_statements(REGISTRY))
    lady = "\n".join(ladybug_statements(REGISTRY))
    for label in REGISTRY.node_kinds:
        assert f"FOR (n:{label}) REQUIRE n.id IS UNIQUE" in neo
        assert f"CREATE NODE TABLE IF NOT EXISTS {label}(" in lady
    for etype, edge in REGISTRY.edge_types.items():
        assert f"FOR ()-[r:{etype}]-() REQUIRE r.id IS UNIQUE" in neo
        assert f"CREATE REL TABLE IF NOT EXISTS {etype}(" in lady
        for a, b in edge.endpoints:
            assert f"FROM {a} TO {b}" in lady
    assert "CREATE FULLTEXT INDEX" in neo and "n.aliases" in neo
