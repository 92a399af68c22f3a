"""The `survgraph` command line: validate, load, stats, schema."""

from __future__ import annotations

import json
import signal
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
from survgraph.loaders.aigs import import_aigs
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


import_app = typer.Typer(
    help="Import a published dataset into the graph (validated first, all or nothing, idempotent).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


@import_app.command("aigs")
def import_aigs_command(
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
    gs = _open(store)
    try:
        ds, report, summary = import_aigs(gs, path, vendors=vendors, countries=countries)
    except InvalidRecords as exc:
        for p in exc.problems:
            typer.echo(("warning: " if p.severity == "warning" else "") + str(p))
        err.print(f"[red]refused:[/red] {len(exc.problems)} error(s); nothing was written", highlight=False)
        raise typer.Exit(1) from exc
    except StoreError as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    for p in ds.warnings:
        typer.echo(f"warning: {p}", err=True)
    err.print(
        f"imported {report.countries} countries, {report.supplies} vendor links "
        f"({len(report.vendors_matched)} vendors matched, {len(report.vendors_created)} created) "
        f"into the {gs.name} store",
        highlight=False,
    )
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (0.0.0.0 in a container).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    store: StoreOpt = None,
    seed: Annotated[
        Optional[Path],  # noqa: UP045 - typer needs Optional here
        typer.Option(help="Records to load if the store is empty (default: ./seed_data, else the checkout's)."),
    ] = None,
    no_seed: Annotated[bool, typer.Option("--no-seed", help="Never load seed data.")] = False,
    wait: Annotated[
        float, typer.Option(min=0, max=3600, help="Seconds to keep retrying an unreachable store before seeding.")
    ] = 0,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs), after loading the seed data into an empty store."""
    # Imported here so that the other commands do not pay for FastAPI and uvicorn.
    from survgraph.api.seed import find_seed_dir
    from survgraph.api.serve import run, seed_or_warn
    from survgraph.api.settings import ApiSettings

    settings = ApiSettings()
    if store is not None:
        settings.store = store
    if seed is not None and not seed.exists():
        raise _fail(FileNotFoundError(f"--seed {seed}: no such file or directory"))
    seed_path = None if no_seed else (seed or find_seed_dir())
    if seed_path is not None:
        try:
            err.print(seed_or_warn(settings, seed_path, wait), highlight=False)
        except InvalidRecords as exc:
            for p in exc.problems:
                typer.echo(str(p), err=True)
            raise _fail(exc, 1) from exc
        except StoreError as exc:
            raise _fail(exc) from exc
    run(settings, host, port, log_level)


# -- query templates and raw Cypher (survgraph.queries) ----------------------------------------

QueryFormatOpt = Annotated[str, typer.Option("--format", help="table, json (a list of row objects) or csv")]


def _open_for_reading(store: StoreKind | None) -> GraphStore:
    settings = _settings(store)
    # The embedded store opens read-only when it exists, so queries can run beside a writer.
    read_only = settings.store is StoreKind.embedded and settings.data_dir.exists()
    try:
        return open_store(settings, read_only=read_only)
    except StoreError as exc:
        raise _fail(exc) from exc


def _print_rows(rows: list[dict[str, Any]], columns: list[str], fmt: str, title: str | None = None) -> None:
    from survgraph.queries.output import rows_csv, rows_json, rows_table

    if fmt == "json":
        typer.echo(rows_json(rows))
    elif fmt == "csv":
        typer.echo(rows_csv(rows, columns), nl=False)
    else:
        out.print(rows_table(rows, _columns_for_people(columns), title))


def _columns_for_people(columns: list[str]) -> list[str]:
    """The table is read by people: a path shows once (as path_text), claim ids and an id beside its
    name are left to --format json/csv, which keep every column."""
    names = set(columns)

    def noise(c: str) -> bool:
        stem = c.removesuffix("_id")
        return (
            (c == "path" and "path_text" in names)
            or c in ("claims", "claim_id")
            or (c.endswith("_id") and (stem in names or f"{stem}_name" in names))
        )

    return [c for c in columns if not noise(c)] or columns


def _parse_params(items: list[str] | None, list_names: set[str] | None = None) -> dict[str, Any]:
    """`-p KEY=VALUE` options: a repeated key becomes a list. With `list_names` (the template's list
    parameters), repeating any other key is an error; without, the template's validation decides."""
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise _fail(ValueError(f"--param {item!r}: expected KEY=VALUE"))
        if key not in params:
            params[key] = value
            continue
        if list_names is not None and key not in list_names:
            raise _fail(ValueError(f"--param {key} given twice"))
        previous = params[key]
        params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return params


def _check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise _fail(ValueError(f"--format {fmt!r}: expected one of {', '.join(allowed)}"))


@app.command()
def query(
    name: Annotated[Optional[str], typer.Argument(help="Template name (see --list).")] = None,  # noqa: UP045
    param: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional here
        typer.Option("--param", "-p", help="KEY=VALUE, repeatable; lists as A,B or by repeating the key."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the templates and their parameters.")] = False,
    show_cypher: Annotated[
        bool, typer.Option("--show-cypher", help="Print the Cypher the store would run, with :param lines.")
    ] = False,
    store: StoreOpt = None,
    fmt: QueryFormatOpt = "table",
) -> None:
    """Run a named query template (Cypher files in survgraph/queries/templates) and print its rows."""
    from survgraph.queries import TEMPLATES, TemplateParamError, UnknownTemplate, run_template

    _check_format(fmt, ("table", "json", "csv"))
    if list_:
        listing = [t.as_dict() for t in TEMPLATES.list()]
        if fmt == "json":
            typer.echo(json.dumps(listing, indent=2))
            return
        rows = [
            {
                "name": t["name"],
                "title": t["title"],
                "params": ", ".join(
                    p["name"] + ("" if p["required"] else f"={json.dumps(p['default'])}") for p in t["params"]
                ),
                "columns": ", ".join(c["name"] for c in t["columns"]),
            }
            for t in listing
        ]
        _print_rows(rows, ["name", "title", "params", "columns"], fmt, "query templates")
        return
    if name is None:
        raise _fail(ValueError("give a template name, or --list to see them"))
    try:
        template = TEMPLATES.get(name)
    except UnknownTemplate as exc:
        raise _fail(exc) from exc
    params = _parse_params(param, {p.name for p in template.params if p.type == "list[str]"})
    if show_cypher:
        settings = _settings(store)
        try:
            values = template.validate(params)
        except TemplateParamError as exc:
            raise _fail(exc) from exc
        for stmt in template.statements:
            cypher_params = template.cypher_params(
                stmt, settings.store.value, values, dict.fromkeys(template.runtime, None)
            )
            typer.echo(f"// {template.name}: statement {stmt!r} as the {settings.store.value} store runs it")
            for key, value in cypher_params.items():
                if key in template.runtime:
                    typer.echo(f"// :param {key} => ...  ({template.runtime[key]})")
                else:
                    typer.echo(f":param {key} => {json.dumps(value)}")
            typer.echo(template.render(stmt, settings.store.value, values) + ";\n")
        return
    gs = _open_for_reading(store)
    try:
        rows = run_template(gs, name, params)
    except TemplateParamError as exc:
        raise _fail(exc) from exc
    except StoreError as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    _print_rows(rows, template.columns, fmt, template.title)


@app.command()
def cypher(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="One read-only Cypher statement, or - for stdin.")],
    store: StoreOpt = None,
    fmt: QueryFormatOpt = "table",
    timeout: Annotated[float, typer.Option(min=0.1, max=600, help="Seconds before the query is stopped.")] = 10,
    row_cap: Annotated[int, typer.Option(min=1, max=100_000, help="Most rows returned.")] = 1000,
) -> None:
    """Run read-only Cypher on Neo4j (refused unless Neo4j's planner and a read-only transaction agree)."""
    from survgraph.queries.raw import run_read_only

    _check_format(fmt, ("table", "json", "csv"))
    if text == "-":
        text = sys.stdin.read()
    gs = _open_for_reading(store)
    try:
        rows = run_read_only(gs, text, timeout_s=timeout, row_cap=row_cap)
    except StoreError as exc:  # ReadOnlyViolation is a StoreError
        raise _fail(exc) from exc
    finally:
        gs.close()
    if rows.truncated:
        err.print(f"warning: only the first {row_cap} rows (--row-cap)", highlight=False)
    _print_rows(list(rows), rows.columns, fmt)


