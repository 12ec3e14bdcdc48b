"""The register's commands: run --db, fire, history, verify, and their exit statuses."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))
Capsys = pytest.CaptureFixture[str]


def main(*argv: str) -> int:
    return _cli.main(list(argv))


def versions(url: str) -> dict[str, int]:
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        return {s.case.id: s.version for s in register.cases()}


#: The scenarios most tests keep: cases c-oanh (official), c-an, c-duy (dossier), c-dat.
KEPT = ("happy-standard", "refused-too-young", "refused-incomplete-dossier", "rejected")


@pytest.fixture
def stored(url: str, capsys: Capsys, tmp_path: Path) -> str:
    """A register holding four example cases, made by `run FOLDER --db`."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in KEPT:
        shutil.copy(EXAMPLES / f"{name}.yaml", folder)
    assert main("run", str(folder), "--db", url) == 0
    capsys.readouterr()
    return url


def test_run_db_keeps_every_scenario_of_a_folder(url: str, capsys: Capsys) -> None:
    """Each scenario's case is kept with one history row per event, refused ones included."""
    assert main("run", str(EXAMPLES), "--db", url) == 0
    out = capsys.readouterr().out
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        opened = 0
        for path in SCENARIOS:
            expected = json.loads(path.with_name(path.stem + ".expected.json").read_text("utf-8"))
            if expected["state"] is None:
                # Revision 3: re-admission ruled out at opening: the register keeps no case.
                assert f"{path}: not kept in the register: " in out
                assert not register.has_case(expected["case"])
                continue
            opened += 1
            entries = register.history(expected["case"])
            assert len(entries) == len(expected["steps"])
            assert register.load(expected["case"]).case.state == expected["state"]
        assert len(register.case_ids()) == opened
        assert register.verify() == []


def test_run_db_json_prints_what_run_prints(url: str, capsys: Capsys) -> None:
    """With --db, --json prints each scenario's usual object, in order."""
    two = SCENARIOS[:2]
    assert main("run", *map(str, two), "--db", url, "--json") == 0
    out = capsys.readouterr().out
    expected = "".join(p.with_name(p.stem + ".expected.json").read_text("utf-8") for p in two)
    assert out == expected


def test_a_case_already_kept_is_never_overwritten(stored: str, capsys: Capsys) -> None:
    """run --db of a scenario whose person has a case: a new case id (issue 16), refused by
    the rules across cases, so shown but not kept (revision 3); no kept case changes."""
    before = versions(stored)
    assert main("run", str(EXAMPLES / "happy-standard.yaml"), "--db", stored) == 0
    out = capsys.readouterr().out
    assert "happy-standard.yaml: not kept in the register" in out
    assert "case 'c-oanh-2' cannot be opened" in out
    assert "readmission.still_member" in out
    assert versions(stored) == before


def test_several_scenarios_without_db_is_exit_2(capsys: Capsys) -> None:
    """run of a folder or several files needs --db: exit 2, saying so."""
    assert main("run", str(EXAMPLES)) == 2
    assert "need --db" in capsys.readouterr().err


def test_fire_records_a_refused_step_and_exits_0(stored: str, capsys: Capsys) -> None:
    """A refused event is recorded (the version moves on) and is not a failure."""
    before = versions(stored)["c-oanh"]
    assert (
        main(
            "fire",
            "c-oanh",
            "withdraw",
            "--db",
            stored,
            "--by",
            "cell",
            "--on",
            "2025-01-02",
            "--json",
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert (data["version"], data["state"]) == (before + 1, "official")
    assert data["step"]["by"] == "cell"
    assert [v["rule"] for v in data["step"]["violations"]] == ["event.state"]
    assert versions(stored)["c-oanh"] == before + 1


def test_fire_reads_facts_by_their_declared_types(stored: str, capsys: Capsys) -> None:
    """FACT=VALUE after the options, each read as the type the procedure declares."""
    args = ["fire", "c-duy", "cell_vote", "--db", stored, "--by", "cell", "--on", "2023-10-02"]
    assert main(*args, "in_favour=25", "official_members=29", "--json") == 0
    step = json.loads(capsys.readouterr().out)["step"]
    assert step["facts"] == {"in_favour": 25, "official_members": 29, "excluded": 0}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--by", "cell", "--on", "2025-13-01"], "is not a date; write it as YYYY-MM-DD"),
        (
            ["--by", "cell", "--on", "2025-01-02", "colour=red"],
            "has no fact 'colour' (it takes: reason)",
        ),
        (["--by", "cell", "--on", "2025-01-02", "reason"], "is not FACT=VALUE"),
        (["--by", "member:m-nobody", "--on", "2025-01-02"], "unknown member 'm-nobody'"),
    ],
)
def test_fire_with_bad_input_is_exit_2_and_writes_nothing(
    stored: str, capsys: Capsys, argv: list[str], says: str
) -> None:
    """A malformed date, an unknown fact, a bad FACT=VALUE, an unknown member: one line, exit 2."""
    before = versions(stored)
    assert main("fire", "c-oanh", "withdraw", "--db", stored, *argv) == 2
    err = capsys.readouterr().err
    assert says in err
    assert len(err.strip().splitlines()) == 1
    assert versions(stored) == before


