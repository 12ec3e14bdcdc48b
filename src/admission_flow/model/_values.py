"""The domain's values: people, units, actors, cases and what happens to them.

All are frozen ``attrs`` classes: an event never changes a case in place, it
returns a new one, so a refused event or a failing plugin cannot leave
anything half-changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import attrs

from admission_flow.exceptions import ArgumentTypeError, InputError

from ._builders import _builder
from ._checks import (
    check_bool,
    check_choice,
    check_date,
    check_instance,
    check_int,
    check_text,
)
from ._dates import format_date_en, format_date_vi, months_between
from ._departure import COMMUNITY_ROLES, Departure
from ._frozen import EMPTY, freeze
from ._history import EMPTY_HISTORY, History
from ._names import name_list, name_set
from ._vocabulary import (
    EDUCATION_LEVELS,
    MEMBER_STATUSES,
    NAME,
    ORGANIZATIONS,
    SEVERITIES,
    UNIT_KINDS,
    Severity,
)
from ._words import describe, did_you_mean

__all__ = [
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
    "check_kind",
]


@attrs.frozen
class Text:
    """A message a user reads, in Vietnamese and in English."""

    vi: str
    en: str

    def __attrs_post_init__(self) -> None:
        if type(self.vi) is not str or type(self.en) is not str:
            check_instance("Text", "vi", self.vi, str, "text")
            check_instance("Text", "en", self.en, str, "text")

    def __str__(self) -> str:
        return f"{self.vi} / {self.en}"

    def format(self, **values: Any) -> Text:
        """Fill ``{placeholders}``, each language with its own words and date style.

        A ``Text`` value gives each language its own; a date reads 05/02/2024
        in Vietnamese and 2024-02-05 in English.
        """
        vi: dict[str, Any] = {}
        en: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, Text):
                vi[key], en[key] = value.vi, value.en
            elif isinstance(value, dt.date):
                vi[key], en[key] = format_date_vi(value), format_date_en(value)
            else:
                vi[key] = en[key] = value
        return Text(self.vi.format_map(vi), self.en.format_map(en))

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


@attrs.frozen(kw_only=True)
class Person:
    """The candidate: a person on their way to membership (quần chúng)."""

    id: str
    name: str
    born: dt.date
    education: str
    organizations: frozenset[str] = attrs.field(default=frozenset(), converter=name_set)
    positions: tuple[str, ...] = attrs.field(default=(), converter=name_list)
    #: Written consent of the province-level standing committee to admit someone over 60.
    #: Revision 3 records it as a step (``record_consent``); this flag still counts as one.
    over_60_consent: bool = False
    #: The candidate lives or works in a hardship area (fishermen at sea included).
    hardship_area: bool = False
    #: ``village_elder``, ``hamlet_chief`` or ``respected_person`` (già làng, trưởng bản,
    #: người có uy tín), for the literate-only exception of HD 01 §1.2.
    community_role: str | None = None
    #: How the person left the Party before, for re-admission; ``None`` for a first admission.
    left: Departure | None = None

    def __attrs_post_init__(self) -> None:
        check_text("Person", "id", self.id)
        check_text("Person", "name", self.name)
        check_date("Person", "born", self.born)
        check_choice("Person", "education", self.education, EDUCATION_LEVELS)
        for organization in sorted(self.organizations):
            check_choice("Person", "organizations", organization, ORGANIZATIONS)
        check_bool("Person", "over_60_consent", self.over_60_consent)
        check_bool("Person", "hardship_area", self.hardship_area)
        if self.community_role is not None:
            check_choice("Person", "community_role", self.community_role, COMMUNITY_ROLES)
        if self.left is not None:
            check_instance("Person", "left", self.left, Departure, "a Departure (or None)")

    def age_in_months(self, on: dt.date) -> int:
        """Age in whole months on a date, as QĐ 24-QĐ/TW §1.1 counts it."""
        return months_between(self.born, on)


@attrs.frozen(kw_only=True)
class Member:
    """A party member (đảng viên) whom events can name: a mentor, an introducer."""

    id: str
    status: str
    #: The date the member has held ``status`` since.
    since: dt.date
    #: The positions the member holds in the unit (``secretary``, ``residential_group_head``).
    positions: tuple[str, ...] = attrs.field(default=(), converter=name_list)

    def __attrs_post_init__(self) -> None:
        check_text("Member", "id", self.id)
        check_choice("Member", "status", self.status, MEMBER_STATUSES)
        check_date("Member", "since", self.since)

    def is_official_on(self, day: dt.date) -> bool:
        """Whether the member was an official member on ``day``."""
        return self.status == "official" and self.since <= day


@attrs.frozen(kw_only=True)
class Unit:
    """The unit whose party cell handles the case, and what the rules ask of it."""

    id: str
    kind: str = "other"
    official_members: int = 0
    has_youth_union: bool = False
    hardship_area: bool = False
    delegated_admission: bool = False
    #: The cell is itself the grassroots organisation (chi bộ cơ sở): no grassroots
    #: committee votes between its resolution and the competent committee.
    grassroots_cell: bool = False
    #: Members of the grassroots party committee (0: not stated, not checked).
    committee_members: int = 0

    def __attrs_post_init__(self) -> None:
        check_text("Unit", "id", self.id)
        check_kind(self.kind)
        check_int("Unit", "official_members", self.official_members)
        check_int("Unit", "committee_members", self.committee_members)
        for flag in ("has_youth_union", "hardship_area", "delegated_admission", "grassroots_cell"):
            check_bool("Unit", flag, getattr(self, flag))


def check_kind(kind: Any, known: Collection[str] = UNIT_KINDS) -> None:
    """A unit's kind: a known one, or a new name that is not a near-miss of a known one."""
    if type(kind) is str and kind in known:
        return
    check_text("Unit", "kind", kind)
    if not NAME.match(kind):
        raise InputError(
            f"Unit.kind {describe(kind)} is not a name: use lower-case letters, digits and '_'",
            field="kind",
        )
    hint = did_you_mean(kind, known)
    if hint:
        raise InputError(
            f"Unit.kind {describe(kind)} is not a known kind ({', '.join(known)}){hint} "
            "A new kind needs a name of its own, not a near-miss of a known one",
            field="kind",
        )


