"""The one exception root of survgraph, and what each error means to an HTTP client and to a shell.

Every error a user can act on is a `SurvgraphError`. Its class carries the HTTP status the API answers
with and the exit code the command line ends with; `survgraph.api.errors` and `survgraph.cli.errors` map
them, once each. The subclasses live beside the code that raises them (`StoreError` in graph/store.py,
`InvalidRecords` in loaders/validate.py, ...). This module imports nothing of survgraph, so every layer,
the schema first, may raise these.
"""

from __future__ import annotations

from typing import ClassVar


class SurvgraphError(Exception):
    """An error a user can act on; the message says why in their terms."""

    #: The HTTP status the API answers with.
    status: ClassVar[int] = 500
    #: The exit code of the `survgraph` command.
    exit_code: ClassVar[int] = 2


class UsageError(SurvgraphError):
    """Options or parameters that do not fit together, e.g. `give --entity or --query, not both`."""

    status = 422
    exit_code = 2
