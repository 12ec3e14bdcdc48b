"""What a rule is, for the plugins that write rules.

A ``Rule`` is a named check. Plugins contribute rules through the hook
``admission_flow_add_rules``; a procedure file says which events check which
rules, with which parameters, and what each rule's message and source are.
The standard procedure's own rules are written exactly this way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from admission_flow.model._dates import months_between
from admission_flow.model._values import Actor, Case, Member, Person, Text, Unit

if TYPE_CHECKING:
    from admission_flow.model._calendar import Calendar

    from ._spec import EventSpec, Procedure

__all__ = ["Boundary", "Check", "EventContext", "Rule", "rule"]

_T = TypeVar("_T")


class EventContext:
    """Everything a rule may look at while an event is being judged.

    The case is as it was before the event; ``facts`` are the event's facts,
    already checked against their declared types, with defaults filled in, as
    a read-only mapping (the very one the step will keep).
    One is made for every judgement (each ``fire()``, and each event
    ``available()`` looks at) and handed to every rule of that judgement, so it
    is where rules share what they compute: ``age_in_months`` and ``shared()``
    compute a value once per judgement and forget it with the context. It is a
    plain slotted class rather than an attrs one: it is read by rules, never
    compared or stored.
    """

    __slots__ = (
        "_age",
        "_shared",
        "actor",
        "calendar",
        "candidate",
        "case",
        "event",
        "facts",
        "members",
        "on",
        "procedure",
        "unit",
    )

    def __init__(
        self,
        procedure: Procedure,
        case: Case,
        event: EventSpec,
        actor: Actor,
        on: dt.date,
        facts: Mapping[str, Any],
        members: Mapping[str, Member],
        calendar: Calendar,
    ) -> None:
        self.procedure = procedure
        self.case = case
        self.event = event
        self.actor = actor
        self.on = on
        self.facts = facts
        self.members = members
        self.calendar = calendar
        #: The case's candidate and unit, read by most rules: attributes, not properties,
        #: since a property costs a call each time a rule reads it.
        self.candidate: Person = case.candidate
        self.unit: Unit = case.unit
        self._age: int | None = None
        self._shared: dict[Hashable, Any] | None = None

    def __repr__(self) -> str:
        return f"<EventContext {self.event.name} on {self.on.isoformat()} by {self.actor} case {self.case.id}>"

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.procedure.settings

    def member(self, member_id: str) -> Member | None:
        return self.members.get(member_id)

    @property
    def age_in_months(self) -> int:
        """The candidate's age in whole months on the event's date (QĐ 24-QĐ/TW §1.1).

        Computed once per judgement, however many rules ask.
        """
        age = self._age
        if age is None:
            age = self._age = months_between(self.case.candidate.born, self.on)
        return age

    def shared(self, key: Hashable, compute: Callable[[EventContext], _T]) -> _T:
        """``compute(self)``, computed once per judgement and shared by every rule asking for ``key``.

        For values several rules derive from the case or the event (the
        introductions on file, a setting read and converted): the first rule
        to ask computes it, the others get the same value. It lives as long
        as this context, one judgement, so it can never be stale. Rules that
        share a key must mean the same value by it: prefix keys with the rule
        family (``("introduction", "on_file")``).
        """
        shared = self._shared
        if shared is None:
            shared = self._shared = {}
        elif key in shared:
            value: _T = shared[key]
            return value
        value = shared[key] = compute(self)
        return value


@attrs.frozen(kw_only=True)
class Boundary:
    """A point where a rule's answer turns, for ``admission-flow check`` to explore.

    Each boundary is explored on its own, every other value ordinary (see
    ``docs/compliance-testing.md``): a unit, a candidate, or facts of an event
    that differ from the ordinary ones in the fields given.

    Attributes:
        note: what the point is, for people (``a month short of 18``).
        unit: fields of ``Unit`` to set (``{"grassroots_cell": True}``).
        candidate: fields of ``Person`` to set, and ``age_months``: the
            candidate's age, in whole months, on the day the search's cases
            open (their birth date is set from it). ``left`` may be a mapping
            of ``Departure``'s fields whose dates are ``(months, days)`` from
            that day (``{"reason": "struck_off", "on": (-35, 0)}``: left 35
            months before the case opens).
        facts: facts to set on each event the rule is checked at, or, named
            ``event.fact``, on that event. A value is used as it is, except:
            a date fact given as ``(months, days)`` is that long after (when
            negative, before) the event's date; a count bounded by another
            fact (``at_most``) may be ``"two_thirds"`` or ``"one_below"`` (of
            that fact); any count may be ``"one_less"`` than its ordinary value.
        member: ``"not_official"``: a member fact, or the member who acts,
            is a member who is not official.
        events: where the answer may turn, for a boundary a plugin declares
            through ``admission_flow_add_boundaries`` (a rule's are the events
            that check it).
    """

    note: str
    unit: Mapping[str, Any] = attrs.field(factory=dict)
    candidate: Mapping[str, Any] = attrs.field(factory=dict)
    facts: Mapping[str, Any] = attrs.field(factory=dict)
    member: str | None = None
    events: tuple[str, ...] = ()


#: A check returns ``None`` when the rule holds, or a mapping of the values its
#: message needs (possibly empty) when the rule is broken.
Check = Callable[[EventContext, Mapping[str, Any]], Mapping[str, Any] | None]


@attrs.frozen(kw_only=True)
class Rule:
    """A named check that events of a procedure can use.

    Attributes:
        id: the name procedures use for it (``eligibility.age``).
        check: called as ``check(context, params)``.
        message: the default message; a procedure may give its own.
        source: the default article it enforces; a procedure may give its own.
        params: the parameters it takes, with defaults (``None`` = required).
        details: the ``{placeholders}`` its messages may use.
        reads: the event facts it reads; every event that uses it must declare
            them, and ``Engine.available`` skips it when they are not given.
        settings: the procedure settings it reads, with their defaults; the
            loader checks that a procedure's value for each is of the same kind.
        boundaries: the points where its answer turns, for ``admission-flow
            check`` to explore; ``()`` for a rule that reads only the case's
            history (explored as it is), ``None`` when it declares none (the
            check's static analysis reports it).
        order_of: the parameters that name events whose steps' order it
            compares (``{"event", "since"}``: a cell vote since the dossier was
            last returned); ``admission-flow check`` keeps the order of those
            events' latest steps in its abstract state. A rule that compares
            the order of steps without declaring it is outside the check's
            soundness argument (``docs/compliance-testing.md``).
    """

    id: str
    check: Check
    message: Text | None = None
    source: str | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)
    details: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    settings: Mapping[str, Any] = attrs.field(factory=dict)
    boundaries: tuple[Boundary, ...] | None = None
    order_of: frozenset[str] = frozenset()


def rule(
    rule_id: str,
    *,
    message: Text | None = None,
    source: str | None = None,
    params: Mapping[str, Any] | None = None,
    details: Iterable[str] = (),
    reads: Iterable[str] = (),
    settings: Mapping[str, Any] | None = None,
    boundaries: Iterable[Boundary] | None = None,
    order_of: Iterable[str] = (),
) -> Callable[[Check], Rule]:
    """Decorate a check function to make it a ``Rule``.

    ::

        @rule("school.grade", params={"minimum": 11}, details={"grade"})
        def grade(context, params):
            grade = context.candidate.grade
            return None if grade >= params["minimum"] else {"grade": grade}
    """

    def decorate(check: Check) -> Rule:
        return Rule(
            id=rule_id,
            check=check,
            message=message,
            source=source,
            params=dict(params or {}),
            details=frozenset(details),
            reads=frozenset(reads),
            settings=dict(settings or {}),
            boundaries=tuple(boundaries) if boundaries is not None else None,
            order_of=frozenset(order_of),
        )

    return decorate
