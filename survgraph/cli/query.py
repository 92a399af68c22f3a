"""Questions: the named query templates (survgraph.queries) and read-only raw Cypher on Neo4j."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from survgraph.cli.common import StoreOpt, check_format, err, open_for_reading, store_settings
from survgraph.cli.output import FORMATS, print_rows
from survgraph.errors import UsageError

QueryFormatOpt = Annotated[str, typer.Option("--format", help="table, json (a list of row objects) or csv")]


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
    as_of: Annotated[
        Optional[str],  # noqa: UP045 - typer needs Optional here
        typer.Option("--as-of", help="Only claims in force on this day (YYYY-MM-DD); the same as -p as_of=DAY."),
    ] = None,
    store: StoreOpt = None,
    fmt: QueryFormatOpt = "table",
) -> None:
    """Run a named query template (Cypher files in survgraph/queries/templates) and print its rows."""
    from survgraph.queries import TEMPLATES, run_template
    from survgraph.queries.params import parse_key_values
    from survgraph.queries.sources import resolve_sources, sources_as_text

    check_format(fmt, FORMATS)
    if list_:
        listing = [t.as_dict() for t in TEMPLATES.listing()]
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
        print_rows(rows, ["name", "title", "params", "columns"], fmt, "query templates")
        return
    if name is None:
        raise UsageError("give a template name, or --list to see them")
    template = TEMPLATES.get(name)
    params = parse_key_values(param, list_names={p.name for p in template.params if p.type == "list[str]"})
    if as_of is not None:
        if "as_of" in params:
            raise UsageError("give --as-of or -p as_of=..., not both")
        params["as_of"] = as_of
    if show_cypher:
        engine = store_settings(store).store.value
        values = template.validate(params)
        for stmt in template.statements:
            cypher_params = template.cypher_params(stmt, engine, values, dict.fromkeys(template.runtime, None))
            typer.echo(f"// {template.name}: statement {stmt!r} as the {engine} store runs it")
            for key, value in cypher_params.items():
                if key in template.runtime:
                    typer.echo(f"// :param {key} => ...  ({template.runtime[key]})")
                else:
                    typer.echo(f":param {key} => {json.dumps(value)}")
            typer.echo(template.render(stmt, engine, values) + ";\n")
        return
    with open_for_reading(store) as gs:
        rows = resolve_sources(gs, run_template(gs, name, params))
    if fmt != "json":
        rows = sources_as_text(rows, "\n" if fmt == "table" else "; ")
    print_rows(rows, template.columns, fmt, template.title)


def cypher(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="One read-only Cypher statement, or - for stdin.")],
    store: StoreOpt = None,
    fmt: QueryFormatOpt = "table",
    timeout: Annotated[float, typer.Option(min=0.1, max=600, help="Seconds before the query is stopped.")] = 10,
    row_cap: Annotated[int, typer.Option(min=1, max=100_000, help="Most rows returned.")] = 1000,
) -> None:
    """Run read-only Cypher on Neo4j (refused unless Neo4j's planner and a read-only transaction agree)."""
    from survgraph.graph.raw_cypher import run_read_only

    check_format(fmt, FORMATS)
    if text == "-":
        text = sys.stdin.read()
    with open_for_reading(store) as gs:
        rows = run_read_only(gs, text, timeout_s=timeout, row_cap=row_cap)
    if rows.truncated:
        err.print(f"warning: only the first {row_cap} rows (--row-cap)", highlight=False)
    print_rows(list(rows), rows.columns, fmt)
