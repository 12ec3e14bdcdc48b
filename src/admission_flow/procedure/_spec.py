"""The procedure specification: what a procedure file says, as frozen values.

A ``Procedure`` holds names and metadata only (roles, states, events, the
rules each event names with their messages and sources, deadlines, dates);
no plugin function lives in it, so it can be fingerprinted, compared and
serialised. The engine binds each rule to the plugin that implements it.
Loading and validation are in ``_parse*.py``; see ``docs/yaml-reference.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs

from admission_flow.model._values import ProcedureRef, Text
from admission_flow.model._vocabulary import Severity

from ._generations import InForce, MigrationSpec

if TYPE_CHECKING:
    from ._invariants import InvariantSpec

__all__ = [
    "DateSpec",
    "DeadlineSpec",
    "Escalation",
    "EventSpec",
    "FactSpec",
    "Procedure",
    "Role",
    "RuleKind",
    "RuleSpec",
    "RuleUse",
    "State",
    "Transition",
    "transitions_of",
]

#: How a rule is applied: by the engine itself (``core``), by a plugin's
#: check (``check``), by a deadline, or by an event's escalation.
RuleKind = Literal["core", "check", "deadline", "escalation"]

#: How a state reads before the event that opens a case.
NOT_OPENED = Text("chưa mở", "not opened")


@attrs.frozen(kw_only=True)
class Role:
    """Who may fire events. An ``individual`` role is one member acting in person."""

    name: str
    label: Text
    individual: bool = False


@attrs.frozen(kw_only=True)
class State:
    """A state a case can be in; a ``final`` one ends the case."""

    name: str
    label: Text
    final: bool = False


@attrs.frozen(kw_only=True)
class FactSpec:
    """A fact an event carries: its type, whether it is required, its default."""

    name: str
    #: One of ``_facts.FACT_TYPES``: text, int, bool, date, choice, member.
    type: str
    required: bool = False
    default: Any = None
    #: The allowed values of a ``choice``.
    values: tuple[str, ...] = ()
    #: The smallest allowed ``int``.
    minimum: int | None = None
    #: Another ``int`` fact of the same event this one may not exceed.
    at_most: str | None = None
    #: The only roles that may give this fact (all of the event's roles if empty).
    roles: tuple[str, ...] = ()
    label: Text | None = None


@attrs.frozen(kw_only=True)
class RuleUse:
    """An event's use of a rule, with parameters for that event."""

    rule: str
    params: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class Escalation:
    """After ``after`` recorded failures of the event, the case goes to ``to``."""

    after: int
    to: str
    rule: str


@attrs.frozen(kw_only=True)
class EventSpec:
    """An event: the states it happens in, where it leads, who fires it, its facts and rules."""

    name: str
    label: Text
    sources: tuple[str, ...]
    opens_case: bool
    #: Where the event leads; from its first source state when ``targets`` is given.
    target: str
    roles: tuple[str, ...]
    facts: Mapping[str, FactSpec]
    rules: tuple[RuleUse, ...] = ()
    escalation: Escalation | None = None
    #: Where the event leads from each source state, when ``to`` was a mapping
    #: (``{mentored: course, dossier: dossier}``); empty when it names one state.
    targets: Mapping[str, str] = attrs.field(factory=dict)

    def target_from(self, state: str | None) -> str:
        """Where the event leads from ``state``."""
        return self.targets.get(state, self.target) if state is not None else self.target


@attrs.frozen(kw_only=True)
class RuleSpec:
    """A rule as this procedure uses it: message, source, severity, parameters.

    ``check`` names the rule a plugin contributes that implements it (its own
    id unless the file says ``check:``); the engine looks it up when it is
    built. Core, deadline and escalation rules have none.
    """

    id: str
    kind: RuleKind
    message: Text
    source: str
    severity: Severity = "block"
    params: Mapping[str, Any] = attrs.field(factory=dict)
    check: str | None = None


