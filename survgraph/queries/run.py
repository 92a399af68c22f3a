"""Run a named template against a store: check the parameters, run its statements, shape the rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from survgraph.errors import SurvgraphError
from survgraph.graph import GraphStore, GraphView
from survgraph.queries.catalogue import TEMPLATES, Template, TemplateError, TemplateRegistry
from survgraph.queries.context import Context
from survgraph.queries.runners import ROWS_PROVE_ENTITIES, RUNNERS, run_plain


def check_runners(runners: Mapping[str, object], templates: TemplateRegistry) -> None:
    """Every runner belongs to a template: a misspelt name would otherwise fall back to `run_plain`."""
    unknown = sorted(set(runners) - set(templates.names()))
    if unknown:
        raise TemplateError(f"runners for no template: {', '.join(unknown)} (survgraph/queries/runners.py)")


#: Checked at import, like the templates themselves: a typo fails loudly, not as a silently plainer answer.
check_runners(RUNNERS, TEMPLATES)
check_runners(dict.fromkeys(ROWS_PROVE_ENTITIES), TEMPLATES)


def check_entities_exist(
    store: GraphStore, template: Template, given: Mapping[str, Any], values: Mapping[str, Any]
) -> Callable[[], None]:
    """Start the check that every entity id the caller gave (a `check=entity_id` parameter) is in the
    graph: the function returned raises NoSuchEntity, with the closest ids, for the first that is not (an
    empty answer would read as "nothing found"). The look-up runs beside the template's own statements
    (GraphStore.query_beside: on Neo4j, a round trip less before the answer). Defaults are not checked:
    a template's default may name an entity that a given graph lacks."""
    ids: list[str] = []
    for spec in template.params:
        value = values.get(spec.name)
        if spec.check != "entity_id" or value is None or given.get(spec.name) in (None, "", []):
            continue
        ids += value if isinstance(value, list) else [value]
    return GraphView(store).require_beside(ids) if ids else lambda: None


def run_template(store: GraphStore, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of the template `name` (dicts keyed by its columns, in column order).

    Raises UnknownTemplate for an unknown name, TemplateParamError (whose `details` lists every
    problem) for bad parameters, NoSuchEntity for an entity id the graph lacks; StoreError if the store
    fails. All are SurvgraphErrors.
    """
    template = TEMPLATES.get(name)
    values = template.validate(params)
    # A template whose rows all run between its given entities proves them by any row: the check waits for
    # an empty answer (one more round trip then) instead of running beside every answer.
    proven = name in ROWS_PROVE_ENTITIES
    entities_exist = None if proven else check_entities_exist(store, template, params, values)
    try:
        rows = RUNNERS.get(name, run_plain)(Context(store, template, values))
    except SurvgraphError:
        # an unknown entity is the error to report, not what the runner made of it
        (entities_exist or check_entities_exist(store, template, params, values))()
        raise
    if entities_exist is not None:
        entities_exist()
    elif not rows:
        check_entities_exist(store, template, params, values)()
    columns = template.columns
    for row in rows[:1]:
        if set(row) != set(columns):
            # A template bug, not a user error: its statement or runner disagrees with its @column lines.
            raise TemplateError(f"{name}: rows have columns {sorted(row)}, the header declares {sorted(columns)}")
    return [{c: row[c] for c in columns} for row in rows]
