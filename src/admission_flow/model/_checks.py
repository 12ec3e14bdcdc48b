"""Checking the arguments of the domain's values as they are built.

``Person(education="bachelor")`` raises ``InputError`` naming the field, what
it must be and the closest allowed value, rather than attrs's raw validator
error. Wrong types raise ``ArgumentTypeError`` (also a ``TypeError``). Each
value class calls these from ``__attrs_post_init__``, once, so building a
value stays cheap; the engine's own fast constructors skip them for values
it has already checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from admission_flow.exceptions import ArgumentTypeError, InputError

from ._words import describe, did_you_mean

__all__ = ["check_bool", "check_choice", "check_date", "check_instance", "check_int", "check_text"]


def check_text(owner: str, field: str, value: Any, *, optional: bool = False) -> None:
    """``value`` is non-empty text (or ``None`` when ``optional``)."""
    if value is None and optional:
        return
    if type(value) is not str:
        raise ArgumentTypeError(f"{owner}.{field} must be text, not {describe(value)}", field=field)
    if not value.strip():
        raise InputError(f"{owner}.{field} must not be empty", field=field)


def check_choice(owner: str, field: str, value: Any, allowed: Collection[str]) -> None:
    """``value`` is one of ``allowed``."""
    if type(value) is str and value in allowed:
        return
    hint = did_you_mean(value, allowed) if type(value) is str else ""
    error = InputError if type(value) is str else ArgumentTypeError
    raise error(
        f"{owner}.{field} must be one of {', '.join(allowed)}, not {describe(value)}{hint}",
        field=field,
    )


def check_date(owner: str, field: str, value: Any) -> None:
    """``value`` is a date (not a date and time)."""
    if type(value) is not dt.date:
        raise ArgumentTypeError(
            f"{owner}.{field} must be a date (datetime.date), not {describe(value)}", field=field
        )


def check_bool(owner: str, field: str, value: Any) -> None:
    if type(value) is not bool:
        raise ArgumentTypeError(
            f"{owner}.{field} must be True or False, not {describe(value)}", field=field
        )


def check_int(owner: str, field: str, value: Any, *, minimum: int = 0, limit: int = 10**9) -> None:
    """``value`` is a whole number from ``minimum`` to below ``limit``."""
    if type(value) is not int:
        raise ArgumentTypeError(
            f"{owner}.{field} must be a whole number, not {describe(value)}", field=field
        )
    if not minimum <= value < limit:
        raise InputError(
            f"{owner}.{field} must be from {minimum} to {limit - 1:,}, not {describe(value)}",
            field=field,
        )


def check_instance(owner: str, field: str, value: Any, kind: type, what: str) -> None:
    if not isinstance(value, kind):
        raise ArgumentTypeError(
            f"{owner}.{field} must be {what}, not {describe(value)}", field=field
        )
