"""The dates on which ``admission-flow check`` lets time pass, and how it places a case's date.

A rule of the argument in ``_abstraction.py`` reads dates only through whole
months and working days counted from a *landmark*: twelve and sixty months
after a step's date or one of its date facts, the candidate's 18th, 30th and
60th birthdays, a pending deadline's due date, an invariant's working-day
bound. The abstract state keeps, for each landmark *named* by what it counts
from, whether the case's date is before, on or after it (its sign); the
search waits from one landmark to the next, so each crossing is explored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import admission_flow as af
from admission_flow.procedure._invariants import WorkingDaysWithin, walk

from ._derived import Derived

__all__ = ["AGE_MONTHS", "STEP_MONTHS", "Landmarks", "anchors", "landmark_days", "sign"]

_DAY = dt.timedelta(days=1)
#: Landmarks after a step (months) and after the candidate's birth (months).
STEP_MONTHS = (12, 60)
AGE_MONTHS = (18 * 12, 30 * 12, 60 * 12)


def anchors(latest: Iterable[af.Step]) -> list[dt.date]:
    """The dates of the given steps (each event's latest kept one) and their date facts,
    each once, oldest first."""
    found: set[dt.date] = set()
    for step in latest:
        found.add(step.on)
        found.update(v for v in step.facts.values() if isinstance(v, dt.date))
    return sorted(found)


def sign(today: dt.date, landmark: dt.date) -> int:
    """Before (-1), on (0) or after (1) the landmark."""
    return (today > landmark) - (today < landmark)


def landmark_days(case: af.Case, dated: list[dt.date]) -> Iterator[dt.date]:
    """Twelve and sixty months after each anchor, and the candidate's birthdays, with neighbours."""
    for anchor in dated:
        for months in STEP_MONTHS:
            day = af.add_months(anchor, months)
            yield from (day - _DAY, day, day + _DAY)
    for months in AGE_MONTHS:
        day = af.add_months(case.candidate.born, months)
        yield from (day - _DAY, day, day + _DAY)


#: How many steps' signs (and, in ``_law.py``, rule answers) are kept before the
#: cache is emptied: a bound on what the search holds besides its abstract states.
CACHED_STEPS = 65_536


class Landmarks:
    """A case's landmarks, their signs on a date, and the next date worth waiting for."""

    def __init__(self, engine: af.Engine, horizon_days: int) -> None:
        self.engine = engine
        self.horizon_days = horizon_days
        self.landmark_cache: list[Any] = [None, ()]
        self.step_signs: dict[tuple[int, dt.date], Any] = {}
        self.pending_marks: dict[
            int, tuple[Mapping[str, af.Deadline], tuple[list[str], list[dt.date]]]
        ] = {}
        self.born_days: dict[dt.date, list[dt.date]] = {}
        self.born_names = tuple(("born", m) for m in AGE_MONTHS)
        #: Pending deadlines due the same day are named in the procedure's order, as
        #: ``Clocks.pending`` lists them.
        self.deadline_rank = {name: i for i, name in enumerate(engine.procedure.deadlines)}
        self.bounds = [
            c
            for invariant in engine.procedure.invariants
            for condition in invariant.requires
            for c in walk(condition)
            if isinstance(c, WorkingDaysWithin)
        ]

    def waits(
        self,
        case: af.Case,
        today: dt.date,
        derived: Derived,
        *,
        landmarks: bool,
        borns: tuple[dt.date, ...] = (),
    ) -> list[dt.date]:
        """The next date on which a rule may turn, if there is one.

        A deadline's due date and an invariant's bound are waited for however
        far they are (there are finitely many, and the case's abstract state
        does not say how long ago its latest step was); the other landmarks
        only within ``horizon_days`` of the latest step. ``borns``: the birth
        dates of the other candidates a node stands for (``_groups.py``), whose
        birthdays are landmarks too.
        """
        days: set[dt.date] = set()
        if landmarks:
            latest = case.history[-1].on if case.history else today
            horizon = latest + dt.timedelta(days=self.horizon_days)
            dated = anchors(derived.latest.values())
            days.update(d for d in landmark_days(case, dated) if d <= horizon)
            for born in borns:
                for day in self._born_days(born):
                    days.update(d for d in (day - _DAY, day, day + _DAY) if d <= horizon)
        for deadline in derived.pending.values():
            days.update((deadline.due, deadline.due + _DAY))
        for _, bound in self._bounds(case):
            days.update((bound, bound + _DAY))
        # The nearest that changes how the case is seen: a later one is reached
        # by waiting again, so no case the rules may judge differently is skipped.
        here = self.signs(case, today, derived), self.born_signs(borns, today)
        for day in sorted(d for d in days if today < d):
            if (self.signs(case, day, derived), self.born_signs(borns, day)) != here:
                return [day]
        return []

    def born_signs(self, borns: tuple[dt.date, ...], today: dt.date) -> tuple[int, ...]:
        """Where ``today`` falls around the birthdays of candidates born on ``borns``."""
        return tuple([sign(today, day) for born in borns for day in self._born_days(born)])

    def _bounds(self, case: af.Case) -> Iterator[tuple[int, dt.date]]:
        for index, condition in enumerate(self.bounds):
            start = case.last(condition.event)
            if start is None:
                continue
            day = start.facts.get(condition.fact, start.on) if condition.fact else start.on
            if isinstance(day, dt.date):
                yield index, self.engine.calendar.add_working_days(day, condition.at_most)

    def landmarks(
        self, case: af.Case, derived: Derived
    ) -> tuple[tuple[af.Step, ...], tuple[Any, ...], tuple[dt.date, ...]]:
        """The dates around which the case's date is placed, each named by what it counts from.

        The latest step of each event, in the procedure's order, whose dates
        count twelve and sixty months (``_step_signs``); then the birthdays,
        the pending deadlines and the invariants' bounds, named and dated.
        ``derived`` is what the case's history says of its latest steps and pending
        deadlines. Cached for the case last asked. A landmark is named, not placed by its
        rank among the case's dates: two cases whose steps fell on other days
        but stand alike before and after every landmark are one abstract state
        (see "Dates" above).
        """
        cached = self.landmark_cache
        if cached[0] is not case:
            steps = tuple(derived.latest.values())  # in the procedure's order (``_derived``)
            names: list[Any] = list(self.born_names)
            days: list[dt.date] = self._born_days(case.candidate.born)
            due_names, due_days = self._pending(derived.pending)
            names.extend(due_names)
            days.extend(due_days)
            if self.bounds:
                for index, day in self._bounds(case):
                    names.append(index)
                    days.append(day)
            cached[0] = case
            cached[1] = (steps, tuple(names), tuple(days))
        answer: tuple[tuple[af.Step, ...], tuple[Any, ...], tuple[dt.date, ...]] = cached[1]
        return answer

    def _pending(self, pending: Mapping[str, af.Deadline]) -> tuple[list[str], list[dt.date]]:
        """The pending deadlines' names and due dates, by due date then the procedure's
        order; cached per mapping, which a case's children share until a step changes it
        (``pending_after``)."""
        known = self.pending_marks.get(id(pending))
        if known is not None and known[0] is pending:
            return known[1]
        rank = self.deadline_rank
        ordered = sorted(pending.values(), key=lambda d: (d.due, rank[d.name]))
        answer = [d.name for d in ordered], [d.due for d in ordered]
        if len(self.pending_marks) >= CACHED_STEPS:
            self.pending_marks.clear()
        self.pending_marks[id(pending)] = (pending, answer)  # kept alive: its id stays its own
        return answer

    def _step_signs(self, step: af.Step, today: dt.date) -> tuple[Any, ...]:
        """Where ``today`` falls around twelve and sixty months after a step's dates, named."""
        key = (id(step), today)
        known = self.step_signs.get(key)
        if known is not None and known[0] is step:
            cached: tuple[Any, ...] = known[1]
            return cached
        found: list[Any] = [step.event]
        dated = [("", step.on)]
        dated.extend((n, v) for n, v in step.facts.items() if isinstance(v, dt.date))
        for name, day in dated:
            found.append(name)
            for months in STEP_MONTHS:
                mark = af.add_months(day, months)
                found.append((today > mark) - (today < mark))
        answer = tuple(found)
        if len(self.step_signs) >= CACHED_STEPS:
            # Emptied when full: it serves the cases made from one case (which
            # share its steps), and would otherwise keep every step alive.
            self.step_signs.clear()
        self.step_signs[key] = (step, answer)  # the step kept alive: its id stays its own
        return answer

    def _born_days(self, born: dt.date) -> list[dt.date]:
        known = self.born_days.get(born)
        if known is None:
            known = self.born_days[born] = [af.add_months(born, m) for m in AGE_MONTHS]
        return list(known)

    def signs(self, case: af.Case, today: dt.date, derived: Derived) -> tuple[Any, ...]:
        """Where the case's date falls around each named landmark: before (-1), on (0), after (1)."""
        steps, names, days = self.landmarks(case, derived)
        return (
            self.latest_signs(derived, steps, today),
            names,
            tuple([(today > day) - (today < day) for day in days]),
        )

    def latest_signs(
        self, derived: Derived, steps: tuple[af.Step, ...], today: dt.date
    ) -> tuple[Any, ...]:
        """``_step_signs`` of each latest step (``steps``: ``derived.latest``'s), kept on
        ``derived`` for the date last asked. A child node's are its parent's on the same
        date with its own step's put in (the steps are in the procedure's order)."""
        memo = derived.memo
        if memo is not None and memo[0] == today:
            return memo[1]
        base = derived.base
        known = base[0].memo if base is not None else None
        found: tuple[Any, ...]
        if base is not None and known is not None and known[0] == today:
            parent, step = base
            signs = list(known[1])
            at = list(derived.latest).index(step.event)
            if len(derived.latest) > len(parent.latest):
                signs.insert(at, self._step_signs(step, today))
            else:
                signs[at] = self._step_signs(step, today)
            found = tuple(signs)
        else:
            found = tuple([self._step_signs(step, today) for step in steps])
        derived.memo = (today, found)
        derived.base = None  # the parent is no longer needed: not kept alive
        return found
