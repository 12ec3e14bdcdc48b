"""admission_flow: party-membership admission procedures as YAML-configured state machines.

Start with ``Engine.load("vn-2021")``; see ``docs/tutorial.md``.
"""

from ._calendar import Calendar, VietnamCalendar, WeekdayCalendar
from ._dates import add_months, months_between
from ._engine import Engine
from ._graph import draw
from ._hooks import hookimpl, hookspec
from ._model import (
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
from ._plugins import Plugins, load_procedure
from ._procedure import (
    DateSpec,
    DeadlineSpec,
    EventSpec,
    FactSpec,
    Procedure,
    Role,
    RuleSpec,
    State,
)
from ._rule import EventContext, Rule, rule
from ._scenario import Run, Scenario, ScenarioEvent, load_scenario, run_scenario
from ._version import __version__
from .exceptions import (
    ActorError,
    AdmissionFlowError,
    CaseError,
    ConflictError,
    FactError,
    InputError,
    PluginError,
    Problem,
    ProcedureError,
    ScenarioError,
    StoreError,
    UnknownCaseError,
    UnknownEventError,
)

__all__ = [
    "EDUCATION_LEVELS",
    "MEMBER_STATUSES",
    "ORGANIZATIONS",
    "UNIT_KINDS",
    "Actor",
    "ActorError",
    "AdmissionFlowError",
    "Calendar",
    "Case",
    "CaseError",
    "ConflictError",
    "DateSpec",
    "Deadline",
    "DeadlineSpec",
    "Engine",
    "EventContext",
    "EventSpec",
    "FactError",
    "FactSpec",
    "InputError",
    "Member",
    "Option",
    "Outcome",
    "Person",
    "PluginError",
    "Plugins",
    "Problem",
    "Procedure",
    "ProcedureError",
    "ProcedureRef",
    "Role",
    "Rule",
    "RuleSpec",
    "Run",
    "Scenario",
    "ScenarioError",
    "ScenarioEvent",
    "State",
    "Step",
    "StoreError",
    "Text",
    "Unit",
    "UnknownCaseError",
    "UnknownEventError",
    "VietnamCalendar",
    "Violation",
    "WeekdayCalendar",
    "__version__",
    "add_months",
    "draw",
    "hookimpl",
    "hookspec",
    "load_procedure",
    "load_scenario",
    "months_between",
    "rule",
    "run_scenario",
]
