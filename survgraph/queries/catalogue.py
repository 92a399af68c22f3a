"""Query templates: `.cypher` files with a comment header, parsed into `Template`s and kept in a registry.

A template file is Cypher that can be pasted into Neo4j Browser, preceded by a header of `// @tag`
comment lines:

    // @name vendor_footprint                      (must equal the file name without .cypher)
    // @title Vendor footprint
    // @description Countries, projects, ... a vendor is linked to.   (repeatable; lines are joined)
    // @param NAME TYPE [required] [default=V] [min=N] [max=N] [check=C] [kinds=K1,K2]: description
    // @runtime NAME TYPE: description              (a $parameter the Python runner sets, not the user)
    // @column NAME: description                    (one per result column, in order)
    // @statement NAME: description                 (starts a named statement; optional if only one)

TYPE is str, int, bool or list[str]. `default=null` (or no default) means "not given"; the
statement then receives '' for text and [] for lists (the embedded engine cannot type a null
parameter). For int, min/max bound the value; for str, its length; for list[str], its size.
`check=` is one of survgraph.queries.params.CHECKS (entity_id, country_code, technology, edge_type).

Data reaches Cypher only as `$parameters`. Two things cannot be parameters in Cypher and are
substituted into the text instead, through `{{NAME}}` placeholders that accept nothing else:
an `int` parameter that declares both min and max (a variable-length hop bound, rendered as digits
after re-checking the bounds), and a `list[str]` parameter with `check=edge_type` (rendered as
`:TYPE1|TYPE2`, each name re-checked against the schema registry, or as nothing when empty).
Two macros are not parameters: `{{in_force r}}` becomes the predicate "the claim bound to r is in force
on $as_of" (survgraph.graph.time.in_force), or `true` when no date was asked for (so that the engine does
not test every relationship of a path search for nothing); a template using it declares
`@param as_of str default=null check=date`. `{{label NAME}}` becomes `:Label`, the registry's node kind
for the id prefix of the parameter NAME (a `str` with `check=entity_id`), so that a look-up by id names
its label and uses the label's id index.

A file may hold several statements (each `// @statement NAME` line starts one; a trailing `;`
separates them for Neo4j Browser). `NAME.neo4j.cypher` / `NAME.embedded.cypher` beside
`NAME.cypher` replace statements for one store where the dialects differ; they carry no header
tags other than `@statement`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from survgraph.errors import SurvgraphError
from survgraph.graph.config import StoreKind
from survgraph.graph.time import AS_OF_PARAM, in_force
from survgraph.queries.params import (
    PARAM_TYPES,
    ParamSpec,
    ParamType,
    TemplateParamError,
    build_params_model,
    cypher_value,
    spec_problems,
    validate_params,
)
from survgraph.schema import REGISTRY

MAIN = "main"
STORE_NAMES: tuple[str, ...] = tuple(k.value for k in StoreKind)

_TAG = re.compile(r"^\s*//\s*@([a-z]+)\b\s*(.*)$")
_COMMENT = re.compile(r"^\s*//")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: `{{in_force r}}`: the claim bound to r is in force on $as_of (survgraph.graph.time.in_force)
_IN_FORCE = re.compile(r"\{\{\s*in_force\s+([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
#: `{{label from}}`: `:Vendor` for from=vendor:acme (the registry's label for the id prefix)
_LABEL = re.compile(r"\{\{\s*label\s+([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_PARAMETER = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER_TAGS = ("name", "title", "description", "param", "runtime", "column")


class TemplateError(SurvgraphError):
    """A template file is malformed; the message lists every problem as FILE:LINE: message."""

    status = 500
    exit_code = 2


class UnknownTemplate(SurvgraphError):
    """No template has that name."""

    status = 404
    exit_code = 2

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown template {self.name!r}; known templates: {', '.join(self.known)}"


@dataclass(frozen=True)
class Statement:
    """One Cypher statement of a template, as run (whole-line comments and the trailing `;` removed)."""

    name: str
    text: str
    description: str = ""

    @property
    def parameters(self) -> frozenset[str]:
        used = set(_PARAMETER.findall(self.text))
        if self.uses_as_of:
            used.add(AS_OF_PARAM)
        return frozenset(used)

    @property
    def uses_as_of(self) -> bool:
        """Whether the statement filters claims by date through `{{in_force VAR}}`."""
        return _IN_FORCE.search(self.text) is not None

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(_PLACEHOLDER.findall(self.text))

    @property
    def labels(self) -> frozenset[str]:
        """Parameters whose registry label `{{label NAME}}` puts into the text."""
        return frozenset(_LABEL.findall(self.text))


@dataclass(frozen=True, eq=False)
class Template:
    name: str
    title: str
    description: str
    params: list[ParamSpec]
    columns: list[str]
    column_descriptions: dict[str, str]
    runtime: dict[str, str]
    statements: dict[str, Statement]
    variants: dict[str, dict[str, Statement]]
    files: tuple[str, ...]
    params_model: type[BaseModel] = field(repr=False)

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def validate(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Checked values with defaults filled in; raises TemplateParamError."""
        return validate_params(self.name, self.params_model, self.params, params)

    def json_schema(self) -> dict[str, Any]:
        """JSON Schema of the parameters (what an HTTP client may send)."""
        schema = self.params_model.model_json_schema()
        schema["title"] = self.name
        schema["description"] = self.description
        return schema

    def statement(self, name: str, store: str) -> Statement:
        """The statement as the given store runs it: its variant if there is one."""
        variant = self.variants.get(store, {})
        return variant.get(name) or self.statements[name]

    def render(self, name: str, store: str, values: Mapping[str, Any]) -> str:
        """Cypher text for the store, placeholders substituted from checked values."""
        stmt = self.statement(name, store)

        def substitute(m: re.Match[str]) -> str:
            return render_placeholder(self.name, self.param(m.group(1)), values.get(m.group(1)))

        def label(m: re.Match[str]) -> str:
            return render_label(self.name, self.param(m.group(1)), values.get(m.group(1)))

        dated = bool(values.get(AS_OF_PARAM))
        text = _IN_FORCE.sub(lambda m: in_force(m.group(1)) if dated else "true", stmt.text)
        return _PLACEHOLDER.sub(substitute, _LABEL.sub(label, text))

    def cypher_params(
        self, name: str, store: str, values: Mapping[str, Any], runtime: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The `$parameters` one statement uses, and only those."""
        out: dict[str, Any] = {}
        for pname in sorted(self.statement(name, store).parameters):
            if pname in runtime:
                out[pname] = runtime[pname]
            elif pname in self.runtime:
                raise ValueError(f"{self.name}.{name}: the runner did not set ${pname}")
            else:
                out[pname] = cypher_value(self.param(pname), values.get(pname))
        return out

    def as_dict(self) -> dict[str, Any]:
        """What `survgraph query --list --format json` and the API's template listing show."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "params": [p.as_dict() for p in self.params],
            "columns": [{"name": c, "description": self.column_descriptions.get(c, "")} for c in self.columns],
            "statements": list(self.statements),
            "variants": sorted(self.variants),
        }


