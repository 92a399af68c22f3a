"""What a template's Python half works with: the store, the template and the checked parameter values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from survgraph.graph import GraphStore
from survgraph.queries.catalogue import MAIN, Template


@dataclass
class Context:
    store: GraphStore
    template: Template
    values: dict[str, Any]

    def run(self, statement: str = MAIN, **runtime: Any) -> list[dict[str, Any]]:
        """Run one of the template's statements (the store's variant, if any) and return its rows."""
        return self.store.query(*self._statement(statement, runtime))

    def run_beside(self, statement: str, **runtime: Any) -> Callable[[], list[dict[str, Any]]]:
        """Start one of the template's statements beside the reads that follow (GraphStore.query_beside);
        the function returned waits for its rows."""
        return self.store.query_beside(*self._statement(statement, runtime))

    def _statement(self, statement: str, runtime: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        text = self.template.render(statement, self.store.name, self.values)
        return text, self.template.cypher_params(statement, self.store.name, self.values, runtime)


#: A template's Python half: runs its statements and shapes the rows (one dict per row, keyed by
#: the template's columns).
Runner = Callable[[Context], list[dict[str, Any]]]
