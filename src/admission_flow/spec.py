"""The procedure specification: what a loaded procedure is made of.

``admission_flow.load_procedure`` returns a ``Procedure``; these are the values
it holds (roles, states, events and their facts, rules, deadlines, dates,
invariants and their conditions, and ``Mark``, where a value of a procedure or
scenario file starts), for code that reads a procedure: a plugin that
contributes rules, a tool that draws or compares procedures. All are frozen values.
"""

from .procedure._invariants import (
    AllOf,
    AnyOf,
    Condition,
    InvariantSpec,
    MonthsSince,
    Reading,
    RuleHeld,
    StepOnFile,
    UnitHas,
    WorkingDaysWithin,
)
from .procedure._spec import (
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
from .procedure._yaml import Mark

__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "DateSpec",
    "DeadlineSpec",
    "Escalation",
    "EventSpec",
    "FactSpec",
    "InvariantSpec",
    "Mark",
    "MonthsSince",
    "Procedure",
    "Reading",
    "Role",
    "RuleHeld",
    "RuleSpec",
    "RuleUse",
    "State",
    "StepOnFile",
    "Transition",
    "UnitHas",
    "WorkingDaysWithin",
]
