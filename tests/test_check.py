"""admission-flow check: static findings, the bounded search, and mutants of vn-2021 it catches.

Each mutant is a mistake a procedure author could make. Both the exhaustive
check and the generated property test must find it, with a short case that
replays with `admission-flow run`.
"""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.testing import procedure_state_machine
from admission_flow.testing._check import explore
from admission_flow.testing._static import static_findings
from helpers import DEFAULT_MACHINE_SETTINGS, FIND, FIND_AND_SHRINK, UNTIMED_ARGS, run_module

ROOT = Path(__file__).resolve().parent.parent
VN_TEXT = (Path(af.__file__).parent / "standard" / "procedures" / "vn-2021.yaml").read_text(
    encoding="utf-8"
)


def _without(text: str, start: str, end: str) -> str:
    return text[: text.index(start)] + text[text.index(end) :]


#: name: (the edit, the invariant that catches it, the events of the shortest case).
#: The structural shortcuts of issue 17; removing each rule from each event is
#: tests/test_check_mutation.py.
MUTANTS = {
    "open_dossier_from_mentored": (
        VN_TEXT.replace(
            "    en: Open the admission dossier\n    from: course\n",
            "    en: Open the admission dossier\n    from: [mentored, course]\n",
        ),
        "dossier.after_course",
        ["identify", "assign_mentor", "open_dossier"],
    ),
    "cell_decides_admission": (
        VN_TEXT.replace(
            "    by: [competent_committee, grassroots_committee]\n",
            "    by: [competent_committee, grassroots_committee, cell]\n",
        ),
        "admission.decided_by_competent_body",
        None,
    ),
    "no_ceremony_deadline": (
        _without(
            _without(VN_TEXT, "  ceremony_due:\n", "  recognition_due:\n"),
            "  ceremony.deadline:\n",
            "  probation.twelve_months:\n",
        ),
        "ceremony.within_deadline",
        None,
    ),
    "ceremony_skips_decision": (
        VN_TEXT.replace(
            "    from: admitted\n    to: probation\n",
            "    from: [dossier, admitted]\n    to: probation\n",
        ),
        "admission.decided_by_competent_body",
        None,
    ),
    "cell_recognizes": (
        VN_TEXT.replace(
            "    from: [probation, escalated]\n    to: official\n    by: competent_committee\n",
            "    from: [probation, escalated]\n    to: official\n    by: [competent_committee, cell]\n",
        ),
        "official.after_probation_and_vote",
        None,
    ),
}


#: Mutants whose shortest case is deep (a ceremony, a recognition): searched from the
#: start they take 1 to 3 minutes, so the CI starts the search (``check --start``) from
#: the lawful case of ``examples/scenarios/happy-standard.yaml`` cut before this entry.
#: ``benchmarks/mutation_table.py`` searches them from an opened case, as ``check`` does
#: by default (``docs/compliance-testing.md``, "The mutation table").
DEEP = {"no_ceremony_deadline": "hold_ceremony", "cell_recognizes": "recognition_vote"}


def lawful_start(folder: Path, before: str) -> tuple[Path, list[str]]:
    """happy-standard.yaml up to its first ``before`` entry: the file and its events."""
    text = (ROOT / "examples" / "scenarios" / "happy-standard.yaml").read_text(encoding="utf-8")
    cut = text[: text.index(f", event: {before}, ")]
    cut = cut[: cut.rindex("\n") + 1]
    path = folder / "start.yaml"
    path.write_text(cut, encoding="utf-8")
    return path, re.findall(r"event: (\w+)", cut)


@pytest.fixture(params=sorted(MUTANTS))
def mutant(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str, list[str] | None]:
    text, invariant, events = MUTANTS[request.param]
    assert text != VN_TEXT, "the mutation must change the procedure"
    path = tmp_path / "procedures" / f"{request.param}.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    return path, invariant, events


def scenario_events(text: str) -> list[str]:
    return re.findall(r'event: "(\w+)"', text)


