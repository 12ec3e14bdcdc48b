"""Fact types: one definition of each, for the loader, ``fire()``'s fast path and messages.

A fact's value must have its type's Python type exactly: a ``bool`` is not an
``int`` and a ``datetime`` is not a ``date``, so that what is stored is what
was meant. ``problem`` explains a value that does not fit;
``quick_test`` answers the same question faster, for ``fire()``; the tests
prove that the two always agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from typing import Any

from admission_flow.model._words import describe, did_you_mean

from ._spec import FactSpec

__all__ = ["FACT_TYPES", "INT_LIMIT", "limit_problems", "problem", "quick_test", "type_problem"]

#: The Python type of each fact type's values, exactly.
PYTHON_TYPES: Mapping[str, type] = {
    "text": str,
    "int": int,
    "bool": bool,
    "date": dt.date,
    "choice": str,
    "member": str,
}
FACT_TYPES: tuple[str, ...] = ("text", "int", "bool", "date", "choice", "member")
_EXPECTED = {
    "text": "text",
    "int": "a whole number",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "member": "a member id",
}
#: No count in this domain comes near it; bigger numbers are mistakes (or attacks).
INT_LIMIT = 10**15

#: A fast yes/no test of a fact's value given by a role.
Test = Callable[[Any, str], bool]


def type_problem(spec: FactSpec, value: Any) -> str | None:
    """Why ``value`` is not of the fact's type (or allowed values, or range); ``None`` if it is.

    Members, roles and ``min`` are judged by ``problem``, which knows the event.
    """
    fits = type(value) is PYTHON_TYPES[spec.type]
    if spec.type == "choice":
        if fits and value in spec.values:
            return None
        hint = did_you_mean(value, spec.values) if fits else ""
        return f"must be one of {', '.join(spec.values)}, not {describe(value)}{hint}"
    if not fits:
        return f"must be {_EXPECTED[spec.type]}, not {describe(value)}"
    if spec.type == "int" and not -INT_LIMIT < value < INT_LIMIT:
        return (
            f"must be a whole number below {INT_LIMIT:,}, not one of {len(str(abs(value)))} digits"
        )
    return None


def problem(
    spec: FactSpec, value: Any, *, members: Collection[str], role: str | None
) -> str | None:
    """Why ``value`` cannot be this fact's value when ``role`` gives it; ``None`` if it can."""
    found = type_problem(spec, value)
    if found is not None:
        return found
    if spec.type == "member" and value not in members:
        return (
            f"names unknown member '{value}': list it among the members first"
            f"{did_you_mean(value, members)}"
        )
    if spec.minimum is not None and value < spec.minimum:
        return f"must be at least {spec.minimum}, not {value}"
    if spec.roles and role is not None and role not in spec.roles:
        return f"is given only by {', '.join(spec.roles)}, not by '{role}'; leave it out"
    return None


def quick_test(spec: FactSpec, members: Collection[str]) -> Test:
    """``test(value, role)``: true exactly when ``problem`` finds nothing (and faster)."""
    plain = _plain_test(spec, members)
    if not spec.roles:
        return plain
    roles = frozenset(spec.roles)
    return lambda value, role: role in roles and plain(value, role)


def _plain_test(spec: FactSpec, members: Collection[str]) -> Test:
    kind = spec.type
    if kind == "int":
        low = -INT_LIMIT if spec.minimum is None else max(spec.minimum - 1, -INT_LIMIT)
        return lambda v, role: type(v) is int and low < v < INT_LIMIT
    if kind == "choice":
        values = frozenset(spec.values)
        return lambda v, role: type(v) is str and v in values
    if kind == "member":
        return lambda v, role: type(v) is str and v in members
    expected = PYTHON_TYPES[kind]
    return lambda v, role: type(v) is expected


def limit_problems(
    event: str, facts: Mapping[str, Any], limits: Collection[tuple[str, str]]
) -> list[tuple[str, str]]:
    """``(fact, message)`` for each fact that exceeds the fact it may not exceed (``at_most``)."""
    return [
        (
            name,
            f"fact '{name}' of '{event}' ({facts[name]}) cannot exceed '{limit}' ({facts[limit]})",
        )
        for name, limit in limits
        if name in facts and limit in facts and facts[name] > facts[limit]
    ]