@attrs.frozen
class Actor:
    """Who fires an event: a role, and for a role held by one member, which member."""

    role: str
    id: str | None = None

    def __attrs_post_init__(self) -> None:
        check_text("Actor", "role", self.role)
        check_text("Actor", "id", self.id, optional=True)

    def __str__(self) -> str:
        """``role``, or ``role:id`` for a member acting in person: what ``parse`` reads back."""
        return self.role if self.id is None else f"{self.role}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Actor:
        """The actor ``ROLE`` or ``ROLE:MEMBER_ID``, as ``str(actor)`` writes it and ``--by`` takes it.

        The one text form of an actor: ``Actor.parse(str(actor)) == actor`` (a
        role is a name, without ``:``; a member id may hold one).

        Raises:
            InputError: no role before the ``:``, or no member id after it.
        """
        if type(text) is not str:
            raise ArgumentTypeError(
                f"an actor is written as text, not {describe(text)}", field="by"
            )
        role, colon, member = text.partition(":")
        if not role.strip() or (colon and not member.strip()):
            raise InputError(
                f"actor {describe(text)} is not ROLE or ROLE:MEMBER_ID (cell, member:m-hung)",
                field="by",
            )
        return cls(role, member if colon else None)


@attrs.frozen(kw_only=True)
class Violation:
    """One reason an event was refused, or one warning about it."""

    rule: str
    message: Text
    source: str
    severity: Severity = "block"
    details: Mapping[str, Any] = attrs.field(default=EMPTY, converter=freeze, repr=False)

    def __attrs_post_init__(self) -> None:
        check_text("Violation", "rule", self.rule)
        check_instance("Violation", "message", self.message, Text, "a Text(vi, en)")
        check_instance("Violation", "source", self.source, str, "text")
        check_choice("Violation", "severity", self.severity, SEVERITIES)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message.as_dict(), "source": self.source}


@attrs.frozen(kw_only=True)
class Deadline:
    """A date by which an event is due, and how it was counted."""

    #: The procedure's name for the due date (``ceremony_due``).
    name: str
    #: The rule that judges lateness (``ceremony.deadline``).
    rule: str
    #: The event that meets the deadline.
    event: str
    #: The date the clock started.
    start: dt.date
    due: dt.date
    basis: Text
    #: When the event that meets it happened, if it has.
    met_on: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "due": self.due.isoformat(),
            "basis": self.basis.as_dict(),
            "rule": self.rule,
            "name": self.name,
        }


#: No ``__weakref__`` slot: nothing weak-references a step, and a case keeps one per event
#: (8 bytes each).
@attrs.frozen(kw_only=True, weakref_slot=False)
class Step:
    """One event fired on a case, and what came of it.

    ``accepted`` steps moved the case on. A ``recorded`` step was not accepted
    but happened and is kept (a vote that fell short of two-thirds). A step
    that is neither was refused and changed nothing; only such a step may have
    no date (``on`` is ``None``: refused under ``event.date``).
    """

    event: str
    on: dt.date
    actor: Actor
    facts: Mapping[str, Any] = attrs.field(default=EMPTY, converter=freeze)
    accepted: bool
    recorded: bool
    from_state: str | None
    to_state: str | None
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    deadlines_set: tuple[Deadline, ...] = ()
    deadlines_met: tuple[Deadline, ...] = ()

    def __attrs_post_init__(self) -> None:
        check_text("Step", "event", self.event)
        if self.accepted or self.recorded or self.on is not None:  # refused under event.date
            check_date("Step", "on", self.on)
        check_instance("Step", "actor", self.actor, Actor, "an Actor")

    @property
    def kept(self) -> bool:
        """Whether the step belongs in the case's history (accepted or recorded)."""
        return self.accepted or self.recorded

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "on": None if self.on is None else self.on.isoformat(),  # refused: no date
            "accepted": self.accepted,
            "recorded": self.recorded,
            "from": self.from_state,
            "to": self.to_state,
            "violations": [v.as_dict() for v in self.violations],
            "warnings": [v.as_dict() for v in self.warnings],
        }


