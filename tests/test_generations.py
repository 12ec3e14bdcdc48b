"""Procedures that change with the law: extends:, in_force, generations by date, migration.

The contract is domain/VN_2025.md; the format is in docs/yaml-reference.md and
docs/generations.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

import admission_flow as af
from admission_flow.cli._main import main

D = dt.date
MEMBERS = [
    af.Member(id="m-hung", status="official", since=D(2005, 6, 1)),
    af.Member(id="m-lan", status="official", since=D(2012, 3, 1)),
]
PERSON = af.Person(
    id="c-an", name="Lê Văn An", born=D(1992, 2, 3), education="university",
    organizations=("youth_union",),
)  # fmt: skip
UNIT = af.Unit(id="kdc-1", kind="residential", official_members=29, has_youth_union=True)


@pytest.fixture(scope="module")
def plugins() -> af.Plugins:
    return af.Plugins(entry_points=False)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, plugins: af.Plugins) -> list[str]:
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(path, plugins=plugins)
    return [f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}" for p in raised.value.problems]


# -- extends -----------------------------------------------------------------------------

LOCAL = """\
extends: vn-2021
procedure: vn-2021-local
version: "1"
settings:
  youth_age_max_years: 28
states:
  rejected: null
events:
  reject: null
  cell_vote:
    rules: {remove: [eligibility.education]}
  decide_admission:
    vi: Quyết định kết nạp (địa phương)
