"""The unit rule packs of rules/ (admission_flow_rules) work as ordinary plugins."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

import admission_flow as af
import admission_flow_rules.school as school
from admission_flow.cli._main import main
from conftest import MEMBERS
from helpers import drive

D = dt.date


def school_engine(*plugins: object) -> af.Engine:
    return af.Engine.load(
        "vn-2021", plugins=af.Plugins(plugins, entry_points=False), members=MEMBERS
    )


def school_case(engine: af.Engine, kind: str = "school") -> af.Case:
    student = af.Person(
        id="c-an", name="Lê Văn An", born=D(2005, 4, 12), education="upper_secondary"
    )
    return engine.open("c-an", student, af.Unit(id="thpt-1", kind=kind, official_members=12))


def verify(engine: af.Engine, case: af.Case, on: dt.date) -> af.Outcome:
    return engine.fire(case, "verify_background", "grassroots_committee", on, result="clear")


def test_eleven_months_on_the_list_is_refused_in_a_school() -> None:
    """Identified 2023-03-01, checked 2024-02-29: 11 months; the pack refuses, naming its source."""
    engine = school_engine(school)
    case = drive(engine, school_case(engine), "dossier")
    outcome = verify(engine, case, D(2024, 2, 29))
    assert not outcome.accepted
    assert outcome.case is case
    (violation,) = outcome.violations
    assert violation.rule == "school.sympathizer_twelve_months"
    assert violation.source == school.SOURCE
    assert "mới 11 tháng" in violation.message.vi
    assert "01/03/2023" in violation.message.vi
    assert "only 11 months" in violation.message.en
    assert "2023-03-01" in violation.message.en


def test_twelve_months_on_the_list_is_enough() -> None:
    """On 2024-03-01 the twelve months are complete: the background check is accepted."""
    engine = school_engine(school)
    case = drive(engine, school_case(engine), "dossier")
    assert verify(engine, case, D(2024, 3, 1)).accepted


def test_other_units_are_not_concerned() -> None:
    """A residential unit follows only the national procedure."""
    engine = school_engine(school)
    case = drive(engine, school_case(engine, kind="residential"), "dossier")
    assert verify(engine, case, D(2023, 7, 5)).accepted


def test_without_the_pack_a_school_follows_the_national_procedure() -> None:
    """No event rule of rules/ is registered by default (the installed packs judge units only)."""
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(), members=MEMBERS)
    case = drive(engine, school_case(engine), "dossier")
    assert verify(engine, case, D(2023, 7, 5)).accepted


def test_a_unit_can_choose_its_own_period() -> None:
    """SympathizerPeriod(months=18) refuses at 17 months and accepts at 18."""
    engine = school_engine(school.SympathizerPeriod(months=18))
    case = drive(engine, school_case(engine), "dossier")
    refused = verify(engine, case, D(2024, 8, 31))
    assert [v.rule for v in refused.violations] == ["school.sympathizer_twelve_months"]
    assert "18 months" in refused.violations[0].message.en
    assert verify(engine, case, D(2024, 9, 1)).accepted


def test_a_period_below_one_month_is_a_mistake() -> None:
    """The period is checked when the plugin is made."""
    with pytest.raises(ValueError, match="at least 1"):
        school.SympathizerPeriod(months=0)


def test_the_command_line_loads_the_pack_with_p(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`admission-flow -p admission_flow_rules.school run` applies the pack to a scenario."""
    scenario = tmp_path / "school.yaml"
    scenario.write_text(
        """\
procedure: vn-2021
unit: {id: thpt-1, kind: school, official_members: 12}
members:
  - {id: m-hung, status: official, since: 2005-06-01}
candidate: {id: c-an, name: Lê Văn An, born: 2005-04-12, education: upper_secondary}
events:
  - {on: 2023-03-01, event: identify, by: cell_committee}
  - {on: 2023-03-10, event: assign_mentor, by: cell, mentor: m-hung}
  - {on: 2023-05-20, event: complete_course, by: training_center, certificate_date: 2023-05-20}
  - {on: 2023-06-01, event: open_dossier, by: cell}
  - {on: 2023-07-05, event: verify_background, by: grassroots_committee, result: clear}
""",
        encoding="utf-8",
    )
    assert main(["-p", "admission_flow_rules.school", "run", str(scenario), "--json"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    assert [v["rule"] for v in steps[-1]["violations"]] == ["school.sympathizer_twelve_months"]
    assert main(["run", str(scenario), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"][-1]["accepted"] is True


def test_a_plugin_module_that_cannot_be_imported_exits_3(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`-p` with a module that does not exist: exit 3, one line naming it, no traceback."""
    assert main(["-p", "admission_flow_rules.nowhere", "validate", "vn-2021"]) == 3
    err = capsys.readouterr().err
    assert err.startswith(
        "admission-flow: cannot import plugin module 'admission_flow_rules.nowhere'"
    )
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_plugin_that_raises_during_a_run_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pack from the current folder that raises while a scenario runs: exit 3, naming it."""
    (tmp_path / "faulty_pack.py").write_text(
        "import admission_flow as af\n\n"
        "@af.hookimpl\n"
        "def admission_flow_check_event(context):\n"
        "    raise RuntimeError('unit register offline')\n",
        encoding="utf-8",
    )
    scenario = tmp_path / "case.yaml"
    scenario.write_text(
        "procedure: vn-2021\n"
        "unit: {id: thpt-1, kind: school}\n"
        "candidate: {id: c-an, name: Lê Văn An, born: 2005-04-12, education: upper_secondary}\n"
        "events:\n"
        "  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # -p imports from the current folder
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.delitem(sys.modules, "faulty_pack", raising=False)
    assert main(["-p", "faulty_pack", "run", "case.yaml", "--json"]) == 3
    out, err = capsys.readouterr()
    assert out == ""
    assert "plugin 'faulty_pack' raised RuntimeError in admission_flow_check_event" in err
    assert "unit register offline" in err
    assert "Traceback" not in err
