"""Units as data: the unit file, and the rules across a person's cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

import admission_flow as af
from admission_flow import units
from admission_flow.exceptions import UnitFileError

D = dt.date
DATA = Path(__file__).resolve().parent / "data" / "units"
REF = af.ProcedureRef("vn-2021", "2021.1", "0" * 64)
PERSON = af.Person(id="c-an", name="Lê Văn An", born=D(1980, 1, 1), education="university")
UNIT = af.Unit(id="kdc-14", kind="residential", official_members=29)


def problems(name: str) -> list[str]:
    with pytest.raises(UnitFileError) as raised:
        units.load_units(DATA / name, kinds=())
    return [f"{p.line}:{p.column}: {p.message}" for p in raised.value.problems]


# -- the unit file -------------------------------------------------------------------


def test_a_unit_file_is_a_tree_with_counts_holders_and_targets() -> None:
    """Counts of units above the cells are the sums; holders know whether they are members."""
    tree = units.load_units(DATA / "good.yaml")
    assert [n.id for n in tree] == ["district", "ward", "cell-1", "cell-2", "school"]
    assert tree["ward"].official_members == 40
    assert tree["district"].official_members == 54
    assert tree["district"].unit.official_members == 54
    assert [n.id for n in tree.subtree("ward")] == ["ward", "cell-1", "cell-2"]
    assert [n.id for n in tree.ancestors("cell-1")] == ["cell-1", "ward", "district"]
    cell = tree["cell-1"]
    assert cell.unit == af.Unit(
        id="cell-1", kind="residential", official_members=29, has_youth_union=True
    )
    assert [(h.id, h.member, h.positions) for h in cell.holders] == [
        ("m-1", True, ("secretary",)),
        ("p-1", False, ("residential_group_head",)),
        ("p-2", False, ("residential_group_head",)),
    ]
    assert cell.members[0].positions == ("secretary",)
    assert tree.people()["p-1"].name == "Người Một"


def test_targets_are_inherited_and_by_kind_comes_first() -> None:
    """A unit takes the nearest target; a school takes its sector's before the general one."""
    tree = units.load_units(DATA / "good.yaml")
    assert tree.target("cell-1", "annual_growth") == units.Growth(low=3, high=4)
    assert tree.target("school", "annual_growth") == units.Growth(low=5, high=6)
    assert tree.target("school", "annual_growth", for_kind=False) == units.Growth(low=3, high=4)
    assert tree.target("school", "members_in") == ("department_head", "youth_union_secretary")
    assert tree.target("cell-1", "members_in") is None
    assert tree["ward"].targets.term == units.CountTarget(
        stage="admitted", count=25, start=D(2020, 10, 1), end=D(2025, 9, 30)
    )


def test_every_mistake_of_a_unit_file_is_reported_with_its_place() -> None:
    """Unknown kind, unit, position, member; bad counts and percentages: all at once."""
    assert problems("many_mistakes.yaml") == [
        "6:11: unknown kind 'ward' in units[0] (ward); known kinds: residential, school, health, "
        "enterprise, agency, other; declare a new kind under 'kinds' at the top of the file",
        "8:36: units[0] (ward).targets.annual_growth.to is 140%: a percentage is from 0 to 100; "
        "a share above 100% cannot be met",
        "9:38: units[0] (ward).targets.term.count is a number of people, not a percentage "
        "('80%' (text)); write a whole number, or set a share with "
        "'members_among: {position: ..., percent: ...}'",
        "10:53: units[0] (ward).targets.members_among.percent is a percentage: write the number "
        "(90), without '%'",
        "12:11: unknown kind 'residental' in units[1] (cell-1); did you mean 'residential'?",
        "13:13: unknown unit 'wrad' as the parent of 'cell-1'; did you mean 'ward'?; list the "
        "parent under 'units' or remove 'parent'",
        "14:23: units[1] (cell-1).official_members must be at least 0, not -3",
        "18:7: unknown position 'secretery' in units[1] (cell-1).positions; did you mean 'secretary'?",
        "19:18: unknown member or person 'm-2' holds secretary in units[1] (cell-1); did you mean "
        "'m-1'?; list them under 'members' (a party member) or 'people' (not a member) of this unit",
        "20:5: missing 'official_members' in unit 'cell-2': give its count of official members "
        "on the file's counted_on date",
    ]


