"""The `survgraph` command line.

    survgraph validate | load | stats | schema          records in and out of the store  (cli/records.py)
    survgraph neo4j-import                               a new Neo4j database, offline     (cli/neo4j_import.py)
    survgraph import aigs | rdf                          published datasets, RDF back in  (records.py, rdf.py)
    survgraph query | cypher                             named templates, read-only Cypher (cli/query.py)
    survgraph export rdf | ontology | shapes             linked data                      (cli/rdf.py)
    survgraph export graph | diff | release              network tools, versions           (cli/network.py)
    survgraph viz                                        an offline HTML page of the graph (cli/viz.py)
    survgraph serve                                      the HTTP API                      (cli/serve.py)

Presentation (tables, JSON, CSV, whole-file writes) is in cli/output.py; errors become a message and an
exit code in one place, cli/errors.py. Heavy libraries (rdflib, pyvis, FastAPI) are imported inside the
commands that need them, so that `survgraph stats` does not pay for them.
"""

from __future__ import annotations

import signal

import typer

from survgraph.cli import neo4j_import, network, query, rdf, records, serve, viz
from survgraph.cli.errors import HandledGroup
from survgraph.cli.records import edge_table_markdown

__all__ = ["app", "edge_table_markdown", "main"]

app = typer.Typer(
    cls=HandledGroup,
    help="survgraph: a cited knowledge graph of surveillance vendors, states and projects.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
import_app = typer.Typer(
    help="Import a published dataset into the graph (validated first, all or nothing, idempotent).",
    no_args_is_help=True,
)
export_app = typer.Typer(
    help="Write the graph as RDF (with its ontology and SHACL shapes) or for network tools (GraphML, GEXF, CSV).",
    no_args_is_help=True,
)

app.command()(records.validate)
app.command()(records.load)
app.command("neo4j-import")(neo4j_import.neo4j_import)
app.add_typer(import_app, name="import")
import_app.command("aigs")(records.import_aigs)
app.command()(records.stats)
app.command()(records.schema)
app.command()(serve.serve)
app.command()(query.query)
app.command()(query.cypher)
app.add_typer(export_app, name="export")
export_app.command("ontology")(rdf.export_ontology)
export_app.command("shapes")(rdf.export_shapes)
export_app.command("rdf")(rdf.export_rdf)
export_app.command("graph")(network.export_graph)
import_app.command("rdf")(rdf.import_rdf)
app.command()(viz.viz)
app.command()(network.diff)
app.command()(network.release)


def main() -> None:
    # `survgraph export rdf | head`: end quietly when the reader goes away, like any Unix filter,
    # instead of a BrokenPipeError that click would turn into exit 1 and a traceback.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    app()
