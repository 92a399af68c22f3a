"""survgraph: a cited knowledge graph of surveillance vendors, states and projects.

From Python (a notebook, a script): `survgraph.open(...)`, `survgraph.validate(...)`,
`survgraph.templates()`; see survgraph.notebook. They are imported on first use, so that `import
survgraph` stays cheap (no store driver, no pandas).
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survgraph.notebook import (
        Entity,
        Graph,
        Loaded,
        MissingExtra,
        Result,
        Validation,
        open,
        templates,
        validate,
    )

#: The one version string is pyproject.toml's; this reads it from the installed package's metadata.
__version__ = version("survgraph")

#: Names served from survgraph.notebook, imported when first asked for.
_NOTEBOOK = ("Entity", "Graph", "Loaded", "MissingExtra", "Result", "Validation", "open", "templates", "validate")

__all__ = [
    "Entity",
    "Graph",
    "Loaded",
    "MissingExtra",
    "Result",
    "Validation",
    "__version__",
    "open",
    "templates",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _NOTEBOOK:
        return getattr(import_module("survgraph.notebook"), name)
    raise AttributeError(f"module 'survgraph' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NOTEBOOK])
