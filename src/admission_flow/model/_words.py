"""How values and names read in messages: ``describe`` and "did you mean ...?"."""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import difflib
import threading
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from admission_flow._limits import MAX_SUGGESTION_COMPARISONS, MAX_SUGGESTION_WORD, quote

__all__ = ["closest", "describe", "did_you_mean"]


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'approved'?"``, or ``""`` when nothing is close.

    Bounded, so that a file with thousands of misspelt names is checked in
    time linear in its size: no suggestion for a word longer than
    ``MAX_SUGGESTION_WORD``, and at most ``MAX_SUGGESTION_COMPARISONS``
    candidates compared: all of them when there are so few, else those
    closest to the word in length and in spelling (see ``_Names``).
    """
    close = closest(word, candidates)
    return f"; did you mean {quote(close)}?" if close is not None else ""


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like ``word`` (difflib's ratio at least 0.6), if any."""
    if not isinstance(word, str) or not 0 < len(word) <= MAX_SUGGESTION_WORD:
        return None
    names = candidates if isinstance(candidates, Collection) else list(candidates)
    if len(names) <= MAX_SUGGESTION_COMPARISONS:
        pool: Iterable[object] = names  # not only str: a caller may pass any keys
    else:
        pool = _index(names).near(word)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: tuple[float, str] | None = None
    for name in pool:
        if not isinstance(name, str):
            continue
        matcher.set_seq1(name)
        if matcher.real_quick_ratio() < 0.6 or matcher.quick_ratio() < 0.6:
            continue
        score = matcher.ratio()
        # ties go to the greater name, as difflib.get_close_matches does
        if score >= 0.6 and (best is None or (score, name) > best):
            best = (score, name)
    if best is None or best[1] not in names:  # see _index on a changed collection
        return None
    return best[1]


class _Names:
    """Names by length, each length sorted by prefix and by suffix.

    A typo keeps most of a name's length and either its beginning or its end,
    so the names worth comparing with a word are those of about its length that
    sort next to it, read forwards or backwards: two bisections per length
    find them, however many names there are.
    """

    def __init__(self, names: Iterable[str]) -> None:
        forwards: dict[int, list[str]] = {}
        for name in names:
            if isinstance(name, str):
                forwards.setdefault(len(name), []).append(name)
        self.forwards = {size: sorted(group) for size, group in forwards.items()}
        self.backwards = {
            size: sorted(name[::-1] for name in group) for size, group in forwards.items()
        }

    def near(self, word: str) -> list[str]:
        """At most ``MAX_SUGGESTION_COMPARISONS`` names, closest in length first."""
        size = len(word)
        # difflib's ratio is 2*M/(a+b) with M <= min(a, b): it reaches 0.6 only
        # when the shorter of two names is at least 3/7 of the longer.
        shortest, longest = (3 * size + 6) // 7, (7 * size) // 3
        found: dict[str, None] = {}
        for distance in range(max(size - shortest, longest - size) + 1):
            for length in (size - distance, size + distance) if distance else (size,):
                if not shortest <= length <= longest or length not in self.forwards:
                    continue
                for name in _neighbours(self.forwards[length], word):
                    found[name] = None
                for name in _neighbours(self.backwards[length], word[::-1]):
                    found[name[::-1]] = None
                if len(found) >= MAX_SUGGESTION_COMPARISONS:
                    return list(found)[:MAX_SUGGESTION_COMPARISONS]
        return list(found)


_NEIGHBOURS = 4


def _neighbours(ordered: list[str], word: str) -> list[str]:
    at = bisect.bisect_left(ordered, word)
    return ordered[max(0, at - _NEIGHBOURS) : at + _NEIGHBOURS]


#: The last few indexes built, by the identity of the collection they index.
#: A loader asks about the same known names (states, events, members) over and
#: over; indexing them once keeps checking a file linear in its size. Entries
#: hold their collection, so an id is never reused while cached; a collection
#: changed in place without changing its length may be served a stale index,
#: whose answer is dropped unless it is still in the collection.
_INDEXES: collections.OrderedDict[int, tuple[Collection[str], int, _Names]] = (
    collections.OrderedDict()
)
_INDEXES_KEPT = 16
_INDEXES_LOCK = threading.Lock()  # engines may suggest names from several threads


def _index(names: Collection[str]) -> _Names:
    with _INDEXES_LOCK:
        entry = _INDEXES.get(id(names))
        if entry is not None and entry[0] is names and entry[1] == len(names):
            _INDEXES.move_to_end(id(names))
            return entry[2]
    index = _Names(names)
    with _INDEXES_LOCK:
        _INDEXES[id(names)] = (names, len(names), index)
        while len(_INDEXES) > _INDEXES_KEPT:
            _INDEXES.popitem(last=False)
    return index


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
