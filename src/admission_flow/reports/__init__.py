"""Targets and progress of units: computations, then renderers.

``build_report`` counts, for every unit of a unit file, the year's admissions
against its growth target, a term's and a plan's targets, the source pipeline
(overall and by source group), the key positions not held by members, the
overdue deadlines and what the rule packs find. ``report_as_dict`` gives it as
data; ``render_terminal`` (needs ``rich``: ``admission-flow[report]``) and
``render_html`` as tables and a page with charts. See
``docs/units-and-reports.md``.
"""

from admission_flow._moved import moved_names
from admission_flow.units import admitted_by, members_at_start, probationary_on

from ._compute import (
    Annual,
    Overdue,
    PlanProgress,
    PositionsHeld,
    Report,
    UnitProgress,
    build_report,
    report_as_dict,
)
from ._render import render_html, render_terminal

__all__ = [
    "Annual",
    "Overdue",
    "PlanProgress",
    "PositionsHeld",
    "Report",
    "UnitProgress",
    "admitted_by",
    "build_report",
    "members_at_start",
    "probationary_on",
    "render_html",
    "render_terminal",
    "report_as_dict",
]

#: Names whose home is ``admission_flow.units``; each still works here, with a warning.
__getattr__ = moved_names(
    __name__,
    {
        "UnitContext": "admission_flow.units.UnitContext",
        "reached_on": "admission_flow.units.reached_on",
    },
)
