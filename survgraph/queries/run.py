"""Run a named template against a store: check the parameters, run its statements, shape the rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survgraph.graph import GraphStore, GraphView
from survgraph.queries.catalogue import TEMPLATES, Template, TemplateError, TemplateRegistry
from survgraph.queries.context import Context
from survgraph.queries.runners import RUNNERS, run_plain


def check_runners(runners: Mapping[str, object], templates: TemplateRegistry) -> None:
    """Every runner belongs to a template: a misspelt name would otherwise fall back to `run_plain`."""
    unknown = sorted(set(runners) - set(templates.names()))
    if unknown:
        raise TemplateError(f"runners for no template: {', '.join(unknown)} (survgraph/queries/runners.py)")


#: Checked at import, like the templates themselves: a typo fails loudly, not as a silently plainer answer.
check_runners(RUNNERS, TEMPLATES)


def check_entities_exist(
    store: GraphStore, template: Template, given: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Raise NoSuchEntity, with the closest ids, for an entity id the caller gave (a `check=entity_id`
    parameter) that the graph does not hold: an empty answer would read as "nothing found". Defaults
    are not checked: a template's default may name an entity that a given graph lacks."""
    ids: list[str] = []
    for spec in template.params:
        value = values.get(spec.name)
        if spec.check != "entity_id" or value is None or given.get(spec.name) in (None, "", []):
            continue
        ids += value if isinstance(value, list) else [value]
    if ids:
        GraphView(store).require(ids)


def run_template(store: GraphStore, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of the template `name` (dicts keyed by its columns, in column order).

    Raises UnknownTemplate for an unknown name, TemplateParamError (whose `details` lists every
    problem) for bad parameters, NoSuchEntity for an entity id the graph lacks; StoreError if the store
    fails. All are SurvgraphErrors.
    """
    template = TEMPLATES.get(name)
    values = template.validate(params)
    check_entities_exist(store, template, params, values)
    rows = RUNNERS.get(name, run_plain)(Context(store, template, values))
    columns = template.columns
    for row in rows[:1]:
        if set(row) != set(columns):
            # A template bug, not a user error: its statement or runner disagrees with its @column lines.
            raise TemplateError(f"{name}: rows have columns {sorted(row)}, the header declares {sorted(columns)}")
    return [{c: row[c] for c in columns} for row in rows]