def render_placeholder(template: str, spec: ParamSpec, value: Any) -> str:
    """The only text ever substituted into Cypher: bounded digits, or registry edge type names.

    Values were checked already; this checks again because it is the one place text enters Cypher."""

    def refuse(message: str) -> TemplateParamError:
        return TemplateParamError(template, [{"param": spec.name, "message": message, "type": "placeholder"}])

    if spec.type == "int" and spec.min is not None and spec.max is not None:
        if isinstance(value, bool) or not isinstance(value, int) or not spec.min <= value <= spec.max:
            raise refuse(f"must be an integer from {spec.min} to {spec.max}")
        return str(value)
    if spec.type == "list[str]" and spec.check == "edge_type":
        names = list(value or [])
        for n in names:
            if not isinstance(n, str) or n not in REGISTRY.edge_types:
                raise refuse(f"{n!r} is not an edge type of the schema registry")
        return ":" + "|".join(names) if names else ""
    raise TemplateError(f"{spec.name}: only bounded int and edge-type list parameters can be placeholders")


def render_label(template: str, spec: ParamSpec, value: Any) -> str:
    """`:Label` for an entity id: the registry's node kind for its prefix (re-checked here, since this
    text enters Cypher)."""
    kind = REGISTRY.kind_of_id(value) if isinstance(value, str) else None
    if spec.type != "str" or spec.check != "entity_id":
        raise TemplateError(f"{spec.name}: only an entity_id parameter has a label")
    if kind is None or (spec.kinds and kind.label not in spec.kinds):
        raise TemplateParamError(
            template, [{"param": spec.name, "message": "not an id of a known node kind", "type": "placeholder"}]
        )
    return ":" + kind.label