def test_fire_on_an_unknown_case_is_exit_2(stored: str, capsys: Capsys) -> None:
    """An unknown case id: exit 2 naming it."""
    assert (
        main("fire", "c-nobody", "withdraw", "--db", stored, "--by", "cell", "--on", "2025-01-02")
        == 2
    )
    assert "no case 'c-nobody'" in capsys.readouterr().err


def test_fire_that_loses_a_race_is_exit_4_and_writes_nothing(
    stored: str, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer records a step between load and write: exit 4, nothing written."""
    real_load = Register.load

    def load_then_lose(self: Register, case_id: str) -> object:
        seen = real_load(self, case_id)
        self.fire(real_load(self, case_id), "withdraw", "cell", seen.case.history[-1].on)
        return seen

    monkeypatch.setattr(Register, "load", load_then_lose)
    before = versions(stored)["c-oanh"]
    assert (
        main("fire", "c-oanh", "withdraw", "--db", stored, "--by", "cell", "--on", "2025-01-02")
        == 4
    )
    assert (
        "the case changed while this event was judged; nothing was written"
        in capsys.readouterr().err
    )
    monkeypatch.undo()
    assert versions(stored)["c-oanh"] == before + 1  # the other writer's step only


def test_history_lists_every_attempt(stored: str, capsys: Capsys) -> None:
    """history prints one line per row; --json gives each step with its seal."""
    assert main("history", "c-an", "--db", stored) == 0
    text = capsys.readouterr().out
    assert main("history", "c-an", "--db", stored, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert len(text.strip().splitlines()) == 1 + len(data["history"])
    assert [row["seq"] for row in data["history"]] == list(range(1, data["version"] + 1))
    assert all(len(row["hash"]) == 64 for row in data["history"])
    assert any(not row["accepted"] for row in data["history"])


def test_verify_is_0_when_every_chain_holds_and_1_naming_a_broken_one(
    stored: str, capsys: Capsys
) -> None:
    """verify: exit 0, then after a row is changed by hand, exit 1 naming case and step."""
    assert main("verify", "--db", stored) == 0
    assert capsys.readouterr().out.startswith("ok: every chain holds")
    with Register(stored) as register, register.db.begin() as connection:
        connection.execute(
            sa.text("UPDATE history SET event = 'withdraw' WHERE case_id = 'c-oanh' AND seq = 2")
        )
    assert main("verify", "--db", stored) == 1
    out = capsys.readouterr().out
    assert "case 'c-oanh', step 2: does not match its hash" in out
    assert main("history", "c-oanh", "--db", stored) == 2
    assert "Oanh" not in capsys.readouterr().err  # the case id only, never a name


def test_without_the_store_extra_a_command_says_what_to_install(
    tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No SQLAlchemy: one line 'install admission-flow[store]', exit 2."""
    monkeypatch.setitem(sys.modules, "admission_flow.store", None)
    assert main("verify", "--db", str(tmp_path / "x.db")) == 2
    assert "install admission-flow[store]" in capsys.readouterr().err


def test_a_register_of_an_unknown_schema_is_exit_2_for_every_command(
    stored: str, capsys: Capsys
) -> None:
    """A newer admission-flow's register: each command says so in one line; nothing written."""
    with Register(stored) as register, register.db.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    for argv in (
        ["verify", "--db", stored],
        ["history", "c-oanh", "--db", stored],
        ["fire", "c-oanh", "withdraw", "--db", stored, "--by", "cell", "--on", "2025-01-02"],
        ["run", str(SCENARIOS[0]), "--db", stored],
    ):
        assert main(*argv) == 2
        err = capsys.readouterr().err
        assert "revision '9999', which this admission-flow does not know" in err
        assert len(err.strip().splitlines()) == 1


def test_fire_dated_before_the_last_step_is_a_refusal_on_record(
    stored: str, capsys: Capsys
) -> None:
    """An event dated before the case's last step is refused by event.date and kept as an attempt."""
    args = ["fire", "c-duy", "withdraw", "--db", stored, "--by", "cell", "--on", "2020-01-01"]
    assert main(*args, "--json") == 0
    step = json.loads(capsys.readouterr().out)["step"]
    assert step["accepted"] is False
    assert [v["rule"] for v in step["violations"]] == ["event.date"]