@attrs.frozen(kw_only=True)
class DeadlineSpec:
    """A due date: ``working_days`` after the ``after`` event, met by ``met_by``."""

    name: str
    rule: str
    after: str
    #: A date fact of ``after`` to count from, instead of the day it was fired.
    date: str | None = None
    #: Calendar months added before counting working days.
    months: int = 0
    working_days: int
    extended_working_days: int | None = None
    #: The bool fact of the meeting event that grants the extension.
    extension: str | None = None
    met_by: tuple[str, ...]
    #: A date fact of the meeting event to judge by, instead of the day it was fired.
    met_on: str | None = None
    #: A bool fact of the meeting event that allows it late.
    waiver: str | None = None
    #: A date fact of the meeting event that starts the count instead, when given
    #: (the day the cell received the decision, for the ceremony).
    counted_from: str | None = None


@attrs.frozen(kw_only=True)
class DateSpec:
    """A named date of a case: an event's date (or a date fact), plus months."""

    name: str
    event: str
    fact: str | None = None
    months: int = 0
    #: The date exists only once this event has been accepted.
    requires: str | None = None
    #: For a re-admitted member (``Person.left`` with ``first_admitted_on``), move the
    #: date back by the time spent outside the Party (QĐ 29-QĐ/TW §4.5b).
    less_time_outside: bool = False


@attrs.frozen
class Transition:
    """Where an event can take a case: from ``source`` (``None``: not opened yet) to ``target``.

    ``escalation`` transitions are taken when a recorded failure reaches the
    event's escalation limit; the others when the event is accepted.
    """

    event: str
    source: str | None
    target: str
    escalation: bool = False


@attrs.frozen(kw_only=True)
class Procedure:
    """A loaded, validated procedure. Load one with ``admission_flow.load_procedure``."""

    id: str
    title: Text
    version: str | None = None
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    roles: Mapping[str, Role]
    states: Mapping[str, State]
    events: Mapping[str, EventSpec]
    rules: Mapping[str, RuleSpec]
    deadlines: Mapping[str, DeadlineSpec] = attrs.field(factory=dict)
    dates: Mapping[str, DateSpec] = attrs.field(factory=dict)
    #: What must hold of every case in some states (see ``_invariants.py``).
    invariants: tuple[InvariantSpec, ...] = ()
    #: When it is the law (``None``: always); see ``_generations.py``.
    in_force: InForce | None = None
    #: How it takes over the open cases of an earlier procedure, if it does.
    migration: MigrationSpec | None = None
    #: SHA-256 of the resolved procedure's canonical content (see ``_canonical.py``).
    fingerprint: str
    path: str | None = attrs.field(default=None, eq=False)
    #: The plugins it was loaded with (an ``admission_flow.Plugins``), whose rules
    #: implement its rule ids: an ``Engine`` given no plugins uses these. Not part
    #: of what the procedure says (its fingerprint), so not compared.
    plugins: object = attrs.field(default=None, eq=False, repr=False)
    #: The resolved procedure as canonical JSON: what the fingerprint covers and
    #: what the register keeps, so that a case never depends on the file again.
    text: str = attrs.field(default="", eq=False, repr=False)
    #: The procedures it ``extends:``, nearest first.
    parents: tuple[str, ...] = attrs.field(default=(), eq=False)

    @property
    def ref(self) -> ProcedureRef:
        """The procedure's id, version and fingerprint, as a case records them."""
        return ProcedureRef(self.id, self.version, self.fingerprint)

    def state_label(self, state: str | None) -> Text:
        """How ``state`` reads to a user; ``None`` is a case not opened yet."""
        return NOT_OPENED if state is None else self.states[state].label

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(name for name, state in self.states.items() if state.final)

    def transitions(self) -> Iterator[Transition]:
        """Every transition, event by event in file order (see ``transitions_of``)."""
        return transitions_of(self.events.values())


def transitions_of(events: Iterable[EventSpec]) -> Iterator[Transition]:
    """The transitions of ``events``: the one place they are derived.

    The router, the reference machine, the graph and the loader's shape
    checks all read a procedure's transitions from here. An event that opens
    a case leaves from ``None``; an event's escalations follow its own
    transitions.
    """
    for spec in events:
        sources: tuple[str | None, ...] = (None,) if spec.opens_case else spec.sources
        for source in sources:
            yield Transition(spec.name, source, spec.target_from(source))
        if spec.escalation is not None:
            for source in sources:
                yield Transition(spec.name, source, spec.escalation.to, escalation=True)
