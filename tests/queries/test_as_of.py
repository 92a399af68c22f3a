"""`as_of` on the query templates: every template declares it and filters every claim it reads, and on
both stores a template's rows on a day are exactly its rows on the graph cut down to the claims that
`claim_in_force` keeps for that day (the Python rule, applied to the fixture files)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from survgraph.graph.time import AS_OF_PARAM, claim_in_force
from survgraph.queries import TEMPLATES, Template, TemplateParamError, run_template
from survgraph.queries.catalogue import parse_template

from ..conftest import FIXTURES
from .conftest import DATASETS, ENGINES, SMALL, Graphs, sample_params

#: The path templates: their answers at a date are checked against a Python search in test_path_oracle.py.
PATH_TEMPLATES = {
    "vendors_touching_national_data_centres",
    "funding_chains",
    "data_linkage",
    "shortest_path",
    "neighbourhood",
}
#: A relationship pattern in Cypher: -[...]-, -[...]->, <-[...]-, or a bare --> / <--.
_RELATIONSHIP = re.compile(r"-\[|\]-|-->|<--")


@pytest.mark.parametrize("name", TEMPLATES.names())
def test_template_declares_as_of_and_filters_every_claim(name: str) -> None:
    template = TEMPLATES.get(name)
    spec = template.param(AS_OF_PARAM)
    assert (spec.type, spec.check, spec.default, spec.required) == ("str", "date", None, False)
    statements = list(template.statements.values()) + [s for v in template.variants.values() for s in v.values()]
    for stmt in statements:
        if _RELATIONSHIP.search(stmt.text):
            assert "{{in_force" in stmt.text, f"{name}.{stmt.name} reads claims without {{{{in_force}}}}"


def test_the_relationship_check_sees_relationships() -> None:
    """The pattern the catalogue test relies on finds every form of relationship and nothing else."""
    for text in ("MATCH (a)-[r]->(b)", "MATCH (a)<-[:X]-(b)", "MATCH (a)-[r:X*1..2]-(b)", "MATCH (a)-->(b)"):
        assert _RELATIONSHIP.search(text), text
    for text in ("MATCH (n) WHERE n.x > -1 RETURN n", "WITH [1, 2] AS xs RETURN xs[0] - 1 AS y"):
        assert not _RELATIONSHIP.search(text), text


def test_a_template_without_as_of_is_refused() -> None:
    text = (
        "// @name t\n// @title T\n// @description d\n// @column x: x\n"
        "MATCH ()-[r]->() WHERE {{in_force r}} RETURN r.id AS x\n"
    )
    with pytest.raises(Exception, match="declares no @param as_of"):
        parse_template("t", ("t.cypher", text))


@pytest.mark.parametrize("bad", ["2019-02-30", "2019-06", "2019", "30/06/2019", "2019-06-30T00:00", "x"])
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises(TemplateParamError) as info:
        TEMPLATES.get("timeline").validate({"id": "vendor:acme", "as_of": bad})
    assert [d["param"] for d in info.value.details] == ["as_of"]


# -- the rule, from the data ---------------------------------------------------------------------------


def _first_day(partial: str) -> dt.date:
    parts = [int(p) for p in partial.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _last_day(partial: str) -> dt.date:
    parts = [int(p) for p in partial.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    if len(parts) == 2:
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return following - dt.timedelta(days=1)
    return dt.date(parts[0], 12, 31)


def boundary_days() -> list[str]:
    """The days on each side of every claim's start and end in the small fixture: where answers change."""
    days: set[dt.date] = set()
    one = dt.timedelta(days=1)
    for c in SMALL.claims:
        if c.start:
            days |= {_first_day(c.start) - one, _first_day(c.start)}
        if c.end:
            days |= {_last_day(c.end), _last_day(c.end) + one}
    return sorted(d.isoformat() for d in days)


DAYS = boundary_days()


def in_force_ids(day: str) -> frozenset[str]:
    return frozenset(str(c.id) for c in SMALL.claims if claim_in_force(c.start, c.end, day))


def test_the_days_cut_claims_away() -> None:
    """The fixture's dates make the comparison below worth something: the days drop different claims."""
    every = frozenset(str(c.id) for c in SMALL.claims)
    cuts = {day: every - in_force_ids(day) for day in DAYS}
    assert all(cuts.values()), cuts
    assert len({frozenset(c) for c in cuts.values()}) >= 3, cuts


def _pruned_dataset(root: Path, day: str) -> str:
    """A copy of the small fixture holding only the claims in force on `day` (as DATASETS name)."""
    name = "small-at-" + day
    if name in DATASETS:
        return name
    folder = root / name
    shutil.copytree(FIXTURES / "small", folder)
    graph = yaml.safe_load((folder / "graph.yaml").read_text(encoding="utf-8"))
    graph["claims"] = [c for c in graph["claims"] if claim_in_force(c.get("start"), c.get("end"), day)]
    (folder / "graph.yaml").write_text(yaml.safe_dump(graph, sort_keys=False), encoding="utf-8")
    DATASETS[name] = [folder]
    return name


def _param_sets(template: Template) -> list[dict[str, Any]]:
    sets = sample_params(template, SMALL)
    if template.name == "timeline":
        sets += [{"id": "country:PK"}, {"id": "vendor:acme"}]
    return sets


NON_PATH = [n for n in TEMPLATES.names() if n not in PATH_TEMPLATES]


@pytest.mark.parametrize("engine", ENGINES)
def test_rows_on_a_day_are_the_rows_of_the_claims_in_force(
    graphs: Graphs, engine: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("as-of-graphs")
    cases = [(name, params) for name in NON_PATH for params in _param_sets(TEMPLATES.get(name))]
    assert {name for name, _ in cases} == set(NON_PATH), "a template without sample parameters"
    full = graphs.get("small", engine)
    plain = {(n, repr(p)): run_template(full, n, p) for n, p in cases}
    dated = {(day, n, repr(p)): run_template(full, n, {**p, "as_of": day}) for day in DAYS for n, p in cases}
    changed = set()
    by_claims: dict[frozenset[str], list[str]] = {}
    for day in DAYS:
        by_claims.setdefault(in_force_ids(day), []).append(day)
    for days in by_claims.values():
        pruned = graphs.get(_pruned_dataset(root, days[0]), engine)
        for name, params in cases:
            expected = run_template(pruned, name, params)
            for day in days:
                got = dated[(day, name, repr(params))]
                assert got == expected, (engine, name, params, day)
                if got != plain[(name, repr(params))]:
                    changed.add(name)
    # The comparison is not vacuous: dates change the answers of the templates that read dated claims.
    assert {"vendor_footprint", "country_profile", "timeline", "vendors_by_technology"} <= changed, changed
