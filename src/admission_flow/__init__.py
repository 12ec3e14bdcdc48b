"""admission_flow: party-membership admission procedures as YAML-configured state machines.

Start with ``Engine.load("vn-2021")``; see ``docs/tutorial.md``.
"""

from ._calendar import Calendar, VietnamCalendar, WeekdayCalendar
from ._dates import add_months, months_between
from ._engine import Engine
from ._graph import draw
from ._hooks import hookimpl
from ._loading import load_procedure
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
from ._plugins import Plugins
from ._rule import EventContext, Rule, rule
from ._scenario import Run, Scenario, ScenarioEvent, load_scenario, run_scenario
from ._spec import (
    DateSpec,
    DeadlineSpec,
    Escalation,
    EventSpec,
    FactSpec,
    Procedure,
    Role,
    RuleSpec,
    RuleUse,
    State,
    Transition,
)
from ._version import __version__
from .exceptions import (
    ActorError,
    AdmissionFlowError,
    ArgumentTypeError,
    CaseError,
    FactError,
    FileProblemError,
    InputError,
    PluginError,
    Problem,
    ProcedureError,
    ScenarioError,
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
    "ArgumentTypeError",
    "Calendar",
    "Case",
    "CaseError",
    "DateSpec",
    "Deadline",
    "DeadlineSpec",
    "Engine",
    "Escalation",
    "EventContext",
    "EventSpec",
    "FactError",
    "FactSpec",
    "FileProblemError",
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
    "RuleUse",
    "Run",
    "Scenario",
    "ScenarioError",
    "ScenarioEvent",
    "State",
    "Step",
    "Text",
    "Transition",
    "Unit",
    "UnknownEventError",
    "VietnamCalendar",
    "Violation",
    "WeekdayCalendar",
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
