"""Reading one case: its case row and every history row, in one statement on the driver.

``Register.load`` (and ``fire`` of a case not kept in memory) reads a case per call.
Through SQLAlchemy that took four round trips on PostgreSQL (BEGIN at REPEATABLE
READ, the case, its rows, ROLLBACK) and more time building rows than folding them;
the ROLLBACK also made psycopg drop its prepared statements, the step's write
among them. Here one statement (the case row joined to its rows) runs on the
driver's connection in autocommit (``_direct``): a single statement sees one snapshot on both
backends, so the rows always agree with the case row they came with, and the
fold (``_fold.fold``) checks every hash as before.

The case's two long texts (the candidate and the unit) come with the first row
only, not once per row.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from ._direct import Direct
from ._schema import cases, history

__all__ = ["read_case"]

#: The case row's columns sent once, with the first row (or the case alone).
_ONCE = ("candidate", "unit")


@functools.cache
def _statement(
    name: str, dialect: sa.Dialect
) -> tuple[str, Callable[[Any], Any] | None, Callable[[Any], Any] | None]:
    """The statement for one dialect, with its parameter as ``?`` or ``%s``, and the result
    processors of the columns the driver does not give as SQLAlchemy would: on SQLite a
    date comes as text and a boolean as 0 or 1."""
    # The first row in order, whatever its number (a row cut out is the fold's to report).
    first = sa.func.row_number().over(order_by=history.c.seq) == sa.literal_column("1")
    columns = [
        sa.case((first, cases.c[c.name]), else_=sa.null()) if c.name in _ONCE else c
        for c in cases.columns
    ]
    query = (
        sa.select(*columns, *history.columns)
        .select_from(cases.outerjoin(history, history.c.case_id == cases.c.id))
        .where(cases.c.id == sa.bindparam("case_id"))
        .order_by(history.c.seq)
    )
    text = re.sub(r"%\(\w+\)s", "%s", str(query.compile(dialect=dialect)))
    if name != "sqlite":
        return text, None, None
    day = history.c.on_date.type.dialect_impl(dialect).result_processor(dialect, None)
    flag = sa.Boolean().dialect_impl(dialect).result_processor(dialect, None)
    return text, day, flag


_CASE_COLUMNS = tuple(c.name for c in cases.columns)
_HISTORY_COLUMNS = tuple(c.name for c in history.columns)
_SPLIT = len(_CASE_COLUMNS)
_FLAGS = ("accepted", "recorded")


def read_case(
    db: sa.Engine, case_id: str, direct: Direct
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The case row (``None``: no such case) and its history rows in order, as mappings of
    column to value, as SQLAlchemy would give them, read on ``direct``'s connection of
    this thread (in autocommit: the lone statement is its own transaction).

    Raises the driver's own exceptions (``_errors.guarded`` types them); a connection
    that failed is not used again.
    """
    dialect = db.dialect
    text, day, flag = _statement(dialect.name, dialect)
    with direct.cursor() as cursor:
        cursor.execute(text, (case_id,))
        found = cursor.fetchall()
    if not found:
        return None, []
    head = dict(zip(_CASE_COLUMNS, found[0][:_SPLIT], strict=True))
    if flag is not None:
        head["open"] = flag(head["open"])
    if found[0][_SPLIT] is None:  # the case has no row yet (the outer join's nulls)
        return head, []
    rows = []
    for values in found:
        row = dict(zip(_HISTORY_COLUMNS, values[_SPLIT:], strict=True))
        if day is not None and flag is not None:
            row["on_date"] = day(row["on_date"])
            for name in _FLAGS:
                row[name] = flag(row[name])
        rows.append(row)
    return head, rows
