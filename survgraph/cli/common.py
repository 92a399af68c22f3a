"""What the commands share: the consoles, the options they repeat, opening the store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console

from survgraph.errors import UsageError
from survgraph.graph import StoreKind, StoreSettings, open_store
from survgraph.graph.store import GraphStore

out = Console()
err = Console(stderr=True, soft_wrap=True)  # messages name files: never break a path across lines

StoreOpt = Annotated[
    Optional[StoreKind],  # noqa: UP045 - typer needs Optional here
    typer.Option("--store", help="embedded (default, SURVGRAPH_STORE) or neo4j (NEO4J_URI ...)."),
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json")]
OutputOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional here
    typer.Option("--output", "-o", help="File to write [default: stdout]."),
]
EntityOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option("--entity", help="This entity and its neighbourhood (see --depth)."),
]
QueryNameOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option("--query", help="What this query template's rows reference (see `survgraph query --list`)."),
]


def _check_as_of(value: str | None) -> str | None:
    """--as-of as given, or click's own usage error (exit 2) for a day that is not YYYY-MM-DD."""
    from survgraph.schema.types import check_as_of

    if value is None or value == "":
        return None
    try:
        return check_as_of(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (a day: YYYY-MM-DD)") from exc


AsOfOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--as-of",
        callback=_check_as_of,
        help="Only the claims in force on this day (YYYY-MM-DD); undated claims always count.",
    ),
]
ParamOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer needs Optional here
    typer.Option("--param", "-p", help="KEY=VALUE for --query, repeatable."),
]


def store_settings(store: StoreKind | None) -> StoreSettings:
    settings = StoreSettings()
    if store is not None:
        settings.store = store
    return settings


def open_for_writing(store: StoreKind | None) -> GraphStore:
    return open_store(store_settings(store))


def open_for_reading(store: StoreKind | None) -> GraphStore:
    settings = store_settings(store)
    # The embedded store opens read-only when it exists, so queries can run beside a writer.
    read_only = settings.store is StoreKind.embedded and settings.data_dir.exists()
    return open_store(settings, read_only=read_only)


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise UsageError(f"--format {fmt!r}: expected one of {', '.join(allowed)}")


def hops_option(bounds: Callable[[], tuple[int, int]], help: str) -> Any:
    """A `--depth`-like option checked against the bounds the library declares (read when the command runs,
    so that declaring the option does not import rdflib or pyvis), with click's own range message."""

    def check(value: int) -> int:
        low, high = bounds()
        if not low <= value <= high:
            raise typer.BadParameter(f"{value} is not in the range {low}<=x<={high}.")
        return value

    return typer.Option(callback=check, help=help)


def viz_depth_bounds() -> tuple[int, int]:
    """The hops a drawn or exported subgraph may reach around --entity (the viz library's bounds)."""
    from survgraph.viz import MAX_DEPTH, MIN_DEPTH

    return MIN_DEPTH, MAX_DEPTH


def selection_params(entity: str | None, query_name: str | None, param: list[str] | None) -> dict[str, Any]:
    """The --query's parameters, after checking that the selection is one thing: --entity or --query."""
    from survgraph.queries.params import parse_key_values

    if entity and query_name:
        raise UsageError("give --entity or --query, not both")
    params = parse_key_values(param)
    if params and not query_name:
        raise UsageError("--param needs --query")
    return params
