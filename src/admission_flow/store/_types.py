"""Column types that read what a database holds without raising on it.

A date column on SQLite is text: a row edited by hand may hold
``'2023-03-10 forged'``. SQLAlchemy's own ``Date`` raises ``ValueError`` while
the row is fetched, before any code of the register sees the row, so that
``verify`` could not name the case. ``StoredDate`` hands such a value back as
the text it is: the row's hash no longer matches (``verify`` names the case and
the row), and turning the row into a step raises ``StoreError`` naming both
(``_rows``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

__all__ = ["StoredDate"]


class StoredDate(sa.types.TypeDecorator[dt.date]):
    """``sa.Date``, except that a stored value that is not a date comes back as its text."""

    impl = sa.Date
    cache_ok = True

    @property
    def python_type(self) -> type[dt.date]:
        return dt.date

    def result_processor(self, dialect: sa.Dialect, coltype: object) -> Callable[[Any], Any] | None:
        inner = super().result_processor(dialect, coltype)
        if inner is None:
            return None

        def process(value: Any) -> Any:
            try:
                return inner(value)
            except (ValueError, TypeError):
                return str(value)

        return process
