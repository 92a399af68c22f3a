"""The `survgraph` command line: validate, load, stats, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from survgraph.graph import StoreError, StoreKind, StoreSettings, open_store
from survgraph.graph.store import DEFAULT_BATCH_SIZE, GraphStore, plan_write
from survgraph.loaders import InvalidRecords, validate_paths
from survgraph.schema import REGISTRY

app = typer.Typer(
    help="survgraph: a cited knowledge graph of surveillance vendors, states and projects.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out = Console()
err = Console(stderr=True)

StoreOpt = Annotated[
    Optional[StoreKind],  # noqa: UP045 - typer needs Optional here
    typer.Option("--store", help="embedded (default, SURVGRAPH_STORE) or neo4j (NEO4J_URI ...)."),
]
FormatOpt = Annotated[str, typer.Option("--format", help="table or json")]


def _settings(store: StoreKind | None) -> StoreSettings:
    settings = StoreSettings()
    if store is not None:
        settings.store = store
    return settings


def _open(store: StoreKind | None) -> GraphStore:
    try:
        return open_store(_settings(store))
    except StoreError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc}", highlight=False)
    return typer.Exit(code)


@app.command()
def validate(paths: Annotated[list[Path], typer.Argument(help="Files or folders of records.")]) -> None:
    """Check every record and reference; print each problem as FILE:LINE: RECORD: FIELD: message."""
    ds = validate_paths(paths)
    for p in ds.problems:
        prefix = "warning: " if p.severity == "warning" else ""
        typer.echo(f"{prefix}{p}", err=False)
    n_err, n_warn = len(ds.errors), len(ds.warnings)
    err.print(
        f"{len(ds.nodes)} entities, {len(ds.claims)} claims: {n_err} error(s), {n_warn} warning(s)",
        highlight=False,
    )
    raise typer.Exit(1 if n_err else 0)


def _print_counts(title: str, data: dict[str, dict[str, Any]], fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(data, indent=2))
        return
    for section, counts in data.items():
        table = Table(title=f"{title}: {section}", title_justify="left")
        table.add_column(section[:-1].capitalize())
        sample = next(iter(counts.values()), 0)
        cols = list(sample) if isinstance(sample, dict) else ["count"]
        for c in cols:
            table.add_column(c, justify="right")
        for name, value in counts.items():
            cells = [str(value[c]) for c in cols] if isinstance(value, dict) else [str(value)]
            table.add_row(name, *cells)
        out.print(table)


@app.command()
def load(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of records.")],
    store: StoreOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = DEFAULT_BATCH_SIZE,
    fmt: FormatOpt = "table",
) -> None:
    """Validate, then write everything in one transaction (all or nothing). Idempotent."""
    ds = validate_paths(paths)
    if ds.errors:
        for p in ds.problems:
            typer.echo(("warning: " if p.severity == "warning" else "") + str(p))
        err.print(f"[red]refused:[/red] {len(ds.errors)} error(s); nothing was written", highlight=False)
        raise typer.Exit(1)
    gs = _open(store)
    try:
        plan = plan_write(ds.nodes, ds.claims)
        with Progress(
            TextColumn("writing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=plan.size < 2_000 or not err.is_terminal,
        ) as bar:
            task = bar.add_task("write", total=plan.size)
            summary = gs.write(plan, batch_size=batch_size, progress=lambda n: bar.advance(task, n))
    except (StoreError, InvalidRecords) as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    err.print(f"loaded {len(ds.nodes)} entities and {len(ds.claims)} claims into the {gs.name} store", highlight=False)
    _print_counts("written", summary.as_dict(), fmt)


@app.command()
def stats(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """Count nodes per kind and edges per type."""
    gs = _open(store)
    try:
        result = gs.stats()
    except StoreError as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    _print_counts("graph", result.as_dict(), fmt)


@app.command()
def schema(fmt: Annotated[str, typer.Option("--format", help="markdown or json")] = "markdown") -> None:
    """Print the node kinds and edge types of the registry."""
    if fmt == "json":
        data = {
            "nodes": {
                k.label: {"prefix": k.prefix, "columns": [c.name for c in REGISTRY.node_columns[k.label]]}
                for k in REGISTRY.node_kinds.values()
            },
            "edges": {e.name: [list(p) for p in e.endpoints] for e in REGISTRY.edge_types.values()},
        }
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(edge_table_markdown())


def edge_table_markdown() -> str:
    """The edge-type table of seed_data/README.md, generated from the registry."""
    lines = ["| type | from -> to |", "|---|---|"]
    for e in REGISTRY.edge_types.values():
        groups: dict[tuple[str, ...], list[str]] = {}
        for a, b in e.endpoints:
            groups.setdefault((a,), []).append(b)
        parts = [f"{a[0]} -> {', '.join(bs)}" for a, bs in groups.items()]
        lines.append(f"| {e.name} | {'; '.join(parts)} |")
    return "\n".join(lines)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # `survgraph ... | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
