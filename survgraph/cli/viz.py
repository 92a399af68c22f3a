"""An offline HTML page of the graph (survgraph.viz)."""

from __future__ import annotations

from typing import Annotated

import typer

from survgraph.cli.common import (
    AsOfOpt,
    EntityOpt,
    OutputOpt,
    ParamOpt,
    QueryNameOpt,
    StoreOpt,
    err,
    hops_option,
    open_for_reading,
    viz_depth_bounds,
)
from survgraph.cli.output import write_output
from survgraph.errors import UsageError


def viz(
    entity: EntityOpt = None,
    depth: Annotated[int, hops_option(viz_depth_bounds, "Hops around --entity (0 to 4).")] = 1,
    query_name: QueryNameOpt = None,
    param: ParamOpt = None,
    context: Annotated[
        int, hops_option(viz_depth_bounds, "With --query: also draw entities this many hops around the result.")
    ] = 0,
    all_: Annotated[bool, typer.Option("--all", help="Draw the whole graph.")] = False,
    max_nodes: Annotated[
        int, typer.Option(min=1, max=100_000, help="Stop growing a neighbourhood at this many entities.")
    ] = 5000,
    output: OutputOpt = None,
    as_of: AsOfOpt = None,
    show_unconnected: Annotated[
        bool,
        typer.Option(
            "--show-unconnected",
            help="Show the entities without any claim on the page from the start (the page has a switch).",
        ),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Write one self-contained HTML page of the graph: no network needed to open it, nothing from the data
    executed. Exactly one of --entity, --query or --all. With --as-of, only the claims in force that day;
    the page's time slider then shows the graph at the end of each year."""
    from survgraph.queries.params import parse_key_values
    from survgraph.viz import SubgraphReader, render_page

    if sum([entity is not None, query_name is not None, all_]) != 1:
        raise UsageError("give exactly one of --entity ID, --query NAME or --all")
    if param and query_name is None:
        raise UsageError("--param goes with --query")
    params = parse_key_values(param)
    with open_for_reading(store) as gs:
        reader = SubgraphReader(gs, max_nodes=max_nodes, as_of=as_of)
        if entity is not None:
            sub = reader.ego(entity, depth)
        elif query_name is not None:
            sub = reader.query(query_name, params, context=context)
        else:
            sub = reader.whole()
    page = render_page(sub, show_unconnected=show_unconnected)
    write_output(output, lambda f: f.write(page.html.encode("utf-8")))
    where = output or "stdout"
    hidden = f" ({page.unconnected} without claims hidden)" if page.unconnected and not show_unconnected else ""
    err.print(f"wrote {where}: {page.nodes} entities, {page.edges} claims{hidden}", highlight=False)