def test_a_cycle_in_the_tree_is_reported_once() -> None:
    """A unit under itself, through others, is one problem naming the whole cycle."""
    assert problems("cycle.yaml") == [
        "3:34: the unit tree has a cycle: a → c → b → a; a unit cannot be under itself: "
        "fix one 'parent'"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "1:1: the file is empty", id="empty"),
        pytest.param("units: []\n", "1:1: missing 'counted_on'", id="no-date"),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: other, official_members: 2.5}\n",
            "3:44: units[0] (a).official_members must be a whole number, not 2.5 (number)",
            id="fraction",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: other, official_members: 2}\n"
            "  - {id: a, kind: other, official_members: 2}\n",
            "4:10: unit 'a' is listed twice (first at line 3); keep one",
            id="twice",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 9\n"
            "    targets: {annual_growth: {from: 0.03, to: 4}}\n",
            "6:37: units[0] (a).targets.annual_growth.from is 0.03: percentages here are written "
            "from 0 to 100 (3, not 0.03)",
            id="fraction-percent",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 9\n"
            "    targets: {plans: [{stage: corse, count: 3, from: 2023-01-01, to: 2023-03-31}]}\n",
            "6:31: units[0] (a).targets.plans[0].stage is 'corse', not one of identified, mentored, "
            "course, dossier, admitted, probation, official; did you mean 'course'?",
            id="stage",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: other, official_members: 9, "
            "parent: b}\n  - {id: b, kind: other, official_members: 3}\n",
            "4:44: unit 'b' has official_members: 3, but the units under it have 9 together; "
            "correct one of them, or leave it out to use the sum",
            id="sum",
        ),
    ],
)
def test_one_mistake_each(tmp_path: Path, text: str, expected: str) -> None:
    """Each bad unit file names the place and what to do."""
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnitFileError) as raised:
        units.load_units(path)
    assert any(f"units.yaml:{expected}" in str(p) for p in raised.value.problems), str(raised.value)


def test_a_kind_a_plugin_declares_is_known_to_the_unit_file(tmp_path: Path) -> None:
    """load_units(kinds=...) takes the kinds plugins declare."""
    path = tmp_path / "units.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: militia, official_members: 4}\n",
        encoding="utf-8",
    )
    assert units.load_units(path, kinds=["militia"])["a"].kind == "militia"
    with pytest.raises(UnitFileError, match="unknown kind 'militia'"):
        units.load_units(path)


# -- rules across cases ----------------------------------------------------------------


def step(event: str, on: dt.date, to: str, before: str | None = None) -> af.Step:
    return af.Step(
        event=event,
        on=on,
        actor=af.Actor("cell"),
        accepted=True,
        recorded=False,
        from_state=before,
        to_state=to,
    )


OPENED = D(2023, 3, 1)


def open_case(case_id: str = "c-an/1", on: dt.date = OPENED) -> af.Case:
    return af.Case(
        id=case_id,
        procedure=REF,
        candidate=PERSON,
        unit=UNIT,
        state="identified",
        history=(step("identify", on, "identified"),),
    )


def admitted_case(case_id: str, on: dt.date) -> af.Case:
    return af.Case(
        id=case_id,
        procedure=REF,
        candidate=PERSON,
        unit=UNIT,
        state="official",
        history=(
            step("decide_admission", on, "admitted", "dossier"),
            step("hold_ceremony", on, "probation", "admitted"),
            step("recognize", on.replace(year=on.year + 1), "official", "probation"),
        ),
    )


def rules(violations: list[af.Violation]) -> list[str]:
    return [v.rule for v in violations]


def test_a_first_case_may_open() -> None:
    """Nobody's cases, or only other people's: nothing stands in the way."""
    other = af.Person(id="c-binh", name="B", born=D(1990, 1, 1), education="university")
    assert units.check_new_case(PERSON, [], D(2023, 5, 1)) == []
    assert units.check_new_case(other, [open_case()], D(2023, 5, 1)) == []


def test_one_open_case_per_person() -> None:
    """A second case while the first is open is refused, in both languages, with its source."""
    [violation] = units.check_new_case(PERSON, [open_case()], D(2023, 5, 1))
    assert violation.rule == "case.one_open"
    assert "c-an/1" in violation.message.vi
    assert "identified" in violation.message.en
    assert violation.source


