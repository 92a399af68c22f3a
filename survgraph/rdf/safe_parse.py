"""Parse an RDF document with no I/O beyond the bytes given: no network, no file, no entity expansion.

Every import format goes through `parse_document`, which enforces this in one place:

* **No fetch, whatever the format.** While a document is parsed, an audit hook (PEP 578, installed once per
  process) refuses every socket connection, name look-up, `urllib` request and file open that the parse
  attempts (opening Python's own module files, for a lazy import, is the only exception). So a fetch path
  in a parser that we do not know about fails instead of fetching.
* **JSON-LD contexts.** rdflib fetches every remote context (top-level, `@import`, and the property- and
  type-scoped contexts inside term definitions) through one function; it is replaced by `refuse_context`,
  a document loader that fetches nothing: our own published context resolves to the packaged copy,
  any other URL (http, https, file, relative) is refused with a message that names it.
* **RDF/XML.** The expat parser refuses any entity declaration (internal or external) and any external
  entity reference as soon as it reads one, before anything is expanded ("billion laughs" and its
  quadratic variant), and external general and parameter entities are off.
* **Cost.** A document larger than MAX_RDF_BYTES is refused before it is parsed; RDF/XML may nest
  MAX_XML_DEPTH elements deep; N-Triples are read in linear time (rdflib's reader is quadratic in the
  length of a line).
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import io
import json
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit
from xml.sax import handler
from xml.sax.expatreader import ExpatParser
from xml.sax.handler import ErrorHandler
from xml.sax.xmlreader import InputSource, XMLReader

import rdflib.plugin
import rdflib.plugins.shared.jsonld.context as jsonld_context
from rdflib import Graph
from rdflib.parser import Parser
from rdflib.plugins.parsers.ntriples import NTGraphSink, NTParser, W3CNTriplesParser
from rdflib.plugins.parsers.rdfxml import RDFXMLHandler, RDFXMLParser

from survgraph.rdf.context import CONTEXT_FILE, load_context
from survgraph.rdf.vocab import RdfError

#: The largest RDF document an import parses, in bytes.
MAX_RDF_BYTES = 32 * 1024 * 1024

#: How deep RDF/XML elements may nest: our exports need 4 levels; rdflib's RDF/XML handler slows down
#: with depth faster than linearly (100,000 nested elements, a 2 MB file, took over a minute).
MAX_XML_DEPTH = 100

#: The rdflib parser plugin names of our hardened RDF/XML parser and linear N-Triples parser.
SAFE_XML_PLUGIN = "survgraph-rdfxml"
SAFE_NT_PLUGIN = "survgraph-nt"


class MalformedRdf(RdfError):
    """The input is not RDF in the stated format, or asks for something an import never does."""


class FetchRefused(MalformedRdf):
    """The parse tried to reach the network or a file, or the XML declared an entity or nested too deep."""


# -- the JSON-LD document loader ----------------------------------------------------------------


def refuse_context(source: Any, *args: Any, **kwargs: Any) -> tuple[Any, None]:
    """rdflib's JSON-LD context loader, replaced: our published context is the packaged copy, and
    nothing else is fetched or read."""
    url = str(source)
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.path.endswith("/" + CONTEXT_FILE):
        return copy.deepcopy(load_context()), None  # rdflib updates an imported context in place
    raise FetchRefused(f"remote JSON-LD @context {url!r} is not fetched; inline it")


def _install_loader() -> None:
    jsonld_context.source_to_json = refuse_context  # type: ignore[attr-defined]


def _loader_installed() -> bool:
    return getattr(jsonld_context, "source_to_json", None) is refuse_context


# -- the audit hook: no I/O during a parse ------------------------------------------------------

_parsing: ContextVar[str | None] = ContextVar("survgraph_rdf_parsing", default=None)
_NETWORK_EVENTS = frozenset(
    {
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "urllib.Request",
        "ftplib.connect",
        "http.client.connect",
    }
)
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
_hook_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _parsing.get() is None:
        return
    if event in _NETWORK_EVENTS:
        raise FetchRefused(f"an RDF import makes no network request (refused: {event})")
    if event == "open" and args:
        path = args[0]
        if isinstance(path, int):  # an already open descriptor
            return
        name = path.decode(errors="replace") if isinstance(path, bytes) else str(path)
        if not name.endswith(_MODULE_SUFFIXES):
            raise FetchRefused(f"an RDF import reads no file but the one named (refused: {name!r})")


def _install_hook() -> None:
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True


@contextlib.contextmanager
def no_io(name: str) -> Iterator[None]:
    """Refuse network and file access from this thread (context) for the duration."""
    token = _parsing.set(name)
    try:
        yield
    finally:
        _parsing.reset(token)


# -- RDF/XML without entities -------------------------------------------------------------------


class _NoEntityExpatParser(ExpatParser):
    """The standard SAX expat reader, refusing entity declarations and external entities."""

    def reset(self) -> None:
        super().reset()
        p = self._parser  # type: ignore[attr-defined]
        p.EntityDeclHandler = self._refuse_entity
        p.UnparsedEntityDeclHandler = self._refuse_unparsed
        p.ExternalEntityRefHandler = self._refuse_external

    _depth = 0

    def start_element_ns(self, name: Any, attrs: Any) -> None:
        self._depth += 1
        if self._depth > MAX_XML_DEPTH:
            raise FetchRefused(f"line {self._line()}: XML elements nested deeper than {MAX_XML_DEPTH} levels: refused")
        super().start_element_ns(name, attrs)

    def end_element_ns(self, name: Any) -> None:
        self._depth -= 1
        super().end_element_ns(name)

    def _line(self) -> int:
        return int(self._parser.CurrentLineNumber)  # type: ignore[attr-defined]

    def _refuse_entity(self, name: str, is_parameter: bool, *_: Any) -> None:
        kind = "parameter entity" if is_parameter else "entity"
        raise FetchRefused(f"line {self._line()}: XML {kind} declaration {name!r} refused: entities are not expanded")

    def _refuse_unparsed(self, name: str, *_: Any) -> None:
        raise FetchRefused(f"line {self._line()}: XML unparsed entity {name!r} refused")

    def _refuse_external(self, context: Any, base: Any, system_id: Any, public_id: Any) -> int:
        raise FetchRefused(f"line {self._line()}: XML external entity {system_id!r} refused: nothing is fetched")


def _create_parser(target: InputSource, store: Graph) -> XMLReader:
    """rdflib's `create_parser`, on the hardened expat reader."""
    parser = _NoEntityExpatParser()
    parser.start_namespace_decl("xml", "http://www.w3.org/XML/1998/namespace")
    parser.setFeature(handler.feature_namespaces, 1)
    parser.setFeature(handler.feature_external_ges, 0)
    parser.setFeature(handler.feature_external_pes, 0)
    rdfxml = RDFXMLHandler(store)
    rdfxml.setDocumentLocator(target)  # type: ignore[arg-type]
    parser.setContentHandler(rdfxml)  # type: ignore[arg-type]
    parser.setErrorHandler(ErrorHandler())
    return parser