"""


def test_a_local_variant_says_only_what_differs(tmp_path: Path, plugins: af.Plugins) -> None:
    """A setting changed, a state and an event removed, one rule off one event, one label."""
    parent = af.load_procedure("vn-2021", plugins=plugins)
    child = af.load_procedure(write(tmp_path, "local.yaml", LOCAL), plugins=plugins)
    assert (child.id, child.version, child.parents) == ("vn-2021-local", "1", ("vn-2021",))
    assert child.settings["youth_age_max_years"] == 28
    assert "rejected" not in child.states
    assert "reject" not in child.events
    rules = [use.rule for use in child.events["cell_vote"].rules]
    assert "eligibility.education" not in rules
    assert rules == [
        use.rule for use in parent.events["cell_vote"].rules if use.rule != "eligibility.education"
    ]
    assert child.events["decide_admission"].label.vi == "Quyết định kết nạp (địa phương)"
    assert child.events["decide_admission"].label.en == parent.events["decide_admission"].label.en
    assert child.fingerprint != parent.fingerprint


def test_the_fingerprint_covers_the_resolved_procedure(tmp_path: Path, plugins: af.Plugins) -> None:
    """A change in a parent file is a new version of the child; show --resolved keeps it."""
    write(
        tmp_path,
        "base.yaml",
        (Path(af.__file__).parent / "standard/procedures/vn-2021.yaml").read_text("utf-8"),
    )
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nprocedure: child\n")
    before = af.load_procedure(child, plugins=plugins)
    base = tmp_path / "base.yaml"
    base.write_text(
        base.read_text("utf-8").replace("en: Mentor assigned", "en: Mentor named"), "utf-8"
    )
    after = af.load_procedure(child, plugins=plugins)
    assert before.fingerprint != after.fingerprint
    assert after.states["mentored"].label.en == "Mentor named"


def test_show_resolved_prints_a_procedure_with_the_same_fingerprint(
    tmp_path: Path, plugins: af.Plugins, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed YAML validates by itself, and is the same procedure."""
    assert main(["show", "vn-2025", "--resolved"]) == 0
    resolved = write(tmp_path, "resolved.yaml", capsys.readouterr().out)
    assert "extends" not in resolved.read_text("utf-8")
    again = af.load_procedure(resolved, plugins=plugins)
    assert again.fingerprint == af.load_procedure("vn-2025", plugins=plugins).fingerprint


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "a.yaml": "extends: b.yaml\nprocedure: a\n",
                "b.yaml": "extends: a.yaml\nprocedure: b\n",
            },
            "b.yaml:1:10: extends loop: ",
        ),
        (
            {"a.yaml": "extends: vn-2012\nprocedure: a\n"},
            "a.yaml:1:10: extends 'vn-2012': no bundled procedure of that id (bundled: vn-2021, vn-2025)",
        ),
        (
            {"a.yaml": "extends: vn-2021\nprocedure: a\nstates:\n  rejected: null\n"},
            "a.yaml:4:3: 'rejected' is removed here (states.rejected) but is still used at ",
        ),
        (
            {"a.yaml": "extends: vn-2021\nprocedure: a\nstates:\n  rejeted: null\n"},
            "a.yaml:4:3: nothing named 'rejeted' in states of the procedure it extends to remove; did you mean 'rejected'?",
        ),
        (
            {
                "a.yaml": "extends: vn-2021\nprocedure: a\nevents:\n  cell_vote:\n    rules: {remove: [vote.three_quarters]}\n"
            },
            "a.yaml:5:22: 'vote.three_quarters' is not in events.cell_vote.rules of the procedure it extends",
        ),
    ],
    ids=["loop", "missing-parent", "removal-still-used", "removal-of-nothing", "rule-not-there"],
)
def test_bad_extends_is_one_problem_at_the_child(
    tmp_path: Path, plugins: af.Plugins, files: dict[str, str], expected: str
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    found = problems(tmp_path / "a.yaml", plugins)
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_validate_of_a_bad_child_exits_2_with_file_line_col(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "a.yaml", "extends: vn-2021\nprocedure: a\nstates:\n  rejected: null\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:4:3: 'rejected' is removed here")
    assert "Traceback" not in err


# -- diff --------------------------------------------------------------------------------


def test_diff_lists_what_a_generation_changes(capsys: pytest.CaptureFixture[str]) -> None:
    """vn-2021 -> vn-2025: the window, the migration, a label, a new fact, rule sources."""
    assert main(["diff", "vn-2021", "vn-2025", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    changes = {c["path"]: c for c in data["changes"]}
    assert changes["in_force.to"]["change"] == "removed"
    assert changes["in_force.from"]["b"] == "2025-07-01"
    assert changes["migration"]["change"] == "added"
    assert changes["roles.competent_committee.vi"]["change"] == "changed"
    assert changes["events.verify_background.facts.relatives_exempt"]["change"] == "added"
    assert "states" not in {path.split(".")[0] for path in changes}  # same states
    assert main(["diff", "vn-2021", "vn-2021"]) == 0
    assert "no difference / không khác nhau" in capsys.readouterr().out


# -- in force ----------------------------------------------------------------------------


def fire(engine: af.Engine, case: af.Case, on: dt.date) -> af.Outcome:
    return engine.fire(case, "identify", "cell_committee", on)


def test_vn_2021_takes_events_up_to_its_last_day(plugins: af.Plugins) -> None:
    """2025-06-30 accepted; 2025-07-01 refused with procedure.in_force, in both languages."""
    engine = af.Engine.load("vn-2021", plugins=plugins)
    case = engine.open("c-an", PERSON, UNIT)
    assert fire(engine, case, D(2025, 6, 30)).accepted
    refused = fire(engine, case, D(2025, 7, 1))
    assert [v.rule for v in refused.violations] == ["procedure.in_force"]
    assert refused.violations[0].message.vi == (
        "Bước “Đưa vào danh sách quần chúng ưu tú (tạo nguồn)” ngày 01/07/2025 không thể thực "
        "hiện theo quy trình vn-2021, chỉ có hiệu lực từ 30/07/2021 đến 30/06/2025; mở hồ sơ "
        "theo quy trình có hiệu lực vào ngày đó."
    )
    assert "in force only from 2021-07-30 to 2025-06-30" in refused.violations[0].message.en
    opened = fire(engine, case, D(2025, 6, 30)).case
    later = engine.fire(opened, "withdraw", "candidate", D(2025, 7, 1))
    assert [v.rule for v in later.violations] == ["procedure.in_force"]
    assert "move the case to the next generation (migrate) first" in later.violations[0].message.en


def test_a_later_generation_refuses_days_before_it(plugins: af.Plugins) -> None:
    """vn-2025 opens no case on 2025-06-30, and opens one on 2025-07-01."""
    engine = af.Engine.load("vn-2025", plugins=plugins)
    case = engine.open("c-an", PERSON, UNIT)
    refused = fire(engine, case, D(2025, 6, 30))
    assert [v.rule for v in refused.violations] == ["procedure.in_force"]
    assert "use the procedure in force on that day" in refused.violations[0].message.en
    assert fire(engine, case, D(2025, 7, 1)).accepted


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2021, 7, 30), "vn-2021"),
        (D(2025, 6, 30), "vn-2021"),
        (D(2025, 7, 1), "vn-2025"),
        (D(2031, 1, 1), "vn-2025"),
    ],
)
def test_the_generation_in_force_on_a_day_is_one_call(
    plugins: af.Plugins, day: dt.date, expected: str
) -> None:
    assert af.Engine.load("vn-", on=day, plugins=plugins).procedure.id == expected
    assert af.Engine.load("vn-2021", on=day, plugins=plugins).procedure.id == expected