def test_a_closed_case_does_not_block_a_new_one() -> None:
    """A withdrawn case is closed: a new one may open."""
    withdrawn = af.Case(
        id="c-an/1", procedure=REF, candidate=PERSON, unit=UNIT, state="withdrawn", history=()
    )
    assert units.check_new_case(PERSON, [withdrawn], D(2023, 5, 1)) == []


def test_a_member_is_not_admitted_again() -> None:
    """Someone admitted who has not left the Party cannot get a new case."""
    cases = [admitted_case("c-an/1", D(2010, 1, 10))]
    assert rules(units.check_new_case(PERSON, cases, D(2023, 5, 1))) == ["readmission.still_member"]


def test_the_waiting_period_is_not_judged_at_opening() -> None:
    """Revision 3: 36 months count to the application (readmission.waiting_period), not opening."""
    left = units.Departure(on=D(2022, 4, 15), reason="struck_off")
    cases = [admitted_case("c-an/1", D(2010, 1, 10))]
    assert units.check_new_case(PERSON, cases, D(2023, 4, 14), left=left) == []


def test_readmission_only_once() -> None:
    """A second re-admission is refused, however long ago the person left."""
    left = units.Departure(on=D(2015, 1, 1), reason="struck_off")
    cases = [admitted_case("c-an/1", D(2000, 1, 10)), admitted_case("c-an/2", D(2010, 1, 10))]
    found = units.check_new_case(PERSON, cases, D(2023, 5, 1), left=left, provincial_consent=True)
    assert rules(found) == ["readmission.once"]


@pytest.mark.parametrize("reason", units.EXCLUDED_REASONS)
def test_readmission_never_for_the_excluded_reasons(reason: str) -> None:
    """Abandoning party activities, asking to leave, disunity, convictions: never."""
    left = units.Departure(on=D(2015, 1, 1), reason=reason)
    cases = [admitted_case("c-an/1", D(2000, 1, 10))]
    found = units.check_new_case(PERSON, cases, D(2023, 5, 1), left=left)
    assert rules(found) == ["readmission.excluded_reason"]
    assert found[0].message.en.startswith("Nobody who left the Party for this reason")
    assert found[0].source.startswith("QĐ 24-QĐ/TW §3.5")


def test_asking_to_leave_in_hardship_may_be_readmitted() -> None:
    """Revision 3: one who asked to leave for real hardship is not ruled out (the positive twin)."""
    left = units.Departure(on=D(2015, 1, 1), reason="asked_to_leave", hardship=True)
    assert units.check_new_case(PERSON, [], D(2023, 5, 1), left=left) == []


def test_the_rules_run_without_any_earlier_case() -> None:
    """Revision 3: the person's own ``left`` is judged though the register holds nothing of them."""
    person = af.Person(
        id="c-an",
        name="An",
        born=D(1980, 1, 1),
        education="university",
        left=af.Departure(on=D(2015, 1, 1), reason="abandoned_activities"),
    )
    assert rules(units.check_new_case(person, [], D(2023, 5, 1))) == ["readmission.excluded_reason"]
    again = af.Person(
        id="c-an",
        name="An",
        born=D(1980, 1, 1),
        education="university",
        left=af.Departure(on=D(2015, 1, 1), reason="struck_off", readmitted_before=True),
    )
    assert rules(units.check_new_case(again, [], D(2023, 5, 1))) == ["readmission.once"]


def test_one_open_case_by_each_cases_own_procedure() -> None:
    """Revision 3: a case is open until its own procedure's final states, not vn-2021's."""
    other = af.Case(
        id="c-an/1", procedure=REF, candidate=PERSON, unit=UNIT, state="archived", history=()
    )
    assert rules(units.check_new_case(PERSON, [other], D(2023, 5, 1))) == ["case.one_open"]
    own = {"c-an/1": frozenset({"archived"})}
    assert units.check_new_case(PERSON, [other], D(2023, 5, 1), ends=lambda c: own[c.id]) == []
    withdrawn = attrs.evolve(other, state="withdrawn")
    found = units.check_new_case(PERSON, [withdrawn], D(2023, 5, 1), ends=lambda c: own[c.id])
    assert rules(found) == ["case.one_open"]


def test_every_reason_at_once() -> None:
    """An open case, excluded, re-admitted before: all reported together."""
    left = units.Departure(on=D(2022, 1, 1), reason="asked_to_leave", readmitted_before=True)
    cases = [admitted_case("c-an/1", D(2000, 1, 10)), open_case("c-an/2")]
    found = units.check_new_case(PERSON, cases, D(2023, 5, 1), left=left)
    assert rules(found) == [
        "case.one_open",
        "readmission.once",
        "readmission.excluded_reason",
    ]


