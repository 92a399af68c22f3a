"""Records in and out of the store: validate, load, import a published dataset, stats, schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from survgraph.cli.common import FormatOpt, StoreOpt, err, open_for_writing
from survgraph.cli.errors import print_problems
from survgraph.cli.output import print_counts
from survgraph.graph.spill import PlanSpill
from survgraph.graph.store import DEFAULT_BATCH_SIZE
from survgraph.loaders import InvalidRecords
from survgraph.loaders.validate import validate_streamed
from survgraph.progress import progress
from survgraph.schema import REGISTRY

PathsArg = Annotated[list[Path], typer.Argument(help="Files or folders of records.")]


def validate(paths: PathsArg) -> None:
    """Check every record and reference; print each problem as FILE:LINE: RECORD: FIELD: message."""
    with PlanSpill() as spill:  # records stream through temporary files: memory stays flat
        ds = validate_streamed(paths, spill, rows=False)  # nothing is written: no write plan
    print_problems(ds.problems)
    n_err, n_warn = len(ds.errors), len(ds.warnings)
    err.print(
        f"{ds.entity_count} entities, {ds.claim_count} claims: {n_err} error(s), {n_warn} warning(s)",
        highlight=False,
    )
    raise typer.Exit(1 if n_err else 0)


def load(
    paths: PathsArg,
    store: StoreOpt = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = DEFAULT_BATCH_SIZE,
    fmt: FormatOpt = "table",
) -> None:
    """Validate, then write everything in one transaction (all or nothing). Idempotent."""
    # The valid records and the rows to write go to temporary files, removed after (failed or not): the
    # write steps through them, so that memory does not grow with the load.
    with PlanSpill() as spill:
        ds = validate_streamed(paths, spill)
        if ds.errors:
            raise InvalidRecords(ds.problems)
        with open_for_writing(store) as gs:
            plan = spill.plan()
            with progress(total=plan.size, desc="writing", unit="row") as bar:

                def advance(n: int) -> None:
                    bar.update(n)

                summary = gs.write(plan, batch_size=batch_size, progress=advance)
    err.print(
        f"loaded {ds.entity_count} entities and {ds.claim_count} claims into the {gs.name} store", highlight=False
    )
    print_counts("written", summary.as_dict(), fmt)


def import_aigs(
    path: Annotated[Path, typer.Argument(help="The AIGS Index table, in the layout of appendix1.csv.")],
    store: StoreOpt = None,
    vendors: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option(help="Company-name mapping [default: vendors.csv beside the table]."),
    ] = None,
    countries: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option(help="Country-name mapping [default: countries.csv beside the table]."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """The Carnegie AI Global Surveillance Index 2019: one project per country, its vendors and flags."""
    from survgraph.loaders.aigs import import_aigs as run_import

    with open_for_writing(store) as gs:
        ds, report, summary = run_import(gs, path, vendors=vendors, countries=countries)
    for p in ds.warnings:
        typer.echo(f"warning: {p}", err=True)
    err.print(
        f"imported {report.countries} countries, {report.supplies} vendor links "
        f"({len(report.vendors_matched)} vendors matched, {len(report.vendors_created)} created) "
        f"into the {gs.name} store",
        highlight=False,
    )
    print_counts("written", summary.as_dict(), fmt)


def stats(store: StoreOpt = None, fmt: FormatOpt = "table") -> None:
    """Count nodes per kind and edges per type."""
    with open_for_writing(store) as gs:
        result = gs.stats()
    print_counts("graph", result.as_dict(), fmt)


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
