"""Run a named template against a store: check the parameters, run its statements, shape the rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survgraph.graph import GraphStore
from survgraph.queries.context import Context
from survgraph.queries.runners import RUNNERS, run_plain
from survgraph.queries.templates import TEMPLATES, TemplateError


def run_template(store: GraphStore, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of the template `name` (dicts keyed by its columns, in column order).

    Raises UnknownTemplate (a KeyError) for an unknown name and TemplateParamError (a ValueError
    whose `details` lists every problem) for bad parameters; StoreError if the store fails.
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
