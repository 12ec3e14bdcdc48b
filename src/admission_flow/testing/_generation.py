"""Plain functions that build the values of any procedure from a ``choose`` callable.

``choose(n)`` is a whole number from 0 to n - 1, and 0 is where shrinking goes:
``_strategies`` draws it from Hypothesis, the generated state machine draws it
once per step, and ``admission-flow check`` enumerates with it. Nothing here
imports Hypothesis, so the checker runs on a core install.

Values are weighted to where the law changes its answer: ages a month either
side of 18 and 60 years, vote counts at exactly two-thirds and one below, a
certificate on its 60-month anniversary and the day after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import admission_flow as af
from admission_flow.calendar import Calendar
from admission_flow.procedure._invariants import (
    AllOf,
    AnyOf,
    Condition,
    MonthsSince,
    WorkingDaysWithin,
)
from admission_flow.spec import FactSpec

__all__ = [
    "DEFAULT_MEMBERS",
    "FIRST_DAY",
    "LANDMARK_MONTHS",
    "LAST_DAY",
    "Choose",
    "actor_choices",
    "between",
    "boundary_dates",
    "date_from",
    "event_facts",
    "fact_value",
    "member",
    "person",
    "pick",
    "pick_lazily",
    "two_thirds",
    "unit",
]

_T = TypeVar("_T")

#: ``choose(n)``: a whole number from 0 to n - 1; 0 is where shrinking goes.
Choose = Callable[[int], int]

#: The period the standard procedure was in force; generated cases start in it.
FIRST_DAY = dt.date(2021, 8, 1)
LAST_DAY = dt.date(2025, 6, 30)

#: Month counts the standard procedure turns on: probation, certificate
#: validity, the youngest candidate, the youth age, the oldest candidate.
LANDMARK_MONTHS = (12, 60, 18 * 12, 30 * 12, 60 * 12)
_DAY = dt.timedelta(days=1)


def pick(choose: Choose, *options: tuple[int, _T]) -> _T:
    """One of the options, with the given weights; shrinks towards the first."""
    roll = choose(sum(weight for weight, _ in options))
    for weight, value in options:
        if roll < weight:
            return value
        roll -= weight
    raise AssertionError("unreachable: the roll is below the total weight")


def pick_lazily(choose: Choose, *options: tuple[int, Callable[[], _T]]) -> _T:
    """Like ``pick``, but only the chosen option is built (and draws its own choices)."""
    return pick(choose, *options)()


def between(choose: Choose, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``; shrinks towards ``low``."""
    return low + choose(high - low + 1)


