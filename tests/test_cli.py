"""The ``admission-flow`` command: its exit statuses, its outputs and its one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli._main import main
from helpers import run_module

SCENARIO = """\
procedure: vn-2021
unit:
  id: kdc-14
  kind: residential
  official_members: 29
  has_youth_union: true
members:
  - {id: m-hung, status: official, since: 2005-06-01}
  - {id: m-mai, status: official, since: 2012-03-15}
candidate:
  id: c-hoa
  name: Trần Thị Hoa
  born: 1991-03-02
  education: upper_secondary
events:
  - {on: 2023-03-01, event: identify, by: cell_committee, source_group: residential_cadre}
  - {on: 2023-03-10, event: assign_mentor, by: cell, mentor: m-hung}
  - {on: 2023-05-20, event: complete_course, by: training_center, certificate_date: 2023-05-19}
  - {on: 2023-06-01, event: open_dossier, by: cell}
  - {on: 2023-06-02, event: cell_vote, by: cell, in_favour: 20, official_members: 29}
"""

PROCEDURE = """\
procedure: tiny
title: {vi: Quy trình nhỏ, en: A tiny procedure}
roles:
  clerk: {vi: Văn thư, en: Clerk}
states:
  open: {vi: Đang mở, en: Open}
  done: {vi: Xong, en: Done, final: true}
events:
  start: {vi: Mở, en: Start, opens_case: true, to: open, by: clerk}
  finish: {vi: Kết thúc, en: Finish, from: open, to: done, by: clerk}
"""

LINE = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)")


@pytest.fixture
def vn_2021() -> af.Procedure:
    return af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_problem(err: str, path: Path) -> tuple[int, int, str]:
    """The single ``file:line:col: message`` line of ``err``, checked and taken apart."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    found = LINE.fullmatch(lines[0])
    assert found is not None, lines[0]
    assert found["file"] == str(path)
    return int(found["line"]), int(found["column"]), found["message"]


# -- --version and the command line itself -------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the package's version and exits 0."""
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"admission-flow {af.__version__}"


@pytest.mark.parametrize(
    "argv", [[], ["run"], ["draw", "vn-2021"], ["graph", "vn-2021", "--format", "png"]]
)
def test_a_wrong_command_line_exits_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """A wrong command line is a usage message and status 2, not a traceback."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage: admission-flow" in err
    assert "Traceback" not in err


# -- validate ------------------------------------------------------------------------------------


def test_validate_a_good_procedure_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bundled id and a good file are both named as ok."""
    path = write(tmp_path, "tiny.yaml", PROCEDURE)
    assert main(["validate", "vn-2021", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("vn-2021: ok: procedure 'vn-2021'")
    assert lines[1].startswith(f"{path}: ok: procedure 'tiny'")
    assert "A tiny procedure" in lines[1]


def test_validate_a_bad_procedure_lists_every_problem_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each problem is one file:line:col: message line; the good file is still reported ok."""
    good = write(tmp_path, "tiny.yaml", PROCEDURE)
    bad = write(
        tmp_path,
        "bad.yaml",
        PROCEDURE.replace("to: done, by: clerk", "to: dnoe, by: clrek"),
    )
    assert main(["validate", str(bad), str(good)]) == 2
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert out.startswith(f"{good}: ok")
    problems = [LINE.fullmatch(line) for line in err.strip().splitlines()]
    assert all(problems), err
    assert {p["file"] for p in problems if p} == {str(bad)}
    messages = " | ".join(p["message"] for p in problems if p)
    assert "unknown state 'dnoe'" in messages
    assert "did you mean 'done'?" in messages
    assert "unknown role 'clrek'" in messages
    finish = PROCEDURE.splitlines().index(
        next(line for line in PROCEDURE.splitlines() if "finish:" in line)
    )
    assert {int(p["line"]) for p in problems if p} >= {finish + 1}


def test_validate_a_missing_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that does not exist is one line at 1:1."""
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(missing)]) == 2
    line, column, message = one_problem(capsys.readouterr().err, missing)
    assert (line, column, message) == (1, 1, "no such file")


# -- graph ---------------------------------------------------------------------------------------


