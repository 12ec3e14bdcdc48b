"""What the standard rules read of a case that more than one rule could want.

In ``vn-2021`` each of these is read by one rule per judgement (the introductions
by ``introduction.count``, the youth-age setting by the Youth Union rules), so they
are computed where they are read: ``EventContext.shared`` costs a call, a key and a
dictionary, more than the value it would save computing again (issue 20, measured by
``benchmarks/callgrind_fire.py``). The candidate's age, which three rules of a cell
vote read, is shared by ``EventContext.age_in_months``. A rule pack whose rules read
one value several times shares it through ``EventContext.shared`` (docs/hooks.md).
"""

from __future__ import annotations

from admission_flow.procedure._rule import EventContext

__all__ = ["introductions_on_file", "youth_age_max_years"]


def youth_age_max_years(context: EventContext) -> int:
    """The procedure's ``youth_age_max_years``: youth age is an age in whole years at most this.

    The loader has checked that a procedure's value is a whole number, as the
    rules' declared default (30) is.
    """
    years: int = context.procedure.settings.get("youth_age_max_years", 30)
    return years


def introductions_on_file(context: EventContext) -> tuple[set[str], set[str]]:
    """Who has introduced the candidate: the members in person, and the committees' roles.

    Accepted ``introduce`` steps only.
    """
    members: set[str] = set()
    committees: set[str] = set()
    for step in context.case.history.of("introduce"):
        if step.accepted:
            actor = step.actor
            if actor.role == "member":
                members.add(actor.id)  # type: ignore[arg-type]  # a member actor has an id
            else:
                committees.add(actor.role)
    return members, committees
