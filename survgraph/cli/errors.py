"""The one place the command line turns an error into a message and an exit code.

Every `SurvgraphError` carries its exit code (survgraph.errors); refused records are listed one problem a
line on stdout (FILE:LINE: RECORD: FIELD: message, the lines a curator fixes), with the verdict on stderr.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from survgraph.cli.common import err
from survgraph.errors import SurvgraphError
from survgraph.loaders import InvalidRecords


def print_problems(problems: Any) -> None:
    for p in problems:
        typer.echo(("warning: " if p.severity == "warning" else "") + str(p))


def report(exc: SurvgraphError) -> int:
    """Print `exc` for a person; return the exit code."""
    if isinstance(exc, InvalidRecords):
        print_problems(exc.problems)
        n_err = sum(1 for p in exc.problems if p.severity != "warning")
        err.print(f"[red]refused:[/red] {n_err} error(s); {exc.outcome}", highlight=False)
    else:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
    return exc.exit_code


class HandledGroup(TyperGroup):
    """The root command group: every subcommand runs inside it, so its errors are mapped here, once."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SurvgraphError as exc:
            raise typer.Exit(report(exc)) from exc
