"""Reaching a database, and keeping its schema at the revision this code knows.

A URL is an SQLAlchemy URL (``sqlite:///cases.db``,
``postgresql+psycopg://user@host/db``); a bare path means an SQLite file.
Migrations live in ``migrations/`` inside the package and are run by Alembic,
configured here in code, so users need no ``alembic.ini``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from admission_flow.exceptions import StoreError

__all__ = ["HEAD", "check_schema", "connect", "describe_url", "raw_rows", "snapshot", "upgrade"]

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
        raise StoreError(f"cannot read the database URL: {exc}") from None


def describe_url(url: sa.URL) -> str:
    """The URL as messages show it: never its password."""
    return url.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers go on while one writer writes; FULL makes each commit
    # survive a power cut, not only a crash, as legal records should; the busy
    # timeout makes a second writer wait for the lock instead of failing at once.
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")


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
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"{where}: cannot reach the database: {reason}") from None
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


def raw_rows(
    connection: sa.Connection, query: sa.Select[Any], size: int = 5000
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``query`` as the driver's own tuples, streamed: the bulk read path.

    Rebuilding a million events spends more on building SQLAlchemy rows than on
    reading them; this skips that layer (and its type processing: dates may
    come as text on SQLite, booleans as 0 and 1) inside the same transaction.
    For SQLite only, whose cursor fetches as it goes: a PostgreSQL client
    cursor would hold every row in memory, so PostgreSQL keeps SQLAlchemy's
    streaming server-side cursor.
    """
    connection.execute(sa.text("SELECT 1"))  # begin the transaction (and its snapshot) first
    compiled = query.compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    driver = connection.connection.driver_connection
    assert driver is not None
    cursor = driver.cursor()
    try:
        cursor.execute(str(compiled), params)
        while True:
            chunk = cursor.fetchmany(size)
            if not chunk:
                return
            yield from chunk
    finally:
        cursor.close()


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: sa.Engine) -> None:
    """Refuse a database whose schema is not the one this code writes.

    Raises:
        StoreError: the database has no register, one at an older revision
            (upgrade it with ``Register.create``), or one at a revision this
            code does not know (a newer admission-flow made it).
    """
    where = describe_url(engine.url)
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision == HEAD:
        return
    if revision is None:
        raise StoreError(
            f"{where}: no admission-flow register here; create it with Register.create(url) "
            "(the admission-flow commands create it)"
        )
    if revision not in _revisions():
        raise StoreError(
            f"{where}: the register's schema is at revision '{revision}', which this "
            f"admission-flow does not know (it knows up to '{HEAD}'); nothing was written: "
            "use the admission-flow that made it, or a newer one"
        )
    raise StoreError(
        f"{where}: the register's schema is at revision '{revision}', older than '{HEAD}'; "
        "upgrade it with Register.create(url) (the admission-flow commands do)"
    )


def upgrade(engine: sa.Engine) -> None:
    """Create the register, or bring an older one up to ``HEAD``; refuse an unknown revision."""
    where = describe_url(engine.url)
    with engine.connect() as connection:
        revision = current_revision(connection)
    if revision is not None and revision not in _revisions():
        check_schema(engine)  # raises, naming the revision
    if revision == HEAD:
        return
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "head")
    except sa.exc.DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(f"{where}: cannot create the register: {reason}") from None
