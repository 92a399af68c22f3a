"""The RDF serialisations we read and write: names, media types, file extensions, rdflib plugin names."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from survgraph.rdf.vocab import RdfOptionError


class RdfFormat(StrEnum):
    turtle = "turtle"
    nt = "nt"
    jsonld = "jsonld"
    xml = "xml"
    trig = "trig"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def rdflib_name(self) -> str:
        return {"jsonld": "json-ld"}.get(self.value, self.value)

    @property
    def extension(self) -> str:
        return {"turtle": ".ttl", "nt": ".nt", "jsonld": ".jsonld", "xml": ".rdf", "trig": ".trig"}[self.value]


MEDIA_TYPES: dict[RdfFormat, str] = {
    RdfFormat.turtle: "text/turtle",
    RdfFormat.nt: "application/n-triples",
    RdfFormat.jsonld: "application/ld+json",
    RdfFormat.xml: "application/rdf+xml",
    RdfFormat.trig: "application/trig",
}

#: Other names people and tools use for the same formats.
ALIASES: dict[str, RdfFormat] = {
    "ttl": RdfFormat.turtle,
    "ntriples": RdfFormat.nt,
    "n-triples": RdfFormat.nt,
    "json-ld": RdfFormat.jsonld,
    "rdfxml": RdfFormat.xml,
    "rdf/xml": RdfFormat.xml,
    "rdf": RdfFormat.xml,
    **{f.value: f for f in RdfFormat},
    **{m: f for f, m in MEDIA_TYPES.items()},
}

_BY_EXTENSION: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.turtle,
    ".nt": RdfFormat.nt,
    ".jsonld": RdfFormat.jsonld,
    ".json": RdfFormat.jsonld,
    ".rdf": RdfFormat.xml,
    ".xml": RdfFormat.xml,
    ".owl": RdfFormat.xml,
    ".trig": RdfFormat.trig,
}


def parse_format(name: str) -> RdfFormat:
    found = ALIASES.get(name.strip().lower())
    if found is None:
        raise RdfOptionError(f"unknown RDF format {name!r}; expected one of {', '.join(f.value for f in RdfFormat)}")
    return found


def format_of_path(path: Path) -> RdfFormat:
    found = _BY_EXTENSION.get(path.suffix.lower())
    if found is None:
        raise RdfOptionError(f"{path}: cannot tell the RDF format from the extension; give --format")
    return found