def edge_labels(text: str, arrow: str, separator: str) -> list[str]:
    """Every event label of a drawing: on its edges, and inside states (events that stay, ↻)."""
    parts = []
    for line in text.splitlines():
        if arrow in line or "↻" in line:
            parts.extend(re.split(separator, line))
    return parts


def test_graph_mermaid_shows_every_state_event_role_and_deadline(
    vn_2021: af.Procedure, capsys: pytest.CaptureFixture[str]
) -> None:
    """The Mermaid drawing names each state and event, who fires each event, and each deadline."""
    assert main(["graph", "vn-2021"]) == 0
    out = capsys.readouterr().out
    assert "stateDiagram-v2" in out
    for state in vn_2021.states:
        assert re.search(rf"\b{state}\b", out), state
    labels = edge_labels(out, "-->", "<br/>")
    assert "    state " in out  # states are declared with their labels
    for name, event in vn_2021.events.items():
        assert any(
            re.search(rf"\b{name}\b", label) and all(role in label for role in event.roles)
            for label in labels
        ), f"{name} and its roles {event.roles} are not on an edge"
    for deadline in vn_2021.deadlines.values():
        assert any(
            "⏱" in label
            and re.search(rf"\b{deadline.met_by[0]}\b", label)
            and str(deadline.working_days) in label
            for label in labels
        ), deadline.name
    assert "Đảng viên dự bị" in out  # Vietnamese labels by default


