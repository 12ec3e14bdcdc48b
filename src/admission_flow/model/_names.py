"""Lists and sets of names a value holds (a person's organisations and positions), checked
and kept once.

Each distinct small set or list of names is kept once: a register holds thousands of
people with the same few, and every one built anew costs a frozenset (216 bytes, even
empty: Python no longer shares the empty one) or a tuple. The table is bounded, in
entries and in what an entry may hold, so that input never seen again cannot grow it
without limit; past the bounds a value is simply not shared.
"""

# No ``from __future__ import annotations``: attrs copies a converter's annotation into the
# class's ``__init__``, where a string would be read in ``_values``'s namespace.
from collections.abc import Iterable
from typing import Any, TypeVar

from admission_flow.exceptions import ArgumentTypeError

from ._checks import check_text
from ._words import describe

__all__ = ["checked_names", "name_list", "name_set", "shared"]

#: The values kept, each its own key.
SHARED: dict[frozenset[str] | tuple[str, ...], Any] = {}
#: At most this many values are kept,
SHARED_ENTRIES = 1024
#: each of at most this many names,
SHARED_NAMES = 8
#: each of at most this many characters.
SHARED_CHARS = 64

_N = TypeVar("_N", frozenset[str], tuple[str, ...])


def checked_names(value: Iterable[str]) -> tuple[str, ...]:
    """A list of names, each checked to be text (a bare string is not a list of its letters)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ArgumentTypeError(f"a list of names is needed, not {describe(value)}", field="names")
    names = tuple(value)
    for name in names:
        check_text("Person", "names", name)
    return names


def shared(names: _N) -> _N:
    """``names``, or an equal value kept before (see the module's docstring)."""
    kept = SHARED.get(names)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    if (
        len(SHARED) < SHARED_ENTRIES
        and len(names) <= SHARED_NAMES
        and all(len(name) <= SHARED_CHARS for name in names)
    ):
        SHARED.setdefault(names, names)  # two threads at once: either one is kept
    return names


def name_list(value: Iterable[str]) -> tuple[str, ...]:
    """``value`` as a checked tuple of names, shared: the converter of ``positions``."""
    return shared(checked_names(value))


def name_set(value: Iterable[str]) -> frozenset[str]:
    """``value`` as a checked frozenset of names, shared: the converter of ``organizations``."""
    return shared(frozenset(checked_names(value)))
