"""Limits and safety: what one file may cost, and how values are shown in messages.

Every limit lives here, so that ``docs/limits.md`` has one place to match and a
reviewer one place to read. A file past a limit is refused with a problem at
``file:line:col``, never with a traceback or an unbounded amount of work.

The limits are far above anything a real procedure or scenario needs (the
standard procedure is 15 KB, with 11 states and a few hundred values); they
exist so that a small hostile file cannot cost gigabytes or minutes.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

__all__ = [
    "DEFAULT_MAXIMUM",
    "ESCAPED",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_FILE_BYTES",
    "MAX_MAGNITUDE",
    "MAX_MESSAGE_CHARS",
    "MAX_NODES",
    "MAX_PROBLEMS_SHOWN",
    "MAX_QUOTED_CHARS",
    "MAX_SCALAR_CHARS",
    "MAX_SCENARIO_EVENTS",
    "MAX_SUGGESTION_COMPARISONS",
    "MAX_SUGGESTION_WORD",
    "MAX_UNIT_MEMBERS",
    "cut",
    "escape",
    "in_calendar",
    "quote",
]

# -- reading a file -------------------------------------------------------------

#: A file larger than this is refused before it is parsed (at most one byte
#: more is ever read, so an endless device cannot be read without bound).
MAX_FILE_BYTES: Final = 1024 * 1024
#: A document that expands (through aliases) to more values than this is refused.
MAX_NODES: Final = 200_000
#: A document whose text values add up, after alias expansion, to more
#: characters than this is refused: one long text aliased many times costs as
#: much as writing it out each time.
MAX_SCALAR_CHARS: Final = 4 * 1024 * 1024
#: Values nested more than this many levels deep are refused.
MAX_DEPTH: Final = 64
#: The most events one scenario may list. A scenario replays one case, which
#: has a few dozen events; the limit keeps the cost of a run bounded whatever
#: the engine spends per event.
MAX_SCENARIO_EVENTS: Final = 1_000

# -- numbers and dates ----------------------------------------------------------

#: Whole numbers are refused from this magnitude on (``|n| >= 10**15``), before
#: any conversion: a 5,000-digit number is one problem, not a ``ValueError``.
MAX_MAGNITUDE: Final = 10**15
#: The most digits a whole number in a file may have (``10**15 - 1`` has 15).
MAX_DIGITS: Final = 15
#: The largest count a procedure or scenario field takes unless the field says
#: otherwise (``Reader.integer(maximum=...)``): 10,000 months or working days
#: from the last day of the calendar still fall well inside ``datetime``.
DEFAULT_MAXIMUM: Final = 10_000
#: The most official members a scenario's unit may have (its own maximum).
MAX_UNIT_MEMBERS: Final = 1_000_000
#: The years a date in a file may fall in. Holiday tables cover them, and no
#: deadline counted from them (at most ``DEFAULT_MAXIMUM`` months or working
#: days) can run past year 9999, where ``datetime`` stops.
FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2199

# -- messages -------------------------------------------------------------------

#: A value quoted in a message is cut after this many characters, then '…'.
MAX_QUOTED_CHARS: Final = 60
#: A whole message is cut after this many characters (a backstop for messages
#: that interpolate a value without ``quote``).
MAX_MESSAGE_CHARS: Final = 1_000
#: ``str()`` of an error shows at most this many problems, then one line
#: saying how many more there are.
MAX_PROBLEMS_SHOWN: Final = 1_000
#: "did you mean" is not offered for a word longer than this.
MAX_SUGGESTION_WORD: Final = 64
#: "did you mean" compares a word with at most this many candidates (those
#: closest in length first), so that checking a file costs time linear in its size.
MAX_SUGGESTION_COMPARISONS: Final = 40


def in_calendar(day: dt.date) -> bool:
    """Whether ``day`` falls in the years a file may use (``FIRST_YEAR``–``LAST_YEAR``)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def cut(text: str, limit: int = MAX_QUOTED_CHARS) -> str:
    """``text``, or its first ``limit`` characters and '…' when it is longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def quote(value: object) -> str:
    """``'value'`` for a message: cut to ``MAX_QUOTED_CHARS`` characters."""
    return f"'{cut(str(value))}'"


def _escapes() -> dict[int, str]:
    """What ``escape`` replaces: every character that can move the cursor,
    start a new line, change the terminal's state or reorder the text shown."""
    table: dict[int, str] = {}
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    for code in (*range(0x20), *range(0x7F, 0xA0)):
        table[code] = special.get(chr(code), f"\\x{code:02x}")
    for code in (
        0x061C,  # Arabic letter mark
        *range(0x200B, 0x2010),  # zero-width spaces and joiners, LRM, RLM
        0x2028,  # line separator
        0x2029,  # paragraph separator
        *range(0x202A, 0x202F),  # bidi embeddings and overrides
        *range(0x2066, 0x206A),  # bidi isolates
        0xFEFF,  # zero-width no-break space (byte-order mark)
        *range(0xD800, 0xE000),  # lone surrogates cannot be written as UTF-8
    ):
        table[code] = f"\\u{code:04x}"
    return table


_ESCAPES: Final = _escapes()
#: The code points ``escape`` replaces.
ESCAPED: Final = frozenset(_ESCAPES)


def escape(text: str) -> str:
    """``text`` made safe for one line of a terminal.

    Control characters (``\\n``, ``\\x1b`` and the rest of C0 and C1, NEL
    included), line and paragraph separators, bidi overrides and isolates,
    zero-width characters and lone surrogates are written as escapes
    (``\\n``, ``\\x1b``, ``\\u2028``), so that a value read from a file can
    neither break a message into lines, nor send an escape sequence to the
    terminal, nor make the text read differently from what it is.
    """
    return text.translate(_ESCAPES)
