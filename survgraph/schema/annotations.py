"""The one reader of the models' type annotations: what a field holds under Optional, list and Annotated.

The registry reads it to choose stored columns; RDF reads it to type values (enums, partial dates, URLs,
country codes). Both see the same answer for the same field.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo


def unwrap_optional(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X (repeatedly); anything else as is."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return unwrap_optional(args[0])
    if origin is typing.Annotated:
        return unwrap_optional(get_args(annotation)[0])
    return annotation


def annotated_metadata(annotation: Any) -> list[Any]:
    """Every Annotated[...] metadata item inside an annotation (through Optional and list)."""
    found: list[Any] = []
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        found.extend(annotation.__metadata__)
        found.extend(annotated_metadata(get_args(annotation)[0]))
    elif origin in (Union, types.UnionType, list):
        for arg in get_args(annotation):
            found.extend(annotated_metadata(arg))
    return found


def enum_of(annotation: Any) -> type[Enum] | None:
    """The Enum a field holds (alone, optional or in a list), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    for arg in get_args(annotation):
        found = enum_of(arg)
        if found is not None:
            return found
    return None


def sub_model(annotation: Any) -> type[BaseModel]:
    """The nested model of a field such as `Money | None`; TypeError if there is none."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    raise TypeError(f"no nested model in {annotation!r}")


def marks(info: FieldInfo, marker: Any) -> bool:
    """Whether the field's type is (or contains) the Annotated type `marker`, e.g. PartialDate."""
    wanted = {id(m) for m in marker.__metadata__}
    return any(id(m) in wanted for m in [*info.metadata, *annotated_metadata(info.annotation)])
