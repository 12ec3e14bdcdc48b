"""The register on both backends: cases are folds of their history, nothing is half-written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._database import connect
from admission_flow.store._schema import metadata
from helpers import replay

D = dt.date


# -- the schema ------------------------------------------------------------------------


def test_the_migrations_make_the_tables_the_code_uses(register: Register) -> None:
    """Alembic finds no difference between the migrated database and _schema.py."""
    with register.db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []


def test_creating_twice_is_opening(url: str) -> None:
    """Register.create on a current register changes nothing; Register() opens it."""
    Register.create(url).close()
    Register.create(url).close()
    with Register(url) as register:
        assert register.case_ids() == []


def test_a_database_without_a_register_is_refused(url: str) -> None:
    """Register(url) on an empty database says how to create the register, in one line."""
    if "://" not in url:
        Path(url).touch()  # an empty SQLite file is an empty database
    with pytest.raises(af.StoreError, match="no admission-flow register here") as caught:
        Register(url)
    assert "\n" not in str(caught.value)


def test_opening_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    """Register(path) of no file: StoreError, and no file is left behind."""
    path = tmp_path / "typo.db"
    with pytest.raises(af.StoreError, match="no such database file"):
        Register(path)
    assert not path.exists()


def test_a_schema_of_an_unknown_revision_is_refused_and_nothing_written(url: str) -> None:
    """A register made by a newer admission-flow: one clear line, no upgrade, no write."""
    Register.create(url).close()
    engine = connect(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    for opening in (Register, Register.create):
        with pytest.raises(
            af.StoreError, match="revision '9999', which this admission-flow does not know"
        ):
            opening(url)
    with engine.connect() as connection:
        assert (
            connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            == "9999"
        )
        assert connection.execute(sa.text("SELECT count(*) FROM units")).scalar() == 0
    engine.dispose()


@pytest.mark.parametrize(
    ("bad", "named", "code"),
    [
        (
            "postgresql+psycopg://clerk:s3cret@127.0.0.1:1/nowhere?password=hunter2",
            "postgresql:nowhere",
            "unavailable",
        ),
        ("/no/such/folder/cases.db", "/no/such/folder", "store"),
        ("nosuchdialect://x/y", "nosuchdialect:y", "store"),
    ],
)
def test_a_database_that_cannot_be_reached_is_one_line(bad: str, named: str, code: str) -> None:
    """Unreachable server, missing folder, unknown dialect: one typed line naming scheme and
    database, never the user, password, host or port (the contract changed in issue 18)."""
    with pytest.raises(af.StoreError) as caught:
        Register.create(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert named in message
    assert caught.value.code == code
    for secret in ("clerk", "s3cret", "hunter2", "127.0.0.1", ":1/"):
        assert secret not in message
    assert caught.value.__cause__ is None


# -- units, members, cases ------------------------------------------------------------


def test_units_and_members_are_kept_and_updated(register: Register) -> None:
    """put_unit adds, then updates: a member who became official is official."""
    unit = af.Unit(id="kdc-14", kind="residential", official_members=29)
    register.put_unit(unit, [af.Member(id="m-lan", status="probationary", since=D(2022, 10, 1))])
    register.put_unit(unit, [af.Member(id="m-lan", status="official", since=D(2023, 10, 1))])
    assert register.unit("kdc-14") == unit
    assert register.members("kdc-14") == {
        "m-lan": af.Member(id="m-lan", status="official", since=D(2023, 10, 1))
    }
    with pytest.raises(af.StoreError, match="no unit 'kdc-15'"):
        register.unit("kdc-15")


@pytest.mark.parametrize(
    "name", ["happy-standard", "vote-short-then-pass", "refused-too-young", "recognition-escalated"]
)
def test_a_loaded_case_is_the_case_the_engine_built(register: Register, name: str) -> None:
    """Folding the stored history gives exactly the case that running the scenario gave."""
    run, stored = replay(register, name)
    loaded = register.load(run.case.id)
    assert loaded.case == run.case == stored.case
    assert loaded.version == len(run.outcomes)
    assert loaded.open == (not run.scenario.engine.is_closed(run.case))
    entries = register.history(run.case.id)
    assert [e.step for e in entries] == [o.step for o in run.outcomes]  # refused ones too
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert register.verify() == []


def test_every_case_streams_back(register: Register) -> None:
    """cases() rebuilds every case in id order; open_only leaves out the finished ones."""
    runs = [replay(register, name)[0] for name in ("happy-standard", "rejected", "withdrawn")]
    by_id = {run.case.id: run.case for run in runs}
    assert [s.case for s in register.cases(verify=True)] == [by_id[i] for i in sorted(by_id)]
    assert list(register.cases()) == list(register.cases(verify=True))  # the bulk path agrees
    assert register.case_ids(open_only=True) == []
    assert list(register.cases(open_only=True)) == []


def test_a_case_is_added_once(register: Register) -> None:
    """Adding a case that is there already is a StoreError naming it; nothing changes."""
    run, _ = replay(register, "happy-standard")
    with pytest.raises(af.StoreError, match=f"case '{run.case.id}' is already in the register"):
        register.add_case(
            run.scenario.engine.open(run.case.id, run.scenario.candidate, run.scenario.unit),
            run.scenario.procedure,
        )
    assert register.load(run.case.id).case == run.case


def test_an_unknown_case_is_a_lookup_error(register: Register) -> None:
    """load, history and fire of an unknown id: UnknownCaseError naming only the id."""
    for call in (
        lambda: register.load("c-none"),
        lambda: register.history("c-none"),
        lambda: register.fire("c-none", "identify", "cell_committee", D(2023, 3, 1)),
    ):
        with pytest.raises(af.UnknownCaseError, match="no case 'c-none'"):
            call()


def test_a_wrong_call_writes_nothing(register: Register) -> None:
    """An unknown fact, an unknown member: InputError, the case unchanged.

    (An event dated before the last step is not a wrong call: the core rule
    event.date refuses it, and the refusal is kept as an attempt.)
    """
    run, stored = replay(register, "refused-too-young")
    case_id = run.case.id
    last = run.case.history[-1].on
    for call in (
        lambda: register.fire(case_id, "withdraw", "cell", last, colour="red"),
        lambda: register.fire(case_id, "introduce", af.Actor("member", "m-nobody"), last),
    ):
        with pytest.raises(af.InputError):
            call()
    again = register.load(case_id)
    assert (again.version, again.head, again.case) == (stored.version, stored.head, stored.case)


def test_a_stale_case_is_a_conflict_and_writes_nothing(register: Register) -> None:
    """Firing on a StoredCase someone else has moved on: ConflictError, no row written."""
    run, stored = replay(register, "refused-too-young")
    on = run.case.history[-1].on
    register.fire(stored, "withdraw", "cell", on)
    with pytest.raises(
        af.ConflictError, match="the case changed while this event was judged; nothing was written"
    ):
        register.fire(stored, "withdraw", "cell", on)
    assert register.load(run.case.id).version == stored.version + 1
    assert register.verify() == []


def test_a_plugin_that_raises_writes_nothing(url: str) -> None:
    """A plugin failure while judging: PluginError, and the case keeps its version."""

    class Broken:
        @af.hookimpl
        def admission_flow_check_event(self, context: af.EventContext) -> list[af.Violation]:
            raise RuntimeError("boom")

    plugins = af.Plugins(entry_points=False)
    with Register.create(url, plugins=plugins) as register:
        run, stored = replay(register, "refused-too-young")
        plugins.register(Broken(), name="broken")
        register._engines.forget_all()  # the engine reads which hooks are implemented when built
        with pytest.raises(af.PluginError):
            register.fire(run.case.id, "withdraw", "cell", run.case.history[-1].on)
        assert register.load(run.case.id).version == stored.version


def test_the_recorded_time_comes_from_the_clock(url: str) -> None:
    """recorded_at is the injected clock's time: the engine itself never reads the clock."""
    moment = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    plugins = af.Plugins(entry_points=False)
    with Register.create(url, plugins=plugins, clock=lambda: moment) as register:
        run, _ = replay(register, "refused-too-young")
        assert {e.recorded_at for e in register.history(run.case.id)} == {moment.isoformat()}
