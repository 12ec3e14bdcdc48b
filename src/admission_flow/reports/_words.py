"""The words of a report, in Vietnamese and English, shared by its renderers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from admission_flow.model._values import Text
from admission_flow.units import STAGES

from ._compute import Annual, PlanProgress, Report, UnitProgress

__all__ = [
    "LABELS",
    "STAGE_LABELS",
    "annual_cell",
    "group_label",
    "kind_label",
    "notes",
    "period",
    "plan_cell",
    "positions_cell",
    "shown",
    "title",
    "unit_label",
    "window_text",
]

STAGE_LABELS: dict[str, Text] = {
    "identified": Text("Nguồn", "Identified"),
    "mentored": Text("Được giúp đỡ", "Mentored"),
    "course": Text("Học cảm tình Đảng", "Course"),
    "dossier": Text("Hồ sơ", "Dossier"),
    "admitted": Text("Kết nạp", "Admitted"),
    "probation": Text("Dự bị", "Probation"),
    "official": Text("Chính thức", "Official"),
}
assert tuple(STAGE_LABELS) == STAGES

LABELS: dict[str, Text] = {
    "title": Text("Báo cáo tạo nguồn, phát triển đảng viên", "Source and admission report"),
    "units": Text("Đơn vị và chỉ tiêu", "Units and targets"),
    "unit": Text("Đơn vị", "Unit"),
    "kind": Text("Loại", "Kind"),
    "members": Text("Đảng viên", "Members"),
    "cases": Text("Hồ sơ", "Cases"),
    "year": Text("Kết nạp trong năm / chỉ tiêu", "Admitted this year / target"),
    "term": Text("Nhiệm kỳ: đạt / chỉ tiêu", "Term: reached / target"),
    "key": Text("Cán bộ chủ chốt chưa là đảng viên", "Key officials not members"),
    "pipeline": Text("Nguồn theo giai đoạn", "The source pipeline"),
    "by_source": Text("Theo nhóm nguồn", "By source group"),
    "group": Text("Nhóm nguồn", "Source group"),
    "plans": Text("Kế hoạch", "Plans"),
    "stage": Text("Giai đoạn", "Stage"),
    "period": Text("Thời gian", "Period"),
    "target": Text("Chỉ tiêu", "Target"),
    "reached": Text("Đạt", "Reached"),
    "findings": Text("Quy định của đơn vị", "Unit rule packs"),
    "finding": Text("Nhận xét", "Finding"),
    "rule": Text("Quy định", "Rule"),
    "source_list": Text("Đưa vào danh sách nguồn", "Put on the source list"),
    "overdue": Text("Quá hạn", "Overdue"),
    "case": Text("Hồ sơ", "Case"),
    "event": Text("Việc cần làm", "Event due"),
    "due": Text("Hạn", "Due"),
    "none": Text("không có", "none"),
    "window": Text("Thời gian tính", "Window counted"),
    "all_time": Text("từ đầu đến ngày báo cáo", "everything to the report's date"),
    "met": Text("đạt", "met"),
    "not_met": Text("chưa đạt", "not met"),
}


def title(report: Report) -> Text:
    return Text(
        f"{LABELS['title'].vi}, tính đến {_vi(report.on)} (số đảng viên tính đến {_vi(report.counted_on)}; {Path(report.file).name})",
        f"{LABELS['title'].en} as of {report.on.isoformat()} (members counted on {report.counted_on.isoformat()}; {Path(report.file).name})",
    )


def _vi(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _percent(value: float) -> str:
    return f"{value:.0f}%" if value == round(value) else f"{value:.1f}%"


def annual_cell(annual: Annual | None) -> str:
    """``9 / 14–18 (3–4%)``: admitted this year, of a target that is 3–4% of the members."""
    if annual is None:
        return "-"
    target = f"{annual.low}" if annual.low == annual.high else f"{annual.low}–{annual.high}"
    growth = f"{annual.growth.low:g}–{annual.growth.high:g}%"
    return f"{annual.admitted} / {target} ({growth})"


def plan_cell(plan: PlanProgress | None) -> str:
    """``20 / 25 = 80%``."""
    if plan is None:
        return "-"
    return f"{plan.reached} / {plan.target.count} = {_percent(plan.percent)}"


def positions_cell(unit: UnitProgress) -> str:
    """``7 / 13``: key officials not members, of all key officials."""
    if not unit.positions.holders:
        return "-"
    return f"{len(unit.positions.not_members)} / {unit.positions.holders}"


def period(plan: PlanProgress) -> str:
    return f"{plan.target.start.isoformat()} → {plan.target.end.isoformat()}"


def shown(unit: UnitProgress) -> bool:
    """Whether a unit gets a row: units above the cells, and cells with targets, findings or cases.

    The others are named in one line of ``notes``, so that every unit of the file
    is accounted for.
    """
    return unit.depth <= 1 or bool(unit.term or unit.plans or unit.findings or unit.cases)


#: How the six known kinds of unit read; a unit file names its own kinds (``kinds:``).
KIND_LABELS: dict[str, Text] = {
    "residential": Text("Khu dân cư", "Residential area"),
    "school": Text("Trường học", "School"),
    "health": Text("Y tế", "Health"),
    "enterprise": Text("Doanh nghiệp", "Enterprise"),
    "agency": Text("Cơ quan", "Agency"),
    "other": Text("Khác", "Other"),
}
#: How the source groups of the examples read; any other group reads as its words.
GROUP_LABELS: dict[str, Text] = {
    "residential_cadre": Text("Cán bộ khu dân cư", "Residential cadres"),
    "residents": Text("Quần chúng nơi cư trú", "Residents"),
    "youth_and_mass_organisations": Text(
        "Đoàn thanh niên và đoàn thể", "Youth Union and mass organisations"
    ),
    "militia": Text("Dân quân, bảo vệ dân phố", "Militia and neighbourhood guards"),
    "-": Text("Không ghi nhóm", "No group given"),
}


def kind_label(report: Report, kind: str) -> Text:
    """A kind as a person reads it: the unit file's label, a known kind's, or its words."""
    own = report.kinds.get(kind)
    if isinstance(own, Text):
        return own
    return KIND_LABELS.get(kind) or Text(kind.replace("_", " "), kind.replace("_", " "))


def group_label(group: str) -> Text:
    """A source group as a person reads it, its id kept for the record."""
    label = GROUP_LABELS.get(group)
    if label is None:
        return Text(group.replace("_", " "), group.replace("_", " "))
    return label


def unit_label(report: Report, unit_id: str) -> str:
    """A unit by its name, with its id beside it when the two differ."""
    try:
        name = report.unit(unit_id).name
    except KeyError:
        return unit_id
    return name if name == unit_id else f"{name} ({unit_id})"


def window_text(unit: UnitProgress) -> Text:
    """The window a unit's pipeline counts: its nearest term, or everything to the date."""
    if unit.window is None:
        return LABELS["all_time"]
    start, end = unit.window
    return Text(f"{_vi(start)} → {_vi(end)}", f"{start.isoformat()} → {end.isoformat()}")


def notes(report: Report) -> list[Text]:
    """What a reader needs before the figures: empty register, older counts, units left out."""
    found = []
    if report.case_count == 0:
        found.append(
            Text(
                "Chưa có hồ sơ nào: mọi số liệu về nguồn và kết nạp đều bằng 0.",
                "There are no cases: every figure of sources and admissions is 0.",
            )
        )
    if report.counted_on < report.on:
        found.append(
            Text(
                f"Số đảng viên lấy theo tệp đơn vị, tính đến {_vi(report.counted_on)} "
                f"(trước ngày báo cáo {_vi(report.on)}).",
                f"Member counts are the unit file's, counted on {report.counted_on.isoformat()} "
                f"(before the report's date, {report.on.isoformat()}).",
            )
        )
    hidden = [u for u in report.units if not shown(u)]
    if hidden:
        names = ", ".join(unit_label(report, u.unit) for u in hidden)
        total = len(report.units)
        found.append(
            Text(
                f"{len(hidden)}/{total} đơn vị không hiện trong bảng vì không có chỉ tiêu, "
                f"nhận xét hay hồ sơ: {names}.",
                f"{len(hidden)} of {total} units are not shown in the tables: they have no "
                f"target, finding or case: {names}.",
            )
        )
    return found
