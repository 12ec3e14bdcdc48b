"""Invariants: what must be true of every case in some states, declared in the procedure file.

An invariant is data, never code: it names states (``in``) and a list of
conditions (``requires``) from a fixed vocabulary, all of which must hold of a
case in one of those states::

    invariants:
      admission.cell_vote_passed:
        vi: Đã kết nạp thì phải có nghị quyết chi bộ đạt hai phần ba
        en: An admitted case has a cell vote that reached two-thirds
        source: Điều lệ Đảng, Điều 4(3)
        in: [admitted, probation, official, removed]
        requires:
          - passed: {event: cell_vote, rule: vote.two_thirds}

The conditions (see ``docs/compliance-testing.md``):

- ``step: {event, by, from, result, where, held, at_least}``: at least
  ``at_least`` (1) steps of ``event`` are on file, ``result`` ``accepted``
  (the default), ``recorded`` (kept but not accepted: a vote short of
  two-thirds) or ``kept`` (either); fired by one of the roles ``by``, from one
  of the states ``from``, with the facts ``where``, and without a violation of
  rule ``held`` (the rule was checked and held);
- ``passed: {event, rule, where}``: the same as ``step`` with ``held: rule``,
  for reading: a step of ``event`` on which ``rule`` held;
- ``rule_held: {rule, at, params, where, result, optional}``: ``rule``,
  judged again (with ``params``) at every accepted (``result: kept``: kept)
  step of ``at`` with the facts ``where``, held, and there is such a step
  (unless ``optional``): whether or not ``at`` checks the rule (see
  ``admission_flow.testing._law``);
- ``months_since: {event, fact, to, at_least}``: from the latest accepted
  ``event`` (or its date ``fact``) to the latest accepted ``to`` (by default,
  the case's latest step) at least ``at_least`` whole months have passed;
  with a ``fact`` the step does not carry, it does not hold (there is no date
  to count from; the step's own date is not taken instead);
- ``working_days: {from: {event, fact}, to, at_most}``: the first accepted
  ``to`` came within ``at_most`` working days of the date of ``from``; as for
  ``months_since``, a ``fact`` the step does not carry makes it not hold;
- ``unit: {field: value}``: the case's unit has these values
  (``delegated_admission: true``);
- ``any_of: [conditions]`` and ``all_of: [conditions]``.

Parsing (``_parse_invariants.py``) reports every problem with its position and a
suggestion, like the rest of the procedure file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

import attrs

from admission_flow.model._calendar import Calendar, VietnamCalendar
from admission_flow.model._dates import months_between
from admission_flow.model._values import Case, Step, Text, Unit


class _Declares(Protocol):
    """What ``check_invariants`` reads of a procedure (``Procedure`` has it)."""

    @property
    def invariants(self) -> tuple[InvariantSpec, ...]: ...


#: Judges ``condition.rule`` again at ``step`` of ``case``: True when it holds.
RuleJudge = Callable[["RuleHeld", Case, Step], bool]


class Reading:
    """What evaluating a condition needs beyond the case: the calendar, and a rule judge.

    The judge (for ``rule_held``) runs a plugin's rule, which this layer
    cannot reach: ``admission_flow.testing`` makes one from the plugins.
    """

    __slots__ = ("calendar", "judge")

    def __init__(self, calendar: Calendar, judge: RuleJudge | None = None) -> None:
        self.calendar = calendar
        self.judge = judge

    def rule_holds(self, condition: RuleHeld, case: Case, step: Step) -> bool:
        if self.judge is None:
            raise TypeError(
                "a rule_held condition judges a rule again: use "
                "admission_flow.testing.check_invariants, which finds the rules in the plugins"
            )
        return self.judge(condition, case, step)


__all__ = [
    "AllOf",
    "AnyOf",
    "Condition",
    "InvariantFailure",
    "InvariantSpec",
    "MonthsSince",
    "Reading",
    "RuleHeld",
    "RuleJudge",
    "StepOnFile",
    "UnitHas",
    "WorkingDaysWithin",
    "check_invariants",
]

Result = Literal["accepted", "recorded", "kept"]
RESULTS: tuple[Result, ...] = ("accepted", "recorded", "kept")
CONDITIONS = (
    "step",
    "passed",
    "rule_held",
    "months_since",
    "working_days",
    "unit",
    "any_of",
    "all_of",
)
#: Unit fields an invariant may test, with their types.
UNIT_FIELDS: dict[str, type] = {
    field.name: bool if field.default in (True, False) else type(field.default)
    for field in attrs.fields(Unit)
    if field.name != "id"
}


def _steps(case: Case, event: str, result: Result) -> list[Step]:
    return [
        step
        for step in case.steps_of(event)
        if (
            step.accepted
            if result == "accepted"
            else step.recorded
            if result == "recorded"
            else True
        )
    ]


@attrs.frozen(kw_only=True)
class StepOnFile:
    """At least ``at_least`` steps of ``event`` are on file, as described."""

    event: str
    result: Result = "accepted"
    roles: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    where: Mapping[str, Any] = attrs.field(factory=dict)
    held: str | None = None
    at_least: int = 1

    def holds(self, case: Case, reading: Reading) -> bool:
        found = 0
        for step in _steps(case, self.event, self.result):
            if self.roles and step.actor.role not in self.roles:
                continue
            if self.sources and step.from_state not in self.sources:
                continue
            if any(step.facts.get(name) != value for name, value in self.where.items()):
                continue
            if self.held is not None and any(v.rule == self.held for v in step.violations):
                continue
            found += 1
        return found >= self.at_least

    def describe(self) -> str:
        count = str(self.at_least) if self.at_least != 1 else "a"
        if count == "a" and self.result == "accepted":
            count = "an"
        parts = [f"{count} {self.result} '{self.event}'"]
        if self.roles:
            parts.append(f" by {'/'.join(self.roles)}")
        if self.sources:
            parts.append(f" from {'/'.join(self.sources)}")
        if self.where:
            parts.append(" with " + ", ".join(f"{k}={v!r}" for k, v in self.where.items()))
        if self.held is not None:
            parts.append(f" on which '{self.held}' held")
        return "".join(parts) + " on file"


@attrs.frozen(kw_only=True)
class MonthsSince:
    """Whole months from the latest ``event`` (or its date ``fact``) to ``to`` (or the last step)."""

    event: str
    fact: str | None = None
    to: str | None = None
    at_least: int

    def holds(self, case: Case, reading: Reading) -> bool:
        start = case.last(self.event)
        end = case.last(self.to) if self.to is not None else (case.history or (None,))[-1]
        if start is None or end is None:
            return False
        day = start.facts.get(self.fact) if self.fact else start.on
        return isinstance(day, dt.date) and months_between(day, end.on) >= self.at_least

    def describe(self) -> str:
        start = f"'{self.event}'" + (f" ({self.fact})" if self.fact else "")
        end = f"'{self.to}'" if self.to else "the latest step"
        return f"at least {self.at_least} months from {start} to {end}"


@attrs.frozen(kw_only=True)
class WorkingDaysWithin:
    """The first accepted ``to`` came within ``at_most`` working days of ``event``'s date."""

    event: str
    fact: str | None = None
    to: str
    at_most: int

    def holds(self, case: Case, reading: Reading) -> bool:
        start = case.last(self.event)
        ends = _steps(case, self.to, "accepted")
        if start is None or not ends:
            return False
        day = start.facts.get(self.fact) if self.fact else start.on
        return isinstance(day, dt.date) and ends[0].on <= reading.calendar.add_working_days(
            day, self.at_most
        )

    def describe(self) -> str:
        start = f"'{self.event}'" + (f" ({self.fact})" if self.fact else "")
        return f"'{self.to}' within {self.at_most} working days of {start}"