def test_graph_dot_is_valid_looking_graphviz(
    vn_2021: af.Procedure, capsys: pytest.CaptureFixture[str]
) -> None:
    """--format dot gives a digraph with balanced braces, every state a node, every event on an edge."""
    assert main(["graph", "vn-2021", "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph")
    assert out.count("{") == out.count("}") > 0
    assert out.rstrip().endswith("}")
    for line in out.splitlines():
        assert len(re.findall(r'(?<!\\)"', line)) % 2 == 0, line
    for state in vn_2021.states:
        assert f'"{state}" [' in out
    labels = edge_labels(out, "->", r"\\n|\\l")
    for name, event in vn_2021.events.items():
        assert any(
            re.search(rf"\b{name}\b", label) and all(role in label for role in event.roles)
            for label in labels
        ), name
    assert "⏱" in out


def test_graph_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    """--lang en labels states and deadlines in English."""
    assert main(["graph", "vn-2021", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Probationary member" in out
    assert "working days" in out
    assert "Đảng viên dự bị" not in out


def test_graph_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """-o writes the drawing to a file and nothing to standard output."""
    assert main(["graph", "vn-2021", "--format", "dot"]) == 0
    printed = capsys.readouterr().out
    target = tmp_path / "vn-2021.dot"
    assert main(["graph", "vn-2021", "--format", "dot", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text(encoding="utf-8") == printed


def test_graph_of_an_unknown_procedure_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """An id nobody provides is one line naming the bundled ones."""
    assert main(["graph", "vn-2099"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "no bundled procedure 'vn-2099'" in err


def test_graph_into_a_missing_folder_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`graph -o missing/dir/file` was a traceback; it is one line that says what to do."""
    target = tmp_path / "missing" / "dir" / "vn-2021.mmd"
    assert main(["graph", "vn-2021", "-o", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"admission-flow: cannot write {target}: no such folder; create it first\n"


def test_graph_onto_a_folder_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["graph", "vn-2021", "-o", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"admission-flow: cannot write {tmp_path}: Is a directory\n"


# -- run -----------------------------------------------------------------------------------------


def test_run_json_prints_one_object_and_exits_0_despite_refusals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """run --json prints the documented object; a refused event is data, not a failure."""
    path = write(tmp_path, "hoa.yaml", SCENARIO)
    assert main(["run", str(path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    result = json.loads(out)
    assert set(result) == {"case", "procedure", "state", "steps", "deadlines", "dates"}
    assert (result["case"], result["procedure"], result["state"]) == ("c-hoa", "vn-2021", "dossier")
    assert [step["event"] for step in result["steps"]] == [
        "identify",
        "assign_mentor",
        "complete_course",
        "open_dossier",
        "cell_vote",
    ]
    first, vote = result["steps"][0], result["steps"][-1]
    assert first == {
        "event": "identify",
        "on": "2023-03-01",
        "by": "cell_committee",
        "facts": {"source_group": "residential_cadre"},
        "accepted": True,
        "recorded": False,
        "from": None,
        "to": "identified",
        "violations": [],
        "warnings": [],
    }
    assert (vote["accepted"], vote["from"], vote["to"]) == (False, "dossier", "dossier")
    assert [v["rule"] for v in vote["violations"]] == ["dossier.complete", "introduction.count"]
    for violation in vote["violations"]:
        assert set(violation) == {"rule", "message", "source"}
        assert set(violation["message"]) == {"vi", "en"}
    assert "Hồ sơ kết nạp còn thiếu" in vote["violations"][0]["message"]["vi"]
    assert result["deadlines"] == []
    assert result["dates"] == {}


def test_run_json_reports_deadlines_and_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pending deadlines carry their due date and how it was counted; named dates are ISO."""
    events = """\
  - {on: 2023-06-05, event: submit_application, by: candidate}
  - {on: 2023-06-05, event: submit_history, by: candidate}
  - {on: 2023-06-12, event: verify_background, by: grassroots_committee, result: clear}
  - {on: 2023-06-15, event: introduce, by: {role: member, id: m-hung}, known_since: 2020-01-01}
  - {on: 2023-06-15, event: introduce, by: {role: member, id: m-mai}, known_since: 2021-05-01}
  - {on: 2023-06-20, event: record_opinions, by: cell_committee, residence: favourable, organizations: favourable}
  - {on: 2023-07-03, event: cell_vote, by: cell, in_favour: 20, official_members: 29}
  - {on: 2023-07-10, event: committee_vote, by: grassroots_committee, in_favour: 13, committee_members: 15}
  - {on: 2023-08-01, event: decide_admission, by: competent_committee, decision_date: 2023-08-01}
"""
    path = write(tmp_path, "hoa.yaml", SCENARIO + events)
    assert main(["run", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["state"] == "admitted"
    (deadline,) = result["deadlines"]
    assert (deadline["event"], deadline["rule"]) == ("hold_ceremony", "ceremony.deadline")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", deadline["due"])
    assert set(deadline["basis"]) == {"vi", "en"}
    assert "30 working days" in deadline["basis"]["en"]
    assert result["dates"]["membership_counted_from"] == "2023-08-01"
    assert result["dates"]["ceremony_due"] == deadline["due"]


def test_run_prints_a_readable_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json, each step is a line with its verdict, the refusal's reasons in both languages."""
    path = write(tmp_path, "hoa.yaml", SCENARIO)
    assert main(["run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Trần Thị Hoa (c-hoa)" in out
    assert out.count("✓") == 4
    assert "✗ 2023-06-02  cell_vote" in out
    assert "dossier.complete" in out
    assert "The admission dossier is missing" in out
    assert "Hồ sơ kết nạp còn thiếu" in out
    assert "Trạng thái / state: dossier" in out


BAD_EVENTS = [
    pytest.param(
        "  - {on: 2023-06-05, event: open_dosier, by: cell}",
        "open_dosier",
        "unknown event 'open_dosier' in events[5] (procedure vn-2021); did you mean 'open_dossier'?",
        id="unknown-event",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: introduce, by: {role: member, id: m-ghost}, known_since: 2020-01-01}",
        "{role: member, id: m-ghost}",
        "unknown member 'm-ghost' acting as 'member'",
        id="unknown-member",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: introduce, by: {role: member}, known_since: 2020-01-01}",
        "{role: member}",
        "role 'member' is held by one member",
        id="member-without-id",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: assign_mentor, by: cell, mentor: m-ghost}",
        "m-ghost",
        "unknown member 'm-ghost'",
        id="unknown-member-in-fact",
    ),
    pytest.param(
        # Revision 2: a member introduces in their own name only.
        "  - {on: 2023-06-05, event: introduce, by: {role: member, id: m-hung}, introducer: m-mai}",
        "introducer",
        "event 'introduce' has no fact 'introducer'",
        id="introducer-fact-dropped",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: cell_vote, by: cell, in_favour: 20}",
        "{on:",
        "event 'cell_vote' needs fact 'official_members' (int)",
        id="vote-without-official-members",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: cell_vote, by: cell, in_favour: 0, official_members: -3}",
        "-3",
        "fact 'official_members' of 'cell_vote' must be at least 1, not -3",
        id="vote-negative-official-members",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: cell_vote, by: cell, in_favour: 20, official_members: 17}",
        "20",
        "fact 'in_favour' of 'cell_vote' (20) cannot exceed 'official_members' (17)",
        id="vote-official-members-below-in-favour",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: cell_vote, by: cell, in_favour: 20, official_members: 30, excluded: -1}",
        "-1",
        "fact 'excluded' of 'cell_vote' must be at least 0, not -1",
        id="vote-excluded-below-zero",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: recognition_vote, by: cell, in_favour: 20, official_members: 29, excluded: -2, outcome: recognize}",
        "-2",
        "fact 'excluded' of 'recognition_vote' must be at least 0, not -2",
        id="recognition-vote-excluded-below-zero",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: open_dossier, by: cel}",
        "cel",
        "has no role 'cel'; did you mean 'cell'?",
        id="unknown-role",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: verify_background, by: grassroots_committee}",
        "{on:",
        "event 'verify_background' needs fact 'result'",
        id="missing-required-fact",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: submit_application, by: candidate, note: urgent}",
        "note",
        "event 'submit_application' has no fact 'note'",
        id="unknown-fact",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: cell_vote, by: cell, in_favour: many, official_members: 29}",
        "many",
        "fact 'in_favour' of 'cell_vote' must be a whole number, not 'many' (text)",
        id="int-fact-given-text",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: complete_course, by: training_center, certificate_date: soon}",
        "soon",
        "fact 'certificate_date' of 'complete_course' must be a date",
        id="date-fact-given-text",
    ),
    pytest.param(
        "  - {on: 2023-06-05, event: verify_background, by: grassroots_committee, result: cleer}",
        "cleer",
        "must be one of clear, concern",
        id="choice-not-listed",
    ),
    pytest.param(
        "  - {on: soon, event: open_dossier, by: cell}",
        "soon",
        "events[5].on must be a date written YYYY-MM-DD",
        id="on-not-a-date",
    ),
    pytest.param(
        "  - {on: 2023-02-30, event: open_dossier, by: cell}",
        "2023-02-30",
        "'2023-02-30' is not a real date",
        id="on-not-a-real-date",
    ),
    pytest.param(
        "  - {on: 2023-01-05, event: open_dossier, by: cell}",
        "2023-01-05",
        "events[5] on 2023-01-05 comes before events[4] on 2023-06-02; list events in date order",
        id="out-of-date-order",
    ),
]


