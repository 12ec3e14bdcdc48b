"""Streaming reads: every case (or a range of ids) rebuilt from its rows, memory flat.

The cases and their rows are read in id order by two cursors inside one
snapshot and merged as they come, so a million events never sit in memory at
once. With ``verify``, each case's chain is checked as it is folded; without,
the bulk path reads only the columns a fold needs, as the driver's tuples.
"""

from __future__ import annotations

import itertools
import operator
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
        # ``IS NOT false``, not ``IS true``: the same rows (the column is never null), but
        # SQLite's planner then reads a range of ids by the primary key, in order, instead
        # of every open case by the ``cases_open`` index and a sort: recheck reads its
        # ranges of 500 cases in time that grows with the range, not with the register.
        filters.append(cases.c.open.is_not(False))
    if start is not None:
        filters.append(cases.c.id >= start)
    if end is not None:
        filters.append(cases.c.id < end)
    query_cases = sa.select(cases).where(*filters).order_by(cases.c.id)
    if verify:
        query_rows = sa.select(*history.columns)
    else:  # dates as text, parsed once per distinct date
        query_rows = sa.select(
            *[
                sa.type_coerce(history.c[name], sa.Text) if name == "on_date" else history.c[name]
                for name in FOLDED
            ]
        )
    query_rows = query_rows.order_by(history.c.case_id, history.c.seq)
    if filters:
        query_rows = query_rows.join(cases, cases.c.id == history.c.case_id).where(*filters)
    with _database.snapshot(db) as connection:
        if verify:
            yield from _checked(connection, query_cases, query_rows, where)
            return
        heads_query = sa.select(*[cases.c[name] for name in HEAD_COLUMNS]).where(*filters)
        with (
            _database.raw_rows(connection, heads_query.order_by(cases.c.id), 1000) as heads,
            _database.raw_rows(connection, query_rows) as rows,
        ):
            groups = itertools.groupby(rows, _CASE_OF)
            group: tuple[str, Iterator[tuple[Any, ...]]] | None = next(groups, None)
            for values in heads:
                head = dict(zip(HEAD_COLUMNS, values, strict=True))
                case_id = head["id"]
                while group is not None and group[0] < case_id:
                    group = next(groups, None)  # rows of a case not listed: verify says so
                if group is not None and group[0] == case_id:
                    own = list(group[1])
                    group = next(groups, None)
                else:
                    own = []
                yield fold_fast(head, own)


#: What the bulk path reads of a case row.
HEAD_COLUMNS = (
    "id",
    "candidate",
    "unit",
    "procedure_id",
    "procedure_version",
    "procedure_fingerprint",
    "head",
    "open",
)
_CASE_OF = operator.itemgetter(CASE)


def _checked(
    connection: sa.Connection, query_cases: sa.Select[Any], query_rows: sa.Select[Any], where: str
) -> Iterator[tuple[StoredCase, list[int]]]:
    """The verifying path: every row as a mapping, every chain checked as it is folded."""
    case_column = COLUMN["case_id"]
    listed = connection.execution_options(yield_per=1000).execute(query_cases)
    heads = listed.mappings()
    result = connection.execution_options(yield_per=5000).execute(query_rows)
    rows: Iterator[Sequence[Any]] = iter(result)
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
            stored, entries = fold(head, [row._mapping for row in own], where=where)
            yield stored, [e.seq for e in entries if e.step.kept]
    finally:
        result.close()  # the server-side cursors, while their transaction is open
        listed.close()
