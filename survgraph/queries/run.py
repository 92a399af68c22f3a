"""Run a named template against a store: check the parameters, run its statements, shape the rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survgraph.graph import GraphStore
from survgraph.queries.catalogue import TEMPLATES, TemplateError, TemplateRegistry
from survgraph.queries.context import Context
from survgraph.queries.runners import RUNNERS, run_plain


def check_runners(runners: Mapping[str, object], templates: TemplateRegistry) -> None:
    """Every runner belongs to a template: a misspelt name would otherwise fall back to `run_plain`."""
    unknown = sorted(set(runners) - set(templates.names()))
    if unknown:
        raise TemplateError(f"runners for no template: {', '.join(unknown)} (survgraph/queries/runners.py)")


#: Checked at import, like the templates themselves: a typo fails loudly, not as a silently plainer answer.
check_runners(RUNNERS, TEMPLATES)


def run_template(store: GraphStore, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of the template `name` (dicts keyed by its columns, in column order).

    Raises UnknownTemplate for an unknown name and TemplateParamError (whose `details` lists every
    problem) for bad parameters; StoreError if the store fails. All are SurvgraphErrors.
    """
    template = TEMPLATES.get(name)
    values = template.validate(params)
    rows = RUNNERS.get(name, run_plain)(Context(store, template, values))
    columns = template.columns
    for row in rows[:1]:
        if set(row) != set(columns):
            # A template bug, not a user error: its statement or runner disagrees with its @column lines.
            raise TemplateError(f"{name}: rows have columns {sorted(row)}, the header declares {sorted(columns)}")
    return [{c: row[c] for c in columns} for row in rows]
