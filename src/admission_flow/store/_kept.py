"""What a register remembers of the cases it wrote or read: beliefs, never trusted for an
outcome.

Two bounded tables, by case id, the oldest going first when full (``CASES_KEPT`` each):

* **written**: each case as this register's last write left it, with the deadlines pending
  on it and the due date written with it (``Firing`` judges a call by id on it without
  reading the case; the next step's ``next_due`` comes from the pending deadlines, not
  from the whole history: O(1) a step, as firing is);
* **read**: what the case row held when this register last read the case (``load``): its
  ``state``, ``open`` and ``next_due``, at the version and head it was read at, so that a
  case's first step after a read can leave those columns out of its move too
  (``_write.Prebuilt.sqlite_move_from``).

Either can be wrong by the time it is used (another writer, a row edited by hand): the
write's version check decides for a written case judged by id, and the move checks every
column it leaves out, so a wrong belief costs a conflict or the full move, never a
different row.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import admission_flow as af

from ._fold import StoredCase
from ._write import Before

__all__ = ["CASES_KEPT", "Due", "Kept"]

#: How many cases a register keeps in each table.
CASES_KEPT = 1024

#: A case's ``next_due`` and ``next_due_event``.
Due = tuple[dt.date | None, str | None]


class Kept:
    """The written and read tables of one register (see the module)."""

    def __init__(self) -> None:
        #: Each case as this register's last write left it, with its pending deadlines
        #: and the due date written.
        self.written: dict[str, tuple[StoredCase, Mapping[str, af.Deadline], Due]] = {}
        #: The case row as last read: ``(version, head, (state, open, next_due))``.
        self.read: dict[str, tuple[int, str, Before]] = {}
        self._lock = threading.Lock()  # threads that fire on one register

    def keep(self, stored: StoredCase, pending: Mapping[str, af.Deadline], due: Due) -> None:
        """``stored`` as a write just left it."""
        self._put(self.written, stored.case.id, (stored, pending, due))

    def forget(self, case_ids: list[str]) -> None:
        with self._lock:
            for case_id in case_ids:
                self.written.pop(case_id, None)

    def known(self, stored: StoredCase) -> tuple[Mapping[str, af.Deadline], Due] | None:
        """The deadlines pending on ``stored`` and the due date written with it, when this
        register's last write of the case left it at the same version and head."""
        known = self.written.get(stored.case.id)
        if known is None or known[0].version != stored.version or known[0].head != stored.head:
            return None
        return known[1], known[2]

    def was_read(self, stored: StoredCase, row: Mapping[str, Any]) -> None:
        """The case row ``row`` was read, and ``stored`` folded from it and its history.

        ``next_due`` as SQLite gives it, text, is read as the date SQLAlchemy's would be;
        a text that is no date is not kept (its step takes the full move).
        """
        due = row["next_due"]
        if isinstance(due, str):
            try:
                due = dt.date.fromisoformat(due)
            except ValueError:
                return
        belief = (stored.version, stored.head, (row["state"], bool(row["open"]), due))
        self._put(self.read, stored.case.id, belief)

    def _put(self, table: dict[str, Any], case_id: str, value: Any) -> None:
        """``value`` kept for ``case_id`` as the newest entry, the oldest going when full."""
        with self._lock:
            table.pop(case_id, None)
            if len(table) >= CASES_KEPT:
                table.pop(next(iter(table)), None)
            table[case_id] = value

    def row(self, stored: StoredCase) -> Before | None:
        """What the case row held when this register last read ``stored``'s version and
        head; ``None`` when it did not read it."""
        found = self.read.get(stored.case.id)
        if found is None or found[0] != stored.version or found[1] != stored.head:
            return None
        return found[2]
