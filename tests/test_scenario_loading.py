"""Scenario files: every mistake is reported at once, at its line and column, before any event fires."""

from __future__ import annotations

from pathlib import Path

import pytest

import admission_flow as af

DATA = Path(__file__).parent / "data" / "procedures"

HEAD = """\
procedure: vn-2021
unit: {id: kdc-14, kind: residential, official_members: 29}
members:
  - {id: m-hung, status: official, since: 2005-06-01}
candidate: {id: c-hoa, name: Trần Thị Hoa, born: 1991-03-02, education: upper_secondary}
"""


def problems(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    return [(p.line, p.column, p.message) for p in raised.value.problems]


def test_a_procedure_file_next_to_the_scenario(tmp_path: Path) -> None:
    """`procedure:` may name a YAML file relative to the scenario's folder."""
    (tmp_path / "minimal.yaml").write_text(
        (DATA / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "case.yaml"
    path.write_text(
        HEAD.replace("procedure: vn-2021", "procedure: minimal.yaml")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell}\n",
        encoding="utf-8",
    )
    scenario = af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    run = af.run_scenario(scenario)
    assert run.as_dict()["procedure"] == scenario.procedure.id
    assert run.outcomes[0].accepted


def test_a_broken_procedure_file_is_listed_under_the_scenario_line(tmp_path: Path) -> None:
    """The scenario's `procedure:` line is named, then every problem of the procedure file."""
    (tmp_path / "broken.yaml").write_text(
        (DATA / "unknown_state.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "case.yaml"
    path.write_text(
        HEAD.replace("procedure: vn-2021", "procedure: broken.yaml")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    files = [Path(p.file).name for p in raised.value.problems]
    messages = [p.message for p in raised.value.problems]
    assert "broken.yaml" in files
    assert "case.yaml" in files
    assert "procedure 'broken.yaml' has problems (listed below); fix them first" in messages
    assert any("unknown state 'aproved'" in m for m in messages)


def test_an_unknown_procedure_name_suggests_the_bundled_one(tmp_path: Path) -> None:
    """`vn-2012` is neither bundled nor a file: did you mean vn-2021?"""
    found = problems(
        tmp_path,
        HEAD.replace("procedure: vn-2021", "procedure: vn-2012")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
    )
    assert found == [
        (
            1,
            12,
            "procedure 'vn-2012' is neither a bundled procedure (vn-2021) nor a file next to "
            "the scenario; did you mean 'vn-2021'?",
        )
    ]


def test_members_are_checked_one_by_one(tmp_path: Path) -> None:
    """A member that is not a mapping, a bad status and a repeated id are each reported."""
    text = """\
procedure: vn-2021
unit: {id: kdc-14}
members:
  - m-hung
  - {id: m-lan, status: probation, since: 2022-10-01}
  - {id: m-mai, status: official, since: 2012-03-15}
  - {id: m-mai, status: official, since: 2012-03-15}
candidate: {id: c-hoa, name: Trần Thị Hoa, born: 1991-03-02, education: upper_secondary}
events:
  - {on: 2023-03-01, event: identify, by: cell_committee}
"""
    assert problems(tmp_path, text) == [
        (
            4,
            5,
            "members[0] must be a mapping like {id: m-1, status: official, since: 2020-01-01}, "
            "not 'm-hung' (text)",
        ),
        (
            5,
            25,
            "members[1].status is 'probation', not one of official, probationary; "
            "did you mean 'probationary'?",
        ),
        (7, 10, "member 'm-mai' is listed twice; keep one"),
    ]


def test_the_candidate_and_the_unit_are_checked(tmp_path: Path) -> None:
    """An unknown organization, a missing unit id and a birth date that is not a date."""
    text = """\
procedure: vn-2021
unit: {kind: residential}
candidate:
  id: c-hoa
  name: Trần Thị Hoa
  born: 02/03/1991
  education: upper_secondary
  organizations: [youth_unoin]
events:
  - {on: 2023-03-01, event: identify, by: cell_committee}
"""
    assert problems(tmp_path, text) == [
        (2, 7, "missing 'id' in unit"),
        (6, 9, "candidate.born must be a date written YYYY-MM-DD, not '02/03/1991' (text)"),
        (
            8,
            19,
            "unknown organization 'youth_unoin' in candidate.organizations; "
            "did you mean 'youth_union'?",
        ),
    ]


def test_events_must_be_listed(tmp_path: Path) -> None:
    """An empty list of events is a mistake of the file."""
    assert problems(tmp_path, HEAD + "events: []\n") == [
        (6, 9, "'events' is empty; list at least one event")
    ]


def test_each_event_needs_on_event_and_by(tmp_path: Path) -> None:
    """An event that is not a mapping, and one missing its keys, are both reported."""
    text = HEAD + (
        "events:\n"
        "  - identify\n"
        "  - {event: identify}\n"
        "  - {on: 2023-03-01, event: identify, by: [cell, cell_committee]}\n"
        "  - {on: 2023-03-02, event: assign_mentor, by: {id: m-hung}, mentor: m-hung}\n"
    )
    assert problems(tmp_path, text) == [
        (
            7,
            5,
            "events[0] must be a mapping like {on: 2023-03-01, event: identify, "
            "by: cell_committee}, not 'identify' (text)",
        ),
        (8, 5, "missing 'on' in events[1]"),
        (8, 5, "missing 'by' in events[1]"),
        (
            9,
            43,
            "events[2].by must be a role name or {role: member, id: m-1}, not a list",
        ),
        (10, 48, "missing 'role' in events[3].by"),
    ]


def test_a_member_acting_in_person_must_be_known(tmp_path: Path) -> None:
    """`by: {role: member, id: ...}` names a member of the list."""
    text = HEAD + (
        "events:\n  - {on: 2023-03-01, event: identify, by: {role: member, id: m-hong}}\n"
    )
    (found,) = problems(tmp_path, text)
    assert found[:2] == (7, 43)
    assert found[2].startswith("unknown member 'm-hong' acting as 'member'; did you mean 'm-hung'?")


def test_the_runs_json_is_what_the_contract_says(tmp_path: Path) -> None:
    """`run --json`: case, procedure, state, steps (with from/to), deadlines and dates."""
    path = tmp_path / "case.yaml"
    path.write_text(
        HEAD + "events:\n"
        "  - {on: 2023-03-01, event: identify, by: cell_committee, source_group: residential_cadre}\n"
        "  - {on: 2023-03-10, event: assign_mentor, by: cell, mentor: m-hung}\n",
        encoding="utf-8",
    )
    result = af.run_scenario(af.load_scenario(path, plugins=af.Plugins(entry_points=False)))
    data = result.as_dict()
    assert list(data) == ["case", "procedure", "state", "steps", "deadlines", "dates"]
    assert data["case"] == "c-hoa"
    assert data["state"] == "mentored"
    assert data["steps"][0] == {
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
