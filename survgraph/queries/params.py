"""Template parameters: what a template declares about each one, and the pydantic model that checks values.

Values arrive from Python, from the CLI (`--param max_hops=3`) or from HTTP query strings, so every
check also accepts text: "3" -> 3, "true"/"false"/"yes"/"no"/"1"/"0" -> bool, "a,b" -> ["a", "b"],
"" -> absent. Named checks (`check=` in a template header) tie values to the schema: entity ids of
given node kinds, ISO country codes, the Technology vocabulary and the registry's edge types.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Optional, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
)

from survgraph.errors import SurvgraphError, UsageError
from survgraph.schema import REGISTRY, Technology
from survgraph.schema.models import EntityId
from survgraph.schema.types import check_as_of, check_country_code

ParamType = Literal["str", "int", "bool", "list[str]"]
PARAM_TYPES: tuple[ParamType, ...] = ("str", "int", "bool", "list[str]")

#: Longest accepted text value unless a template declares `max=`: ids and names are far shorter.
DEFAULT_MAX_LENGTH = 200

_NAME = re.compile(r"[a-z][a-z0-9_]*")


class TemplateParamError(SurvgraphError):
    """Parameters a template refused. `details` lists every problem, one dict per problem:
    {"param": name, "message": text, "type": pydantic error type or "unknown_parameter"}."""

    status = 422
    exit_code = 2

    def __init__(self, template: str, details: list[dict[str, str]]) -> None:
        self.template = template
        self.details = details
        listed = "; ".join(f"{d['param']}: {d['message']}" for d in details)
        super().__init__(f"bad parameters for template {template!r}: {listed}")


@dataclass(frozen=True)
class ParamSpec:
    """One declared parameter. For `int`, `min`/`max` bound the value; for `str` they bound its length
    and for `list[str]` the number of items. `check` names a schema check (see CHECKS) and `kinds`
    restricts `check=entity_id` to ids of those node kinds."""

    name: str
    type: ParamType
    default: Any = None
    min: int | None = None
    max: int | None = None
    description: str = ""
    required: bool = False
    check: str | None = None
    kinds: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": self.default,
            "min": self.min,
            "max": self.max,
            "check": self.check,
            "kinds": list(self.kinds),
            "description": self.description,
        }


# -- named checks, applied to each text value (each item of a list) -------------------------------

_entity_id_adapter: TypeAdapter[str] = TypeAdapter(EntityId)


def _check_entity_id(kinds: tuple[str, ...]) -> Callable[[str], str]:
    prefixes = " or ".join(f"{REGISTRY.node_kinds[k].prefix}:" for k in kinds)

    def check(value: str) -> str:
        try:
            _entity_id_adapter.validate_python(value)
        except ValidationError:
            raise ValueError("not an entity id (expected prefix:slug, e.g. vendor:huawei)") from None
        kind = REGISTRY.kind_of_id(value)
        if kind is None:
            known = ", ".join(f"{k.prefix}:" for k in REGISTRY.node_kinds.values())
            raise ValueError(f"unknown id prefix; expected one of {known}")
        if kinds and kind.label not in kinds:
            raise ValueError(f"expected the id of a {' or '.join(kinds)} ({prefixes}...)")
        return value

    return check


def _check_country(value: str) -> str:
    return check_country_code(value.upper())


def _check_technology(value: str) -> str:
    try:
        return Technology(value.lower()).value
    except ValueError:
        raise ValueError(f"unknown technology; expected one of {', '.join(t.value for t in Technology)}") from None


def _check_edge_type(value: str) -> str:
    name = value.upper()
    if name not in REGISTRY.edge_types:
        raise ValueError(f"unknown edge type; expected one of {', '.join(REGISTRY.edge_types)}")
    return name


#: check name -> (does it take `kinds`?, factory of the per-value check)
CHECKS: dict[str, Callable[[tuple[str, ...]], Callable[[str], str]]] = {
    "entity_id": _check_entity_id,
    "country_code": lambda _kinds: _check_country,
    "technology": lambda _kinds: _check_technology,
    "edge_type": lambda _kinds: _check_edge_type,
    "date": lambda _kinds: check_as_of,
}


def spec_problems(spec: ParamSpec) -> list[str]:
    """What is wrong with a declaration (checked when templates load)."""
    problems = []
    if not _NAME.fullmatch(spec.name):
        problems.append(f"{spec.name!r}: parameter names are lower_snake_case")
    if hasattr(BaseModel, spec.name):
        problems.append(f"{spec.name!r}: clashes with a pydantic BaseModel attribute; pick another name")
    if spec.type not in PARAM_TYPES:
        problems.append(f"{spec.name}: type {spec.type!r} is not one of {', '.join(PARAM_TYPES)}")
    if spec.check is not None and spec.check not in CHECKS:
        problems.append(f"{spec.name}: unknown check {spec.check!r}; expected one of {', '.join(CHECKS)}")
    if spec.check is not None and spec.type not in ("str", "list[str]"):
        problems.append(f"{spec.name}: check= applies to str and list[str] parameters only")
    if spec.kinds and spec.check != "entity_id":
        problems.append(f"{spec.name}: kinds= needs check=entity_id")
    for k in spec.kinds:
        if k not in REGISTRY.node_kinds:
            problems.append(f"{spec.name}: unknown node kind {k!r}")
    if spec.type == "bool" and (spec.min is not None or spec.max is not None):
        problems.append(f"{spec.name}: bool parameters take no min/max")
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        problems.append(f"{spec.name}: min {spec.min} > max {spec.max}")
    if spec.required and spec.default is not None:
        problems.append(f"{spec.name}: a required parameter has no default")
    return problems


# -- coercion of text input ---------------------------------------------------------------------


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _no_control_characters(value: str) -> str:
    # NUL and other control characters have no place in ids, codes or search text.
    for ch in value:
        if unicodedata.category(ch) == "Cc":
            raise ValueError(f"control character U+{ord(ch):04X} is not allowed")
    return value


def _empty_is_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _int_input(value: Any) -> Any:
    # bool is an int subclass in Python: True must not pass for a hop count.
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return _strip(value)


def _bool_input(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _list_input(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if isinstance(item, str):
                item = item.strip()
                if not item:
                    continue
            items.append(item)
        return items
    return value


def _dedupe(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


def _enum(spec: ParamSpec) -> dict[str, Any]:
    """JSON Schema `enum` for values from a closed vocabulary (shown to API clients)."""
    if spec.check == "technology":
        return {"json_schema_extra": {"enum": [t.value for t in Technology]}}
    if spec.check == "edge_type":
        return {"json_schema_extra": {"enum": list(REGISTRY.edge_types)}}
    return {}


def _annotation(spec: ParamSpec) -> Any:
    """The pydantic type of one parameter: constraints innermost (so the JSON Schema shows them),
    then the named check, then the coercion of text input outermost."""
    check = CHECKS[spec.check](spec.kinds) if spec.check else None
    if spec.type == "int":
        return Annotated[int, Field(ge=spec.min, le=spec.max), BeforeValidator(_int_input)]
    if spec.type == "bool":
        return Annotated[bool, BeforeValidator(_bool_input)]
    text: Any = Annotated[
        str,
        Field(
            min_length=max(spec.min or 1, 1) if spec.type == "str" else 1,
            max_length=(spec.max if spec.type == "str" else None) or DEFAULT_MAX_LENGTH,
            **_enum(spec),
        ),
        AfterValidator(_no_control_characters),
    ]
    if check is not None:
        text = Annotated[text, AfterValidator(check)]
    if spec.type == "str":
        return Annotated[text, BeforeValidator(_strip)]
    return Annotated[
        list[text],
        Field(min_length=spec.min, max_length=spec.max),
        AfterValidator(_dedupe),
        BeforeValidator(_list_input),
    ]


def build_params_model(template_name: str, specs: list[ParamSpec]) -> type[BaseModel]:
    """A pydantic model with one field per parameter; unknown parameters are refused."""
    fields: dict[str, Any] = {}
    for spec in specs:
        ann: Any = _annotation(spec)
        description = spec.description or None
        if spec.required:
            fields[spec.name] = (ann, Field(description=description))
        else:
            # Absent or empty text means "not given": the default applies.
            optional: Any = Annotated[Optional[ann], BeforeValidator(_empty_is_none)]  # noqa: UP045 - ann is a value
            fields[spec.name] = (optional, Field(default=spec.default, description=description))
    model_name = "".join(part.capitalize() for part in template_name.split("_")) + "Params"
    model = create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)
    return cast(type[BaseModel], model)


def validate_params(
    template_name: str, model: type[BaseModel], specs: list[ParamSpec], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Checked parameter values, defaults filled in; raises TemplateParamError listing every problem."""
    declared = {s.name: s for s in specs}
    try:
        instance = model.model_validate(dict(params))
    except ValidationError as exc:
        raise TemplateParamError(template_name, _details(exc, declared)) from exc
    values = instance.model_dump()
    for name, spec in declared.items():
        # Empty input ("max_hops=") reads as "not given": the declared default applies.
        if values.get(name) is None and spec.default is not None:
            values[name] = spec.default
    return values


