"""Targets and progress of units: computations, then renderers.

``build_report`` counts, for every unit of a unit file, the year's admissions
against its growth target, a term's and a plan's targets, the source pipeline
(overall and by source group), the key positions not held by members, the
overdue deadlines and what the rule packs find. ``report_as_dict`` gives it as
data; ``render_terminal`` (needs ``rich``: ``admission-flow[report]``) and
``render_html`` as tables and a page with charts. See
``docs/units-and-reports.md``.
"""

from typing import TextIO

from ._compute import (
    Annual,
    Overdue,
    PlanProgress,
    PositionsHeld,
    Report,
    UnitContext,
    UnitProgress,
    build_report,
    reached_on,
    report_as_dict,
)

__all__ = [
    "Annual",
    "Overdue",
    "PlanProgress",
    "PositionsHeld",
    "Report",
    "UnitContext",
    "UnitProgress",
    "build_report",
    "reached_on",
    "render_html",
    "render_terminal",
    "report_as_dict",
]


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page with inline SVG charts."""
    from ._html import render_html as render

    return render(report)


def render_terminal(report: Report, out: TextIO, *, width: int | None = None) -> None:
    """Print the report as tables (needs rich, the ``report`` extra).

    Raises:
        ImportError: rich is not installed (``pip install 'admission-flow[report]'``).
    """
    from ._terminal import render_terminal as render

    render(report, out, width=width)