def replay_command(out: str) -> list[str]:
    """The command check printed to replay its counter-example, split as a shell would."""
    line = next(line for line in out.splitlines() if "replay it with: " in line)
    words = shlex.split(line.split("replay it with: ", 1)[1])
    assert words[0] == "admission-flow"
    return words[1:]


def test_vn_2021_keeps_every_invariant_in_every_case_explored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Within a bound CI can afford, the search finds nothing, says so, and writes no file.

    vn-2021's whole space is past what a test may spend (109,178 abstract states with
    every boundary and the school pack, about four minutes of CPU): the whole search is
    a benchmark (``benchmarks/README.md``); here ``--max-states`` bounds it, as documented.
    """
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["check", "vn-2021", "--max-states", "2500"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"vn-2021: explored 2500 abstract states .* boundary variants\): stopped by --max-states",
        out,
    )
    assert (
        "holds in the 2,500 abstract states explored; not a proof: the search stopped at its "
        "bound (--max-states)" in out
    )
    assert not (tmp_path / "counterexample.yaml").exists()


def test_check_finds_each_mutant_with_a_short_case_that_replays_as_printed(
    mutant: tuple[Path, str, list[str] | None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 1, the invariant named, and the printed command replays the failing case.

    The counter-example is written in another folder than the procedure's, and
    the command is run exactly as printed, from where check was run.
    """
    path, invariant, events = mutant
    work = path.parent.parent / "work"
    (work / "out").mkdir(parents=True)
    monkeypatch.chdir(work)
    start: list[str] = []
    prefix: list[str] = []
    if path.stem in DEEP:
        given, prefix = lawful_start(work, DEEP[path.stem])
        start = ["--start", str(given)]
    # check in a process of its own, as a user runs it: coverage's tracer (CI's)
    # would slow the search threefold; the replay runs in this one.
    argv = ["check", str(path), *start, *UNTIMED_ARGS, "--counterexample", "out/ce.yaml"]
    done = run_module(*argv, timeout=1800)
    assert done.returncode == 1, done.stderr
    out = done.stdout
    assert f"invariant '{invariant}' does not hold" in out
    text = (work / "out" / "ce.yaml").read_text(encoding="utf-8")
    found = scenario_events(text)
    if events is not None:
        assert found == events
    assert found[: len(prefix)] == prefix
    assert 0 < len(found) - len(prefix) <= 16
    command = replay_command(out)
    assert "--allow-path" in command
    assert _cli.main(command) == 0
    assert "Trạng thái / state: " in capsys.readouterr().out
    assert _cli.main([*command[:-1], "--json", command[-1]]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["state"] == scenario_state(text)
    scenario = af.load_scenario(work / "out" / "ce.yaml", allow_paths=True)
    case = af.run_scenario(scenario).case
    failures = af.testing.check_invariants(
        scenario.procedure, case, members=scenario.engine.members, plugins=scenario.engine.plugins
    )
    assert invariant in [f.invariant.id for f in failures]


def scenario_state(text: str) -> str:
    """The state the counter-example's comment says the invariant broke in."""
    match = re.search(r"in state '(\w+)'", text)
    assert match is not None
    return match.group(1)


def test_the_property_test_finds_each_mutant_too(
    mutant: tuple[Path, str, list[str] | None],
) -> None:
    """The generated machine fails on the same invariant, within Hypothesis' default budget.

    Shrinking a failure found fifty steps deep costs one to three minutes, so
    the suite shrinks only the mutant found early; the others are found, not shrunk.
    """
    path, invariant, _ = mutant
    shrink = path.stem == "open_dossier_from_mentored"
    machine = procedure_state_machine(path, plugins=af.Plugins(entry_points=False))
    with pytest.raises(AssertionError) as caught:
        run_state_machine_as_test(
            machine,
            settings=settings(DEFAULT_MACHINE_SETTINGS, phases=FIND_AND_SHRINK if shrink else FIND),
        )
    message = str(caught.value)
    assert f"invariant '{invariant}' does not hold" in message
    if shrink:
        shortest = message.split("as a scenario file:", 1)[1]
        assert scenario_events(shortest) == ["identify", "assign_mentor", "open_dossier"]


def test_json_reports_the_search_and_the_counterexample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json: result, the numbers explored and the counter-example's events.

    On one mutant: the report's form is the same for all, and each search costs seconds.
    """
    text, invariant, _ = MUTANTS["open_dossier_from_mentored"]
    path = tmp_path / "open_dossier_from_mentored.yaml"
    path.write_text(text, encoding="utf-8")
    out_file = path.with_name("ce.yaml")
    assert _cli.main(["check", str(path), "--json", "--counterexample", str(out_file)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["result"] == "invariant_failed"
    assert report["explored"]["abstract_states"] > 0
    assert any(f.startswith(f"invariant '{invariant}'") for f in report["failures"])
    assert report["explored"]["stopped_by"] is None
    assert [e["event"] for e in report["counterexample"]] == scenario_events(
        out_file.read_text("utf-8")
    )
    assert report["counterexample_file"] == str(out_file)


TINY = """\
procedure: tiny
title: {vi: Quy trình nhỏ, en: A tiny procedure}
roles:
  cell: {vi: Chi bộ, en: Party cell}
  committee: {vi: Cấp ủy, en: Committee}
  secretary: {vi: Bí thư, en: Secretary}
states:
  identified: {vi: Quần chúng ưu tú, en: Identified}
  voted: {vi: Chi bộ đã biểu quyết, en: Voted}
  admitted: {vi: Đã kết nạp, en: Admitted, final: true}
events:
  identify: {vi: Đưa vào danh sách, en: Identify, opens_case: true, to: identified, by: cell}
  vote: {vi: Chi bộ biểu quyết, en: Cell vote, from: identified, to: voted, by: cell}
  admit: {vi: Kết nạp, en: Admit, from: voted, to: admitted, by: committee}
invariants:
  admitted.after_vote:
    vi: Chỉ kết nạp sau khi chi bộ biểu quyết
    en: Admitted only after the cell's vote
    source: Điều lệ Đảng, Điều 4(3)
    in: [admitted]
    requires:
      - step: {event: vote}
"""


def test_static_analysis_names_a_role_that_can_fire_nothing(tmp_path: Path) -> None:
    """The secretary is declared but fires no event."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    findings = static_findings(af.load_procedure(path))
    assert [(f.kind, f.message) for f in findings] == [
        ("idle_role", "role 'secretary' can fire no event that happens")
    ]


def test_a_sound_small_procedure_is_explored_whole(tmp_path: Path) -> None:
    """Every abstract state of the tiny procedure is visited and the invariant holds."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    result = explore(af.load_procedure(path))
    assert result.ok
    assert result.complete
    assert result.states_reached == {"identified", "voted", "admitted"}


def test_a_plugin_that_raises_exits_3_naming_it_with_the_shortest_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pack that fails on 'vote' stops the search: exit 3, its name, a two-event scenario."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    (tmp_path / "fragile_pack.py").write_text(
        textwrap.dedent(
            """
            import admission_flow as af

            @af.hookimpl
            def admission_flow_check_event(context):
                if context.event.name == "vote":
                    raise ZeroDivisionError("no quorum")
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cli.main(["check", "tiny.yaml", "-p", "fragile_pack"]) == 3
    out = capsys.readouterr().out
    assert "plugin 'fragile_pack' raised" in out
    assert "no quorum" in out
    assert scenario_events((tmp_path / "counterexample.yaml").read_text("utf-8")) == [
        "identify",
        "vote",
    ]


def test_a_broken_procedure_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """check validates first: a bad file is reported like validate reports it."""
    path = tmp_path / "bad.yaml"
    path.write_text(TINY.replace("in: [admitted]", "in: [admited]"), encoding="utf-8")
    assert _cli.main(["check", str(path)]) == 2
    assert "unknown state 'admited'" in capsys.readouterr().err
