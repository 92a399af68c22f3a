"""The template file format: packaged files well formed, malformed ones refused, every statement a
read on Neo4j."""

from __future__ import annotations

from pathlib import Path

import pytest

from survgraph.errors import SurvgraphError
from survgraph.graph.neo4j_store import Neo4jStore
from survgraph.queries import (
    TEMPLATES,
    TemplateError,
    UnknownTemplate,
    load_templates,
)
from survgraph.queries.catalogue import parse_template, template_dir
from survgraph.queries.runners import RUNNERS
from survgraph.schema import Technology

from .conftest import (
    SMALL,
    Graphs,
    sample_params,
)

# -- the template files -----------------------------------------------------------------------------


def test_templates_are_packaged_and_well_formed() -> None:
    names = {
        e.name.removesuffix(".cypher").partition(".")[0] for e in template_dir().iterdir() if e.name.endswith(".cypher")
    }
    assert names == set(TEMPLATES.names())
    for required in (
        "vendors_touching_national_data_centres",
        "vendor_footprint",
        "country_profile",
        "initiative_projects",
        "funding_chains",
        "data_linkage",
        "shortest_path",
        "neighbourhood",
        "vendors_by_technology",
        "countries_by_vendor_origin",
        "claims_by_source",
        "search",
    ):
        t = TEMPLATES.get(required)
        assert t.title and t.description and t.columns
        assert all(p.description for p in t.params)
        assert len(t.statements) == 1 or required in RUNNERS, "several statements need a runner"
    assert TEMPLATES.get("search").variants.keys() == {"neo4j"}
    # The path templates differ by dialect: Neo4j's SHORTEST in the base file, LadybugDB's recursive
    # relationships in NAME.embedded.cypher.
    paths = [
        "data_linkage",
        "funding_chains",
        "neighbourhood",
        "shortest_path",
        "vendors_touching_national_data_centres",
    ]
    assert sorted(name for name in TEMPLATES.names() if TEMPLATES.get(name).variants) == sorted([*paths, "search"])
    for name in paths:
        assert TEMPLATES.get(name).variants.keys() == {"embedded"}
    assert [t.name for t in TEMPLATES.listing()] == sorted(TEMPLATES.names())


def test_unknown_template() -> None:
    with pytest.raises(UnknownTemplate) as caught:
        TEMPLATES.get("drop_everything")
    # Issue 10: one error root; an unknown name is a 404, no longer a KeyError.
    assert isinstance(caught.value, SurvgraphError) and not isinstance(caught.value, KeyError)
    assert caught.value.status == 404
    assert "unknown template 'drop_everything'" in str(caught.value)
    assert "vendor_footprint" in caught.value.known


def test_json_schema_of_parameters() -> None:
    schema = TEMPLATES.get("vendors_touching_national_data_centres").json_schema()
    assert schema["title"] == "vendors_touching_national_data_centres"
    assert schema["additionalProperties"] is False
    hops = schema["properties"]["max_hops"]
    assert hops["default"] == 3 and {"minimum": 1, "maximum": 6, "type": "integer"} in hops["anyOf"]
    tech = TEMPLATES.get("vendors_by_technology").json_schema()
    assert tech["required"] == ["technology"]
    assert tech["properties"]["technology"]["enum"] == [t.value for t in Technology]


BASE = """// @name sample
// @title Sample
// @description A sample.
// @param max_hops int default=2 min=1 max=4: hops
// @param who str required check=entity_id kinds=Vendor: who
// @column id: the id
"""


@pytest.mark.parametrize(
    ("text", "variants", "message"),
    [
        (BASE + "MATCH (n {id: $nobody}) RETURN n.id AS id", {}, "uses $nobody, which is not declared"),
        (BASE + "MATCH (n)-[*1..{{who}}]-() RETURN n.id AS id", {}, "may be substituted"),
        (BASE + "MATCH (n)-[*1..{{other}}]-() RETURN n.id AS id", {}, "{{other}}, which is not declared"),
        (BASE.replace("@name sample", "@name other") + "RETURN 1 AS id", {}, "does not match the file name"),
        (BASE + "// @frobnicate x\nRETURN 1 AS id", {}, "unknown tag @frobnicate"),
        (BASE + "RETURN 1 AS id\n// @column late: too late\n", {}, "@column after the first statement"),
        (BASE.replace("default=2", "default=9") + "RETURN 1 AS id", {}, "default of max_hops"),
        (BASE.replace("int default=2", "float default=2") + "RETURN 1 AS id", {}, "type 'float'"),
        (BASE.replace("kinds=Vendor", "kinds=Robot") + "RETURN 1 AS id", {}, "unknown node kind 'Robot'"),
        (BASE.replace("check=entity_id", "check=vibes") + "RETURN 1 AS id", {}, "unknown check 'vibes'"),
        (
            BASE + "RETURN 1 AS id",
            {"neo4j": ("sample.neo4j.cypher", "// @param x int: no\nRETURN 2 AS id")},
            "belongs in the base",
        ),
        (BASE + "RETURN 1 AS id", {"mongo": ("sample.mongo.cypher", "RETURN 2 AS id")}, "unknown store 'mongo'"),
        (
            BASE + "RETURN 1 AS id",
            {"neo4j": ("sample.neo4j.cypher", "// @statement other\nRETURN 2 AS id")},
            "is not in",
        ),
        ("// @name sample\nRETURN 1 AS id", {}, "missing @title"),
    ],
)
def test_malformed_templates_are_refused(text: str, variants: dict[str, tuple[str, str]], message: str) -> None:
    with pytest.raises(TemplateError, match=None) as caught:
        parse_template("sample", ("sample.cypher", text), variants)
    assert message in str(caught.value)


def test_load_templates_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "sample.cypher").write_text(BASE + "MATCH (n {id: $who})\nRETURN n.id AS id;\n")
    (tmp_path / "sample.embedded.cypher").write_text(
        "// embedded form\nMATCH (n)\nWHERE n.id = $who\nRETURN n.id AS id\n"
    )
    registry = load_templates(tmp_path)
    t = registry.get("sample")
    assert t.statement("main", "neo4j").text == "MATCH (n {id: $who})\nRETURN n.id AS id"
    assert t.statement("main", "embedded").text == "MATCH (n)\nWHERE n.id = $who\nRETURN n.id AS id"
    (tmp_path / "orphan.neo4j.cypher").write_text("RETURN 1 AS id")
    with pytest.raises(TemplateError, match=r"no base file orphan\.cypher"):
        load_templates(tmp_path)


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_every_statement_plans_as_a_read_on_neo4j(graphs: Graphs, name: str) -> None:
    store = graphs.get("small", "neo4j")
    assert isinstance(store, Neo4jStore)
    template = TEMPLATES.get(name)
    sets = sample_params(template, SMALL)
    values = template.validate(sets[0] if sets else {})
    for stmt in template.statements:
        assert store.explain_query_type(template.render(stmt, "neo4j", values)) == "r", stmt
