"""Units as data, and the rules that look across a person's cases.

``load_units`` reads a unit file (the tree of a district's wards and cells, who
holds which position, the targets); ``check_new_case`` says whether a case may
be opened for a person, given their earlier cases (one open case at a time;
re-admission). See ``docs/units-and-reports.md``.
"""

from admission_flow._moved import moved_names

from ._across import (
    ENDS,
    EXCLUDED_REASONS,
    LEAVING_REASONS,
    READMISSION_MONTHS,
    Departure,
    check_new_case,
)
from ._context import UnitContext, admitted_by, members_at_start, probationary_on, reached_on
from ._file import load_units
from ._values import (
    STAGES,
    CountTarget,
    Finding,
    Growth,
    Holder,
    PositionSpec,
    Share,
    Targets,
    UnitNode,
    UnitTree,
)

__all__ = [
    "ENDS",
    "EXCLUDED_REASONS",
    "LEAVING_REASONS",
    "READMISSION_MONTHS",
    "STAGES",
    "CountTarget",
    "Departure",
    "Finding",
    "Growth",
    "Holder",
    "PositionSpec",
    "Share",
    "Targets",
    "UnitContext",
    "UnitNode",
    "UnitTree",
    "admitted_by",
    "check_new_case",
    "load_units",
    "members_at_start",
    "probationary_on",
    "reached_on",
]

#: Names that moved; each still works, with a warning.
__getattr__ = moved_names(__name__, {"UnitFileError": "admission_flow.exceptions.UnitFileError"})
