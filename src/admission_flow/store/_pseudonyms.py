"""Pseudonyms for an export: who the register names, replaced everywhere, consistently.

Everything to replace is learnt from the whole register before any line is
written (``learn``), so that a case's free text naming a candidate whose case
comes later is replaced as well. Then ``text`` replaces, inside any string:

- every id of a case, a candidate and a party member (as an actor too), in any
  letter case;
- every candidate's name, in any letter case, with or without diacritics, with
  any spacing between its words (``Lê Thị Oanh``, ``LÊ THỊ OANH``,
  ``Le Thi Oanh``, ``le  thi oanh``);
- every candidate's birth date as ISO (``1990-05-17``), day first
  (``17/05/1990``, ``17-5-1990``, ``17.05.1990``), month first (``05/17/1990``)
  or in Vietnamese words (``ngày 17 tháng 5 năm 1990``): by the same date with
  day 1, written the same way, as the candidate's ``born`` is;
- every identity number: a run of 9 digits (CMND) or 12 digits (CCCD) standing
  alone, by as many digits of a keyed hash.

Replacements are keyed hashes (ids, identity numbers) or numbers in order
(``Người 1``); the key lives in memory for one export and is thrown away.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Pseudonyms"]

_DATE_WORDS = re.compile(
    r"(?<![\w])(?:"
    r"(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})"
    r"|(?P<a>\d{1,2})(?P<s1>\s*[/.-]\s*)(?P<b>\d{1,2})(?P<s2>\s*[/.-]\s*)(?P<y>\d{4})"
    r"|ngay\s+(?P<vd>\d{1,2})\s+thang\s+(?P<vm>\d{1,2})\s+nam\s+(?P<vy>\d{4})"
    r"|(?P<number>\d{12}|\d{9})"
    r")(?![\w])"
)


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character without its diacritics, case-folded: ``Ệ`` → ``e``, ``Đ`` → ``d``."""
    if char in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base.casefold() or char


def fold(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index of its original one."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    origin.append(len(text))
    return "".join(pieces), origin


def _key(text: str) -> str:
    return " ".join(fold(text)[0].split())


class Pseudonyms:
    """Consistent stand-ins for names, ids, birth dates and identity numbers."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.replacements: dict[str, str] = {}  # folded name or id -> stand-in
        self.ids: dict[str, str] = {}  # an id exactly -> its stand-in
        self.births: set[tuple[int, int, int]] = set()
        self.names = 0
        self._pattern: re.Pattern[str] | None = None

    def _token(self, value: str) -> str:
        return hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    # -- learning, before anything is written -------------------------------------------

    def identity(self, value: str, prefix: str) -> str:
        """The stand-in of an id (learnt now if new).

        Keyed by the id exactly, so that two ids differing only in letter case stay two;
        free text finds the id in any case (the first id learnt of a folded spelling).
        """
        if value not in self.ids:
            self.ids[value] = f"{prefix}-{self._token(value)[:12]}"
            key = _key(value)
            if key not in self.replacements:
                self.replacements[key] = self.ids[value]
                self._pattern = None
        return self.ids[value]

    def name(self, value: str) -> str:
        key = _key(value)
        if key not in self.replacements:
            self.names += 1
            self.replacements[key] = f"Người {self.names}"
            self._pattern = None
        return self.replacements[key]

    def born(self, value: str) -> str:
        day = dt.date.fromisoformat(value)
        self.births.add((day.year, day.month, day.day))
        return day.replace(day=1).isoformat()

    def learn(
        self,
        candidates: Iterable[tuple[str, Mapping[str, Any]]],
        member_ids: Iterable[str],
        actor_ids: Iterable[str],
    ) -> None:
        """Learn every case, candidate and member of the register, in a fixed order."""
        for case_id, candidate in candidates:
            self.identity(case_id, "c")
            self.identity(candidate["id"], "c")
            self.name(candidate["name"])
            self.born(candidate["born"])
        for member in sorted(member_ids):
            self.identity(member, "m")
        for actor in sorted(actor_ids):
            self.identity(actor, "m")

    # -- replacing ------------------------------------------------------------------------

    def _words(self) -> re.Pattern[str]:
        if self._pattern is None:
            words = sorted(self.replacements, key=len, reverse=True)
            alternatives = "|".join(r"\s+".join(map(re.escape, w.split(" "))) for w in words)
            self._pattern = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")
        return self._pattern

    def _date(self, match: re.Match[str]) -> str | None:
        """The replacement of a date or number the match found, or ``None`` to keep it."""
        group = match.group
        if group("number"):
            digits = str(int(self._token(group("number")), 16))
            return digits[-len(group("number")) :].rjust(len(group("number")), "0")
        if group("iy"):
            found = (int(group("iy")), int(group("im")), int(group("id")))
            if found in self.births:
                return f"{group('iy')}-{group('im')}-01"
            return None
        if group("vy"):
            if (int(group("vy")), int(group("vm")), int(group("vd"))) in self.births:
                return f"ngày 1 tháng {group('vm')} năm {group('vy')}"
            return None
        a, b, year = int(group("a")), int(group("b")), int(group("y"))
        if (year, b, a) in self.births:  # day first
            return f"{'01' if len(group('a')) == 2 else '1'}{group('s1')}{group('b')}{group('s2')}{group('y')}"
        if (year, a, b) in self.births:  # month first
            return f"{group('a')}{group('s1')}{'01' if len(group('b')) == 2 else '1'}{group('s2')}{group('y')}"
        return None

    def text(self, value: Any) -> Any:
        """Every known name, id, birth date and identity number inside ``value``, however deep."""
        if isinstance(value, str):
            return self._replace(value)
        if isinstance(value, list):
            return [self.text(item) for item in value]
        if isinstance(value, dict):
            return {key: self.text(item) for key, item in value.items()}
        return value

    def _replace(self, value: str) -> str:
        folded, origin = fold(value)
        spans: list[tuple[int, int, str]] = []
        if self.replacements:
            for match in self._words().finditer(folded):
                key = " ".join(match.group(0).split())
                spans.append((origin[match.start()], origin[match.end()], self.replacements[key]))
        for match in _DATE_WORDS.finditer(folded):
            stand_in = self._date(match)
            if stand_in is not None:
                spans.append((origin[match.start()], origin[match.end()], stand_in))
        if not spans:
            return value
        spans.sort()
        out: list[str] = []
        at = 0
        for start, end, stand_in in spans:
            if start < at:  # overlapping: the earlier replacement stands
                continue
            out.append(value[at:start])
            out.append(stand_in)
            at = end
        out.append(value[at:])
        return "".join(out)

    def json_text(self, text: str) -> Any:
        """A JSON column's text decoded, with everything replaced."""
        return self.text(json.loads(text))
