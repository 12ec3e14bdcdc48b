"""The register's writes: statements built once, and inserts that race safely.

A first write may race another process's (two workers storing the same unit
or procedure at once): ``insert_ignoring`` and ``upsert`` let the database
settle it (``INSERT ... ON CONFLICT``, on SQLite and PostgreSQL alike) instead
of reading first and failing on the other's row.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ._schema import cases, history

__all__ = [
    "HISTORY_COLUMNS",
    "INSERT_STEP",
    "MOVE_AND_INSERT",
    "MOVE_ON",
    "Before",
    "Prebuilt",
    "insert_ignoring",
    "insert_runs",
    "move_on_values",
    "prebuilt",
    "prebuilt_for",
    "upsert",
]

#: The optimistic write: moves the case on only from the version it was judged at.
#: Built once: building a statement per step cost more than running it.
MOVE_ON = (
    cases.update()
    .where(cases.c.id == sa.bindparam("case_id"), cases.c.version == sa.bindparam("seen"))
    .values(
        version=sa.bindparam("new_version"),
        head=sa.bindparam("new_head"),
        state=sa.bindparam("new_state"),
        open=sa.bindparam("new_open"),
        next_due=sa.bindparam("new_next_due"),
        next_due_event=sa.bindparam("new_next_due_event"),
    )
)

#: A history row, as ``_rows.step_row`` builds it.
INSERT_STEP = history.insert()

#: The columns of a history row, in the table's order.
HISTORY_COLUMNS = tuple(c.name for c in history.columns)

#: ``MOVE_ON`` and ``INSERT_STEP`` as one statement (PostgreSQL): the row is inserted only
#: if the case moved on, so a conflict inserts nothing and the statement's row count is 0.
#: One round trip per step instead of two, and, outside a batch, no BEGIN and COMMIT.
MOVE_AND_INSERT = history.insert().from_select(
    list(HISTORY_COLUMNS),
    sa.select(
        *[
            # The move's own parameter for the case's id; the others typed as their columns.
            sa.bindparam("case_id", type_=c.type)
            if c.name == "case_id"
            else sa.bindparam(f"row_{c.name}", type_=c.type)
            for c in history.columns
        ]
    ).select_from(MOVE_ON.returning(cases.c.id).cte("moved")),
)


def move_on_values(
    case_id: str,
    seen: int,
    row: dict[str, Any],
    state: str | None,
    is_open: bool,
    due: tuple[Any, str | None],
) -> dict[str, Any]:
    """The parameters of ``MOVE_ON`` for a step's row."""
    return {
        "case_id": case_id,
        "seen": seen,
        "new_version": row["seq"],
        "new_head": row["hash"],
        "new_state": state,
        "new_open": is_open,
        "new_next_due": due[0] if is_open else None,
        "new_next_due_event": due[1] if is_open else None,
    }


