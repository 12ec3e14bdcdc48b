"""Immutable mappings for the values a case keeps: an event's facts, a violation's details.

A ``FrozenDict`` is a ``dict`` that refuses every change. It is a ``dict``
subclass rather than a ``Mapping`` wrapper so that reading it costs what
reading a dict costs: rules read facts on every event. It hashes (when its
values do) and pickles, so cases, steps and violations compare and hash over
every field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Set
from typing import Any, NoReturn, TypeVar

__all__ = ["EMPTY", "FrozenDict", "freeze"]

_K = TypeVar("_K")
_V = TypeVar("_V")


def _refuse(self: FrozenDict[Any, Any], *args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(
        f"{type(self).__name__} is read-only: facts and details that a case keeps never change; "
        "build a new mapping instead"
    )


class FrozenDict(dict[_K, _V]):
    """A read-only ``dict``: every method that would change it raises ``TypeError``."""

    __slots__ = ()

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[FrozenDict[_K, _V]], tuple[dict[_K, _V]]]:
        return type(self), (dict(self),)

    def __copy__(self) -> FrozenDict[_K, _V]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict[_K, _V]:
        return self


#: The empty mapping, shared.
EMPTY: FrozenDict[Any, Any] = FrozenDict()

_ATOMS = (str, int, float, bool, dt.date, type(None))


def freeze(value: Any) -> Any:
    """``value`` with every mapping, list and set inside it made immutable.

    Atoms (text, numbers, dates, ``None``) and values that already hash are
    kept as they are; anything else that cannot be frozen raises ``TypeError``.
    """
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, Mapping):
        if isinstance(value, FrozenDict) and all(isinstance(v, _ATOMS) for v in value.values()):
            return value
        return FrozenDict({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    if isinstance(value, Set):
        return frozenset(freeze(item) for item in value)
    hash(value)  # raises TypeError for what cannot be kept safely
    return value
