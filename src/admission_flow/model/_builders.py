"""Positional constructors for frozen attrs values, for the engine's hot path.

Kept apart from the values themselves: one concern, and ``_values.py`` stays
short enough to read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs
from attrs import AttrsInstance

__all__ = ["_builder", "builder_source"]

_T = TypeVar("_T", bound=AttrsInstance)


def _builder(cls: type[_T], *, checked: frozenset[str] | None = None) -> Callable[..., _T]:
    """A positional constructor for a frozen attrs class, for the engine's hot path.

    attrs's frozen ``__init__`` guards each field with a generic
    ``object.__setattr__`` call; this one stores each field through its slot
    descriptor, about twice as fast, and skips the class's own checks. It is
    only for classes with no validator and no converter, unless ``checked``
    names the converted fields and the caller promises to pass every value
    as the class's ``__init__`` would have made and checked it (a ``Step``'s
    facts already a ``FrozenDict``). The tests check it builds values equal
    to the class's own ``__init__``.
    """
    fields = attrs.fields(cls)
    trusted = checked if checked is not None else frozenset()
    if any(
        f.validator is not None or (f.converter is not None and f.name not in trusted)
        for f in fields
    ) or (checked is None and hasattr(cls, "__attrs_post_init__")):
        raise TypeError(f"{cls.__name__} converts or validates; use its __init__")
    names = [f.name for f in fields]
    body, namespace = builder_source(cls, "value", names, prefix="_")
    lines = [f"def build({', '.join(names)}):", *(f"    {line}" for line in body)]
    lines.append("    return value")
    exec("\n".join(lines), namespace)  # code made of field names only, as attrs does
    build: Callable[..., _T] = namespace["build"]
    build.__qualname__ = f"new {cls.__name__}"
    return build


def builder_source(
    cls: type[AttrsInstance], target: str, values: list[str], *, prefix: str
) -> tuple[list[str], dict[str, Any]]:
    """The lines that build ``cls`` into the variable ``target`` from the expressions
    ``values`` (one per field, in order), and the namespace they need (names from
    ``prefix``): ``_builder``'s body, for code generated elsewhere that builds a value
    inline (the judging functions of ``judging/_generated.py``). The same promise holds:
    every value as the class's ``__init__`` would have made and checked it."""
    namespace: dict[str, Any] = {f"{prefix}new": object.__new__, f"{prefix}cls": cls}
    lines = [f"{target} = {prefix}new({prefix}cls)"]
    for index, (field, value) in enumerate(zip(attrs.fields(cls), values, strict=True)):
        namespace[f"{prefix}set{index}"] = cls.__dict__[field.name].__set__
        lines.append(f"{prefix}set{index}({target}, {value})")
    return lines, namespace