def insert_runs(cursor: Any, inserts: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Each run of rows that share a statement (``Prebuilt.sqlite_insert``'s variant) in one
    ``executemany``, the rows in their order."""
    start = 0
    for end in range(1, len(inserts) + 1):
        if end == len(inserts) or inserts[end][0] is not inserts[start][0]:
            cursor.executemany(inserts[start][0], [params for _, params in inserts[start:end]])
            start = end


@attrs.frozen(kw_only=True)
class Prebuilt:
    """``MOVE_ON`` and ``INSERT_STEP`` compiled once for one dialect, run on the driver's own
    cursor inside the register's transaction: the per-step write, without building or
    processing a statement each time (which cost more than running it)."""

    move: str
    insert: str
    #: ``MOVE_AND_INSERT`` (PostgreSQL only), with positional parameters (``%s``).
    move_and_insert: str | None
    #: Where each of its parameters comes from, in order: ``(True, name)`` a parameter of
    #: ``MOVE_ON``, ``(False, column)`` a column of the history row.
    move_and_insert_order: tuple[tuple[bool, str], ...]
    #: The parameters' order for a positional driver (SQLite); ``None``: by name (psycopg).
    move_order: tuple[str, ...] | None
    insert_order: tuple[str, ...] | None
    #: SQLite stores dates as ``YYYY-MM-DD`` text, as SQLAlchemy writes them: the date
    #: parameters of each statement, by name.
    dates_as_text: bool
    #: SQLite: where in ``move_order`` and ``insert_order`` a date is written as text
    #: (true) or a boolean as the integer SQLite stores for it (false, as SQLAlchemy binds
    #: it: the same bytes; sqlite3 binds an int without first asking its adapters).
    move_fixes: tuple[tuple[int, bool], ...] = ()
    insert_fixes: tuple[tuple[int, bool], ...] = ()
    #: SQLite: variants of ``move`` and ``insert`` with ``NULL`` written in the statement
    #: for the parameters most steps leave null (``sqlite_move``, ``sqlite_insert``).
    variants: Mapping[Any, _Variant] = attrs.field(factory=dict)

    def move_params(self, values: dict[str, Any]) -> Any:
        return self._bind(values, self.move_order, _MOVE_DATES, self.move_fixes)

    def insert_params(self, row: dict[str, Any]) -> Any:
        return self._bind(row, self.insert_order, _INSERT_DATES, self.insert_fixes)

    def sqlite_move(self, values: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """SQLite: ``move`` and its parameters, as the variant without a due date when the
        case has none (sqlite3 asks its adapters about each ``None`` it binds, at a cost
        of ~3,000 instructions; a ``NULL`` in the text costs nothing, and stores the same)."""
        key = (
            _NO_DUE
            if values["new_next_due"] is None and values["new_next_due_event"] is None
            else _DUE
        )
        sql, take, fixes = self.variants[key]
        return sql, _bound(values, take, fixes)

    def sqlite_move_from(
        self, values: dict[str, Any], before: Before | None
    ) -> tuple[tuple[str, tuple[Any, ...]], bool]:
        """SQLite: ``move`` setting only the indexed columns (``state``, ``open``,
        ``next_due``) whose value differs from ``before``, what the register believes the
        case row holds (``None``: not known, all set, as ``sqlite_move``); and whether
        some were left out.

        SQLite deletes and re-inserts a row's entry in every index on a column named in
        ``SET``, changed or not: a page more for each commit to write and wait for. Each
        column left out is checked in the ``WHERE`` instead (``state IS ?``, ``open = ?``,
        ``next_due IS ?``, with the step's new value), beside the version check, which
        is as it was. So a guarded move writes a row only when the row already holds
        the values the full move would write, and then writes the same row; when the
        belief is wrong (a case row imported or edited by hand: the version alone does
        not say what its derived columns hold), it changes nothing, and the caller runs
        the full move (``sqlite_move``) in the same transaction, which decides as before.
        """
        if before is None:
            return self.sqlite_move(values), False
        state, is_open, due = before
        new_due = values["new_next_due"]
        new_state = values["new_state"]
        key = (
            _SET if new_state != state else _IS_NULL if new_state is None else _IS,
            values["new_open"] != is_open,
            new_due != due,
            new_due is None and values["new_next_due_event"] is None,
        )
        sql, take, fixes = self.variants[key]
        return (sql, _bound(values, take, fixes)), key != _NOT_GUARDED[key[3]]

    def sqlite_insert(self, row: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
        """SQLite: ``insert`` and its parameters, as the variant with ``NULL`` written for
        each of ``_USUALLY_NULL`` the row leaves null (see ``sqlite_move``)."""
        sql, take, fixes = self.variants[(row["actor_id"] is None, row["request_id"] is None)]
        return sql, _bound(row, take, fixes)

    def move_and_insert_params(self, values: dict[str, Any], row: dict[str, Any]) -> Any:
        """Its parameters as a tuple: psycopg converts a tuple for ``%s`` faster than it
        reorders a mapping for named parameters."""
        return tuple(
            [values[name] if move else row[name] for move, name in self.move_and_insert_order]
        )

    def _bind(
        self,
        values: dict[str, Any],
        order: tuple[str, ...] | None,
        dates: tuple[str, ...],
        fixes: tuple[tuple[int, bool], ...],
    ) -> Any:
        if order is None:
            if self.dates_as_text:
                values = values.copy()
                for name in dates:
                    day = values[name]
                    if day is not None:
                        values[name] = day.isoformat()
            return values
        # In order, each date and boolean fixed in place: no copy of ``values`` (a step's
        # cost, twice).
        return tuple(_fixed([values[name] for name in order], fixes))


_MOVE_DATES = ("new_next_due",)
_INSERT_DATES = ("on_date",)
_MOVE_FLAGS = ("new_open",)
_INSERT_FLAGS = ("accepted", "recorded")
#: A statement's text, what takes its parameters in order from a mapping (an
#: ``operator.itemgetter``), and their fixes (``_bound``).
_Variant = tuple[str, Callable[[Mapping[str, Any]], tuple[Any, ...]], tuple[tuple[int, bool], ...]]
#: The keys of ``Prebuilt.variants``: the move with a due date and without.
_DUE, _NO_DUE = "move", "move without a due date"
#: The history row's columns most rows leave null (an actor known by role, no request id),
#: written as ``NULL`` by the insert's variants, keyed by which of them are null, in this
#: order (``Prebuilt.sqlite_insert``).
_USUALLY_NULL = ("actor_id", "request_id")


#: What the register believes a case row holds before a step: its ``state``, ``open``
#: and ``next_due`` (``Prebuilt.sqlite_move_from``).
Before = tuple[str | None, bool, dt.date | None]
#: How a guarded move treats ``state``: set it, or check it holds the value (or null).
_SET, _IS, _IS_NULL = "set", "is", "is null"
#: The keys of the guarded variants that set every indexed column (due null or not).
_NOT_GUARDED = {False: (_SET, True, True, False), True: (_SET, True, True, True)}


def _guarded_move(state: str, set_open: bool, set_due: bool, no_due: bool) -> Any:
    """``MOVE_ON`` setting ``state``, ``open`` and ``next_due`` only as told, each left out
    checked in the ``WHERE`` to hold the step's new value; ``NULL`` written for a due
    date the step leaves null (``next_due_event`` is not indexed: always set)."""
    c = cases.c
    values: dict[str, Any] = {
        "version": sa.bindparam("new_version"),
        "head": sa.bindparam("new_head"),
        "next_due_event": sa.null() if no_due else sa.bindparam("new_next_due_event"),
    }
    where = [c.id == sa.bindparam("case_id"), c.version == sa.bindparam("seen")]
    if state == _SET:
        values["state"] = sa.bindparam("new_state")
    else:
        where.append(
            c.state.is_(None)
            if state == _IS_NULL
            else c.state.is_not_distinct_from(sa.bindparam("new_state"))
        )
    if set_open:
        values["open"] = sa.bindparam("new_open")
    else:
        where.append(c.open == sa.bindparam("new_open"))
    due: Any = sa.null() if no_due else sa.bindparam("new_next_due")
    if set_due:
        values["next_due"] = due
    else:
        where.append(c.next_due.is_(None) if no_due else c.next_due.is_not_distinct_from(due))
    # In the table's order, as ``MOVE_ON`` sets them.
    ordered = {col.name: values[col.name] for col in cases.columns if col.name in values}
    return cases.update().where(*where).values(ordered)


def _variants(dialect: sa.Dialect) -> dict[Any, _Variant]:
    """SQLite's variants of the move and of the insert, ``NULL`` written for the
    parameters left out."""
    found: dict[Any, _Variant] = {}
    for key, nulls in ((_DUE, ()), (_NO_DUE, ("next_due", "next_due_event"))):
        statement = MOVE_ON.values({name: sa.null() for name in nulls}) if nulls else MOVE_ON
        text, order = _compiled(statement, dialect)
        assert order is not None
        found[key] = (
            text,
            _take(order),
            _fixes(order, _MOVE_DATES if not nulls else (), _MOVE_FLAGS),
        )
    for guarded in itertools.product(
        (_SET, _IS, _IS_NULL), (False, True), (False, True), (False, True)
    ):
        text, order = _compiled(_guarded_move(*guarded), dialect)
        assert order is not None
        found[guarded] = (text, _take(order), _fixes(order, _MOVE_DATES, _MOVE_FLAGS))
    for mask in itertools.product((False, True), repeat=len(_USUALLY_NULL)):
        left = [name for name, null in zip(_USUALLY_NULL, mask, strict=True) if null]
        text, order = _compiled(
            INSERT_STEP.values({name: sa.null() for name in left}) if left else INSERT_STEP,
            dialect,
            column_keys=[c.name for c in history.columns if c.name not in left],
        )
        assert order is not None
        found[mask] = (text, _take(order), _fixes(order, _INSERT_DATES, _INSERT_FLAGS))
    return found


def _take(order: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """What takes ``order``'s values from a mapping as a tuple, in one call (a list built
    name by name cost a step twice as much)."""
    assert len(order) > 1  # ``itemgetter`` of one name gives the value, not a tuple
    return operator.itemgetter(*order)


def _bound(
    values: Mapping[str, Any],
    take: Callable[[Mapping[str, Any]], tuple[Any, ...]],
    fixes: tuple[tuple[int, bool], ...],
) -> Any:
    """A variant's parameters from ``values``, each date and boolean fixed (``Prebuilt``'s
    ``move_fixes``): a sequence, as sqlite3 binds it."""
    params = take(values)
    return _fixed(list(params), fixes) if fixes else params


def _fixed(params: list[Any], fixes: tuple[tuple[int, bool], ...]) -> list[Any]:
    """``params`` with each date at a fix as ISO text and each boolean as 0 or 1, in place
    (``_fixes``): how SQLite stores them."""
    for at, is_date in fixes:
        value = params[at]
        if is_date:
            if value is not None:
                params[at] = value.isoformat()
        elif type(value) is bool:
            params[at] = int(value)
    return params


def _fixes(
    order: tuple[str, ...] | None, dates: tuple[str, ...], flags: tuple[str, ...]
) -> tuple[tuple[int, bool], ...]:
    if order is None:
        return ()
    # A name the statement writes as ``NULL`` (a variant's) is not among its parameters.
    return tuple(
        [(order.index(name), True) for name in dates if name in order]
        + [(order.index(name), False) for name in flags if name in order]
    )


def _compiled(statement: Any, dialect: sa.Dialect, **kw: Any) -> tuple[str, tuple[str, ...] | None]:
    compiled = statement.compile(dialect=dialect, **kw)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), order


_NAMED = re.compile(r"%\((\w+)\)s")


def _positional(statement: Any, dialect: sa.Dialect) -> tuple[str, tuple[tuple[bool, str], ...]]:
    """``statement`` compiled for a ``pyformat`` driver (psycopg), its ``%(name)s``
    parameters made positional (``%s``), and where each comes from."""
    text = str(statement.compile(dialect=dialect))
    names = _NAMED.findall(text)
    order = tuple(
        (False, name.removeprefix("row_")) if name.startswith("row_") else (True, name)
        for name in names
    )
    return _NAMED.sub("%s", text), order


@functools.cache
def _prebuilt(name: str, dialect: sa.Dialect) -> Prebuilt:
    move, move_order = _compiled(MOVE_ON, dialect)
    insert, insert_order = _compiled(
        INSERT_STEP, dialect, column_keys=[c.name for c in history.columns]
    )
    both, both_order = _positional(MOVE_AND_INSERT, dialect) if name == "postgresql" else (None, ())
    return Prebuilt(
        move=move,
        insert=insert,
        move_and_insert=both,
        move_and_insert_order=both_order,
        move_order=move_order,
        insert_order=insert_order,
        dates_as_text=name == "sqlite",
        move_fixes=_fixes(move_order, _MOVE_DATES, _MOVE_FLAGS) if name == "sqlite" else (),
        insert_fixes=(
            _fixes(insert_order, _INSERT_DATES, _INSERT_FLAGS) if name == "sqlite" else ()
        ),
        variants=_variants(dialect) if name == "sqlite" else {},
    )


def prebuilt(connection: sa.Connection) -> Prebuilt:
    """The prebuilt write statements of the connection's dialect."""
    return _prebuilt(connection.dialect.name, connection.dialect)


def prebuilt_for(engine: sa.Engine) -> Prebuilt:
    """The prebuilt write statements of the engine's dialect."""
    return _prebuilt(engine.dialect.name, engine.dialect)


def _insert(connection: sa.Connection, table: sa.Table) -> Any:
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignoring(connection: sa.Connection, table: sa.Table, keys: Sequence[str]) -> sa.Insert:
    """``INSERT`` that leaves an existing row of the same ``keys`` as it is."""
    statement: sa.Insert = _insert(connection, table).on_conflict_do_nothing(index_elements=keys)
    return statement


def upsert(
    connection: sa.Connection, table: sa.Table, keys: Sequence[str], columns: Sequence[str]
) -> sa.Insert:
    """``INSERT`` that updates ``columns`` of an existing row of the same ``keys``."""
    statement = _insert(connection, table)
    update = {name: statement.excluded[name] for name in columns}
    result: sa.Insert = statement.on_conflict_do_update(index_elements=keys, set_=update)
    return result
