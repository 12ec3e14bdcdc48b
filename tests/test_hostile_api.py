"""The rest of issue #19's list: the API and the command line read numbers, dates and
answers as strictly as files do, and say where."""

from __future__ import annotations

import contextlib
import io
import sys
import textwrap
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.model._serial import case_from_json, case_to_json

ROOT = Path(__file__).resolve().parent.parent
HAPPY = ROOT / "examples" / "scenarios" / "happy-standard.yaml"
BUNDLED = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def before_the_vote() -> tuple[af.Scenario, af.Case]:
    scenario = af.load_scenario(HAPPY)
    case = scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit)
    for event in scenario.events[:10]:
        case = scenario.engine.fire(case, event.event, event.actor, event.on, **event.facts).case
    return scenario, case


@pytest.mark.parametrize(
    ("value", "digits"), [(10**5000, "5,001"), (-(10**20), "21")], ids=["10^5000", "-10^20"]
)
def test_a_huge_count_is_a_fact_error(
    before_the_vote: tuple[af.Scenario, af.Case], value: int, digits: str
) -> None:
    """10**5000 was a bare ValueError (Python will not print it); now a FactError naming it."""
    scenario, case = before_the_vote
    with pytest.raises(af.FactError, match=f"not one of about {digits} digits") as caught:
        scenario.engine.fire(
            case, "cell_vote", af.Actor("cell"), scenario.events[10].on,
            in_favour=value, official_members=29,
        )  # fmt: skip
    assert caught.value.field == "in_favour"


def test_the_count_below_the_bound_is_judged(before_the_vote: tuple[af.Scenario, af.Case]) -> None:
    """The twin: 10**15 - 1 is a number the rules judge (and refuse: not the unit's members)."""
    scenario, case = before_the_vote
    outcome = scenario.engine.fire(
        case, "cell_vote", af.Actor("cell"), scenario.events[10].on,
        in_favour=10**15 - 1, official_members=10**15 - 1,
    )  # fmt: skip
    assert not outcome.step.accepted


def _case_json() -> dict:  # type: ignore[type-arg]
    return case_to_json(af.run_scenario(af.load_scenario(HAPPY)).case)


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d.pop("candidate"), "candidate"),
        (lambda d: d["candidate"].pop("born"), "candidate.born"),
        (lambda d: d["candidate"].update(education="phd"), "candidate.education"),
        (lambda d: d["history"][2].update(on="2023-02-30"), "history[2]"),
        (lambda d: d["procedure"].pop("fingerprint"), "procedure.fingerprint"),
        (lambda d: d.update(history="many"), "history"),
        (lambda d: d["unit"].update(official_members=-1), "unit.official_members"),
    ],
)
def test_case_from_json_names_the_field(edit: object, field: str) -> None:
    data = _case_json()
    edit(data)  # type: ignore[operator]
    with pytest.raises(af.InputError) as caught:
        case_from_json(data)
    assert caught.value.field == field
    assert str(caught.value).startswith("not a case's JSON: ")


def test_case_from_json_reads_its_own_json() -> None:
    case = af.run_scenario(af.load_scenario(HAPPY)).case
    assert case_from_json(case_to_json(case)) == case
    with pytest.raises(af.InputError, match="the case must be an object, not a list"):
        case_from_json([])  # type: ignore[arg-type]


def test_a_null_default_is_refused_where_it_is_written(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    written = "      extended: {type: bool, default: false}"
    line = text.splitlines().index(written) + 1
    broken = tmp_path / "p.yaml"
    broken.write_text(
        text.replace(written, "      extended: {type: bool, default: }"), encoding="utf-8"
    )
    status, _, err = cli("validate", str(broken))
    assert status == 2
    assert err.splitlines()[0] == (
        f"{broken}:{line}:39: events.decide_admission.facts.extended.default is empty (null); "
        "give a value of type 'bool', or remove 'default' so that the fact may be left out"
    )


def test_a_fact_without_its_default_is_left_out_not_a_plugin_failure(tmp_path: Path) -> None:
    """The twin: `excluded` without a default validates, and cell_vote is judged (exit 0, not 3)."""
    original = BUNDLED.read_text(encoding="utf-8")
    text = original.replace(
        "prosecuted_or_detained, absent]\n        default: 0\n",
        "prosecuted_or_detained, absent]\n",
    )
    assert text != original
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    scenario = HAPPY.read_text(encoding="utf-8").replace("procedure: vn-2021", "procedure: p.yaml")
    (tmp_path / "s.yaml").write_text(scenario, encoding="utf-8")
    status, out, err = cli("run", str(tmp_path / "s.yaml"))
    assert (status, err) == (0, "")
    assert "official" in out


def test_an_empty_by_has_its_position(tmp_path: Path) -> None:
    text = HAPPY.read_text(encoding="utf-8").replace("by: cell_committee,", "by: '',", 1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "by: ''" in row)
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    status, _, err = cli("run", str(tmp_path / "s.yaml"))
    assert status == 2
    assert err == (
        f"{tmp_path / 's.yaml'}:{line}:43: events[0].by must be a role name or "
        "{role: member, id: m-1}, not '' (text)\n"
    )


def test_an_unreadable_add_procedures_answer_is_a_plugin_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rotten_plugin.py").write_text(
        textwrap.dedent(
            """
            from collections.abc import Mapping
            from admission_flow import hookimpl

            class Rotten(Mapping):
                def __getitem__(self, key): raise KeyError(key)
                def __len__(self): return 1
                def __iter__(self): raise RuntimeError("rotten")
                def items(self): raise RuntimeError("rotten")

            @hookimpl
            def admission_flow_add_procedures():
                return Rotten()
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "rotten_plugin", raising=False)
    status, _, err = cli("-p", "rotten_plugin", "run", str(HAPPY))
    assert status == 3
    assert err.startswith("admission-flow: ")
    assert "rotten_plugin" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("option", ["--max-states", "--max-depth", "--deviations"])
@pytest.mark.parametrize("value", ["-1", "1_0", "１０", "1234567890123456"])
def test_check_bounds_are_whole_numbers_from_zero(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        _cli.main(["check", "vn-2021", option, value])
    assert caught.value.code == 2
    assert "is not a whole number from 0" in capsys.readouterr().err
