"""The JSON-LD @context, generated from the schema registry and shipped as `context.jsonld` (package data).

The shipped file is what the API serves at /context.jsonld and what exports use; a test keeps it equal to
`build_context()`. Regenerate it after a schema change with `python -m survgraph.rdf.context`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from rdflib import URIRef
from rdflib.namespace import XSD

from survgraph.rdf.vocab import PREFIXES, SG, ValueKind, property_map
from survgraph.schema import REGISTRY, Registry

CONTEXT_FILE = "context.jsonld"

#: Prefixes useful in data (the shapes' namespaces stay out of it).
_DATA_PREFIXES = ("sg", "rdf", "rdfs", "owl", "xsd", "prov", "dcterms", "schema", "wd")


def _curie(iri: URIRef) -> str:
    for prefix in _DATA_PREFIXES:
        ns = str(PREFIXES[prefix])
        if str(iri).startswith(ns):
            return f"{prefix}:{str(iri)[len(ns) :]}"
    return str(iri)


def _term_name(iri: URIRef) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def build_context(registry: Registry = REGISTRY) -> dict[str, Any]:
    ctx: dict[str, Any] = {p: str(PREFIXES[p]) for p in _DATA_PREFIXES}
    ctx["id"] = "@id"
    ctx["type"] = "@type"
    ctx["Entity"] = "sg:Entity"
    ctx["Claim"] = "sg:Claim"
    for label in registry.node_kinds:
        ctx[label] = f"sg:{label}"
    for edge in registry.edge_types.values():
        ctx[edge.rdf_name] = {"@id": f"sg:{edge.rdf_name}", "@type": "@id"}
    ctx["subject"] = {"@id": "rdf:subject", "@type": "@id"}
    ctx["predicate"] = {"@id": "rdf:predicate", "@type": "@vocab"}
    ctx["object"] = {"@id": "rdf:object", "@type": "@id"}
    for iri, owners in property_map(registry).all_props().items():
        prop = owners[0][1]
        name = _term_name(iri)
        if prop.kind in (ValueKind.entity, ValueKind.wikidata):
            ctx[name] = {"@id": _curie(iri), "@type": "@id"}
        elif prop.kind is ValueKind.double:
            ctx[name] = {"@id": _curie(iri), "@type": _curie(XSD.double)}
        elif prop.kind is ValueKind.url:
            ctx[name] = {"@id": _curie(iri), "@type": _curie(XSD.anyURI)}
        else:  # strings; dates carry their own datatype (year, month or day)
            ctx[name] = _curie(iri)
    assert ctx["sg"] == str(SG)
    return {"@context": ctx}


@cache
def load_context() -> dict[str, Any]:
    """The shipped context file."""
    text = resources.files("survgraph.rdf").joinpath(CONTEXT_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def context_text(registry: Registry = REGISTRY) -> str:
    return json.dumps(build_context(registry), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    target = Path(__file__).with_name(CONTEXT_FILE)
    target.write_text(context_text(), encoding="utf-8")
    print(f"wrote {target}")