def _placeholder_ok(spec: ParamSpec) -> bool:
    bounded_int = spec.type == "int" and spec.min is not None and spec.max is not None
    return bounded_int or (spec.type == "list[str]" and spec.check == "edge_type")


# -- parsing ------------------------------------------------------------------------------------


@dataclass
class _Parsed:
    tags: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _parse_file(fname: str, text: str, *, header_allowed: bool) -> _Parsed:
    parsed = _Parsed()
    current: tuple[str, str, int] | None = None  # name, description, line
    body: list[str] = []

    def close() -> None:
        if current is None:
            return
        name, desc, line = current
        stmt_text = "\n".join(body).strip()
        stmt_text = stmt_text.removesuffix(";").rstrip()
        if not stmt_text:
            parsed.problems.append(f"{fname}:{line}: statement {name!r} is empty")
        elif name in parsed.statements:
            parsed.problems.append(f"{fname}:{line}: statement {name!r} defined twice")
        else:
            parsed.statements[name] = Statement(name, stmt_text, desc)

    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _TAG.match(line)
        if m:
            tag, rest = m.group(1), m.group(2).strip()
            if tag == "statement":
                close()
                name, _, desc = rest.partition(":")
                current = (name.strip(), desc.strip(), lineno)
                body = []
                if not re.fullmatch(r"[a-z][a-z0-9_]*", current[0]):
                    parsed.problems.append(f"{fname}:{lineno}: statement names are lower_snake_case")
            elif tag not in _HEADER_TAGS:
                parsed.problems.append(f"{fname}:{lineno}: unknown tag @{tag}")
            elif not header_allowed:
                parsed.problems.append(f"{fname}:{lineno}: @{tag} belongs in the base template's header")
            elif current is not None:
                parsed.problems.append(f"{fname}:{lineno}: @{tag} after the first statement")
            else:
                parsed.tags.setdefault(tag, []).append((lineno, rest))
            continue
        if _COMMENT.match(line) or (current is None and not line.strip()):
            continue
        if current is None:
            current = (MAIN, "", lineno)
            body = []
        body.append(line.rstrip())
    close()
    if not parsed.statements:
        parsed.problems.append(f"{fname}: no Cypher statement")
    return parsed


def _parse_default(raw: str, ptype: ParamType) -> Any:
    if raw == "null":
        return None
    if ptype == "int":
        return int(raw)
    if ptype == "bool":
        if raw not in ("true", "false"):
            raise ValueError("a bool default is true or false")
        return raw == "true"
    if ptype == "list[str]":
        return [x.strip() for x in raw.split(",") if x.strip()]
    return raw


