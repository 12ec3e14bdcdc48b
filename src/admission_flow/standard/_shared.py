"""What the standard rules share within one judgement, through ``EventContext.shared``.

Each value is computed by the first rule of a judgement that asks and handed to the
others (issue 20): the certificate on file and its expiry, and the introductions on
file. Nothing outlives the judgement's context. The youth-age setting is read where it
is needed: a setting costs less to read than to share.
"""

from __future__ import annotations

import datetime as dt

from admission_flow.model._dates import add_months
from admission_flow.procedure._rule import EventContext

__all__ = ["certificate_on_file", "introductions_on_file", "youth_age_max_years"]


def certificate_on_file(
    context: EventContext, event: str, fact: str, months: int
) -> tuple[dt.date | None, dt.date | None]:
    """The latest certificate's date and the last day it is valid (``None``: none on file).

    Shared within a judgement by every rule asking with the same parameters.
    """

    def compute(context: EventContext) -> tuple[dt.date | None, dt.date | None]:
        course = context.case.history.last(event)
        issued = course.facts.get(fact) if course is not None else None
        return issued, None if issued is None else add_months(issued, months)

    return context.shared(("course.certificate", event, fact, months), compute)


def youth_age_max_years(context: EventContext) -> int:
    """The procedure's ``youth_age_max_years``: youth age is an age in whole years at most this.

    One of the procedure's settings, read where it is needed: reading it costs less
    than sharing it through ``EventContext.shared`` would (two calls and a lookup).
    """
    return int(context.procedure.settings.get("youth_age_max_years", 30))


def _introductions(context: EventContext) -> tuple[frozenset[str], frozenset[str]]:
    members: set[str] = set()
    committees: set[str] = set()
    for step in context.case.history.of("introduce"):
        if not step.accepted:
            continue
        actor = step.actor
        if actor.role == "member":
            members.add(actor.id)  # type: ignore[arg-type]  # a member actor has an id
        else:
            committees.add(actor.role)
    return frozenset(members), frozenset(committees)


def introductions_on_file(context: EventContext) -> tuple[frozenset[str], frozenset[str]]:
    """Who has introduced the candidate: the members in person, and the committees' roles.

    Accepted ``introduce`` steps only; shared within a judgement.
    """
    return context.shared("introduction.on_file", _introductions)