@attrs.frozen(kw_only=True)
class UnitHas:
    """The case's unit has these values."""

    values: Mapping[str, Any]

    def holds(self, case: Case, reading: Reading) -> bool:
        return all(getattr(case.unit, name) == value for name, value in self.values.items())

    def describe(self) -> str:
        return "the unit has " + ", ".join(f"{k}={v!r}" for k, v in self.values.items())


@attrs.frozen(kw_only=True)
class AnyOf:
    """At least one of the conditions holds."""

    conditions: tuple[Condition, ...]

    def holds(self, case: Case, reading: Reading) -> bool:
        return any(c.holds(case, reading) for c in self.conditions)

    def describe(self) -> str:
        return "any of (" + "; ".join(c.describe() for c in self.conditions) + ")"


@attrs.frozen(kw_only=True)
class AllOf:
    """Every one of the conditions holds."""

    conditions: tuple[Condition, ...]

    def holds(self, case: Case, reading: Reading) -> bool:
        return all(c.holds(case, reading) for c in self.conditions)

    def describe(self) -> str:
        return "all of (" + "; ".join(c.describe() for c in self.conditions) + ")"


@attrs.frozen(kw_only=True)
class RuleHeld:
    """``rule``, judged again at every accepted (or ``kept``) step of ``at``, held; and there is one.

    The rule is judged on the case as it stood before that step, with the
    step's actor, date and facts: whether or not the event checks the rule, so
    the invariant says what the law requires, not what the procedure enforces.
    """

    rule: str
    at: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    where: Mapping[str, Any] = attrs.field(factory=dict)
    #: ``accepted`` steps only, or every ``kept`` one (recorded votes too).
    kept: bool = False
    #: Whether the condition holds when there is no such step at all.
    optional: bool = False

    def holds(self, case: Case, reading: Reading) -> bool:
        found = False
        for step in case.steps_of(self.at):
            if not (step.accepted or self.kept):
                continue
            if self.where and any(step.facts.get(k) != v for k, v in self.where.items()):
                continue
            found = True
            if not reading.rule_holds(self, case, step):
                return False
        return found or self.optional

    def describe(self) -> str:
        where = (
            " with " + ", ".join(f"{k}={v!r}" for k, v in self.where.items()) if self.where else ""
        )
        which = "kept" if self.kept else "accepted"
        there = "" if self.optional else " (and there is one)"
        return f"rule '{self.rule}' held at each {which} '{self.at}'{where}{there}"


