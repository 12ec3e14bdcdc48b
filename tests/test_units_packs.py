"""The unit rule packs: school positions, residential-group heads, sector targets.

Each is configured from the unit file alone, and each is installed on the
entry point, so each must say nothing of units its policy does not cover.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow import reports, units
from admission_flow_rules import residential, school, sector

DATA = Path(__file__).resolve().parent / "data" / "units"
ON = dt.date(2023, 6, 30)


def findings(path: Path, *packs: object) -> dict[tuple[str, str], units.Finding]:
    tree = units.load_units(path)
    report = reports.build_report(tree, [], ON, plugins=af.Plugins(packs, entry_points=False))
    return {(f.unit, f.rule): f for f in report.findings()}


def test_the_packs_are_installed_on_the_entry_point() -> None:
    """school, residential and sector load with every Plugins()."""
    declared = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="admission_flow")}
    assert declared["school"] == "admission_flow_rules.school:POSITIONS"
    assert declared["residential"] == "admission_flow_rules.residential"
    assert declared["sector"] == "admission_flow_rules.sector"
    assert {"school", "residential", "sector"} <= set(af.Plugins().names())


def test_school_positions_held_by_non_members_go_on_the_source_list() -> None:
    """A department head who is not a member is named; the Youth Union secretary is missing."""
    found = findings(DATA / "good.yaml", school.POSITIONS)
    finding = found["school", "school.members_in_positions"]
    assert not finding.met
    assert finding.people == ("p-3",)
    assert finding.figures["vacant"] == ("youth_union_secretary",)
    assert "1 trong 1 người" in finding.message.vi
    assert "nobody holds: youth_union_secretary" in finding.message.en


def test_residential_share_of_group_heads() -> None:
    """The district's 90% target: 0 of 2 heads are members in the small file."""
    found = findings(DATA / "good.yaml", residential)
    finding = found["district", "residential.members_among"]
    assert finding.figures["holders"] == 2
    assert finding.figures["members"] == 0
    assert not finding.met
    assert finding.people == ("p-1", "p-2")
    assert "0/2 tổ trưởng tổ dân phố là đảng viên (0%); chỉ tiêu 90% đến 31/12/2025" in (
        finding.message.vi
    )


def test_sector_target_above_the_general_one() -> None:
    """Schools aim at 5–6% where the district's general target is 3–4%."""
    found = findings(DATA / "good.yaml", sector)
    finding = found["district", "sector.annual_target"]
    assert finding.figures["kind"] == "school"
    assert finding.figures["members"] == 14
    assert finding.figures["above_general"] is True
    assert "above the general 3–4%" in finding.message.en


def test_sector_target_not_above_is_said(tmp_path: Path) -> None:
    """A sector target no higher than the general one is reported as not met."""
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - id: d\n    kind: other\n    targets:\n"
        "      annual_growth: {from: 3, to: 4}\n      by_kind: {health: {annual_growth: {from: 2, to: 3}}}\n"
        "  - {id: h, kind: health, parent: d, official_members: 40}\n",
        encoding="utf-8",
    )
    finding = findings(path, sector)["d", "sector.annual_target"]
    assert not finding.met
    assert "NOT above" in finding.message.en
    assert "KHÔNG cao hơn" in finding.message.vi


@pytest.mark.parametrize("pack", [school.POSITIONS, residential, sector], ids=repr)
def test_a_pack_says_nothing_of_units_without_its_target(tmp_path: Path, pack: object) -> None:
    """Installed for every report, a pack is silent where the unit data asks nothing of it."""
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\npositions:\n  department_head: {vi: Tổ trưởng bộ môn, en: head}\n"
        "units:\n  - {id: w, kind: other}\n"
        "  - {id: s, kind: school, parent: w, official_members: 20, people: [{id: p-1}],"
        " positions: {department_head: p-1}}\n"
        "  - {id: r, kind: residential, parent: w, official_members: 20}\n",
        encoding="utf-8",
    )
    assert findings(path, pack) == {}


def test_the_sympathizer_rule_is_still_opt_in() -> None:
    """The school module's event rule is not on the entry point: installing refuses nothing."""
    assert "admission_flow_rules.school" not in af.Plugins().names()
    assert not hasattr(school.POSITIONS, "admission_flow_check_event")


