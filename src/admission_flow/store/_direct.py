"""Driver connections in autocommit, one per thread, kept by the register outside its pool.

A case is one read (``_read``), its own transaction in autocommit, on both
backends. On PostgreSQL a step is one statement (``_write.MOVE_AND_INSERT``),
one round trip; on SQLite it is ``BEGIN IMMEDIATE``, its two statements and
``COMMIT`` on the thread's own ``sqlite3`` connection (the pool's settings:
WAL, ``synchronous=FULL``, the busy timeout). Taking a
connection from SQLAlchemy's pool for each, switching it to autocommit and back,
and giving it back cost more CPU than psycopg's own work for the statement; so
each thread that fires keeps one connection of its own, made by the pool (with
SQLAlchemy's settings for a new connection) and detached from it, in
autocommit for its whole life, with its prepared statements.

A connection that fails (the server restarted, the network dropped) is closed
and forgotten: the call raises ``UnavailableError`` as before, and the next one
connects anew. ``close`` closes every connection made, whichever thread made it.
A process forked from this one (``recheck``'s workers) opens registers of its
own and never uses these.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from ._errors import is_driver_error, is_integrity_error

__all__ = ["Direct"]


class Direct:
    """The autocommit driver connections of one register, one per thread."""

    def __init__(self, db: sa.Engine) -> None:
        self.db = db
        self._local = threading.local()
        self._lock = threading.Lock()
        self._made: list[Any] = []
        self._server = db.dialect.name != "sqlite"

    @contextlib.contextmanager
    def cursor(self) -> Iterator[Any]:
        """A cursor of this thread's connection (psycopg's or sqlite3's), in autocommit;
        the connection is dropped if it fails."""
        driver, cursor = self.current()
        try:
            yield cursor
        except BaseException as exc:
            self.failed(driver, exc)
            raise

    def current(self) -> tuple[Any, Any]:
        """This thread's connection and its cursor, connected first if need be: ``cursor``
        without a generator, for a caller that calls ``failed`` itself when it fails."""
        local = self._local
        driver = getattr(local, "driver", None)
        # sqlite3's connection has no ``closed``: one that failed was dropped (``failed``).
        if driver is None or (self._server and driver.closed):
            driver = self._connect()
        return driver, local.cursor

    def failed(self, driver: Any, exc: BaseException) -> None:
        """``exc`` was raised while ``driver`` was used: a connection that failed
        mid-statement is not reused (a refused constraint leaves it sound)."""
        if is_driver_error(exc) and not is_integrity_error(exc):
            self._drop(driver)

    def _connect(self) -> Any:
        driver = self._detached()
        try:
            # A connection the server dropped while it sat in the pool fails here (one
            # round trip, once per connection), not under a step.
            driver.execute("SELECT 1")
        except Exception as exc:
            if not is_driver_error(exc):
                raise
            with contextlib.suppress(Exception):
                driver.close()
            self.db.dispose()  # the others that sat beside it were dropped too
            driver = self._detached()
        self._local.driver = driver
        self._local.cursor = driver.cursor()
        with self._lock:
            self._made.append(driver)
        return driver

    def _detached(self) -> Any:
        pooled = self.db.raw_connection()
        driver: Any = pooled.driver_connection
        pooled.detach()  # ours now: closed by ``close`` or when it fails, never pooled
        if self.db.dialect.name == "postgresql":
            driver.autocommit = True
        # sqlite3: already in autocommit (``isolation_level = None``, _database._sqlite_pragmas)
        return driver

    def _drop(self, driver: Any) -> None:
        if getattr(self._local, "driver", None) is driver:
            self._local.driver = self._local.cursor = None
        with self._lock, contextlib.suppress(ValueError):
            self._made.remove(driver)
        with contextlib.suppress(Exception):
            driver.close()

    def close(self) -> None:
        """Close every connection made, in whichever thread."""
        with self._lock:
            made, self._made = self._made, []
        for driver in made:
            with contextlib.suppress(Exception):
                driver.close()
        self._local = threading.local()