def test_no_generation_in_force_is_one_problem(plugins: af.Plugins) -> None:
    with pytest.raises(
        af.ProcedureError, match="no procedure of the family 'vn-' in force on 2021-07-29"
    ):
        af.Engine.load("vn-", on=D(2021, 7, 29), plugins=plugins)


# -- migration ---------------------------------------------------------------------------


def mentored(engine: af.Engine, unit: af.Unit = UNIT) -> af.Case:
    case = engine.open("c-an", PERSON, unit)
    case = engine.fire(case, "identify", "cell_committee", D(2025, 5, 5)).case
    return engine.fire(case, "assign_mentor", "cell", D(2025, 5, 12), mentor="m-hung").case


@pytest.fixture(scope="module")
def engines(plugins: af.Plugins) -> tuple[af.Engine, af.Engine]:
    return (
        af.Engine.load("vn-2021", plugins=plugins, members=MEMBERS),
        af.Engine.load("vn-2025", plugins=plugins, members=MEMBERS),
    )


def test_a_move_is_one_step_naming_both_procedures_and_units(
    engines: tuple[af.Engine, af.Engine],
) -> None:
    """The history goes on; the case follows vn-2025 after it; its delegation lapsed."""
    old, new = engines
    case = mentored(old, attrs.evolve(UNIT, delegated_admission=True))
    moved = old.migrate(case, to=new, on=D(2025, 7, 1), committee="Đảng ủy phường Hòa Khánh")
    step = moved.step
    assert (step.event, step.actor, step.accepted) == ("migrate", af.Actor("system"), True)
    assert (step.from_state, step.to_state) == ("mentored", "mentored")
    assert moved.case.history[:-1] == case.history
    assert moved.case.procedure == new.procedure.ref
    facts = dict(step.facts)
    assert (facts["old_procedure"], facts["new_procedure"]) == ("vn-2021", "vn-2025")
    assert facts["old_fingerprint"] == old.procedure.fingerprint
    assert facts["new_fingerprint"] == new.procedure.fingerprint
    assert (facts["old_unit"], facts["new_unit"]) == ("kdc-1", "kdc-1")
    assert facts["committee"] == "Đảng ủy phường Hòa Khánh"
    assert moved.case.unit.delegated_admission is False  # lapsed (VN_2025.md)
    after = new.fire(
        moved.case,
        "complete_course",
        "training_center",
        D(2025, 7, 2),
        certificate_date=D(2025, 7, 2),
    )
    assert after.accepted


def test_a_new_unit_comes_with_the_move(engines: tuple[af.Engine, af.Engine]) -> None:
    old, new = engines
    merged = af.Unit(id="kdc-1-2", kind="residential", official_members=41, grassroots_cell=True)
    moved = old.migrate(mentored(old), to=new, on=D(2025, 7, 1), unit=merged)
    assert moved.case.unit == merged
    assert dict(moved.step.facts)["new_unit"] == "kdc-1-2"


@pytest.mark.parametrize(
    ("on", "rules"),
    [
        (D(2025, 6, 30), ["procedure.in_force", "migration.date"]),
        (D(2025, 5, 11), ["procedure.in_force", "migration.date", "migration.date"]),
    ],
)
def test_a_move_before_its_day_is_refused_and_changes_nothing(
    engines: tuple[af.Engine, af.Engine], on: dt.date, rules: list[str]
) -> None:
    old, new = engines
    case = mentored(old)
    refused = old.migrate(case, to=new, on=on)
    assert [v.rule for v in refused.violations] == rules
    assert refused.case is case
    assert all(v.message.vi and v.message.en for v in refused.violations)