def _parse_param(fname: str, lineno: int, rest: str) -> tuple[ParamSpec | None, list[str]]:
    spec_text, sep, description = rest.partition(": ")
    if not sep:
        spec_text, description = rest.removesuffix(":"), ""
    where = f"{fname}:{lineno}"
    try:
        words = shlex.split(spec_text)
    except ValueError as exc:
        return None, [f"{where}: {exc}"]
    if len(words) < 2:
        return None, [f"{where}: @param needs NAME TYPE"]
    name, ptype = words[0], words[1]
    if ptype not in PARAM_TYPES:
        return None, [f"{where}: {name}: type {ptype!r} is not one of {', '.join(PARAM_TYPES)}"]
    options: dict[str, Any] = {"required": False}
    problems = []
    for word in words[2:]:
        key, eq, value = word.partition("=")
        try:
            if word == "required":
                options["required"] = True
            elif key in ("min", "max") and eq:
                options[key] = int(value)
            elif key == "default" and eq:
                options["default"] = _parse_default(value, ptype)
            elif key == "check" and eq:
                options["check"] = value
            elif key == "kinds" and eq:
                options["kinds"] = tuple(k.strip() for k in value.split(",") if k.strip())
            else:
                problems.append(f"{where}: {name}: unknown option {word!r}")
        except ValueError as exc:
            problems.append(f"{where}: {name}: {word!r}: {exc}")
    spec = ParamSpec(name=name, type=ptype, description=description.strip(), **options)
    problems += [f"{where}: {p}" for p in spec_problems(spec)]
    return spec, problems


def _named_lines(fname: str, entries: list[tuple[int, str]]) -> tuple[dict[str, str], list[str]]:
    out: dict[str, str] = {}
    problems = []
    for lineno, rest in entries:
        name, _, desc = rest.partition(":")
        name = name.strip().split()[0] if name.strip() else ""
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            problems.append(f"{fname}:{lineno}: expected NAME: description")
        elif name in out:
            problems.append(f"{fname}:{lineno}: {name!r} declared twice")
        else:
            out[name] = desc.strip()
    return out, problems


def parse_template(name: str, base: tuple[str, str], variants: Mapping[str, tuple[str, str]] | None = None) -> Template:
    """Build a Template from the base file's (file name, text) and per-store variants' (file name, text)."""
    fname, text = base
    parsed = _parse_file(fname, text, header_allowed=True)
    problems = list(parsed.problems)

    def single(tag: str, required: bool = True) -> str:
        entries = parsed.tags.get(tag, [])
        if len(entries) > 1:
            problems.append(f"{fname}:{entries[1][0]}: @{tag} given twice")
        if not entries:
            if required:
                problems.append(f"{fname}: missing @{tag}")
            return ""
        return entries[0][1]

    declared_name = single("name")
    if declared_name and declared_name != name:
        problems.append(f"{fname}: @name {declared_name!r} does not match the file name {name!r}")
    title = single("title")
    description = " ".join(rest for _, rest in parsed.tags.get("description", [])).strip()
    if not description:
        problems.append(f"{fname}: missing @description")

    params: list[ParamSpec] = []
    for lineno, rest in parsed.tags.get("param", []):
        spec, spec_problems_ = _parse_param(fname, lineno, rest)
        problems += spec_problems_
        if spec is not None:
            if any(p.name == spec.name for p in params):
                problems.append(f"{fname}:{lineno}: parameter {spec.name!r} declared twice")
            params.append(spec)
    runtime, runtime_problems = _named_lines(fname, parsed.tags.get("runtime", []))
    problems += runtime_problems
    columns, column_problems = _named_lines(fname, parsed.tags.get("column", []))
    problems += column_problems
    if not columns:
        problems.append(f"{fname}: no @column")
    clash = set(runtime) & {p.name for p in params}
    if clash:
        problems.append(f"{fname}: {', '.join(sorted(clash))} declared both as @param and @runtime")

    variant_statements: dict[str, dict[str, Statement]] = {}
    files = [fname]
    for store, (vname, vtext) in sorted((variants or {}).items()):
        files.append(vname)
        if store not in STORE_NAMES:
            problems.append(f"{vname}: unknown store {store!r}; expected one of {', '.join(STORE_NAMES)}")
            continue
        vparsed = _parse_file(vname, vtext, header_allowed=False)
        problems += vparsed.problems
        for sname in vparsed.statements:
            if sname not in parsed.statements:
                problems.append(f"{vname}: statement {sname!r} is not in {fname}")
        variant_statements[store] = vparsed.statements

    by_name = {p.name: p for p in params}
    all_statements = list(parsed.statements.values()) + [s for v in variant_statements.values() for s in v.values()]
    for stmt in all_statements:
        for pname in sorted(stmt.parameters - set(by_name) - set(runtime)):
            if pname == AS_OF_PARAM and stmt.uses_as_of:
                problems.append(f"{fname}: statement {stmt.name!r} uses {{{{in_force}}}} but declares no @param as_of")
            else:
                problems.append(f"{fname}: statement {stmt.name!r} uses ${pname}, which is not declared")
        as_of_spec = by_name.get(AS_OF_PARAM)
        if stmt.uses_as_of and as_of_spec is not None and (as_of_spec.type != "str" or as_of_spec.check != "date"):
            problems.append(f"{fname}: @param as_of must be `str default=null check=date`")
        for pname in sorted(stmt.labels):
            spec = by_name.get(pname)
            if spec is None or spec.type != "str" or spec.check != "entity_id":
                problems.append(
                    f"{fname}: statement {stmt.name!r} uses {{{{label {pname}}}}}: "
                    "only a declared str parameter with check=entity_id has a label"
                )
        for pname in sorted(stmt.placeholders):
            spec = by_name.get(pname)
            if spec is None:
                problems.append(f"{fname}: statement {stmt.name!r} uses {{{{{pname}}}}}, which is not declared")
            elif not _placeholder_ok(spec):
                problems.append(
                    f"{fname}: {{{{{pname}}}}}: only int parameters with min and max, or list[str] "
                    "with check=edge_type, may be substituted into the text"
                )

    model = None
    if not problems:
        model = build_params_model(name, params)
        for spec in params:
            if spec.default is not None:
                try:
                    validate_params(name, model, params, {spec.name: spec.default})
                except TemplateParamError as exc:
                    # Other parameters are missing here; only this one's problems count.
                    own = [d["message"] for d in exc.details if d["param"].partition("[")[0] == spec.name]
                    if own:
                        problems.append(f"{fname}: default of {spec.name}: {'; '.join(own)}")
    if problems or model is None:
        raise TemplateError("\n".join(problems))
    return Template(
        name=name,
        title=title,
        description=description,
        params=params,
        columns=list(columns),
        column_descriptions=columns,
        runtime=runtime,
        statements=parsed.statements,
        variants=variant_statements,
        files=tuple(files),
        params_model=model,
    )


