"""Fact types: one definition of each, for the loader, ``fire()``'s fast path and messages.

A fact's value must have its type's Python type exactly: a ``bool`` is not an
``int`` and a ``datetime`` is not a ``date``, so that what is stored is what
was meant. ``problem`` explains a value that does not fit;
``quick_test`` answers the same question faster, for ``fire()``; the tests
prove that the two always agree.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Mapping
from types import CodeType
from typing import Any

from admission_flow.model._frozen import FrozenDict
from admission_flow.model._words import describe, did_you_mean

from ._spec import FactSpec

__all__ = [
    "FACT_TYPES",
    "INT_LIMIT",
    "counted",
    "limit_problems",
    "normalise",
    "problem",
    "quick_source",
    "quick_test",
    "type_problem",
]

#: The Python type of each fact type's values, exactly.
PYTHON_TYPES: Mapping[str, type] = {
    "text": str,
    "int": int,
    "bool": bool,
    "date": dt.date,
    "choice": str,
    "member": str,
    "counts": int,
}
FACT_TYPES: tuple[str, ...] = ("text", "int", "bool", "date", "choice", "member", "counts")
#: The key of a ``counts`` mapping that may state the sum of the others, as a check.
COUNTS_TOTAL = "total"
_EXPECTED = {
    "text": "text",
    "int": "a whole number",
    "bool": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "member": "a member id",
    "counts": "a count, or a mapping of counts by reason",
}
#: No count in this domain comes near it; bigger numbers are mistakes (or attacks).
INT_LIMIT = 10**15

#: A fast yes/no test of a fact's value given by a role.
Test = Callable[[Any, str], bool]


def type_problem(spec: FactSpec, value: Any) -> str | None:
    """Why ``value`` is not of the fact's type (or allowed values, or range); ``None`` if it is.

    Members, roles and ``min`` are judged by ``problem``, which knows the event.
    """
    if spec.type == "counts" and isinstance(value, Mapping):
        return _counts_problem(spec, value)
    fits = type(value) is PYTHON_TYPES[spec.type]
    if spec.type == "choice":
        if fits and value in spec.values:
            return None
        hint = did_you_mean(value, spec.values) if fits else ""
        return f"must be one of {', '.join(spec.values)}, not {describe(value)}{hint}"
    if not fits:
        return f"must be {_EXPECTED[spec.type]}, not {describe(value)}"
    if spec.type == "counts" and value < 0:
        return f"must be at least 0, not {value}"
    if spec.type == "counts" and value >= INT_LIMIT:
        return f"must be a count below {INT_LIMIT:,}, not one of {len(str(value))} digits"
    if spec.type == "int" and not -INT_LIMIT < value < INT_LIMIT:
        # Counted from the bits: str() of a number past 4,300 digits raises ValueError.
        digits = int(abs(value).bit_length() * 0.30103) + 1
        return f"must be a whole number below {INT_LIMIT:,}, not one of about {digits:,} digits"
    return None


def _counts_problem(spec: FactSpec, value: Mapping[Any, Any]) -> str | None:
    """Why a mapping of counts by reason does not fit the fact; ``None`` if it does.

    Each key is one of the fact's ``values``, each count a whole number from 0;
    an optional ``total`` must be their sum.
    """
    allowed = (*spec.values, COUNTS_TOTAL)
    for key, count in value.items():
        if type(key) is not str or key not in allowed:
            hint = did_you_mean(key, allowed) if type(key) is str else ""
            return (
                f"has an unknown reason {describe(key)}{hint}; the reasons are "
                f"{', '.join(spec.values)}"
            )
        if type(count) is not int or not 0 <= count < INT_LIMIT:
            return f"counts {key} as {describe(count)}; a count is a whole number from 0"
    if COUNTS_TOTAL in value:
        parts = sum(count for key, count in value.items() if key != COUNTS_TOTAL)
        if parts != value[COUNTS_TOTAL]:
            return (
                f"does not add up: its counts make {parts}, but its total says "
                f"{value[COUNTS_TOTAL]}; correct one of them"
            )
    return None


def counted(value: Any) -> int:
    """The number a ``counts`` fact stands for: a bare count, or the sum of its reasons."""
    if isinstance(value, Mapping):
        if COUNTS_TOTAL in value:
            return int(value[COUNTS_TOTAL])
        return sum(value.values())
    return int(value)


def normalise(spec: FactSpec, value: Any) -> Any:
    """A fact's value as a step keeps it: a ``counts`` mapping as a read-only plain dict."""
    if spec.type == "counts" and isinstance(value, Mapping):
        return FrozenDict({str(key): count for key, count in value.items()})
    return value


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
    expression, namespace = quick_source(spec, members, value="value", role="role", prefix="_")
    test: Test = eval(_lambda_code(expression), namespace)  # our own text (see quick_source)
    return test


@functools.lru_cache(maxsize=64)
def _lambda_code(expression: str) -> CodeType:
    """``lambda value, role: expression`` compiled once per process (a few shapes in all)."""
    return compile(f"lambda value, role: {expression}", "<admission_flow: quick test>", "eval")


def quick_source(
    spec: FactSpec, members: Collection[str], *, value: str, role: str, prefix: str
) -> tuple[str, dict[str, Any]]:
    """``quick_test`` as a Python expression over the names ``value`` and ``role``.

    For ``quick_test`` and the judging functions generated per event
    (``judging/_generated.py``): one definition of the quick test for both. The
    expression names the constants it compares with (each starting with
    ``prefix``), returned beside it; it never contains the fact's own text (its
    name, values or roles come from YAML, and YAML never runs code).
    """
    kind = spec.type
    namespace: dict[str, Any] = {f"{prefix}limit": INT_LIMIT}
    if kind == "counts":  # a mapping goes the slow way, which freezes it
        expression = f"type({value}) is int and 0 <= {value} < {prefix}limit"
    elif kind == "int":
        low = -INT_LIMIT if spec.minimum is None else max(spec.minimum - 1, -INT_LIMIT)
        namespace[f"{prefix}low"] = low
        expression = f"type({value}) is int and {prefix}low < {value} < {prefix}limit"
    elif kind in ("choice", "member"):
        namespace[f"{prefix}values"] = frozenset(spec.values) if kind == "choice" else members
        expression = f"type({value}) is str and {value} in {prefix}values"
    else:
        namespace[f"{prefix}type"] = PYTHON_TYPES[kind]
        expression = f"type({value}) is {prefix}type"
    if spec.roles:
        namespace[f"{prefix}roles"] = frozenset(spec.roles)
        expression = f"{role} in {prefix}roles and {expression}"
    return expression, namespace


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