def test_bad_arguments_are_errors() -> None:
    """A wrong reason or a wrong type is the caller's mistake."""
    with pytest.raises(af.InputError, match="did you mean 'expelled'"):
        units.Departure(on=D(2020, 1, 1), reason="expeled")
    with pytest.raises(af.ArgumentTypeError):
        units.check_new_case("c-an", [], D(2023, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(af.ArgumentTypeError):
        units.check_new_case(PERSON, [], D(2023, 1, 1), left="2020-01-01")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "counted_on: 2023-01-01\nkinds: {Ward 1: {vi: P, en: W}}\nunits: [{id: a, kind: other, official_members: 1}]\n",
            "2:9: kind 'Ward 1' is not a name",
            id="kind-name",
        ),
        pytest.param(
            "counted_on: 2023-01-01\npositions: {head: chief}\nunits: [{id: a, kind: other, official_members: 1}]\n",
            "2:19: positions.head must be a mapping like",
            id="position-spec",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits: [a]\n",
            "2:9: units[0] must be a mapping like",
            id="unit-not-mapping",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: other, official_members: 1, members: [m-1]}\n",
            "3:57: units[0] (a).members[0] must be a mapping like",
            id="member-not-mapping",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - {id: a, kind: other, official_members: 1,"
            " members: [{id: m-1, status: official, since: 2000-01-01}], people: [{id: m-1}]}\n",
            "'m-1' is listed twice in units[0] (a); keep one",
            id="person-twice",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 1\n"
            "    targets: {by_kind: {scool: {}}}\n",
            "6:25: unknown kind 'scool' in units[0] (a).targets.by_kind; did you mean 'school'?",
            id="by-kind",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 1\n"
            "    targets: {annual_growth: {from: 4, to: 3}}\n",
            "'to' (3%) is below 'from' (4%); swap them",
            id="growth-order",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 1\n"
            "    targets: {plans: [{stage: course, count: 3, from: 2023-06-30, to: 2023-04-01}]}\n",
            "ends on 2023-04-01, before it starts on 2023-06-30",
            id="period-order",
        ),
        pytest.param(
            "counted_on: 2023-01-01\nunits:\n  - id: a\n    kind: other\n    official_members: 1\n"
            "    targets: {members_among: {position: chief, percent: 50}}\n",
            "unknown position 'chief'",
            id="share-position",
        ),
    ],
)
def test_more_mistakes(tmp_path: Path, text: str, expected: str) -> None:
    """Further shapes a unit file can get wrong, each named with its place."""
    path = tmp_path / "units.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UnitFileError) as raised:
        units.load_units(path)
    assert expected in str(raised.value)


def test_removed_from_probation_counts_as_leaving() -> None:
    """A case that ended in `removed` dates the departure: 36 months from that step."""
    removed = af.Case(
        id="c-an/1",
        procedure=REF,
        candidate=PERSON,
        unit=UNIT,
        state="removed",
        history=(
            step("decide_admission", D(2019, 1, 10), "admitted", "dossier"),
            step("hold_ceremony", D(2019, 2, 1), "probation", "admitted"),
            step("remove_from_probation", D(2020, 3, 2), "removed", "probation"),
        ),
    )
    early = units.check_new_case(PERSON, [removed], D(2023, 3, 1), provincial_consent=True)
    assert rules(early) == ["readmission.thirty_six_months"]
    assert units.check_new_case(PERSON, [removed], D(2023, 3, 2), provincial_consent=True) == []


def test_counts_past_what_a_unit_holds(tmp_path: Path) -> None:
    """A count past what one unit may hold (the scenario files' limit too) is a problem at its place."""
    path = tmp_path / "units.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - {id: p, kind: other}\n"
        "  - {id: a, kind: other, parent: p, official_members: 1000000}\n"
        "  - {id: b, kind: other, parent: p, official_members: 1000001}\n",
        encoding="utf-8",
    )
    with pytest.raises(UnitFileError) as raised:
        units.load_units(path)
    assert [str(p).split("units.yaml:")[1] for p in raised.value.problems] == [
        "5:55: units[2] (b).official_members must be at most 1,000,000, not 1,000,001"
    ]