@pytest.mark.parametrize(("event", "culprit", "message"), BAD_EVENTS)
def test_run_a_bad_scenario_exits_2_with_one_line_at_the_culprit(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    event: str,
    culprit: str,
    message: str,
) -> None:
    """One mistake is one file:line:col: message line on stderr, pointing at the mistake itself."""
    text = SCENARIO + event + "\n"
    path = write(tmp_path, "bad.yaml", text)
    assert main(["run", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line, column, said = one_problem(err, path)
    assert line == len(text.splitlines())
    assert text.splitlines()[line - 1][column - 1 :].startswith(culprit)
    assert message in said


def test_run_a_malformed_yaml_scenario_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A YAML syntax error is one line at the place the parser stopped."""
    text = SCENARIO + "  - {on: 2023-06-05, event: [open_dossier, by: cell}\n"
    path = write(tmp_path, "bad.yaml", text)
    assert main(["run", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line, _, message = one_problem(err, path)
    assert line == len(text.splitlines())
    assert "fix the YAML syntax here" in message


@pytest.mark.parametrize(
    "text",
    ["", "- just\n- a list\n", "procedure: vn-2021\n"],
    ids=["empty", "a-list", "missing-sections"],
)
def test_run_a_scenario_of_the_wrong_shape_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    """An empty file, a list, or missing sections: status 2, positions, no traceback."""
    path = write(tmp_path, "bad.yaml", text)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines
    assert all(LINE.fullmatch(line) for line in lines), err


def test_run_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A scenario that does not exist is one line at 1:1."""
    missing = tmp_path / "nowhere.yaml"
    assert main(["run", str(missing), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert one_problem(err, missing) == (1, 1, "no such file")


def test_run_a_scenario_naming_a_procedure_file_beside_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``procedure:`` may name a file next to the scenario."""
    write(tmp_path, "tiny.yaml", PROCEDURE)
    scenario = SCENARIO.split("events:")[0].replace("procedure: vn-2021", "procedure: tiny.yaml")
    scenario += "events:\n  - {on: 2024-01-02, event: start, by: clerk}\n"
    path = write(tmp_path, "tiny-run.yaml", scenario)
    assert main(["run", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["procedure"], result["state"]) == ("tiny", "open")


def test_run_refuses_a_procedure_outside_the_folder_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--allow-path lets a scenario name a procedure in another folder."""
    write(tmp_path, "tiny.yaml", PROCEDURE)
    (tmp_path / "scenarios").mkdir()
    scenario = SCENARIO.split("events:")[0].replace("procedure: vn-2021", "procedure: ../tiny.yaml")
    scenario += "events:\n  - {on: 2024-01-02, event: start, by: clerk}\n"
    path = write(tmp_path / "scenarios", "run.yaml", scenario)
    assert main(["run", str(path), "--json"]) == 2
    assert one_problem(capsys.readouterr().err, path) == (
        1,
        12,
        "procedure '../tiny.yaml' is outside the scenario's folder; put the procedure next to "
        "the scenario, or allow other paths (run --allow-path)",
    )
    assert main(["run", str(path), "--json", "--allow-path"]) == 0
    assert json.loads(capsys.readouterr().out)["procedure"] == "tiny"


@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_run_output_has_no_raw_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    """A name full of escape sequences and bidi overrides is printed escaped, JSON included."""
    hostile = '"Hoa\\e[2J\\u202Eevil\\L\\N\\x9b"'
    text = SCENARIO.replace("name: Trần Thị Hoa", f"name: {hostile}").replace(
        "id: c-hoa", f"id: {hostile}"
    )
    path = write(tmp_path, "hoa.yaml", text)
    assert main(["run", str(path), *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e]", out)
    if as_json:
        assert "\\u001b[2J\\u202eevil\\u2028\\u0085\\u009b" in out
    else:
        shown = "Hoa\\x1b[2J\\u202eevil\\u2028\\x85\\x9b"
        assert out.startswith(f"{shown} ({shown})")


# -- the module entry point ------------------------------------------------------------------------


def test_python_m_admission_flow_runs_the_command(tmp_path: Path) -> None:
    """``python -m admission_flow`` is the same command: JSON out, status 0."""
    path = write(tmp_path, "hoa.yaml", SCENARIO)
    done = run_module("run", str(path), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert (result["case"], result["state"]) == ("c-hoa", "dossier")
    assert result["steps"][-1]["violations"][0]["message"]["vi"].startswith("Hồ sơ kết nạp")


def test_python_m_admission_flow_fails_in_one_line(tmp_path: Path) -> None:
    """In a real process too, a bad scenario is one line on stderr and status 2, no traceback."""
    text = SCENARIO + "  - {on: 2023-06-05, event: open_dosier, by: cell}\n"
    path = write(tmp_path, "bad.yaml", text)
    done = run_module("run", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    line, _, message = one_problem(done.stderr, path)
    assert line == len(text.splitlines())
    assert "did you mean 'open_dossier'?" in message


@pytest.mark.parametrize("value", ["yes", "1", "'true'", "[true]"])
def test_run_a_grassroots_cell_that_is_not_a_bool_exits_2_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """`grassroots_cell` must be true or false: anything else is one line at the value."""
    text = SCENARIO.replace(
        "  has_youth_union: true\n", f"  has_youth_union: true\n  grassroots_cell: {value}\n"
    )
    path = write(tmp_path, "bad.yaml", text)
    assert main(["run", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line, column, said = one_problem(err, path)
    assert text.splitlines()[line - 1] == f"  grassroots_cell: {value}"
    assert text.splitlines()[line - 1][column - 1 :] == value
    assert said.startswith("unit.grassroots_cell must be true or false, not ")
