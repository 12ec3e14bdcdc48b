"""Units as data, and the rules that look across a person's cases.

``load_units`` reads a unit file (the tree of a district's wards and cells, who
holds which position, the targets); ``check_new_case`` says whether a case may
be opened for a person, given their earlier cases (one open case at a time;
re-admission). See ``docs/units-and-reports.md``.
"""

from ._across import (
    ENDS,
    EXCLUDED_REASONS,
    LEAVING_REASONS,
    READMISSION_MONTHS,
    Departure,
    check_new_case,
)
from ._context import UnitContext, reached_on
from ._file import UnitFileError, load_units
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
    "UnitFileError",
    "UnitNode",
    "UnitTree",
    "check_new_case",
    "load_units",
    "reached_on",
]
