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
