"""The register's commands a service's operator uses: fire with a request id and an expected
version, cases and due as tables and JSON."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
Capsys = pytest.CaptureFixture[str]


def main(*argv: str) -> int:
    return _cli.main(list(argv))


@pytest.fixture
def voted(url: str, tmp_path: Path, capsys: Capsys) -> str:
    """Two cases of kdc-14: c-oanh voted by the cell on 2023-08-15 (decision due 2023-11-09),
    c-an refused for age (its recorded vote: decision due 2023-12-08); made by `run --db`."""
    text = (EXAMPLES / "happy-standard.yaml").read_text(encoding="utf-8")
    cut = text.index("  - {on: 2023-08-25, event: committee_vote")
    (tmp_path / "oanh.yaml").write_text(text[:cut], encoding="utf-8")
    assert main("run", str(tmp_path / "oanh.yaml"), "--db", url) == 0
    assert main("run", str(EXAMPLES / "refused-too-young.yaml"), "--db", url) == 0
    capsys.readouterr()
    return url


def test_fire_with_a_request_id_twice_records_once(voted: str, capsys: Capsys) -> None:
    """The second run of the same command prints the recorded step and writes nothing."""
    argv = ("fire", "c-oanh", "withdraw", "--db", voted, "--by", "cell", "--on", "2023-08-20")
    assert main(*argv, "--request-id", "r-1") == 0
    first = capsys.readouterr().out
    assert first.startswith("c-oanh #12 2023-08-20 withdraw cell: ✓")
    assert main(*argv, "--request-id", "r-1", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["seq"], again["replayed"], again["version"]) == (12, True, 12)
    with Register(voted, plugins=af.Plugins(entry_points=False)) as register:
        assert len(register.history("c-oanh")) == 12


def test_fire_with_a_stale_expected_version_is_exit_4(voted: str, capsys: Capsys) -> None:
    """--expected-version 10 on a case at 11: exit 4, nothing written; 11 records the step."""
    argv = ("fire", "c-oanh", "withdraw", "--db", voted, "--by", "cell", "--on", "2023-08-20")
    assert main(*argv, "--expected-version", "10") == 4
    assert "at version 11, not 10" in capsys.readouterr().err
    assert main(*argv, "--expected-version", "11") == 0
    assert capsys.readouterr().out.startswith("c-oanh #12 ")


def test_cases_lists_by_unit_and_state_as_a_table_and_json(voted: str, capsys: Capsys) -> None:
    """cases --unit kdc-14: c-oanh with its next deadline; --state dossier --json: both
    dossiers' summaries, each with the deadline Engine.pending gives."""
    assert main("cases", "--db", voted, "--unit", "kdc-14") == 0
    table = capsys.readouterr().out
    assert "c-oanh" in table
    assert "2023-11-09" in table
    assert "decide_admission" in table
    assert main("cases", "--db", voted, "--state", "dossier", "--json") == 0
    found = {s["id"]: s for s in json.loads(capsys.readouterr().out)}
    assert sorted(found) == ["c-an", "c-oanh"]
    assert (found["c-oanh"]["next_due"], found["c-oanh"]["version"]) == ("2023-11-09", 11)
    assert found["c-an"]["next_due"] == "2023-12-08"  # its vote was recorded, not passed
    assert main("cases", "--db", voted, "--state", "official", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main("cases", "--db", voted, "--unit", "kdc-99", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []


def test_cases_overdue_on_counts_the_due_day_as_not_overdue(voted: str, capsys: Capsys) -> None:
    """--overdue-on 2023-11-09: none; 2023-11-10: c-oanh, marked overdue."""
    assert main("cases", "--db", voted, "--overdue-on", "2023-11-09", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main("cases", "--db", voted, "--overdue-on", "2023-11-10") == 0
    out = capsys.readouterr().out
    assert "c-oanh" in out
    assert "quá hạn / overdue" in out
    assert "1 hồ sơ / cases" in out


def test_due_lists_what_falls_due_on_or_before_the_day(voted: str, capsys: Capsys) -> None:
    """due --on 2023-11-08: nothing; --on 2023-11-09: c-oanh's decision."""
    assert main("due", "--db", voted, "--on", "2023-11-08", "--json") == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main("due", "--db", voted, "--on", "2023-11-09") == 0
    out = capsys.readouterr().out
    assert "c-oanh" in out
    assert "decide_admission" in out
    assert "overdue" not in out


def test_a_malformed_date_is_one_line_and_exit_2(voted: str, capsys: Capsys) -> None:
    """due --on 9/11/2023: exit 2, the option and the format named."""
    assert main("due", "--db", voted, "--on", "9/11/2023") == 2
    err = capsys.readouterr().err
    assert err.strip() == ("admission-flow: --on '9/11/2023' is not a date; write it as YYYY-MM-DD")


def test_checkpoint_prints_a_verify_command_that_works_as_printed(
    voted: str, capsys: Capsys
) -> None:
    """checkpoint prints the line and the command; the command exits 0, and 1 naming the case
    once its history is cut short and its row rewritten to match."""
    assert main("checkpoint", "--db", voted) == 0
    out = capsys.readouterr().out.splitlines()
    line = out[0]
    assert line.startswith("af1.2.")
    command = shlex.split(out[-1])
    assert command[:2] == ["admission-flow", "verify"]
    assert command[-1] == line
    assert main(*command[1:]) == 0
    assert "nothing changed since the checkpoint" in capsys.readouterr().out
    with (
        Register(voted, plugins=af.Plugins(entry_points=False)) as register,
        register.writer.begin() as connection,
    ):
        survivor = connection.exec_driver_sql(
            "SELECT hash FROM history WHERE case_id = 'c-oanh' AND seq = 10"
        ).scalar()
        connection.exec_driver_sql("DELETE FROM history WHERE case_id = 'c-oanh' AND seq > 10")
        connection.exec_driver_sql(
            f"UPDATE cases SET version = 10, head = '{survivor}' WHERE id = 'c-oanh'"
        )
    assert main("verify", "--db", voted) == 0  # the chain alone holds
    capsys.readouterr()
    assert main(*command[1:]) == 1
    assert "case 'c-oanh', step 11: is missing" in capsys.readouterr().out