def two_thirds(total: int) -> int:
    """The fewest votes of ``total`` that make two-thirds (``3 * n >= 2 * total``)."""
    return -(-2 * total // 3)


# -- people, members, units, actors ------------------------------------------------


def person(choose: Choose, *, on: dt.date, id: str = "c-1") -> af.Person:
    """A candidate whose age on ``on`` is usually admissible, often on an age boundary."""
    kind = pick(choose, (6, "ordinary"), (1, "young"), (1, "old"), (1, "any"))
    if kind == "ordinary":
        months, days = between(choose, 19 * 12, 45 * 12), between(choose, 0, 27)
    elif kind == "any":
        months, days = between(choose, 14 * 12, 70 * 12), between(choose, 0, 27)
    else:
        base = 18 * 12 if kind == "young" else 60 * 12
        months, days = base + between(choose, -1, 1), 0
    born = af.add_months(on, -months) - dt.timedelta(days=days)
    levels = af.EDUCATION_LEVELS
    education = pick_lazily(
        choose,
        (5, lambda: levels[2 + choose(len(levels) - 2)]),
        (1, lambda: levels[choose(len(levels))]),
    )
    organizations = pick_lazily(
        choose,
        (3, lambda: frozenset({"youth_union"})),
        (1, lambda: frozenset(o for o in af.ORGANIZATIONS if choose(2))),
    )
    return af.Person(
        id=id,
        name=("Trần Thị Hoa", "Nguyễn Văn An", "Lê Minh Châu")[choose(3)],
        born=born,
        education=education,
        organizations=organizations,
        over_60_consent=pick(choose, (7, False), (1, True)),
    )


def member(choose: Choose, *, id: str, before: dt.date = FIRST_DAY) -> af.Member:
    """A party member, mostly official for years before ``before``."""
    days = pick_lazily(
        choose, (3, lambda: between(choose, 400, 20 * 365)), (1, lambda: between(choose, -400, 400))
    )
    return af.Member(
        id=id,
        status=pick(choose, (3, "official"), (1, "probationary")),
        since=before - dt.timedelta(days=days),
    )


def unit(choose: Choose, *, kinds: Sequence[str] = af.UNIT_KINDS) -> af.Unit:
    """A unit: a cell of 3 to 60 official members, with or without a Youth Union."""
    return af.Unit(
        id="u-1",
        kind=kinds[choose(len(kinds))],
        official_members=between(choose, 3, 60),
        has_youth_union=bool(choose(2)),
        hardship_area=pick(choose, (3, False), (1, True)),
        delegated_admission=bool(choose(2)),
    )


def actor_choices(
    procedure: af.Procedure, roles: Iterable[str], members: Mapping[str, af.Member]
) -> list[af.Actor]:
    """The actors of the given roles; a role held by one member, once per member (officials first)."""
    choices: list[af.Actor] = []
    by_status = sorted(members.values(), key=lambda m: (m.status != "official", m.id))
    for role in roles:
        if procedure.roles[role].individual:
            choices.extend(af.Actor(role, m.id) for m in by_status)
        else:
            choices.append(af.Actor(role))
    return choices


# -- dates ---------------------------------------------------------------------------


def date_from(
    choose: Choose,
    day: dt.date,
    *,
    boundaries: Sequence[dt.date] = (),
    jumps: int = 4,
    horizon: int | None = None,
) -> dt.date:
    """A date on or after ``day``: mostly within three weeks, sometimes on a boundary or later.

    Args:
        jumps: how many in 16 go to a boundary or much later: a walk that must
            get far (through the whole procedure) wants few, one that hunts for
            the edge of a rule wants many.
        horizon: if given, only boundaries within this many days are used,
            and no date is later.
    """
    last = day + dt.timedelta(days=horizon) if horizon is not None else dt.date.max
    ahead = sorted({d for d in boundaries if day <= d <= last})
    kind = pick(
        choose,
        (16 - jumps, "soon"),
        (jumps if ahead else 0, "boundary"),
        (max(1, jumps // 4), "later"),
    )
    if kind == "boundary":
        return ahead[choose(len(ahead))]
    if kind == "later":
        return day + dt.timedelta(days=between(choose, 22, max(22, horizon or 800)))
    return day + dt.timedelta(days=between(choose, 0, 21))


def boundary_dates(case: af.Case, *, starts: Iterable[dt.date] | None = None) -> list[dt.date]:
    """Days on which the rules may turn: each landmark after a date of the case, and either side.

    The dates of a case are the candidate's birth, each kept step and each date
    fact; the landmarks are 12, 60, 216 (18 years), 360 (30 years) and 720 (60
    years) months after them. The day before and after, and for the ages a
    month either side, are included. ``starts``, if given, replaces the dates
    of the case (the landmarks of one step only).
    """
    if starts is None:
        dates = {case.candidate.born}
        for step in case.history:
            dates.add(step.on)
            dates.update(v for v in step.facts.values() if isinstance(v, dt.date))
        starts = dates
    found: set[dt.date] = set()
    for start in set(starts):
        for months in LANDMARK_MONTHS:
            day = af.add_months(start, months)
            found.update((day - _DAY, day, day + _DAY))
            if months >= 18 * 12:
                found.update((af.add_months(start, months - 1), af.add_months(start, months + 1)))
    return sorted(found)


def law_edges(
    procedure: af.Procedure, case: af.Case, calendar: Calendar, *, latest: bool = False
) -> list[dt.date]:
    """The days on which a period the procedure states runs out for this case, and the next.

    Read from the procedure, not from its rules: each deadline (``deadlines:``:
    working days, after calendar months, extended or not) and each period an
    invariant states (``working_days: at_most``, ``months_since: at_least``),
    counted from every accepted step of its starting event (or its date fact).
    A procedure whose rule enforcing a period is missing still states the
    period in its invariants, so a walk that steps just past it finds the gap.
    ``latest``: only the periods the case's latest step starts.
    """
    periods: list[tuple[str, str | None, int, int]] = []  # event, fact, months, working days
    for deadline in procedure.deadlines.values():
        for days in {deadline.working_days, deadline.extended_working_days} - {None}:
            periods.append((deadline.after, deadline.date, deadline.months, days or 0))
    for invariant in procedure.invariants:
        for condition in invariant.requires:
            for part in _conditions(condition):
                if isinstance(part, WorkingDaysWithin):
                    periods.append((part.event, part.fact, 0, part.at_most))
                elif isinstance(part, MonthsSince):
                    periods.append((part.event, part.fact, part.at_least, 0))
    found: set[dt.date] = set()
    for event, fact, months, days in periods:
        steps = case.history[-1:] if latest else case.history
        for step in (step for step in steps if step.event == event):
            start = step.facts.get(fact, step.on) if fact else step.on
            if not step.accepted or not isinstance(start, dt.date):
                continue
            start = af.add_months(start, months)
            if days:
                found.update(
                    (
                        calendar.add_working_days(start, days),
                        calendar.add_working_days(start, days + 1),
                    )
                )
            else:
                found.update((start - _DAY, start))
    return sorted(found)


def _conditions(condition: Condition) -> Iterable[Condition]:
    yield condition
    if isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from _conditions(inner)


# -- facts ---------------------------------------------------------------------------


def fact_value(
    choose: Choose,
    fact: FactSpec,
    *,
    on: dt.date,
    members: Mapping[str, af.Member],
    unit: af.Unit | None = None,
    total: int | None = None,
    earlier: Sequence[dt.date] = (),
) -> Any:
    """A value of one declared fact, of its type, that passes the usual rules often.

    Args:
        on: the event's date: date facts are on or before it.
        unit: a count named like one of the unit's (``official_members``) is
            mostly the unit's own.
        total: for a count bounded by another fact (``at_most``), that fact's
            value: then all, exactly two-thirds and one below are weighted in.
        earlier: the dates of the case so far: a date fact is mostly the
            event's own date (a date in order by any rule's reckoning), now and
            then one of these (a decision dated on the day of the vote it
            decides on), or a year before ``on``.
    """
    low = fact.minimum if fact.minimum is not None else 0
    if fact.type in ("int", "counts"):  # a generated count is a bare number
        if total is not None:
            needed = two_thirds(total)
            return pick_lazily(
                choose,
                (2, lambda: total),
                (2, lambda: max(low, needed)),
                (3, lambda: max(low, needed - 1)),
                (1, lambda: between(choose, low, max(low, total))),
            )
        if isinstance(fact.default, int) and not isinstance(fact.default, bool):
            # A count with a default (vn-2021's `excluded`, 0) is mostly that.
            default = max(low, fact.default)
            return pick(choose, (4, default), (1, default + 1))
        own = getattr(unit, fact.name, None) if unit is not None else None
        usual = own if isinstance(own, int) and not isinstance(own, bool) and own >= low else 15
        return pick_lazily(
            choose, (4, lambda: max(low, usual)), (1, lambda: between(choose, low, max(low, 60)))
        )
    if fact.type == "bool":
        default = bool(fact.default)
        return pick(choose, (4, default), (1, not default))
    if fact.type == "choice":
        values = fact.values
        return pick_lazily(choose, (1, lambda: values[0]), (1, lambda: values[choose(len(values))]))
    if fact.type == "date":
        year = af.add_months(on, -12)
        before = sorted({d for d in earlier if d <= on})
        return pick_lazily(
            choose,
            (4, lambda: on),
            (2 if before else 0, lambda: before[choose(len(before))]),
            (3, lambda: (af.add_months(on, -13), year, year + _DAY)[choose(3)]),
            (1, lambda: on - dt.timedelta(days=between(choose, 0, 3000))),
        )
    if fact.type == "member":
        ids = sorted(members, key=lambda m: (members[m].status != "official", m))
        officials = [m for m in ids if members[m].status == "official"] or ids
        return pick_lazily(
            choose,
            (3, lambda: officials[choose(len(officials))]),
            (1, lambda: ids[choose(len(ids))]),
        )
    return ("", "lý do / reason")[choose(2)]


def event_facts(
    choose: Choose,
    procedure: af.Procedure,
    event: str,
    *,
    on: dt.date,
    members: Mapping[str, af.Member],
    role: str | None = None,
    unit: af.Unit | None = None,
    earlier: Sequence[dt.date] = (),
) -> dict[str, Any]:
    """The facts of one event: required ones always, optional ones often.

    A fact only some roles may give is left out for other roles, and a member
    fact when there are no members; a count bounded by another (``at_most``)
    is drawn after it and never exceeds it.
    """
    spec = procedure.events[event]
    result: dict[str, Any] = {}
    for fact in sorted(spec.facts.values(), key=lambda f: f.at_most is not None):
        if fact.roles and role is not None and role not in fact.roles:
            continue
        if fact.type == "member" and not members:
            continue
        if not fact.required and not pick(choose, (3, True), (1, False)):
            continue
        total = result.get(fact.at_most) if fact.at_most is not None else None
        result[fact.name] = fact_value(
            choose, fact, on=on, members=members, unit=unit, total=total, earlier=earlier
        )
    return {name: result[name] for name in spec.facts if name in result}


#: The members events may name when the caller gives none: three official
#: members (one of them only since the period began) and a probationary one.
DEFAULT_MEMBERS = (
    af.Member(id="m-an", status="official", since=dt.date(2001, 1, 15)),
    af.Member(id="m-binh", status="official", since=dt.date(2010, 5, 1)),
    af.Member(id="m-chi", status="official", since=dt.date(2021, 9, 1)),
    af.Member(id="m-dung", status="probationary", since=dt.date(2022, 1, 1)),
)
