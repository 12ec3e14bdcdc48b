"""Moving a register's open cases to the next generation: admission-flow migrate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.cli._main import main
from admission_flow.store import Register
from admission_flow.store._schema import history

D = dt.date
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
MEMBERS = [af.Member(id="m-hung", status="official", since=D(2005, 6, 1))]
UNIT = af.Unit(id="kdc-1", kind="residential", official_members=29, delegated_admission=True)


def person(pid: str) -> af.Person:
    return af.Person(id=pid, name="Lê Văn An", born=D(1992, 2, 3), education="university")


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A register of three vn-2021 cases: two open (identified, mentored), one withdrawn."""
    target = f"sqlite:///{tmp_path / 'r.db'}"
    with Register.create(target, plugins=af.Plugins(entry_points=False)) as register:
        register.put_unit(UNIT, MEMBERS)
        register.put_unit(af.Unit(id="kdc-1-2", kind="residential", official_members=41), MEMBERS)
        procedure = af.load_procedure("vn-2021", plugins=register.plugins)
        engine = af.Engine(procedure, plugins=register.plugins, members=MEMBERS)
        for pid in ("c-1", "c-2", "c-3"):
            stored = register.add_case(engine.open(pid, person(pid), UNIT), procedure)
            stored = register.fire(stored, "identify", "cell_committee", D(2025, 5, 5)).stored
            if pid != "c-1":
                stored = register.fire(
                    stored, "assign_mentor", "cell", D(2025, 5, 6), mentor="m-hung"
                ).stored
            if pid == "c-3":
                register.fire(stored, "withdraw", "candidate", D(2025, 5, 7))
    return target


def rows(url: str) -> int:
    with sa.create_engine(url).connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(history)).scalar_one())


def test_a_dry_run_judges_every_open_case_and_writes_nothing(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = rows(url)
    assert main(["migrate", "--db", url, "--to", "vn-2025", "--on", "2025-07-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "migrate to vn-2025 on 2025-07-01 (dry run)" in out
    assert "2 open cases: 2 would move, 0 not moved" in out
    assert rows(url) == before


def test_the_move_then_verify(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each open case gets one migrate step; chains hold; a second run moves none."""
    units = tmp_path / "units.yaml"
    units.write_text("kdc-1: {unit: kdc-1-2, committee: Đảng ủy phường Hòa Khánh}\n", "utf-8")
    argv = ["migrate", "--db", url, "--to", "vn-2025", "--on", "2025-07-01", "--units", str(units)]
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["open_cases"], data["moved"], data["not_moved"]) == (2, 2, 0)
    assert {c["new_unit"] for c in data["cases"]} == {"kdc-1-2"}
    assert main(["verify", "--db", url]) == 0
    assert "ok: every chain holds (3 cases)" in capsys.readouterr().out
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        moved = register.load("c-2").case
        assert moved.procedure.id == "vn-2025"
        assert moved.unit.id == "kdc-1-2"
        assert moved.history[-1].facts["committee"] == "Đảng ủy phường Hòa Khánh"
        assert register.load("c-3").case.procedure.id == "vn-2021"  # closed: stays
        fired = register.fire(
            "c-2",
            "complete_course",
            "training_center",
            D(2025, 7, 3),
            certificate_date=D(2025, 7, 3),
        )
        assert fired.outcome.accepted
    assert main([*argv, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["moved"] == 0
    assert again["cases"][0]["reasons"] == ["follows vn-2025, which vn-2025 does not take"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--to", "vn-2021", "--on", "2025-07-01"], "procedure 'vn-2021' declares no migration"),
        (["--to", "vn-2025", "--on", "2025-06-30"], "'vn-2025' is not in force on 2025-06-30"),
        (["--to", "vn-2052", "--on", "2025-07-01"], "did you mean 'vn-2025'?"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    url: str, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    before = rows(url)
    assert main(["migrate", "--db", url, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert rows(url) == before


def test_a_unit_map_naming_an_unknown_unit_is_refused(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units = tmp_path / "units.yaml"
    units.write_text("kdc-1: kdc-9\n", "utf-8")
    before = rows(url)
    argv = ["migrate", "--db", url, "--to", "vn-2025", "--on", "2025-07-01", "--units", str(units)]
    assert main(argv) == 2
    assert "unit 'kdc-9' is not in the register" in capsys.readouterr().err
    assert rows(url) == before


def test_a_case_changed_during_the_move_is_a_conflict_not_a_lost_step(url: str) -> None:
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        stale = register.load("c-1")
        register.fire("c-1", "assign_mentor", "cell", D(2025, 6, 2), mentor="m-hung")
        to = af.load_procedure("vn-2025", plugins=register.plugins)
        with pytest.raises(af.ConflictError):
            register.migrate(stale, to=to, on=D(2025, 7, 1))
        assert register.load("c-1").case.procedure.id == "vn-2021"


def test_a_scenario_with_a_move_runs_through_the_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run --db records the move; verify holds; the same person again gets a new id, refused."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    scenario = str(EXAMPLES / "vn2025-moved-after-committee-vote.yaml")
    assert main(["run", "--db", db, scenario, "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert (run["procedure"], run["state"]) == ("vn-2025", "admitted")
    assert main(["verify", "--db", db]) == 0
    capsys.readouterr()
    assert main(["run", "--db", db, scenario]) == 0  # a new case, refused: not kept
    out = capsys.readouterr().out
    assert "not kept in the register" in out
    assert "case 'c-nguyet-2' cannot be opened: case.one_open" in out


def test_a_batched_move_of_a_changed_case_is_a_conflict(url: str) -> None:
    """In a batch, the case another writer moved on is left alone; the others are written."""
    from admission_flow.store._migration import Move, _write

    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        to = af.load_procedure("vn-2025", plugins=register.plugins)
        register.keep_procedure(to)
        judged = []
        for case_id in ("c-1", "c-2"):
            stored = register.load(case_id)
            outcome = register.engine(stored).migrate(stored.case, to=to, on=D(2025, 7, 1))
            move = Move(
                case=case_id,
                moved=True,
                state=stored.case.state,
                old_unit="kdc-1",
                new_unit="kdc-1",
            )
            judged.append((stored, outcome, af.Engine(to, plugins=register.plugins), move))
        register.fire("c-1", "assign_mentor", "cell", D(2025, 6, 2), mentor="m-hung")
        assert _write(register, judged) == {"c-1"}
        assert register.load("c-1").case.procedure.id == "vn-2021"
        assert register.load("c-2").case.procedure.id == "vn-2025"
        assert register.verify() == []
