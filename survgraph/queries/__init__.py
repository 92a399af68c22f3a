"""Named, parameterised Cypher templates that run identically on Neo4j and the embedded store.

    from survgraph.queries import TEMPLATES, run_template
    TEMPLATES.listing()                      # [Template, ...], by name
    TEMPLATES.get("vendor_footprint")     # Template; UnknownTemplate if there is none
    run_template(store, "vendors_touching_national_data_centres", {"max_hops": "4", "country": "ZW"})

Templates are the `.cypher` files in survgraph/queries/templates/ (header syntax: see
survgraph.queries.catalogue); their Python halves, which merge and order rows, are in
survgraph.queries.runners. Parameters may be given as Python values or as text from the CLI or
HTTP ("3" -> 3, "true" -> True, "A,B" -> ["A", "B"], "" -> not given).

Errors: `run_template` raises `TemplateParamError` for any bad parameter, never a
bare pydantic.ValidationError; its `.details` is a list of {"param", "message", "type"} dicts,
one per problem, and `.template` names the template. Unknown names raise `UnknownTemplate`.
Failures of the store itself are survgraph.graph.StoreError. Raw Cypher: survgraph.graph.raw_cypher.
"""

from survgraph.queries.catalogue import (
    TEMPLATES,
    Statement,
    Template,
    TemplateError,
    TemplateRegistry,
    UnknownTemplate,
    load_templates,
)
from survgraph.queries.params import ParamSpec, TemplateParamError
from survgraph.queries.run import run_template

__all__ = [
    "TEMPLATES",
    "ParamSpec",
    "Statement",
    "Template",
    "TemplateError",
    "TemplateParamError",
    "TemplateRegistry",
    "UnknownTemplate",
    "load_templates",
    "run_template",
]
