"""How values and names read in messages: ``describe`` and "did you mean ...?"."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["describe", "did_you_mean"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'approved'?"``, or ``""`` when nothing is close."""
    close = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


#: How much of a value a message quotes: a long value is cut, never echoed whole.
QUOTE_LIMIT = 60


def quote(text: str, limit: int = QUOTE_LIMIT) -> str:
    """``'text'``, cut to ``limit`` characters with ``…``."""
    return f"'{text}'" if len(text) <= limit else f"'{text[: limit - 1]}…'"


def describe(value: Any) -> str:
    """How a wrong value reads in a message: ``'abc' (text)``, ``5 (number)``, ``a list``."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, str):
        return f"{quote(value)} (text)"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple | set | frozenset):
        return "a list"
    if isinstance(value, dt.datetime):
        return f"{value.isoformat()} (a date and time)"
    if isinstance(value, dt.date):
        return f"{value.isoformat()} (date)"
    if isinstance(value, int):
        if value.bit_length() > 60:  # str() of a huge int costs, and can refuse
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return f"{value} (number)"
    if isinstance(value, float):
        return f"{value} (number)"
    if isinstance(value, type):
        return f"the class {value.__name__} (an instance is needed)"
    return f"a {type(value).__name__}"
