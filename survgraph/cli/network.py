"""Versions and network tools: `survgraph diff`, `survgraph release` and `survgraph export graph` (GraphML, GEXF,
CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from survgraph.cli import common
from survgraph.cli.output import write_output
from survgraph.cli.rdf import BaseIriOpt
from survgraph.errors import UsageError
from survgraph.graph import StoreKind


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


#: The side of `survgraph diff` that is a store rather than a path: `store:` is the configured store
#: (SURVGRAPH_STORE, or --store), `store:embedded` and `store:neo4j` name the engine.
STORE_SIDE = "store:"


def store_side(side: str, default: StoreKind | None) -> StoreKind | None:
    """The engine a `store:` side names (None: the configured one); raises UsageError for `store:other`."""
    rest = side.removeprefix(STORE_SIDE)
    if not rest:
        return default
    try:
        return StoreKind(rest)
    except ValueError as exc:
        raise UsageError(f"{side!r}: expected store:, store:embedded or store:neo4j") from exc


def diff(
    old: Annotated[
        str, typer.Argument(help="The earlier version: a folder of records, an RDF export, or store: (the store).")
    ],
    new: Annotated[
        str, typer.Argument(help="The later version: a folder of records, an RDF export, or store: (the store).")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or markdown (for a changelog).")] = "text",
    output: common.OutputOpt = None,
    store: common.StoreOpt = None,
) -> None:
    """Entities and claims added, removed and changed (field by field) between two versions of the data.
    A side `store:` is the loaded store (--store picks it; store:embedded or store:neo4j name one), read a
    page at a time. Exit code 0: no changes; 1: changes; 2: a version could not be read."""
    from survgraph.diff import DiffFormat, compare, read_side, read_store, render
    from survgraph.graph.view import GraphView

    try:
        diff_format = DiffFormat(fmt.lower())
    except ValueError as exc:
        raise UsageError(f"--format {fmt!r}: expected text, json or markdown") from exc

    def read(side: str) -> tuple[str, dict[str, Any]]:
        if not side.startswith(STORE_SIDE):
            return side, read_side(Path(side))
        with common.open_for_reading(store_side(side, store)) as gs:
            return f"{STORE_SIDE}{gs.name}", read_store(GraphView(gs))

    (old_name, before), (new_name, after) = read(old), read(new)
    result = compare(before, after)
    text = render(result, diff_format, old_name=old_name, new_name=new_name)
    write_output(output, lambda f: f.write(text.encode("utf-8")))
    if not result.empty:
        raise typer.Exit(1)


def release(
    out_dir: Annotated[Path, typer.Argument(help="The bundle's folder: must not exist (never overwritten).")],
    version: Annotated[str, typer.Option("--version", help="The release's version, X.Y.Z.")],
    previous: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option("--previous", help="The previous release's folder: CHANGELOG.md is the diff against it."),
    ] = None,
    date: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--date", help="The data's date, YYYY-MM-DD [default: today, UTC]."),
    ] = None,
    base: BaseIriOpt = None,
    store: common.StoreOpt = None,
) -> None:
    """A dated, versioned bundle of the loaded store: RDF in every format, CSV tables, the ontology and SHACL
    shapes, a manifest with counts and sha256 checksums, and a changelog against --previous. Written beside
    OUT_DIR and renamed at the end: a failure leaves no OUT_DIR."""
    from survgraph.rdf import Vocab
    from survgraph.release import write_release

    vocab = Vocab.from_env(base)
    with common.open_for_reading(store) as gs:
        done = write_release(gs, out_dir, version, date=date, previous=previous, vocab=vocab)
    counts = done.manifest["counts"]
    typer.echo(
        f"released {version} ({done.manifest['date']}) to {out_dir}: {counts['entities']['total']} entities, "
        f"{counts['claims']['total']} claims, {counts['sources']['total']} sources; "
        f"{len(done.manifest['files']) + 2} files",
        err=True,
    )
