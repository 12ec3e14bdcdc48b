"""Streaming reads: every case (or a range of ids) rebuilt from its rows, memory flat.

The cases and their rows are read in id order by two cursors inside one
snapshot and merged as they come, so a million events never sit in memory at
once. With ``verify``, each case's chain is checked as it is folded; without,
the bulk path reads only the columns a fold needs, as the driver's tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from . import _database
from ._fold import StoredCase, fold, fold_fast
from ._rows import CASE, COLUMN, FOLDED
from ._schema import cases, history

__all__ = ["stream"]


def stream(
    db: sa.Engine,
    where: str,
    *,
    open_only: bool,
    verify: bool,
    start: str | None = None,
    end: str | None = None,
) -> Iterator[tuple[StoredCase, list[int]]]:
    """Each case with its kept steps' numbers, in id order; ids in ``[start, end)`` if given."""
    filters: list[sa.ColumnElement[bool]] = []
    if open_only:
        filters.append(cases.c.open.is_(True))
    if start is not None:
        filters.append(cases.c.id >= start)
    if end is not None:
        filters.append(cases.c.id < end)
    query_cases = sa.select(cases).where(*filters).order_by(cases.c.id)
    if verify:
        columns: list[Any] = list(history.columns)
        case_column = COLUMN["case_id"]
    else:  # dates as text, parsed once per distinct date
        columns = [
            sa.type_coerce(history.c[name], sa.Text) if name == "on_date" else history.c[name]
            for name in FOLDED
        ]
        case_column = CASE
    query_rows = sa.select(*columns).order_by(history.c.case_id, history.c.seq)
    if filters:
        query_rows = query_rows.join(cases, cases.c.id == history.c.case_id).where(*filters)
    with _database.snapshot(db) as connection:
        heads = connection.execution_options(yield_per=1000).execute(query_cases).mappings()
        if verify or db.dialect.name != "sqlite":
            result = connection.execution_options(yield_per=5000).execute(query_rows)
            rows: Iterator[Sequence[Any]] = iter(result)
        else:
            rows = _database.raw_rows(connection, query_rows)
        try:
            pending = next(rows, None)
            for head in heads:
                case_id = head["id"]
                own: list[Any] = []
                while pending is not None and pending[case_column] < case_id:
                    pending = next(rows, None)  # rows of a case not listed: verify says so
                while pending is not None and pending[case_column] == case_id:
                    own.append(pending)
                    pending = next(rows, None)
                if verify:
                    stored, entries = fold(head, [row._mapping for row in own], where=where)
                    yield stored, [e.seq for e in entries if e.step.kept]
                else:
                    yield fold_fast(head, own)
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # the server-side cursor, while its transaction is open