@attrs.frozen
class ProcedureRef:
    """Which procedure, in which version, a case follows: the law it is judged under.

    ``fingerprint`` is the SHA-256 of the procedure file's canonical content
    (see ``Procedure.fingerprint``): two files with the same fingerprint say
    the same thing, whatever their comments or layout.
    """

    id: str
    version: str | None
    fingerprint: str

    def __str__(self) -> str:
        version = f" {self.version}" if self.version else ""
        return f"{self.id}{version} ({self.fingerprint[:12]})"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "fingerprint": self.fingerprint}


def _as_history(steps: tuple[Step, ...] | History[Step]) -> History[Step]:
    """``steps`` as a ``History`` (a ``History`` as is): ``Case``'s converter."""
    if type(steps) is History:
        return steps
    if isinstance(steps, tuple) and all(isinstance(step, Step) for step in steps):
        return History(steps) if steps else EMPTY_HISTORY
    return steps  # type: ignore[return-value]  # Case's own check names the mistake


@attrs.frozen(kw_only=True)
class Case:
    """One person's way through a procedure: where it stands and how it got there."""

    id: str
    procedure: ProcedureRef
    candidate: Person
    unit: Unit
    #: ``None`` until the event that opens the case.
    state: str | None = None
    #: Accepted and recorded steps, oldest first. Refused steps are not kept. Given as a
    #: tuple; kept as a ``History``, an immutable sequence that grows in O(1) per step.
    history: History[Step] = attrs.field(default=EMPTY_HISTORY, converter=_as_history)

    def __attrs_post_init__(self) -> None:
        check_text("Case", "id", self.id)
        check_instance("Case", "procedure", self.procedure, ProcedureRef, "a ProcedureRef")
        check_instance("Case", "candidate", self.candidate, Person, "a Person")
        check_instance("Case", "unit", self.unit, Unit, "a Unit")
        check_text("Case", "state", self.state, optional=True)
        check_instance("Case", "history", self.history, History, "a tuple of Step values")
        for step in self.history:
            check_instance("Case", "history", step, Step, "a tuple of Step values")

    def _advance(self, state: str | None, step: Step) -> Case:
        """This case after ``step``: the engine's way to build the next value, in O(1).

        The history grows in place where this case is its latest value (see ``_history``).
        """
        return _new_case(
            self.id, self.procedure, self.candidate, self.unit, state, self.history.appended(step)
        )

    def last(self, event: str, *, accepted: bool = True) -> Step | None:
        """The latest step of ``event``: accepted ones only, or any kept one."""
        return self.history.last(event, accepted)

    def steps_of(self, event: str) -> tuple[Step, ...]:
        """Every kept step of ``event``, oldest first."""
        return self.history.of(event)


@attrs.frozen(kw_only=True)
class Outcome:
    """What ``Engine.fire`` returns: the step, and the case after it."""

    case: Case
    step: Step

    @property
    def accepted(self) -> bool:
        """The step moved the case on."""
        return self.step.accepted

    @property
    def recorded(self) -> bool:
        """The step was not accepted but is kept (a vote short of two-thirds)."""
        return self.step.recorded

    def __bool__(self) -> bool:
        raise TypeError(
            "an Outcome is neither true nor false: a step can be accepted, recorded or "
            "refused; test outcome.accepted or outcome.recorded"
        )

    @property
    def violations(self) -> tuple[Violation, ...]:
        return self.step.violations

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return self.step.warnings


@attrs.frozen(kw_only=True)
class Option:
    """An event an actor could fire now, and if it would be refused, why."""

    event: str
    allowed: bool
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    #: Facts that were not given, so the rules that read them were not checked.
    needs: tuple[str, ...] = ()


#: Positional constructors: (event, on, actor, facts, accepted, recorded,
#: from_state, to_state, violations, warnings, deadlines_set, deadlines_met);
#: (id, procedure, candidate, unit, state, history); (case, step).
_new_step = _builder(Step, checked=frozenset({"facts"}))
_new_case = _builder(Case, checked=frozenset({"history"}))
#: Keywords as ``Person``'s; ``organizations`` a frozenset and ``positions`` a tuple of
#: checked names already (the register's bulk rebuild, from what it checked on write).
_new_person = _builder(Person, checked=frozenset({"organizations", "positions"}))
_new_outcome = _builder(Outcome)
#: (name, rule, event, start, due, basis, met_on)
_new_deadline = _builder(Deadline)
