"""Scenario files: every mistake is reported at once, at its line and column, before any event fires."""

from __future__ import annotations

from pathlib import Path

import pytest

import admission_flow as af
from admission_flow._limits import quote

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


def test_a_broken_procedure_file_is_counted_not_echoed(tmp_path: Path) -> None:
    """The scenario's `procedure:` line says how many problems and how to see them; no more."""
    (tmp_path / "broken.yaml").write_text(
        (DATA / "unknown_state.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    found = problems(
        tmp_path,
        HEAD.replace("procedure: vn-2021", "procedure: broken.yaml")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
    )
    assert found == [
        (
            1,
            12,
            f"procedure 'broken.yaml' has 2 problems; run `admission-flow validate "
            f"{tmp_path / 'broken.yaml'}` to see them",
        )
    ]
    assert not any("aproved" in message for _, _, message in found)


# -- a scenario's procedure path: read only as a procedure, only from its folder --------

SECRET = "root:x:0:0:root:/root:/bin/bash\nAPI_KEY=s3cr3t-value\n"


def scenario_naming(tmp_path: Path, procedure: str) -> Path:
    folder = tmp_path / "scenarios"
    folder.mkdir(exist_ok=True)
    path = folder / "case.yaml"
    path.write_text(
        HEAD.replace("procedure: vn-2021", f"procedure: '{procedure}'")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    return path


def outside(name: str) -> str:
    return (
        f"procedure {quote(name)} is outside the scenario's folder; put the procedure next to the "
        "scenario, or allow other paths (run --allow-path)"
    )


@pytest.mark.parametrize("exists", [True, False], ids=["exists", "missing"])
@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_procedure_outside_the_folder_is_refused_the_same_whether_it_exists(
    tmp_path: Path, how: str, exists: bool
) -> None:
    """`../secret`, an absolute path, a link out of the folder: one wording, exists or not."""
    secret = tmp_path / "secret.env"
    if exists:
        secret.write_text(SECRET, encoding="utf-8")
    name = {"dotdot": "../secret.env", "absolute": str(secret), "symlink": "link.yaml"}[how]
    path = scenario_naming(tmp_path, name)
    if how == "symlink":
        (path.parent / "link.yaml").symlink_to(secret)
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    assert [(p.line, p.column, p.message) for p in raised.value.problems] == [
        (1, 12, outside(name))
    ]
    assert "s3cr3t" not in str(raised.value)


def test_allowed_paths_are_read_as_procedures_and_never_echoed(tmp_path: Path) -> None:
    """With allow_paths=True, a file that is not a procedure is one problem, its text unshown."""
    secret = tmp_path / "secret.env"
    secret.write_text(SECRET, encoding="utf-8")
    path = scenario_naming(tmp_path, str(secret))
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False), allow_paths=True)
    (problem,) = raised.value.problems
    assert problem.message == (
        f"procedure {quote(secret)} has 1 problem; run `admission-flow validate {secret}` to see it"
    )
    assert "s3cr3t" not in str(raised.value)
    assert "/bin/bash" not in str(raised.value)


def test_allowed_paths_load_a_procedure_from_another_folder(tmp_path: Path) -> None:
    """allow_paths=True is how a caller that trusts the scenario reads a shared procedure."""
    (tmp_path / "minimal.yaml").write_text(
        (DATA / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = scenario_naming(tmp_path, "../minimal.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("cell_committee", "cell"))
    scenario = af.load_scenario(path, plugins=af.Plugins(entry_points=False), allow_paths=True)
    assert scenario.procedure.id == "minimal"


def test_a_path_with_a_nul_byte_is_refused_as_outside(tmp_path: Path) -> None:
    """A name Python cannot even look up is refused like any path outside the folder."""
    path = tmp_path / "case.yaml"
    path.write_text(
        HEAD.replace("procedure: vn-2021", 'procedure: "a\\0b.yaml"')
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    shown = outside("a\\x00b.yaml")  # the NUL escaped where the message becomes text
    assert str(raised.value) == f"{path}:1:12: {shown}"


def test_an_unknown_procedure_name_suggests_the_bundled_one(tmp_path: Path) -> None:
    """`vn-2o21` is neither bundled nor a file: did you mean vn-2021? (Both generations listed.)"""
    found = problems(
        tmp_path,
        HEAD.replace("procedure: vn-2021", "procedure: vn-2o21")
        + "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
    )
    assert found == [
        (
            1,
            12,
            "procedure 'vn-2o21' is neither a bundled procedure (vn-2021, vn-2025) nor a file next to "
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
