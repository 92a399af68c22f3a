"""Injection in every parameter of every template, hop bounds, parameter errors and coercion."""

from __future__ import annotations

from typing import Any

import pytest

from survgraph.errors import SurvgraphError
from survgraph.graph import NoSuchEntity
from survgraph.queries import (
    TEMPLATES,
    TemplateParamError,
    run_template,
)
from survgraph.queries.catalogue import render_label, render_placeholder
from survgraph.schema import REGISTRY

from .conftest import (
    ENGINES,
    SMALL,
    Graphs,
    dump,
    sample_params,
)

# -- injection, bounds ------------------------------------------------------------------------------

PAYLOADS = {
    "quote": "x' OR 1=1",
    "quote-id": "vendor:acme' OR '1'='1",
    "close-and-delete": "}) MATCH (n) DETACH DELETE n //",
    "with-delete": "x' }) WITH 1 AS x MATCH (n) DETACH DELETE n RETURN 1 //",
    "label-break": "Vendor`) DETACH DELETE (n",
    "type-break": "SUPPLIES]->() DETACH DELETE r //",
    "placeholder": "{{max_hops}}",
    "parameter": "$frontier",
    "newline": "a\nMATCH (n) DETACH DELETE n",
    "comment": "/* */ MATCH (n) DETACH DELETE n",
    "semicolon": "1; MATCH (n) DETACH DELETE n",
    "long": "A" * 10_000,
    "unicode": "é漢字🙂\u202eΩ",
    "nul": "a\u0000b",
    "lucene": '*:* OR name:"x"~2 AND (a||b)',
    "number-ish": "1e309",
    "negative": "-1",
    "list": ["SUPPLIES", "}) DETACH DELETE n //"],
}


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_injection_in_every_parameter(graphs: Graphs, name: str) -> None:
    """A clean TemplateParamError, NoSuchEntity or an answer (empty, or the rows of harmless text), never another
    exception; and the graph is exactly as before, on both stores."""
    template = TEMPLATES.get(name)
    base = sample_params(template, SMALL)[0] if sample_params(template, SMALL) else {}
    for engine in ENGINES:
        store = graphs.get("small", engine)
        before = (store.stats(), dump(store))
        for spec in template.params:
            for label, payload in PAYLOADS.items():
                try:
                    rows = run_template(store, name, {**base, spec.name: payload})
                except TemplateParamError as exc:
                    assert exc.details and all(d["param"].startswith(spec.name) for d in exc.details), (label, exc)
                    continue
                except NoSuchEntity as exc:
                    # An id-shaped payload that names nothing (vendor_countries takes free text).
                    assert exc.entity_id == payload, (label, exc)
                    continue
                assert isinstance(rows, list), (engine, spec.name, label)
        assert (store.stats(), dump(store)) == before


@pytest.mark.parametrize(
    ("name", "params", "param"),
    [
        ("vendors_touching_national_data_centres", {"max_hops": 0}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 7}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": "7"}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": -1}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 3.5}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": True}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": "3..99"}, "max_hops"),
        ("vendors_touching_national_data_centres", {"max_hops": 10**30}, "max_hops"),
        ("neighbourhood", {"id": "vendor:acme", "depth": 4}, "depth"),
        ("neighbourhood", {"id": "vendor:acme", "depth": 0}, "depth"),
        ("data_linkage", {"database": "database:ndc", "max_hops": 7}, "max_hops"),
        ("funding_chains", {"id": "project:cable", "max_hops": 99}, "max_hops"),
        ("shortest_path", {"from": "vendor:acme", "to": "project:cable", "max_hops": 9}, "max_hops"),
        ("shortest_path", {"from": "vendor:acme", "to": "project:cable", "limit": 0}, "limit"),
        ("initiative_projects", {"initiative": "initiative:big", "max_depth": 11}, "max_depth"),
        ("search", {"text": "a", "limit": 201}, "limit"),
    ],
)
def test_out_of_range_bounds_are_refused(graphs: Graphs, name: str, params: dict[str, Any], param: str) -> None:
    with pytest.raises(TemplateParamError) as caught:
        run_template(graphs.get("small", "embedded"), name, params)
    assert [d["param"] for d in caught.value.details] == [param]