# -- the registry -------------------------------------------------------------------------------


class TemplateRegistry:
    """Templates by name; `listing()` is sorted by name."""

    def __init__(self, templates: list[Template]) -> None:
        self._by_name = {t.name: t for t in sorted(templates, key=lambda t: t.name)}

    def listing(self) -> list[Template]:
        return list(self._by_name.values())

    def names(self) -> list[str]:
        return list(self._by_name)

    def get(self, name: str) -> Template:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownTemplate(name, self.names()) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Template]:
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


def template_dir() -> Traversable:
    """The packaged templates folder (package data: survgraph/queries/templates/*.cypher)."""
    return resources.files("survgraph.queries").joinpath("templates")


def load_templates(directory: Traversable | Path | None = None) -> TemplateRegistry:
    """Parse every `*.cypher` file of the folder; raises TemplateError listing all problems."""
    folder = directory if directory is not None else template_dir()
    bases: dict[str, tuple[str, str]] = {}
    variants: dict[str, dict[str, tuple[str, str]]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".cypher"):
            continue
        stem = entry.name.removesuffix(".cypher")
        text = entry.read_text(encoding="utf-8")
        name, dot, store = stem.partition(".")
        if dot:
            variants.setdefault(name, {})[store] = (entry.name, text)
        else:
            bases[stem] = (entry.name, text)
    problems = [f"{next(iter(v.values()))[0]}: no base file {n}.cypher" for n, v in variants.items() if n not in bases]
    templates = []
    for name, base in bases.items():
        try:
            templates.append(parse_template(name, base, variants.get(name)))
        except TemplateError as exc:
            problems.append(str(exc))
    if problems:
        raise TemplateError("\n".join(problems))
    return TemplateRegistry(templates)


#: Every packaged template, parsed once at import (a malformed file fails the import, loudly).
TEMPLATES = load_templates()
