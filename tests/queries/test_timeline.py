"""The timeline template: which claims, in which order, on both stores; expectations from the fixture files."""

from __future__ import annotations

from typing import Any

import pytest

from survgraph.graph import NoSuchEntity
from survgraph.graph.time import claim_in_force
from survgraph.queries import TEMPLATES, run_template

from .conftest import ENGINES, SMALL, Graphs


def expected_claims(entity: str, day: str | None = None) -> dict[str, str]:
    """claim id -> the entity it belongs to: claims touching `entity`, and for a country also those
    touching what a LOCATED_IN claim (in force on `day`) puts in it; the entity itself first, else
    the smallest id."""
    claims = [c for c in SMALL.claims if claim_in_force(c.start, c.end, day)]
    about = {entity}
    if entity.startswith("country:"):
        about |= {c.from_id for c in claims if c.type == "LOCATED_IN" and c.to_id == entity}
    out = {}
    for c in claims:
        ends = [e for e in (c.from_id, c.to_id) if e in about]
        if ends:
            out[str(c.id)] = entity if entity in ends else min(ends)
    return out


def date_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["start"] is None, row["start"] or "", row["end"] is None, row["end"] or "")


CASES = [
    (entity, day)
    for entity in ("vendor:acme", "project:city-cams", "project:cable", "country:PK", "country:ZW", "country:US")
    for day in (None, "2015-01-01", "2019-06-30", "2019-07-01")
]


@pytest.mark.parametrize("engine", ENGINES)
def test_timeline_rows_and_order(graphs: Graphs, engine: str) -> None:
    template = TEMPLATES.get("timeline")
    store = graphs.get("small", engine)
    claims = {str(c.id): c for c in SMALL.claims}
    for entity, day in CASES:
        params = {"id": entity} if day is None else {"id": entity, "as_of": day}
        rows = run_template(store, "timeline", params)
        assert {r["claim_id"]: r["about_id"] for r in rows} == expected_claims(entity, day), (entity, day)
        assert len(rows) == len({r["claim_id"] for r in rows})
        assert [date_key(r) for r in rows] == sorted(date_key(r) for r in rows), (entity, day)
        for r in rows:
            c = claims[r["claim_id"]]
            assert list(r) == template.columns
            assert (r["start"], r["end"], r["type"], r["confidence"]) == (c.start, c.end, c.type, c.confidence)
            assert r["sources"] == sorted(c.source_ids)
            subject, obj = (r["about_id"], r["other_id"]) if r["direction"] == "->" else (r["other_id"], r["about_id"])
            assert (subject, obj) == (c.from_id, c.to_id)


@pytest.mark.parametrize("engine", ENGINES)
def test_timeline_of_an_unknown_entity_suggests(graphs: Graphs, engine: str) -> None:
    with pytest.raises(NoSuchEntity) as info:
        run_template(graphs.get("small", engine), "timeline", {"id": "vendor:acme-vision"})
    assert info.value.suggestions[0] == "vendor:acme"
    assert str(info.value).startswith("no entity vendor:acme-vision; did you mean vendor:acme")


def test_the_cases_cover_dated_claims_and_countries() -> None:
    """The cases above meet a country's located things, and days that drop claims."""
    assert any(about != "country:PK" for about in expected_claims("country:PK").values())
    assert any(expected_claims(e, d) != expected_claims(e) for e, d in CASES if d)