@pytest.mark.parametrize(
    ("low", "high", "above"),
    [(4, 5, True), (3, 5, True), (4, 4, True), (3, 4, False), (2, 6, False), (5, 6, True)],
    ids=["4-5", "3-5", "4-4", "3-4", "2-6", "5-6"],
)
def test_a_sector_target_is_higher_when_no_bound_is_below(
    tmp_path: Path, low: float, high: float, above: bool
) -> None:
    """Revision 3, item 11: neither bound below 3–4% and one above it is "higher" (4–5% is)."""
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - id: d\n    kind: other\n    targets:\n"
        "      annual_growth: {from: 3, to: 4}\n"
        f"      by_kind: {{health: {{annual_growth: {{from: {low}, to: {high}}}}}}}\n"
        "  - {id: h, kind: health, parent: d, official_members: 40}\n",
        encoding="utf-8",
    )
    finding = findings(path, sector)["d", "sector.annual_target"]
    assert finding.figures["above_general"] is above
    assert ("NOT above" in finding.message.en) is not above


def _case(
    case_id: str, unit_id: str, steps: list[tuple[str, dt.date, str, dict[str, object]]]
) -> af.Case:
    """A stored-looking case of ``unit_id`` whose accepted steps reach the states given."""
    history = tuple(
        af.Step(
            event=event,
            on=on,
            actor=af.Actor("cell"),
            facts=facts,
            accepted=True,
            recorded=False,
            from_state=None,
            to_state=state,
        )
        for event, on, state, facts in steps
    )
    return af.Case(
        id=case_id,
        procedure=af.ProcedureRef("vn-2021", "2021.3", "0" * 64),
        candidate=af.Person(id=case_id, name="X", born=dt.date(1990, 1, 1), education="university"),
        unit=af.Unit(id=unit_id),
        state=history[-1].to_state,
        history=history,
    )


def test_growth_counts_members_at_the_start_of_the_year_and_decisions_by_their_date(
    tmp_path: Path,
) -> None:
    """Revision 3, item 11: official + probationary on 1 January; an admission in its decision's year."""
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\nunits:\n  - id: w\n    kind: other\n    official_members: 100\n"
        "    targets: {annual_growth: {from: 3, to: 4}}\n"
        "    members: [{id: m-p, status: probationary, since: 2022-10-01},"
        " {id: m-q, status: probationary, since: 2023-02-01}]\n",
        encoding="utf-8",
    )
    tree = units.load_units(path)
    D = dt.date
    cases = [
        # Probationary on 2023-01-01: admitted by a decision of 2022-12-20, recorded in 2023.
        _case(
            "c-1",
            "w",
            [("decide_admission", D(2023, 1, 5), "admitted", {"decision_date": D(2022, 12, 20)})],
        ),
        # Admitted by a decision of 2023-03-01: this year's.
        _case(
            "c-2",
            "w",
            [("decide_admission", D(2023, 3, 2), "admitted", {"decision_date": D(2023, 3, 1)})],
        ),
        # Official before the year began: counted among the 100 of the file, not again.
        _case(
            "c-3",
            "w",
            [
                ("decide_admission", D(2021, 1, 1), "admitted", {"decision_date": D(2021, 1, 1)}),
                ("recognize", D(2022, 2, 1), "official", {"decision_date": D(2022, 2, 1)}),
            ],
        ),
    ]
    report = reports.build_report(tree, cases, ON, plugins=af.Plugins(entry_points=False))
    annual = report.unit("w").annual
    assert annual is not None
    # 100 official + m-p (probationary since 2022) + c-1 (probationary on 1 January).
    assert annual.members == 102
    assert annual.admitted == 1  # c-2 only: c-1 was decided in 2022
    assert units.reached_on(cases[0], "admitted") == D(2022, 12, 20)


def test_a_position_holder_admitted_in_the_register_is_a_member(tmp_path: Path) -> None:
    """Revision 3, item 11: from the decision on, a key-position holder admitted here counts."""
    path = tmp_path / "u.yaml"
    path.write_text(
        "counted_on: 2023-01-01\npositions:\n  head: {vi: Trưởng, en: Head, key: true}\n"
        "units:\n  - {id: w, kind: other, official_members: 10, people: [{id: c-1}, {id: c-2}],"
        " positions: {head: [c-1, c-2]}}\n",
        encoding="utf-8",
    )
    tree = units.load_units(path)
    D = dt.date
    cases = [
        _case(
            "c-1",
            "w",
            [("decide_admission", D(2023, 5, 2), "admitted", {"decision_date": D(2023, 5, 2)})],
        ),
        _case(
            "c-2",
            "w",
            [("decide_admission", D(2023, 7, 3), "admitted", {"decision_date": D(2023, 7, 3)})],
        ),
    ]
    report = reports.build_report(tree, cases, ON, plugins=af.Plugins(entry_points=False))
    # c-2's decision comes after the report's date (2023-06-30): not yet a member.
    assert report.unit("w").positions.not_members == ("c-2",)