Condition = StepOnFile | MonthsSince | WorkingDaysWithin | UnitHas | AnyOf | AllOf | RuleHeld


@attrs.frozen(kw_only=True)
class InvariantSpec:
    """What must be true of every case in ``states``: each of ``requires``."""

    id: str
    label: Text
    source: str
    states: tuple[str, ...]
    requires: tuple[Condition, ...]


@attrs.frozen(kw_only=True)
class InvariantFailure:
    """An invariant that does not hold of a case, and which of its conditions failed."""

    invariant: InvariantSpec
    failed: tuple[Condition, ...]

    @property
    def explanation(self) -> str:
        return (
            f"{self.invariant.label.en} ({self.invariant.source}); in state(s) "
            f"{', '.join(self.invariant.states)}, missing: "
            + "; ".join(c.describe() for c in self.failed)
        )


def check_invariants(
    procedure: _Declares,
    case: Case,
    *,
    calendar: Calendar | None = None,
    reading: Reading | None = None,
) -> list[InvariantFailure]:
    """The procedure's invariants that do not hold of ``case`` (none, for a sound procedure).

    ``calendar`` counts working days (``working_days`` conditions); by default
    Vietnam's. ``reading`` gives the calendar and the judge of ``rule_held``
    conditions: ``admission_flow.testing.check_invariants`` makes one.
    """
    if not procedure.invariants or case.state is None:
        return []
    if reading is None:
        reading = Reading(calendar if calendar is not None else _default_calendar())
    failures = []
    for invariant in procedure.invariants:
        if case.state not in invariant.states:
            continue
        failed = tuple(c for c in invariant.requires if not c.holds(case, reading))
        if failed:
            failures.append(InvariantFailure(invariant=invariant, failed=failed))
    return failures


_CALENDAR: list[Calendar] = []


def _default_calendar() -> Calendar:
    if not _CALENDAR:
        _CALENDAR.append(VietnamCalendar())
    return _CALENDAR[0]
