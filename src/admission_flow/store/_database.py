"""Reaching a database, and keeping its schema at the revision this code knows.

A URL is an SQLAlchemy URL (``sqlite:///cases.db``,
``postgresql+psycopg://user@host/db``); a bare path means an SQLite file.
Migrations live in ``migrations/`` inside the package and are run by Alembic,
configured here in code, so users need no ``alembic.ini``.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from admission_flow.exceptions import SchemaError, StoreError

from ._errors import describe_url, translate

__all__ = [
    "HEAD",
    "check_schema",
    "connect",
    "describe_url",
    "raw_rows",
    "snapshot",
    "upgrade",
    "writer",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: How long an SQLite writer waits for another's lock before giving up, in milliseconds.
SQLITE_BUSY_MS = 30_000


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in script.walk_revisions()]


#: The schema revision this code writes.
HEAD: str = ScriptDirectory.from_config(_config()).get_current_head() or ""


def make_url(url: str | Path) -> sa.URL:
    """``url`` as an SQLAlchemy URL; a bare path (no ``scheme://``) is an SQLite file."""
    text = str(url)
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).resolve()))
    try:
        return sa.make_url(text)
    except sa.exc.ArgumentError as exc:
        raise StoreError(
            "cannot read the database URL; write it as scheme://user@host/database "
            f"or give a file path ({type(exc).__name__})"
        ) from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; FULL makes each commit
    # survive a power cut, not only a crash, as legal records should; the busy
    # timeout makes a second writer wait for the lock instead of failing at once
    # (set first: switching a new file to WAL takes a lock too).
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    _wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _wal(cursor: Any) -> None:
    """Switch the file to WAL once; a connection that finds it switched leaves it.

    Switching needs the file to itself, and while another process opens the same
    fresh file (or recovers its WAL) SQLite can answer "database is locked"
    without calling the busy handler: try again, until the busy timeout.
    """
    give_up = time.monotonic() + SQLITE_BUSY_MS / 1000
    pause = 0.005
    while True:
        try:
            (mode,) = cursor.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= give_up:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


#: The execution option that marks a write transaction (see ``writer``).
WRITE = "admission_flow_write"


def _sqlite_begin(connection: sa.Connection) -> None:
    # A write transaction takes the write lock at BEGIN, where SQLite waits for
    # it up to the busy timeout. A deferred one that reads first and writes
    # later cannot wait: when another writer committed meanwhile, its snapshot
    # is stale and SQLite refuses it at once ("database is locked").
    if connection.get_execution_options().get(WRITE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def writer(engine: sa.Engine) -> sa.Engine:
    """The engine for write transactions: on SQLite each takes the write lock up front.

    It shares ``engine``'s pool; reads keep using ``engine``.
    """
    return engine.execution_options(**{WRITE: True})


def connect(url: str | Path, *, create: bool = True) -> sa.Engine:
    """An engine for ``url``, checked to be reachable.

    Without ``create``, a missing SQLite file is an error rather than a new,
    empty database.

    Raises:
        StoreError: the URL names a driver that is not installed, or the
            database cannot be reached.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
    where = describe_url(parsed)
    try:
        engine = sa.create_engine(parsed)
    except ImportError as exc:
        raise StoreError(
            f"{where}: the driver for this database is not installed ({exc.name}); "
            "for PostgreSQL install admission-flow[postgresql]"
        ) from None
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"{where}: {exc}") from None
    if engine.dialect.name == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            raise StoreError(
                f"{where}: cannot reach the database: no folder {Path(database).parent}"
            )
        if database and database != ":memory:" and not create and not Path(database).exists():
            raise StoreError(
                f"{where}: no such database file; check the path "
                "(admission-flow run --db creates one)"
            )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise translate(exc, parsed, "cannot reach the database") from None
    return engine


def snapshot(engine: sa.Engine) -> sa.Connection:
    """A connection whose reads all see one moment, whatever is committed meanwhile.

    SQLite in WAL mode gives each transaction a snapshot already; PostgreSQL's
    default (read committed) would let a case's rows move on between reading
    the case and reading its rows, so reads ask for repeatable read.
    """
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


@contextlib.contextmanager
def raw_rows(
    connection: sa.Connection, query: sa.Select[Any], size: int = 5000
) -> Iterator[Iterator[tuple[Any, ...]]]:
    """The rows of ``query`` as the driver's own tuples, streamed: the bulk read path.

    Rebuilding a million events spends more on building SQLAlchemy rows than on
    reading them; this skips that layer (and its type processing: dates may
    come as text on SQLite, booleans as 0 and 1) inside the same transaction.
    SQLite's cursor fetches as it goes; on PostgreSQL the cursor is a named,
    server-side one (a client cursor would hold every row in memory), fetched
    ``size`` rows at a time.
    """
    connection.execute(sa.text("SELECT 1"))  # begin the transaction (and its snapshot) first
    compiled = query.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    driver: Any = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"af_rows_{next(_cursor_numbers)}")
        cursor.itersize = size
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(str(compiled), params)
        chunks = iter(functools.partial(cursor.fetchmany, size), [])
        yield itertools.chain.from_iterable(chunks)
    finally:
        cursor.close()


_cursor_numbers = itertools.count()


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: sa.Engine) -> None:
    """Refuse a database whose schema is not the one this code writes.

    Raises:
        StoreError: the database has no register, one at an older revision
            (upgrade it with ``Register.create``), or one at a revision this
            code does not know (a newer admission-flow made it).
    """
    with engine.connect() as connection:
        revision = current_revision(connection)
    _check_revision(engine.url, revision)


def _check_revision(url: sa.URL, revision: str | None) -> None:
    where = describe_url(url)
    if revision == HEAD:
        return
    if revision is None:
        raise SchemaError(
            f"{where}: no admission-flow register here; create it with Register.create(url) "
            "(the admission-flow commands create it)"
        )
    if revision not in _revisions():
        raise SchemaError(
            f"{where}: the register's schema is at revision '{revision}', which this "
            f"admission-flow does not know (it knows up to '{HEAD}'); nothing was written: "
            "use the admission-flow that made it, or a newer one"
        )
    raise SchemaError(
        f"{where}: the register's schema is at revision '{revision}', older than '{HEAD}'; "
        "upgrade it with Register.create(url) (the admission-flow commands do)"
    )


#: The PostgreSQL advisory lock that lets one process at a time create or upgrade a register.
_UPGRADE_LOCK = 0x61665F7265  # "af_re"


def upgrade(engine: sa.Engine) -> None:
    """Create the register, or bring an older one up to ``HEAD``; refuse an unknown revision.

    Safe when several processes do it at once: each takes a lock (SQLite's
    write lock, a PostgreSQL advisory lock), reads the revision again under it,
    and only the first finds anything to do.
    """
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision is not None and revision not in _revisions():
        check_schema(engine)  # raises, naming the revision
    if revision == HEAD:
        return
    try:
        with writer(engine).begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_UPGRADE_LOCK)))
            revision = current_revision(connection)
            if revision is not None and revision not in _revisions():
                _check_revision(engine.url, revision)
            if revision != HEAD:
                command.upgrade(_config(connection), "head")
    except sa.exc.SQLAlchemyError as exc:
        raise translate(exc, engine.url, "cannot create the register") from None