class SafeRDFXMLParser(RDFXMLParser):
    """rdflib's RDF/XML parser on an expat reader that refuses entities."""

    def parse(self, source: Any, sink: Graph, **args: Any) -> None:
        self._parser = _create_parser(source, sink)
        preserve_bnode_ids = args.get("preserve_bnode_ids")
        if preserve_bnode_ids is not None:
            self._parser.getContentHandler().preserve_bnode_ids = preserve_bnode_ids  # type: ignore[attr-defined]
        self._parser.parse(source)


# -- N-Triples in linear time -------------------------------------------------------------------


class _LinearLineReader(W3CNTriplesParser):
    """rdflib's N-Triples reader re-scans a line from its start after every 2 KiB it reads, so a line of
    n bytes costs n*n/2048 (a 1 MB literal took 53 s). This one doubles each read instead: linear."""

    def readline(self) -> str | None:
        assert self.file is not None
        if not self.buffer:
            self.buffer = self.file.read(_NT_CHUNK)
            if not self.buffer:
                return None
        while True:
            m = _NT_LINE.match(self.buffer)
            if m:
                self.buffer = self.buffer[m.end() :]
                return m.group(1)
            more = self.file.read(max(_NT_CHUNK, len(self.buffer)))
            if not more and not self.buffer.isspace():
                more = "\n"  # the last line need not end with a newline
            elif not more:
                return None
            self.buffer += more


_NT_CHUNK = 64 * 1024
_NT_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n)")


class SafeNTParser(NTParser):
    """rdflib's N-Triples parser plugin, on the linear line reader."""

    @classmethod
    def parse(cls, source: Any, sink: Graph, **kwargs: Any) -> None:
        stream = source.getCharacterStream()
        if not stream:
            raw = source.getByteStream()
            stream = raw if isinstance(raw, io.TextIOBase) else codecs.getreader("utf-8")(raw)
        _LinearLineReader(NTGraphSink(sink)).parse(stream, **kwargs)
        stream.close()


# -- the one entry point ------------------------------------------------------------------------


#: Our format names (RdfFormat values) -> the rdflib parser plugin that reads them.
PARSERS = {"turtle": "turtle", "nt": SAFE_NT_PLUGIN, "jsonld": "json-ld", "xml": SAFE_XML_PLUGIN, "trig": "trig"}


def parse_document(target: Graph, data: bytes, fmt: str, public_id: str, name: str) -> None:
    """Parse `data` (format `fmt`: turtle, nt, jsonld, xml or trig) into `target` with no I/O and no entity
    expansion. Raises MalformedRdf."""
    if len(data) > MAX_RDF_BYTES:
        raise MalformedRdf(f"{name}: the document is {len(data)} bytes; the limit is {MAX_RDF_BYTES} bytes")
    if not _loader_installed():  # someone put rdflib's fetching loader back: refuse rather than fetch
        raise MalformedRdf(f"{name}: the JSON-LD context loader is not the refusing one; not parsing")
    if fmt == "jsonld":
        load_context()  # read (and cache) the packaged context now: the guard below refuses every file open
    try:
        with no_io(name):
            target.parse(data=data, format=PARSERS[fmt], publicID=public_id)
    except FetchRefused as exc:
        raise FetchRefused(f"{name}: {exc}") from exc
    except MalformedRdf:
        raise
    except json.JSONDecodeError as exc:  # also orjson's, which rdflib uses when it is installed
        raise MalformedRdf(f"{name}: not JSON: {exc}") from exc
    except Exception as exc:  # rdflib's parsers raise many unrelated types (SyntaxError, SAX, ValueError...)
        raise MalformedRdf(f"{name}: not valid {fmt}: {exc}") from exc


def _preload_parsers() -> None:
    # Import every parser plugin now, so that no lazy import runs inside a parse.
    for plugin_name in PARSERS.values():
        rdflib.plugin.get(plugin_name, Parser)


rdflib.plugin.register(SAFE_XML_PLUGIN, Parser, __name__, "SafeRDFXMLParser")
rdflib.plugin.register(SAFE_NT_PLUGIN, Parser, __name__, "SafeNTParser")
_install_loader()
_install_hook()
_preload_parsers()
