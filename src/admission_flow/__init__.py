"""admission_flow: party-membership admission procedures as YAML-configured state machines.

Start with ``Engine.load("vn-2021")``; see ``docs/tutorial.md``.

The top level holds what an application meets first: the engine, the plugin
manager, loading procedures and scenarios, the domain's values, the decorators a
plugin uses, and every error (their home is ``admission_flow.exceptions``). The
rest lives in namespaces, each the one home of its names (``docs/architecture.md``,
"The public surface"): ``spec`` (what a procedure is made of), ``serial`` (JSON),
``calendar`` (working days, months), ``units``, ``reports``, ``store``, ``testing``
(with ``testing.strategies``). Names that moved still work here, with a
``DeprecationWarning`` that says where they live now.
"""

from ._lazy import lazy_names
from ._moved import moved_names
from ._version import __version__

# Not typing's TYPE_CHECKING: importing typing costs more than the rest of this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .engine._engine import Engine
    from .engine._scenario import Run, Scenario, ScenarioEvent, load_scenario, run_scenario
    from .exceptions import (
        ActorError,
        AdmissionFlowError,
        ArgumentTypeError,
        CaseError,
        CaseRefusedError,
        ConflictError,
        ConstraintError,
        DuplicateError,
        FactError,
        FileProblemError,
        InputError,
        PluginError,
        Problem,
        ProcedureError,
        RequestReusedError,
        ScenarioError,
        SchemaError,
        StoreError,
        TamperedError,
        UnavailableError,
        UnitFileError,
        UnitMismatchError,
        UnknownCaseError,
        UnknownEventError,
        UnknownUnitError,
    )
    from .hooks._specs import hookimpl
    from .model._dates import add_months, months_between
    from .model._departure import COMMUNITY_ROLES, LEAVING_REASONS, Departure
    from .model._values import (
        EDUCATION_LEVELS,
        MEMBER_STATUSES,
        ORGANIZATIONS,
        UNIT_KINDS,
        Actor,
        Case,
        Deadline,
        Member,
        Option,
        Outcome,
        Person,
        ProcedureRef,
        Step,
        Text,
        Unit,
        Violation,
    )
    from .plugins._loading import load_procedure
    from .plugins._manager import Contributed, Plugins
    from .procedure._generations import InForce, MigrationSpec
    from .procedure._graph import draw
    from .procedure._rule import Boundary, EventContext, Rule, rule
    from .procedure._spec import Procedure

__all__ = [
    "COMMUNITY_ROLES",
    "EDUCATION_LEVELS",
    "LEAVING_REASONS",
    "MEMBER_STATUSES",
    "ORGANIZATIONS",
    "UNIT_KINDS",
    "Actor",
    "ActorError",
    "AdmissionFlowError",
    "ArgumentTypeError",
    "Boundary",
    "Case",
    "CaseError",
    "CaseRefusedError",
    "ConflictError",
    "ConstraintError",
    "Contributed",
    "Deadline",
    "Departure",
    "DuplicateError",
    "Engine",
    "EventContext",
    "FactError",
    "FileProblemError",
    "InForce",
    "InputError",
    "Member",
    "MigrationSpec",
    "Option",
    "Outcome",
    "Person",
    "PluginError",
    "Plugins",
    "Problem",
    "Procedure",
    "ProcedureError",
    "ProcedureRef",
    "RequestReusedError",
    "Rule",
    "Run",
    "Scenario",
    "ScenarioError",
    "ScenarioEvent",
    "SchemaError",
    "Step",
    "StoreError",
    "TamperedError",
    "Text",
    "UnavailableError",
    "Unit",
    "UnitFileError",
    "UnitMismatchError",
    "UnknownCaseError",
    "UnknownEventError",
    "UnknownUnitError",
    "Violation",
    "__version__",
    "add_months",
    "draw",
    "hookimpl",
    "load_procedure",
    "load_scenario",
    "months_between",
    "rule",
    "run_scenario",
]

#: Every public name's home module: each is imported the first time it is read (``_lazy.py``),
#: so that ``import admission_flow`` costs what a program uses. Keep it in step with the
#: ``TYPE_CHECKING`` imports above (``tests/test_imports.py`` compares the two).
_HOMES = {
    ".engine._engine": ("Engine",),
    ".engine._scenario": (
        "Run",
        "Scenario",
        "ScenarioEvent",
        "load_scenario",
        "run_scenario",
    ),
    ".exceptions": (
        "ActorError",
        "AdmissionFlowError",
        "ArgumentTypeError",
        "CaseError",
        "CaseRefusedError",
        "ConflictError",
        "ConstraintError",
        "DuplicateError",
        "FactError",
        "FileProblemError",
        "InputError",
        "PluginError",
        "Problem",
        "ProcedureError",
        "RequestReusedError",
        "ScenarioError",
        "SchemaError",
        "StoreError",
        "TamperedError",
        "UnavailableError",
        "UnitFileError",
        "UnitMismatchError",
        "UnknownCaseError",
        "UnknownEventError",
        "UnknownUnitError",
    ),
    ".hooks._specs": ("hookimpl",),
    ".model._dates": (
        "add_months",
        "months_between",
    ),
    ".model._departure": (
        "COMMUNITY_ROLES",
        "LEAVING_REASONS",
        "Departure",
    ),
    ".model._values": (
        "EDUCATION_LEVELS",
        "MEMBER_STATUSES",
        "ORGANIZATIONS",
        "UNIT_KINDS",
        "Actor",
        "Case",
        "Deadline",
        "Member",
        "Option",
        "Outcome",
        "Person",
        "ProcedureRef",
        "Step",
        "Text",
        "Unit",
        "Violation",
    ),
    ".plugins._loading": ("load_procedure",),
    ".plugins._manager": (
        "Contributed",
        "Plugins",
    ),
    ".procedure._generations": (
        "InForce",
        "MigrationSpec",
    ),
    ".procedure._graph": ("draw",),
    ".procedure._rule": (
        "Boundary",
        "EventContext",
        "Rule",
        "rule",
    ),
    ".procedure._spec": ("Procedure",),
}

#: Names that moved to a namespace of their own; each still works, with a warning.
_old_names = moved_names(
    __name__,
    {
        **{
            name: f"admission_flow.spec.{name}"
            for name in (
                "DateSpec",
                "DeadlineSpec",
                "Escalation",
                "EventSpec",
                "FactSpec",
                "Role",
                "RuleSpec",
                "RuleUse",
                "State",
                "Transition",
            )
        },
        **{
            name: f"admission_flow.serial.{name}"
            for name in (
                "case_from_json",
                "case_to_json",
                "outcome_from_json",
                "outcome_to_json",
                "step_from_json",
                "step_to_json",
            )
        },
        **{
            name: f"admission_flow.calendar.{name}"
            for name in ("Calendar", "VietnamCalendar", "WeekdayCalendar")
        },
    },
    # One frame more than a module __getattr__: the lazy one below asks this one.
    stacklevel=3,
)
__getattr__, __dir__ = lazy_names(__name__, _HOMES, _old_names)