# -- RDF: ontology, shapes, export and import (survgraph.rdf) -----------------------------------

export_app = typer.Typer(help="Write the graph, its ontology or its SHACL shapes as RDF.", no_args_is_help=True)
app.add_typer(export_app, name="export")

RdfFormatOpt = Annotated[str, typer.Option("--format", "-f", help="turtle, nt, jsonld, xml or trig")]
OutputOpt = Annotated[
    Optional[Path],  # noqa: UP045 - typer needs Optional here
    typer.Option("--output", "-o", help="File to write [default: stdout]."),
]
BaseIriOpt = Annotated[
    Optional[str],  # noqa: UP045 - typer needs Optional here
    typer.Option(
        "--base", help="IRI prefix of entities [default: SURVGRAPH_BASE_IRI, else http://127.0.0.1:8000/id/]."
    ),
]


def _rdf_format(name: str) -> Any:
    from survgraph.rdf import RdfError, parse_format

    try:
        return parse_format(name)
    except RdfError as exc:
        raise _fail(exc) from exc


def _write_output(output: Path | None, write: Any) -> Any:
    """Run `write(binary_stream)` into the file (via a temporary beside it, so a failure leaves no half
    file) or into stdout; returns what `write` returns."""
    if output is None:
        result = write(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return result
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("wb") as f:
            result = write(f)
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return result


@export_app.command("ontology")
def export_ontology(output: OutputOpt = None, fmt: RdfFormatOpt = "turtle") -> None:
    """The OWL/RDFS ontology generated from the schema registry (classes, properties, alignments)."""
    from survgraph.rdf import build_ontology

    rdf_format = _rdf_format(fmt)
    text = build_ontology().serialize(format=rdf_format.rdflib_name, encoding="utf-8")
    _write_output(output, lambda f: f.write(text))


@export_app.command("shapes")
def export_shapes(output: OutputOpt = None, fmt: RdfFormatOpt = "turtle") -> None:
    """The SHACL shapes generated from the schema registry; validate an export with e.g. `pyshacl -s`."""
    from survgraph.rdf import build_shapes

    rdf_format = _rdf_format(fmt)
    text = build_shapes().serialize(format=rdf_format.rdflib_name, encoding="utf-8")
    _write_output(output, lambda f: f.write(text))


@export_app.command("rdf")
def export_rdf(
    fmt: RdfFormatOpt = "turtle",
    entity: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--entity", help="Export only this entity and its neighbourhood (see --depth)."),
    ] = None,
    depth: Annotated[int, typer.Option(min=0, max=6, help="Hops around --entity.")] = 1,
    query_name: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--query", help="Export what a query template's rows reference (see `survgraph query --list`)."),
    ] = None,
    param: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional here
        typer.Option("--param", "-p", help="KEY=VALUE for --query, repeatable."),
    ] = None,
    output: OutputOpt = None,
    base: BaseIriOpt = None,
    jsonld_context: Annotated[
        str, typer.Option("--jsonld-context", help="inline (stands alone) or url (the API's /context.jsonld).")
    ] = "inline",
    store: StoreOpt = None,
) -> None:
    """Export the graph (default: all of it) with a claim resource, sources and confidence for every edge."""
    from survgraph.queries import TemplateParamError, UnknownTemplate
    from survgraph.rdf import Neighbourhood, QueryRows, RdfError, Vocab, WholeGraph, export

    rdf_format = _rdf_format(fmt)
    if entity and query_name:
        raise _fail(ValueError("give --entity or --query, not both"))
    if jsonld_context not in ("inline", "url"):
        raise _fail(ValueError(f"--jsonld-context {jsonld_context!r}: expected inline or url"))
    params = _parse_params(param)
    if params and not query_name:
        raise _fail(ValueError("--param needs --query"))
    try:
        vocab = Vocab.from_env(base)
    except RdfError as exc:
        raise _fail(exc) from exc
    selection = (
        Neighbourhood(entity, depth) if entity else QueryRows(query_name, params) if query_name else WholeGraph()
    )
    gs = _open_for_reading(store)
    try:
        context: Any = jsonld_context
        count = _write_output(output, lambda f: export(gs, f, rdf_format, selection, vocab, context))
    except (UnknownTemplate, TemplateParamError) as exc:
        raise _fail(exc) from exc
    except RdfError as exc:
        raise _fail(exc, 1) from exc
    except StoreError as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    # Plain echo, not rich: a long path must not be wrapped onto a second line.
    typer.echo(f"wrote {count} triples ({rdf_format.value})" + (f" to {output}" if output else ""), err=True)


