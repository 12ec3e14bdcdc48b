"""The report as tables on a terminal, with rich (the ``report`` extra)."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text as RichText

from admission_flow._limits import escape
from admission_flow.units import STAGES

from ._compute import Report, UnitProgress
from ._words import (
    LABELS,
    STAGE_LABELS,
    annual_cell,
    group_label,
    kind_label,
    notes,
    period,
    plan_cell,
    positions_cell,
    shown,
    title,
    unit_label,
    window_text,
)

__all__ = ["render_terminal"]


def _both(key: str) -> str:
    return f"{LABELS[key].vi}\n{LABELS[key].en}"


def _name(unit: UnitProgress) -> str:
    return "  " * unit.depth + unit.name


def _row(table: Table, *cells: Any) -> None:
    """A row of texts as they are: control and bidi characters escaped, no markup read."""
    table.add_row(
        *(
            RichText("\n".join(escape(part) for part in cell.split("\n")))
            if isinstance(cell, str)
            else cell
            for cell in cells
        )
    )


def render_terminal(report: Report, out: TextIO, *, width: int | None = None) -> None:
    """Print the report as tables: as wide as the terminal, or ``width`` (120 into a file)."""
    if width is None and not out.isatty():
        width = 120  # a file or a pipe: wide enough for the tables, the same on every machine
    console = Console(
        file=out, width=width, soft_wrap=False, highlight=False, markup=False, emoji=False
    )
    heading = title(report)
    console.print(RichText(heading.vi, style="bold"))
    console.print(RichText(heading.en, style="bold"))
    for note in notes(report):
        console.print(RichText(note.vi))
        console.print(RichText(note.en))

    units = Table(title=f"{LABELS['units'].vi} / {LABELS['units'].en}", title_justify="left")
    for key in ("unit", "kind", "members", "cases", "year", "term", "key"):
        units.add_column(_both(key), justify="left" if key in ("unit", "kind") else "right")
    for unit in report.units:
        if shown(unit):
            _row(
                units,
                _name(unit),
                kind_label(report, unit.kind).vi,
                str(unit.official_members),
                str(unit.cases),
                annual_cell(unit.annual),
                plan_cell(unit.term),
                positions_cell(unit),
            )
    console.print(units)

    pipeline = Table(
        title=f"{LABELS['pipeline'].vi} / {LABELS['pipeline'].en}", title_justify="left"
    )
    pipeline.add_column(_both("unit"))
    pipeline.add_column(_both("window"))
    for stage in STAGES:
        pipeline.add_column(f"{STAGE_LABELS[stage].vi}\n{STAGE_LABELS[stage].en}", justify="right")
    for unit in report.units:
        if shown(unit):
            window = window_text(unit)
            _row(
                pipeline,
                _name(unit),
                f"{window.vi}\n{window.en}",
                *(str(unit.pipeline[s]) for s in STAGES),
            )
    console.print(pipeline)

    groups = Table(
        title=f"{LABELS['by_source'].vi} / {LABELS['by_source'].en}", title_justify="left"
    )
    groups.add_column(_both("unit"))
    groups.add_column(_both("group"))
    for stage in STAGES:
        groups.add_column(f"{STAGE_LABELS[stage].vi}\n{STAGE_LABELS[stage].en}", justify="right")
    for unit in report.units:
        if unit.depth == 1:
            for group, counts in unit.by_source.items():
                label = group_label(group)
                _row(
                    groups, unit.name, f"{label.vi}\n{label.en}", *(str(counts[s]) for s in STAGES)
                )
    console.print(groups)

    plans = [(u, p) for u in report.units for p in ((u.term,) if u.term else ()) + u.plans]
    if plans:
        table = Table(title=f"{LABELS['plans'].vi} / {LABELS['plans'].en}", title_justify="left")
        for key in ("unit", "stage", "period", "target", "reached"):
            table.add_column(
                _both(key), justify="right" if key in ("target", "reached") else "left"
            )
        for unit, plan in plans:
            label = STAGE_LABELS[plan.target.stage]
            _row(
                table,
                unit.name,
                f"{label.vi} / {label.en}",
                period(plan),
                str(plan.target.count),
                plan_cell(plan),
            )
        console.print(table)

    findings = report.findings()
    table = Table(title=f"{LABELS['findings'].vi} / {LABELS['findings'].en}", title_justify="left")
    for key in ("unit", "rule", "finding", "source_list"):
        table.add_column(_both(key))
    for finding in findings:
        mark = "✓" if finding.met else "✗"
        people = ", ".join(
            f"{p} ({report.names[p]})" if p in report.names else p for p in finding.people
        )
        _row(
            table,
            unit_label(report, finding.unit),
            f"{mark} {finding.rule}",
            f"{finding.message.vi}\n{finding.message.en}",
            people or "-",
        )
    console.print(table)

    overdue = report.overdue()
    table = Table(title=f"{LABELS['overdue'].vi} / {LABELS['overdue'].en}", title_justify="left")
    for key in ("unit", "case", "event", "due"):
        table.add_column(_both(key))
    for item in overdue:
        _row(
            table,
            unit_label(report, item.unit),
            item.case,
            item.deadline.event,
            item.deadline.due.isoformat(),
        )
    if not overdue:
        _row(table, "-", "-", f"{LABELS['none'].vi} / {LABELS['none'].en}", "-")
    console.print(table)
