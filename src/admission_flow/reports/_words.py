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
    "period",
    "plan_cell",
    "positions_cell",
    "shown",
    "title",
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
    """Whether a unit gets a row: units above the cells, and cells with targets or findings."""
    return unit.depth <= 1 or bool(unit.term or unit.plans or unit.findings)