@import_app.command("rdf")
def import_rdf_command(
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
    from survgraph.rdf import MalformedRdf, RdfError, Vocab, format_of_path, import_rdf, read_rdf_input

    try:
        rdf_format = _rdf_format(fmt) if fmt else format_of_path(path)
        vocab = Vocab.from_env(base)
    except RdfError as exc:
        raise _fail(exc) from exc
    name = "<stdin>" if str(path) == "-" else str(path)
    try:
        data = read_rdf_input(path, sys.stdin.buffer if name == "<stdin>" else None)
    except MalformedRdf as exc:
        raise _fail(exc, 1) from exc
    except OSError as exc:
        raise _fail(exc) from exc
    gs = _open(store)
    try:
        result = import_rdf(gs, data, rdf_format, name=name, vocab=vocab)
    except MalformedRdf as exc:
        raise _fail(exc, 1) from exc
    except InvalidRecords as exc:
        for p in exc.problems:
            typer.echo(("warning: " if p.severity == "warning" else "") + str(p))
        err.print(f"[red]refused:[/red] {len(exc.problems)} error(s); nothing was written", highlight=False)
        raise typer.Exit(1) from exc
    except StoreError as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    for p in result.records.warnings:
        typer.echo(f"warning: {p}", err=True)
    typer.echo(
        f"imported {len(result.records.nodes)} entities and {len(result.records.claims)} claims "
        f"into the {gs.name} store",
        err=True,
    )
    _print_counts("written", result.summary.as_dict(), summary)


# -- viz: an offline HTML page of the graph (survgraph.viz) -------------------------------------


@app.command()
def viz(
    entity: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--entity", help="Draw this entity and its neighbourhood (see --depth)."),
    ] = None,
    depth: Annotated[int, typer.Option(min=0, max=4, help="Hops around --entity.")] = 1,
    query_name: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--query", help="Draw the result of this query template, its witness paths highlighted."),
    ] = None,
    param: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional here
        typer.Option("--param", "-p", help="KEY=VALUE for --query, repeatable."),
    ] = None,
    context: Annotated[
        int, typer.Option(min=0, max=4, help="With --query: also draw entities this many hops around the result.")
    ] = 0,
    all_: Annotated[bool, typer.Option("--all", help="Draw the whole graph.")] = False,
    max_nodes: Annotated[
        int, typer.Option(min=1, max=100_000, help="Stop growing a neighbourhood at this many entities.")
    ] = 5000,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """Write one self-contained HTML page of the graph: no network needed to open it, nothing from the data
    executed. Exactly one of --entity, --query or --all."""
    from survgraph.queries import TemplateParamError, UnknownTemplate
    from survgraph.viz import SubgraphReader, VizError, render_page

    if sum([entity is not None, query_name is not None, all_]) != 1:
        raise _fail(ValueError("give exactly one of --entity ID, --query NAME or --all"))
    if param and query_name is None:
        raise _fail(ValueError("--param goes with --query"))
    params = _parse_params(param)
    gs = _open_for_reading(store)
    try:
        reader = SubgraphReader(gs, max_nodes=max_nodes)
        if entity is not None:
            sub = reader.ego(entity, depth)
        elif query_name is not None:
            sub = reader.query(query_name, params, context=context)
        else:
            sub = reader.whole()
    except (VizError, UnknownTemplate, TemplateParamError, StoreError) as exc:
        raise _fail(exc) from exc
    finally:
        gs.close()
    page = render_page(sub)
    _write_output(output, lambda f: f.write(page.html.encode("utf-8")))
    where = output or "stdout"
    err.print(f"wrote {where}: {page.nodes} entities, {page.edges} claims", highlight=False)


def main() -> None:
    # `survgraph export rdf | head`: end quietly when the reader goes away, like any Unix filter,
    # instead of a BrokenPipeError that click would turn into exit 1 and a traceback.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()


if __name__ == "__main__":
    main()
