"""Units as data, and the rules that look across a person's cases.

``load_units`` reads a unit file (the tree of a district's wards and cells, who
holds which position, the targets); ``check_new_case`` says whether a case may
be opened for a person, given their earlier cases (one open case at a time;
re-admission). See ``docs/units-and-reports.md``.
"""

from admission_flow._lazy import lazy_names
from admission_flow._moved import moved_names

# Not typing's TYPE_CHECKING: importing typing costs more than this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
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
_old_names = moved_names(
    __name__, {"UnitFileError": "admission_flow.exceptions.UnitFileError"}, stacklevel=3
)

#: Each public name's home module, imported when the name is first read (``_lazy.py``);
#: in step with the ``TYPE_CHECKING`` imports above (``tests/test_imports.py``).
_HOMES = {
    "._across": (
        "ENDS",
        "EXCLUDED_REASONS",
        "LEAVING_REASONS",
        "READMISSION_MONTHS",
        "Departure",
        "check_new_case",
    ),
    "._context": (
        "UnitContext",
        "admitted_by",
        "members_at_start",
        "probationary_on",
        "reached_on",
    ),
    "._file": ("load_units",),
    "._values": (
        "STAGES",
        "CountTarget",
        "Finding",
        "Growth",
        "Holder",
        "PositionSpec",
        "Share",
        "Targets",
        "UnitNode",
        "UnitTree",
    ),
}
__getattr__, __dir__ = lazy_names(__name__, _HOMES, _old_names)
