"""The register's errors are typed: a stable code, the matching built-in, no driver exception,
no credentials, host or port in a message."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register, _database

D = dt.date
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@pytest.fixture
def register(register: Register) -> Register:
    """The register of conftest.py with happy-standard's unit, members and candidate's case."""
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    register.open("c-1", scenario.candidate, unit="kdc-14", procedure="vn-2021")
    return register


@pytest.mark.parametrize(
    ("error", "code", "builtin", "retryable"),
    [
        (af.UnavailableError, "unavailable", ConnectionError, True),
        (af.ConflictError, "conflict", RuntimeError, True),
        (af.DuplicateError, "duplicate", ValueError, False),
        (af.RequestReusedError, "request_reused", ValueError, False),
        (af.ConstraintError, "constraint", ValueError, False),
        (af.UnknownCaseError, "unknown_case", LookupError, False),
        (af.UnknownUnitError, "unknown_unit", LookupError, False),
        (af.SchemaError, "schema", RuntimeError, False),
        (af.TamperedError, "tampered", RuntimeError, False),
        (af.StoreError, "store", RuntimeError, False),
        (af.InputError, "bad_input", ValueError, False),
        (af.FactError, "bad_fact", ValueError, False),
        (af.UnknownEventError, "unknown_event", LookupError, False),
        (af.PluginError, "plugin_failed", RuntimeError, False),
    ],
)
def test_every_error_has_a_stable_code_and_its_builtin(
    error: type[af.AdmissionFlowError], code: str, builtin: type[Exception], retryable: bool
) -> None:
    """The code a service maps, the built-in a caller catches, and a title in both languages."""
    assert error.code == code
    assert issubclass(error, builtin)
    assert issubclass(error, af.AdmissionFlowError)
    assert error.retryable is retryable
    vi, en = error.title
    assert vi
    assert en
    assert vi != en


def test_codes_are_unique() -> None:
    """No two error classes share a code."""
    classes = [
        getattr(af, name)
        for name in af.__all__
        if isinstance(getattr(af, name), type) and issubclass(getattr(af, name), Exception)
    ]
    codes = [c.code for c in classes if "code" in vars(c)]
    assert len(codes) == len(set(codes))


def test_a_lock_held_beyond_the_wait_is_unavailable_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite locked by another writer past the busy timeout: UnavailableError, retryable,
    nothing written; once the lock is gone the same call succeeds."""
    path = tmp_path / "cases.db"
    monkeypatch.setattr(_database, "SQLITE_BUSY_MS", 50)
    with Register.create(path, plugins=af.Plugins(entry_points=False)) as register:
        scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        register.open("c-1", scenario.candidate, unit="kdc-14", procedure="vn-2021")
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(af.UnavailableError, match="database is locked") as caught:
                register.fire("c-1", "withdraw", "cell", D(2023, 3, 1))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert caught.value.retryable
        assert caught.value.__cause__ is None
        assert register.load("c-1").version == 0
        assert register.fire("c-1", "withdraw", "cell", D(2023, 3, 1)).stored.version == 1


def test_a_constraint_violation_is_not_a_conflict(register: Register) -> None:
    """A write the database refuses by a rule: ConstraintError, never ConflictError (a
    caller would retry it for ever); nothing written."""
    with register.writer.begin() as connection:
        if register.db.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER no_withdraw BEFORE INSERT ON history WHEN NEW.event = 'withdraw' "
                "BEGIN SELECT RAISE(ABORT, 'withdrawals are closed'); END"
            )
        else:
            connection.exec_driver_sql(
                "ALTER TABLE history ADD CONSTRAINT no_withdraw CHECK (event <> 'withdraw')"
            )
    with pytest.raises(af.ConstraintError) as caught:
        register.fire("c-1", "withdraw", "cell", D(2023, 3, 1))
    assert not isinstance(caught.value, af.ConflictError)
    assert caught.value.code == "constraint"
    assert not caught.value.retryable
    assert register.load("c-1").version == 0


def test_a_lost_connection_is_unavailable_then_recovers(url: str, register: Register) -> None:
    """The server drops every connection (a restart): UnavailableError naming only the
    database; the next call reconnects."""
    if register.db.dialect.name != "postgresql":
        pytest.skip("a server-side disconnection needs a server")
    register.load("c-1")  # a pooled connection to drop
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
    with pytest.raises(af.UnavailableError) as caught:
        register.load("c-1")
    message = str(caught.value)
    assert message.startswith(f"postgresql:{register.db.url.database}: ")
    assert "127.0.0.1" not in message
    assert f":{register.db.url.port}" not in message
    assert register.load("c-1").version == 0


def test_a_connection_lost_under_a_write_is_unavailable_then_recovers(
    url: str, register: Register
) -> None:
    """PostgreSQL writes a step on the driver's own connection: dropped by the server, it
    is UnavailableError with nothing written, it is not reused, and the retry writes."""
    if register.db.dialect.name != "postgresql":
        pytest.skip("a server-side disconnection needs a server")
    stored = register.load("c-1")
    register.engine(stored)  # built now: the write is the next use of the database
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
    with pytest.raises(af.UnavailableError, match="cannot record the step"):
        register.fire(stored, "withdraw", "cell", D(2023, 3, 1))
    assert register.load("c-1").version == 0
    assert register.fire(stored, "withdraw", "cell", D(2023, 3, 1)).stored.version == 1
    assert register.verify() == []


def test_no_database_exception_escapes(register: Register) -> None:
    """A table dropped under the register: a typed SchemaError, not SQLAlchemy's."""
    with register.writer.begin() as connection:
        connection.exec_driver_sql("DROP TABLE members")
    with pytest.raises(af.SchemaError) as caught:
        register.members("kdc-14")
    assert not isinstance(caught.value, sa.exc.SQLAlchemyError)
    assert caught.value.code == "schema"
