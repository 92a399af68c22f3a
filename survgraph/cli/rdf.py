"""Linked data (survgraph.rdf): the ontology, the SHACL shapes, export and import."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from survgraph.cli.common import (
    AsOfOpt,
    EntityOpt,
    OutputOpt,
    ParamOpt,
    QueryNameOpt,
    StoreOpt,
    hops_option,
    open_for_reading,
    open_for_writing,
    selection_params,
)
from survgraph.cli.output import print_counts, write_output
from survgraph.errors import UsageError

RdfFormatOpt = Annotated[str, typer.Option("--format", "-f", help="turtle, nt, jsonld, xml or trig")]
BaseIriOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--base", help="IRI prefix of entities [default: SURVGRAPH_BASE_IRI, else http://127.0.0.1:8000/id/]."
    ),
]


def _depth_bounds() -> tuple[int, int]:
    from survgraph.rdf import MAX_DEPTH

    return 0, MAX_DEPTH


def export_ontology(output: OutputOpt = None, fmt: RdfFormatOpt = "turtle") -> None:
    """The OWL/RDFS ontology generated from the schema registry (classes, properties, alignments)."""
    from survgraph.rdf import build_ontology, parse_format

    rdf_format = parse_format(fmt)
    text = build_ontology().serialize(format=rdf_format.rdflib_name, encoding="utf-8")
    write_output(output, lambda f: f.write(text))


def export_shapes(output: OutputOpt = None, fmt: RdfFormatOpt = "turtle") -> None:
    """The SHACL shapes generated from the schema registry; validate an export with e.g. `pyshacl -s`."""
    from survgraph.rdf import build_shapes, parse_format

    rdf_format = parse_format(fmt)
    text = build_shapes().serialize(format=rdf_format.rdflib_name, encoding="utf-8")
    write_output(output, lambda f: f.write(text))


def export_rdf(
    fmt: RdfFormatOpt = "turtle",
    entity: EntityOpt = None,
    depth: Annotated[int, hops_option(_depth_bounds, "Hops around --entity (0 to 6).")] = 1,
    query_name: QueryNameOpt = None,
    param: ParamOpt = None,
    output: OutputOpt = None,
    base: BaseIriOpt = None,
    jsonld_context: Annotated[
        str, typer.Option("--jsonld-context", help="inline (stands alone) or url (the API's /context.jsonld).")
    ] = "inline",
    as_of: AsOfOpt = None,
    store: StoreOpt = None,
) -> None:
    """Export the graph (default: all of it) with a claim resource, sources and confidence for every edge.
    With --as-of, only the claims in force that day (every entity of the whole graph stays)."""
    from survgraph.rdf import Neighbourhood, QueryRows, Vocab, WholeGraph, export, parse_format

    rdf_format = parse_format(fmt)
    params = selection_params(entity, query_name, param)
    if jsonld_context not in ("inline", "url"):
        raise UsageError(f"--jsonld-context {jsonld_context!r}: expected inline or url")
    vocab = Vocab.from_env(base)
    selection = (
        Neighbourhood(entity, depth, as_of)
        if entity
        else QueryRows(query_name, params, as_of)
        if query_name
        else WholeGraph(as_of)
    )
    with open_for_reading(store) as gs:
        context: Any = jsonld_context
        count = write_output(output, lambda f: export(gs, f, rdf_format, selection, vocab, context))
    # Plain echo, not rich: a long path must not be wrapped onto a second line.
    typer.echo(f"wrote {count} triples ({rdf_format.value})" + (f" to {output}" if output else ""), err=True)


def import_rdf(
    path: Annotated[Path, typer.Argument(help="An RDF file (a survgraph export, edited or not), or - for stdin.")],
    fmt: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--format", "-f", help="turtle, nt, jsonld, xml or trig [default: from the extension]."),
    ] = None,
    base: BaseIriOpt = None,
    store: StoreOpt = None,
    summary: Annotated[str, typer.Option("--summary", help="How to print the write counts: table or json.")] = "table",
) -> None:
    """Load RDF back: checked against the loaders' validation and the SHACL shapes, then written all or nothing."""
    from survgraph.rdf import Vocab, format_of_path, import_rdf, parse_format, read_rdf_input

    rdf_format = parse_format(fmt) if fmt else format_of_path(path)
    vocab = Vocab.from_env(base)
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        # Bounded read: an input over the import cap is refused (MalformedRdf) before it is held whole.
        data = read_rdf_input(path, sys.stdin.buffer if name == "<stdin>" else None)
    except OSError as exc:
        raise UsageError(str(exc)) from exc
    with open_for_writing(store) as gs:
        result = import_rdf(gs, data, rdf_format, name=name, vocab=vocab)
    for p in result.records.warnings:
        typer.echo(f"warning: {p}", err=True)
    typer.echo(
        f"imported {len(result.records.nodes)} entities and {len(result.records.claims)} claims "
        f"into the {gs.name} store",
        err=True,
    )
    print_counts("written", result.summary.as_dict(), summary)