def test_a_closed_case_or_another_procedure_does_not_move(
    engines: tuple[af.Engine, af.Engine], plugins: af.Plugins
) -> None:
    old, new = engines
    closed = old.fire(mentored(old), "withdraw", "candidate", D(2025, 6, 1)).case
    refused = old.migrate(closed, to=new, on=D(2025, 7, 1))
    assert [v.rule for v in refused.violations] == ["migration.state"]
    assert (
        refused.violations[0].message.en
        == "Only an open case moves; this one is closed (withdrawn)."
    )
    moved = old.migrate(mentored(old), to=new, on=D(2025, 7, 1)).case
    back = new.migrate(moved, to=old, on=D(2025, 7, 2))
    assert [v.rule for v in back.violations] == ["migration.declared", "procedure.in_force"]
    assert back.violations[0].message.en == (
        "Procedure vn-2021 does not take cases of vn-2025 (it takes those of no procedure)."
    )


@pytest.mark.parametrize(
    ("migration", "expected"),
    [
        (
            "  from: vn-2052\n  on: 2026-07-01\n",
            "c.yaml:5:9: migration.from 'vn-2052': no such procedure (bundled: vn-2021, vn-2025); "
            "did you mean 'vn-2025'?",
        ),
        (
            "  from: vn-2025\n  on: 2026-07-01\n  states: {probaton: probation}\n",
            "c.yaml:7:12: migration.states: 'probaton' is not a state of 'vn-2025'; "
            "did you mean 'probation'?",
        ),
        (
            "  from: vn-2025\n  on: 2026-07-01\n  states: {probation: nowhere}\n",
            "c.yaml:7:23: unknown state 'nowhere' in migration.states.probation",
        ),
    ],
    ids=["unknown-procedure", "unknown-old-state", "unknown-new-state"],
)
def test_a_bad_migration_declaration_is_one_problem_at_its_line(
    tmp_path: Path, plugins: af.Plugins, migration: str, expected: str
) -> None:
    """A 2026 generation is a file and a declaration; naming what is not there is caught."""
    head = "extends: vn-2025\nprocedure: vn-2026\nin_force: {from: 2026-07-01}\nmigration:\n"
    found = problems(write(tmp_path, "c.yaml", head + migration), plugins)
    assert len(found) == 1
    assert found[0].startswith(expected), found


def test_a_2026_generation_is_a_file_and_a_declaration(tmp_path: Path, plugins: af.Plugins) -> None:
    """No engine code: vn-2026 extends vn-2025, takes its cases from 2026-07-01 on."""
    head = "extends: vn-2025\nprocedure: vn-2026\nin_force: {from: 2026-07-01}\nmigration:\n"
    path = write(tmp_path, "c.yaml", head + "  from: vn-2025\n  on: 2026-07-01\n")
    newest = af.load_procedure(path, plugins=plugins)
    old = af.Engine.load("vn-2025", plugins=plugins, members=MEMBERS)
    case = old.fire(
        old.open("c-an", PERSON, UNIT), "identify", "cell_committee", D(2025, 8, 1)
    ).case
    assert not old.migrate(case, to=newest, on=D(2026, 6, 30)).accepted
    moved = old.migrate(case, to=newest, on=D(2026, 7, 1))
    assert moved.accepted
    assert moved.case.procedure.id == "vn-2026"


def test_the_deciding_committee_is_unit_data(tmp_path: Path) -> None:
    """decides_admission on a unit names the committee for the cells below it; none: None."""
    tree = af.units.load_units(
        Path(__file__).resolve().parents[1] / "examples" / "lien-chieu" / "units.yaml"
    )
    deciding = tree.deciding_committee("kdc-14")
    assert deciding is not None
    assert (deciding.id, deciding.name) == ("lien-chieu", "Quận Liên Chiểu")
    path = write(
        tmp_path,
        "u.yaml",
        "counted_on: 2025-07-01\nunits:\n"
        "  - {id: p-hk, name: Phường Hòa Khánh, kind: other, decides_admission: true}\n"
        "  - {id: kdc-1, kind: residential, parent: p-hk, official_members: 20, grassroots_cell: true}\n"
        "  - {id: alone, kind: residential, official_members: 9}\n",
    )
    tree = af.units.load_units(path)
    assert tree.deciding_committee("kdc-1").name == "Phường Hòa Khánh"  # type: ignore[union-attr]
    assert tree.nodes["kdc-1"].unit.grassroots_cell is True
    assert tree.deciding_committee("alone") is None
