"""Listing cases without rebuilding them: summaries read from the case rows alone.

The case row keeps what listing needs (unit, state, open, the next due date
and its event), indexed, so that "the open cases of this unit" or "what is
overdue today" reads those rows and nothing of the history. Pages go by case
id: ``after`` is the last id of the page before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import InputError

from ._schema import cases

__all__ = ["Summary", "find_query"]

#: The most summaries one call returns; more come page by page (``after``).
MAX_LIMIT = 10_000


@attrs.frozen(kw_only=True)
class Summary:
    """One case as a list shows it, read from its row: no history, no rule run."""

    id: str
    unit: str
    person: str
    procedure: af.ProcedureRef
    #: ``None`` before the event that opens the case.
    state: str | None
    open: bool
    #: How many history rows the case has: what ``fire(expected_version=...)`` expects.
    version: int
    #: The earliest deadline not yet met, and the event that meets it; ``None`` if none.
    next_due: dt.date | None
    next_due_event: str | None

    def overdue(self, on: dt.date) -> bool:
        """Whether the next deadline had passed on ``on`` (due before it) and the case is open."""
        return self.open and self.next_due is not None and self.next_due < on

    def as_json(self) -> dict[str, Any]:
        """The summary's JSON form (``schemas/summary.json``)."""
        return {
            "id": self.id,
            "unit": self.unit,
            "person": self.person,
            "procedure": self.procedure.as_dict(),
            "state": self.state,
            "open": self.open,
            "version": self.version,
            "next_due": None if self.next_due is None else self.next_due.isoformat(),
            "next_due_event": self.next_due_event,
        }


SUMMARY_COLUMNS = (
    cases.c.id,
    cases.c.unit_id,
    cases.c.person_id,
    cases.c.procedure_id,
    cases.c.procedure_version,
    cases.c.procedure_fingerprint,
    cases.c.state,
    cases.c.open,
    cases.c.version,
    cases.c.next_due,
    cases.c.next_due_event,
)


def summary_of_row(row: Mapping[Any, Any]) -> Summary:
    return Summary(
        id=row["id"],
        unit=row["unit_id"],
        person=row["person_id"],
        procedure=af.ProcedureRef(
            row["procedure_id"], row["procedure_version"], row["procedure_fingerprint"]
        ),
        state=row["state"],
        open=bool(row["open"]),
        version=row["version"],
        next_due=row["next_due"],
        next_due_event=row["next_due_event"],
    )


def _date(value: object, name: str) -> dt.date:
    if type(value) is not dt.date:
        raise InputError(f"{name} is a date (datetime.date), not {value!r}", field=name)
    return value


def find_query(
    *,
    unit: str | None = None,
    state: str | None = None,
    open: bool | None = None,
    procedure: str | None = None,
    due_before: dt.date | None = None,
    overdue_on: dt.date | None = None,
    limit: int | None = None,
    after: str | None = None,
) -> sa.Select[Any]:
    """The query ``Register.find`` runs (see there); every filter is on an indexed column."""
    filters: list[sa.ColumnElement[bool]] = []
    if unit is not None:
        filters.append(cases.c.unit_id == unit)
    if state is not None:
        filters.append(cases.c.state == state)
    if open is not None:
        filters.append(cases.c.open.is_(bool(open)))
    if procedure is not None:
        filters.append(cases.c.procedure_id == procedure)
    if due_before is not None:
        filters.append(cases.c.next_due < _date(due_before, "due_before"))
    if overdue_on is not None:
        filters.append(cases.c.next_due < _date(overdue_on, "overdue_on"))
        filters.append(cases.c.open.is_(True))
    if after is not None:
        filters.append(cases.c.id > after)
    if limit is not None and (type(limit) is not int or not 0 < limit <= MAX_LIMIT):
        raise InputError(
            f"limit is a whole number from 1 to {MAX_LIMIT:,}, not {limit!r}; "
            "page on with after=<the last id>",
            field="limit",
        )
    query = sa.select(*SUMMARY_COLUMNS).where(*filters).order_by(cases.c.id)
    return query.limit(limit if limit is not None else MAX_LIMIT)
