"""Versions and network tools: `survgraph diff` and `survgraph export graph` (GraphML, GEXF, CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from survgraph.cli import common
from survgraph.cli.output import write_output
from survgraph.errors import UsageError


def export_graph(
    fmt: Annotated[str, typer.Option("--format", "-f", help="graphml, gexf or csv")] = "graphml",
    table: Annotated[str, typer.Option("--table", help="With --format csv: nodes or edges.")] = "edges",
    entity: common.EntityOpt = None,
    depth: Annotated[int, common.hops_option(common.viz_depth_bounds, "Hops around --entity (0 to 4).")] = 1,
    query_name: common.QueryNameOpt = None,
    param: common.ParamOpt = None,
    output: common.OutputOpt = None,
    as_of: common.AsOfOpt = None,
    store: common.StoreOpt = None,
) -> None:
    """The graph for Gephi (gexf), Cytoscape or yEd (graphml) and spreadsheets (csv): node kind, name, country,
    confidence; claim type, confidence, dates, figures and sources on every edge. Default: the whole graph.
    With --as-of, only the claims in force that day (every entity of the whole graph stays)."""
    from survgraph.network import CsvTable, GraphFormat, write_graph
    from survgraph.viz import SubgraphReader

    try:
        graph_format = GraphFormat(fmt.lower())
        csv_table = CsvTable(table.lower())
    except ValueError as exc:
        raise UsageError(f"{exc}: --format is graphml, gexf or csv; --table is nodes or edges") from exc
    params = common.selection_params(entity, query_name, param)
    with common.open_for_reading(store) as gs:
        reader = SubgraphReader(gs, as_of=as_of)
        sub = (
            reader.ego(entity, depth) if entity else reader.query(query_name, params) if query_name else reader.whole()
        )
    write_output(output, lambda f: write_graph(sub, f, graph_format, csv_table))
    typer.echo(
        f"wrote {len(sub.nodes)} entities and {len(sub.edges)} claims ({graph_format.value})"
        + (f" to {output}" if output else ""),
        err=True,
    )


def diff(
    old: Annotated[Path, typer.Argument(help="The earlier version: a folder of records, or an RDF export.")],
    new: Annotated[Path, typer.Argument(help="The later version: a folder of records, or an RDF export.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown (for a changelog).")] = "text",
    output: common.OutputOpt = None,
) -> None:
    """Entities and claims added, removed and changed (field by field) between two versions of the data.
    Exit code 0: no changes; 1: changes; 2: a version could not be read."""
    from survgraph.diff import DiffFormat, compare, read_side, render

    try:
        diff_format = DiffFormat(fmt.lower())
    except ValueError as exc:
        raise UsageError(f"--format {fmt!r}: expected text, json or markdown") from exc
    result = compare(read_side(old), read_side(new))
    text = render(result, diff_format, old_name=str(old), new_name=str(new))
    write_output(output, lambda f: f.write(text.encode("utf-8")))
    if not result.empty:
        raise typer.Exit(1)