def test_parameter_errors_list_every_problem() -> None:
    with pytest.raises(TemplateParamError) as caught:
        TEMPLATES.get("shortest_path").validate({"from": "nope", "types": "SUPPLIES,NOPE", "max_hops": 0, "extra": 1})
    details = {d["param"]: d for d in caught.value.details}
    assert set(details) == {"from", "to", "types[1]", "max_hops", "extra"}
    assert details["to"]["message"] == "required"
    assert details["extra"]["type"] == "unknown_parameter"
    assert "entity id" in details["from"]["message"]
    assert "unknown edge type" in details["types[1]"]["message"]
    # Issue 10: one error root; bad parameters are a 422, no longer a ValueError.
    assert isinstance(caught.value, SurvgraphError) and not isinstance(caught.value, ValueError)
    assert caught.value.status == 422
    with pytest.raises(TemplateParamError, match="expected the id of a Vendor"):
        TEMPLATES.get("vendor_footprint").validate({"vendor": "project:cable"})


def test_text_values_are_coerced() -> None:
    t = TEMPLATES.get("shortest_path")
    assert t.validate(
        {"from": " vendor:a ", "to": "vendor:b", "max_hops": "5", "types": "supplies, PART_OF,SUPPLIES", "limit": ""}
    ) == {
        "from": "vendor:a",
        "to": "vendor:b",
        "max_hops": 5,
        "types": ["SUPPLIES", "PART_OF"],
        "limit": 10,
        "as_of": None,
    }
    assert (
        TEMPLATES.get("initiative_projects").validate({"initiative": "initiative:x", "nested": "no"})["nested"] is False
    )
    assert TEMPLATES.get("vendors_touching_national_data_centres").validate({"country": "pk"}) == {
        "max_hops": 3,
        "country": "PK",
        # Issue 10: the default (every type but where things are) is declared in the template header now.
        "types": [t for t in REGISTRY.edge_types if t not in ("HEADQUARTERED_IN", "LOCATED_IN")],
        "as_of": None,
        "limit": 50,
        "after": None,
        "count": True,
    }
    assert TEMPLATES.get("vendors_by_technology").validate({"technology": " CCTV "})["technology"] == "cctv"


def test_placeholders_only_take_checked_numbers_and_registry_types() -> None:
    t = TEMPLATES.get("shortest_path")
    types = t.param("types")
    hops = t.param("max_hops")
    assert render_placeholder("t", types, ["SUPPLIES", "PART_OF"]) == ":SUPPLIES|PART_OF"
    assert render_placeholder("t", types, None) == ""
    # Issue 10: shortest_path's max_hops is declared once, in its header, at the API's 6 (it said 8).
    assert hops.max == 6
    assert render_placeholder("t", hops, 6) == "6"
    for bad_types in (["SUPPLIES]-() DETACH DELETE r //"], ["supplies"], [1]):
        with pytest.raises(TemplateParamError):
            render_placeholder("t", types, bad_types)
    for bad_hops in (7, 9, 0, "3", True, 3.0):
        with pytest.raises(TemplateParamError):
            render_placeholder("t", hops, bad_hops)
    values = t.validate({"from": "vendor:a", "to": "project:b", "types": "PART_OF"})
    rendered = t.render("paths", "neo4j", values)
    assert "[:PART_OF*1..4]" in rendered and "{{" not in rendered
    # Labels come from the registry, by the id's prefix: the ends are found by their label's id index.
    assert "(a:Vendor {id: $from}), (b:Project {id: $to})" in rendered
    assert "(a:Vendor {id: $from}), (b:Project {id: $to})" in t.render("paths", "embedded", values)
    for bad_id in ("nokind:x", "vendor", "", None, 3):
        with pytest.raises(TemplateParamError):
            render_label("t", t.param("from"), bad_id)
    # Without a date the in-force test is `true`; with one it is the predicate on $as_of.
    assert "WHERE true" in rendered and "$as_of" not in rendered
    dated = t.render("paths", "neo4j", {**values, "as_of": "2019-06-30"})
    assert "r.start <= $as_of" in dated and "WHERE true" not in dated
