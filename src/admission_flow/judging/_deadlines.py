"""Deadlines and the named dates of a case, counted with one calendar.

Usable without an ``Engine``: a report that lists what is due or overdue
across many stored cases needs only the procedure and a calendar. The engine
uses the same ``Clocks`` to judge lateness and to record the deadlines a step
sets or meets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from admission_flow.model._calendar import Calendar, VietnamCalendar, explain
from admission_flow.model._dates import add_months
from admission_flow.model._values import Case, Deadline, Step, Text, _new_deadline
from admission_flow.procedure._spec import DeadlineSpec, Procedure

__all__ = ["Clock", "Clocks", "pending_after", "pending_deadlines"]


def pending_deadlines(history: Iterable[Step]) -> dict[str, Deadline]:
    """The deadlines the steps set and no later step met, by name: ``Clocks.pending``'s,
    read from what each step recorded rather than counted again, and a step at a time
    (``pending_after``) for a caller that keeps them as a case grows (the register's
    rows, ``check``'s abstract states)."""
    pending: dict[str, Deadline] = {}
    for step in history:
        note_deadlines(pending, step)
    return pending


def note_deadlines(pending: dict[str, Deadline], step: Step) -> None:
    """``pending`` after ``step``: the deadlines it sets added, those it meets removed."""
    for deadline in step.deadlines_set:
        pending[deadline.name] = deadline
    for deadline in step.deadlines_met:
        pending.pop(deadline.name, None)


def pending_after(pending: Mapping[str, Deadline], step: Step) -> Mapping[str, Deadline]:
    """The deadlines pending after ``step`` (the case's latest), from those pending before
    it: ``pending`` itself when the step sets and meets none (it is never changed), else a
    new mapping."""
    if not step.kept or not (step.deadlines_set or step.deadlines_met):
        return pending
    after = dict(pending)
    note_deadlines(after, step)
    return after


@attrs.define
class Clock:
    """A deadline a case has started: its spec, the step that started it, the step that met it.

    Not frozen: a few are made for most events fired, and attrs's frozen
    ``__init__`` costs three times as much. Nothing changes one after it is made.
    """

    spec: DeadlineSpec
    started: Step
    met: Step | None


class Clocks:
    """The deadlines and dates of the cases of one procedure.

    Due dates are cached by (deadline, start, extended): a few per calendar
    day at most, so the caches are never evicted.
    """

    def __init__(self, procedure: Procedure, calendar: Calendar | None = None) -> None:
        self.procedure = procedure
        self.calendar: Calendar = calendar if calendar is not None else VietnamCalendar()
        self._all = tuple(procedure.deadlines.values())
        self._due: dict[tuple[str, dt.date, bool], tuple[dt.date, Text]] = {}
        self._open: dict[tuple[str, dt.date, bool], Deadline] = {}

    # -- a case's deadlines and dates --------------------------------------------

    def clocks(self, case: Case, specs: Iterable[DeadlineSpec] | None = None) -> list[Clock]:
        """Each deadline among ``specs`` (all by default) the case has started.

        A clock starts at the latest accepted ``after`` event and is met by the
        first step of a ``met_by`` event after it.
        """
        found: list[Clock] = []
        history = case.history
        for spec in self._all if specs is None else specs:
            start = history.position(spec.after)
            if start < 0:
                continue
            met = history.first_after(spec.met_by, start)
            found.append(Clock(spec, history[start], None if met < 0 else history[met]))
        return found

    def running(self, case: Case, specs: Iterable[DeadlineSpec]) -> list[Clock]:
        """The deadlines among ``specs`` the case has started and not yet met."""
        return [clock for clock in self.clocks(case, specs) if clock.met is None]

    def deadlines(self, case: Case) -> tuple[Deadline, ...]:
        """Every deadline the case's history has started, met or not (``met_on``)."""
        result = []
        for clock in self.clocks(case):
            if clock.met is None:
                result.append(self.started(clock.spec, clock.started.on, clock.started.facts))
            else:
                result.append(self.met(clock, clock.met.on, clock.met.facts))
        return tuple(result)

    def pending(self, case: Case) -> tuple[Deadline, ...]:
        """The deadlines not yet met, earliest first."""
        return tuple(
            sorted((d for d in self.deadlines(case) if d.met_on is None), key=lambda d: d.due)
        )

    def overdue(self, case: Case, on: dt.date) -> tuple[Deadline, ...]:
        """The deadlines not met and past due on ``on``, earliest first."""
        return tuple(d for d in self.pending(case) if d.due < on)

    def dates(self, case: Case) -> dict[str, dt.date]:
        """The case's named dates (``probation_start``...) and every due date so far."""
        result: dict[str, dt.date] = {}
        for spec in self.procedure.dates.values():
            step = case.last(spec.event)
            if step is None or (spec.requires is not None and case.last(spec.requires) is None):
                continue
            day = step.facts.get(spec.fact, step.on) if spec.fact else step.on
            left = case.candidate.left
            if spec.less_time_outside and left is not None and left.first_admitted_on is not None:
                # QĐ 29-QĐ/TW §4.5b: the party age of a re-admitted member counts from the
                # first admission, less the time outside the Party.
                day = day - (left.on - left.first_admitted_on)
            result[spec.name] = add_months(day, spec.months)
        for deadline in self.deadlines(case):
            result[deadline.name] = deadline.due
        return result

    # -- one deadline -----------------------------------------------------------------

    def started(self, spec: DeadlineSpec, on: dt.date, facts: Mapping[str, Any]) -> Deadline:
        """The deadline ``spec`` started by a step on ``on`` with ``facts``, not yet met."""
        start, due, basis = self._count(spec, on, facts, extended=False)
        key = (spec.name, start, False)
        cached = self._open.get(key)
        if cached is None:
            cached = self._open[key] = Deadline(
                name=spec.name,
                rule=spec.rule,
                event=spec.met_by[0],
                start=start,
                due=due,
                basis=basis,
            )
        return cached

    def met(self, clock: Clock, on: dt.date, facts: Mapping[str, Any]) -> Deadline:
        """``clock``'s deadline, met by a step on ``on`` with ``facts``."""
        spec = clock.spec
        extended = self.extended(spec, facts)
        start, due, basis = self._count_met(spec, clock, facts, extended)
        return _new_deadline(
            spec.name, spec.rule, spec.met_by[0], start, due, basis, self.met_on(spec, on, facts)
        )

    def lateness(
        self, clock: Clock, on: dt.date, facts: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The details of ``clock``'s rule when a step on ``on`` with ``facts`` meets it late.

        ``None`` when it is on time, or when the step carries the deadline's waiver.
        """
        spec = clock.spec
        extended = self.extended(spec, facts)
        start, due, _ = self._count_met(spec, clock, facts, extended)
        met = self.met_on(spec, on, facts)
        if met <= due or (spec.waiver is not None and facts.get(spec.waiver) is True):
            return None
        return {
            "due": due,
            "met": met,
            "start": start,
            "counted_from": add_months(start, spec.months),
            "working_days": self.working_days(spec, extended),
        }

    def _count_met(
        self, spec: DeadlineSpec, clock: Clock, facts: Mapping[str, Any], extended: bool
    ) -> tuple[dt.date, dt.date, Text]:
        """``_count`` for a meeting step: from its ``counted_from`` date fact when it gives one."""
        if spec.counted_from is not None:
            value = facts.get(spec.counted_from)
            if type(value) is dt.date:
                return self._count(spec, value, {}, extended)
        return self._count(spec, clock.started.on, clock.started.facts, extended)

    def extended(self, spec: DeadlineSpec, facts: Mapping[str, Any]) -> bool:
        """Whether the meeting step's facts grant the deadline's extension."""
        return spec.extension is not None and facts.get(spec.extension) is True

    @staticmethod
    def working_days(spec: DeadlineSpec, extended: bool) -> int:
        if extended and spec.extended_working_days is not None:
            return spec.extended_working_days
        return spec.working_days

    @staticmethod
    def met_on(spec: DeadlineSpec, on: dt.date, facts: Mapping[str, Any]) -> dt.date:
        """The date a step meets a deadline: its ``met_on`` date fact, else its own date."""
        if spec.met_on is not None:
            value = facts.get(spec.met_on)
            if isinstance(value, dt.date):
                return value
        return on

    def _count(
        self, spec: DeadlineSpec, on: dt.date, facts: Mapping[str, Any], extended: bool
    ) -> tuple[dt.date, dt.date, Text]:
        """When the clock of ``spec`` started, when it is due and how that was counted."""
        start = on
        if spec.date is not None:
            value = facts.get(spec.date)
            if isinstance(value, dt.date):
                start = value
        key = (spec.name, start, extended)
        cached = self._due.get(key)
        if cached is None:
            days = self.working_days(spec, extended)
            counted_from = add_months(start, spec.months)
            due = self.calendar.add_working_days(counted_from, days)
            basis = explain(
                self.calendar,
                label=self.procedure.events[spec.after].label,
                start=start,
                months=spec.months,
                counted_from=counted_from,
                working_days=days,
                due=due,
            )
            cached = self._due[key] = (due, basis)
        return start, cached[0], cached[1]
