"""RDF for other researchers: ontology, SHACL shapes, export with claim provenance, import, JSON-LD context.

Everything here is generated from the schema registry and reads the graph only through `GraphStore.query`.
"""

from survgraph.rdf.context import build_context, load_context
from survgraph.rdf.export import (
    MAX_BUFFERED_TRIPLES,
    MAX_DEPTH,
    ExportTooLarge,
    Neighbourhood,
    QueryRows,
    Resources,
    Selection,
    UnknownEntity,
    WholeGraph,
    buffered,
    export,
    iter_ntriples,
    iter_serialised,
    iter_triples,
    ntriples_lines,
    serialize_graph,
    to_graph,
)
from survgraph.rdf.formats import MEDIA_TYPES, RdfFormat, format_of_path, parse_format
from survgraph.rdf.importer import ImportResult, import_rdf, parse_rdf, read_rdf_input, records_to_dataset
from survgraph.rdf.ontology import build_ontology
from survgraph.rdf.safe_parse import MAX_RDF_BYTES, FetchRefused, MalformedRdf
from survgraph.rdf.shapes import ShapeResult, build_shapes, validate_graph
from survgraph.rdf.stream import STREAMED, stream_bytes
from survgraph.rdf.vocab import DEFAULT_BASE_IRI, SG, RdfError, RdfOptionError, Vocab

__all__ = [
    "DEFAULT_BASE_IRI",
    "MAX_BUFFERED_TRIPLES",
    "MAX_DEPTH",
    "MAX_RDF_BYTES",
    "MEDIA_TYPES",
    "SG",
    "STREAMED",
    "ExportTooLarge",
    "FetchRefused",
    "ImportResult",
    "MalformedRdf",
    "Neighbourhood",
    "QueryRows",
    "RdfError",
    "RdfFormat",
    "RdfOptionError",
    "Resources",
    "Selection",
    "ShapeResult",
    "UnknownEntity",
    "Vocab",
    "WholeGraph",
    "buffered",
    "build_context",
    "build_ontology",
    "build_shapes",
    "export",
    "format_of_path",
    "import_rdf",
    "iter_ntriples",
    "iter_serialised",
    "iter_triples",
    "load_context",
    "ntriples_lines",
    "parse_format",
    "parse_rdf",
    "read_rdf_input",
    "records_to_dataset",
    "serialize_graph",
    "stream_bytes",
    "to_graph",
    "validate_graph",
]
