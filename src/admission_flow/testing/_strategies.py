"""Hypothesis strategies for the values of any procedure.

Each strategy draws the choices of a plain function of ``_generation``, so the
values are of the declared types and weighted to the boundaries (see there);
shrinking goes towards the ordinary case (an official member, a unanimous
vote, the first choice of a fact), so a counter-example reads well.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

import admission_flow as af
from admission_flow.spec import FactSpec

from ._generation import (
    FIRST_DAY,
    Choose,
    actor_choices,
    boundary_dates,
    date_from,
    event_facts,
    fact_value,
    member,
    person,
    two_thirds,
    unit,
)
from ._scenario_file import Attempt

__all__ = [
    "actors",
    "boundary_dates",
    "dates_from",
    "drawing",
    "event_sequences",
    "fact_values",
    "facts",
    "members",
    "people",
    "two_thirds",
    "units",
]


def drawing(draw: st.DrawFn) -> Choose:
    """A ``Choose`` that draws from Hypothesis."""
    return lambda n: draw(st.integers(0, n - 1)) if n > 1 else 0


# -- the strategies --------------------------------------------------------------------


@st.composite
def people(draw: st.DrawFn, *, on: dt.date = FIRST_DAY, id: str = "c-1") -> af.Person:
    """Candidates; their ages on ``on`` weighted to a month either side of 18 and of 60.

    Most are of an age, schooling and organisation the standard procedure
    admits, so a generated case can go the whole way.
    """
    return person(drawing(draw), on=on, id=id)


@st.composite
def members(draw: st.DrawFn, *, id: str = "m-1", before: dt.date = FIRST_DAY) -> af.Member:
    """Party members, mostly official for years before ``before``."""
    return member(drawing(draw), id=id, before=before)


@st.composite
def units(draw: st.DrawFn, *, kinds: Sequence[str] = af.UNIT_KINDS) -> af.Unit:
    """Units: a cell of 3 to 60 official members, with or without a Youth Union."""
    return unit(drawing(draw), kinds=kinds)


def actors(
    procedure: af.Procedure, roles: Iterable[str], members: Mapping[str, af.Member]
) -> st.SearchStrategy[af.Actor]:
    """Actors of the given roles; a role held by one member gets one of ``members``."""
    choices = actor_choices(procedure, roles, members)
    return st.sampled_from(choices) if choices else st.nothing()


@st.composite
def dates_from(
    draw: st.DrawFn, day: dt.date, *, boundaries: Sequence[dt.date] = (), jumps: int = 4
) -> dt.date:
    """Dates on or after ``day``: mostly soon after, sometimes on one of ``boundaries``."""
    return date_from(drawing(draw), day, boundaries=boundaries, jumps=jumps)


@st.composite
def fact_values(
    draw: st.DrawFn,
    fact: FactSpec,
    *,
    on: dt.date,
    members: Mapping[str, af.Member],
    unit: af.Unit | None = None,
    total: int | None = None,
) -> Any:
    """Values of one declared fact (see ``fact_value``)."""
    return fact_value(drawing(draw), fact, on=on, members=members, unit=unit, total=total)


@st.composite
def facts(
    draw: st.DrawFn,
    procedure: af.Procedure,
    event: str,
    *,
    on: dt.date,
    members: Mapping[str, af.Member],
    role: str | None = None,
    unit: af.Unit | None = None,
) -> dict[str, Any]:
    """The facts of one event of ``procedure`` (see ``event_facts``)."""
    return event_facts(
        drawing(draw), procedure, event, on=on, members=members, role=role, unit=unit
    )


@st.composite
def event_sequences(
    draw: st.DrawFn,
    procedure: af.Procedure,
    *,
    members: Mapping[str, af.Member],
    unit: af.Unit | None = None,
    start: dt.date = FIRST_DAY,
    max_size: int = 20,
) -> list[Attempt]:
    """Events of one case along the procedure's transitions, in date order.

    The walk follows the declared ``from``/``to`` of each event as if every
    event were accepted, so most sequences are plausible and some are refused
    on the way; the first event opens the case.
    """
    choose = drawing(draw)
    state: str | None = None
    on = start
    result: list[Attempt] = []
    for _ in range(max_size):
        possible = [
            spec
            for spec in procedure.events.values()
            if (spec.opens_case if state is None else state in spec.sources)
            and actor_choices(procedure, spec.roles, members)
        ]
        if not possible or (result and not choose(8)):
            break
        spec = possible[choose(len(possible))]
        on = date_from(choose, on, jumps=2)
        choices = actor_choices(procedure, spec.roles, members)
        actor = choices[choose(len(choices))]
        given = event_facts(
            choose, procedure, spec.name, on=on, members=members, role=actor.role, unit=unit
        )
        result.append(Attempt(on=on, event=spec.name, actor=actor, facts=given))
        state = spec.target
    return result