def _details(exc: ValidationError, declared: Mapping[str, ParamSpec]) -> list[dict[str, str]]:
    details = []
    for err in exc.errors(include_url=False):
        loc = err["loc"]
        name = str(loc[0]) if loc else "-"
        if len(loc) > 1:
            name += "".join(f"[{x}]" if isinstance(x, int) else "" for x in loc[1:])
        message = str(err["msg"]).removeprefix("Value error, ")
        kind = str(err["type"])
        if kind == "extra_forbidden":
            kind = "unknown_parameter"
            expected = ", ".join(declared) or "none"
            message = f"unknown parameter; this template takes: {expected}"
        elif kind == "missing":
            message = "required"
        details.append({"param": name, "message": message, "type": kind})
    return details


def cypher_value(spec: ParamSpec, value: Any) -> Any:
    """The value as Cypher receives it. Absent text is '' and an absent list is [] because the
    embedded engine cannot type a null parameter (`$country IS NULL` fails there)."""
    if value is None and spec.type == "str":
        return ""
    if value is None and spec.type == "list[str]":
        return []
    return value


def parse_key_values(
    items: Iterable[str] | None, *, option: str = "--param", list_names: Collection[str] | None = None
) -> dict[str, Any]:
    """`KEY=VALUE` items (the CLI's `-p`, the API's `param=`): a repeated key becomes a list. With
    `list_names` (a template's list parameters), repeating any other key is an error; without, the
    template's validation decides. Raises UsageError naming `option`."""
    params: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} {item[:DEFAULT_MAX_LENGTH]!r}: expected KEY=VALUE")
        if key not in params:
            params[key] = value
            continue
        if list_names is not None and key not in list_names:
            raise UsageError(f"{option} {key[:DEFAULT_MAX_LENGTH]} given twice")
        previous = params[key]
        params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
    return params
