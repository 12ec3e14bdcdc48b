"""What a rule pack sees of one unit when a report asks it (``admission_flow_check_unit``).

It lives with the units, below the plugin manager and the hooks that hand it to
plugins; the reports build it and re-export it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from admission_flow.model._values import Case

from ._values import UnitNode, UnitTree

__all__ = ["UnitContext", "admitted_by", "members_at_start", "probationary_on", "reached_on"]


def reached_on(case: Case, stage: str) -> dt.date | None:
    """The date a case first reached ``stage`` (a state), or ``None``.

    A stage reached by a decision (``admitted``, ``official``) counts from the
    step's ``decision_date`` when it carries one: an admission belongs to the year
    it was decided, not the year it was recorded (revision 3, item 11).
    """
    for step in case.history:
        if step.accepted and step.to_state == stage and step.from_state != stage:
            decided = step.facts.get(DECISION_DATE)
            return decided if type(decided) is dt.date else step.on
    return None


#: The fact a decision carries its own date in.
DECISION_DATE = "decision_date"


def probationary_on(case: Case, day: dt.date) -> bool:
    """Whether the case's person was a probationary member on ``day``.

    Admitted (by the decision's date) on or before ``day``, and neither recognised
    nor removed by then.
    """
    admitted = reached_on(case, "admitted")
    if admitted is None or admitted > day:
        return False
    for end in ("official", "removed"):
        ended = reached_on(case, end)
        if ended is not None and ended <= day:
            return False
    return True


def members_at_start(node: UnitNode, cases: Iterable[Case], start: dt.date) -> int:
    """All members, official and probationary, at ``start`` (NQ 21-NQ/TW: "tổng số đảng viên").

    The file's count of official members, plus its probationary members named
    with ``since`` on or before ``start``, plus the register's people who were
    probationary on ``start`` and are not among them.
    """
    listed = {m.id for m in node.members}
    probationary = sum(1 for m in node.members if m.status == "probationary" and m.since <= start)
    registered = sum(1 for c in cases if c.candidate.id not in listed and probationary_on(c, start))
    return node.official_members + probationary + registered


def admitted_by(cases: Iterable[Case], person: str, day: dt.date) -> bool:
    """Whether the register shows ``person`` admitted by a decision on or before ``day``."""
    for case in cases:
        if case.candidate.id == person:
            decided = reached_on(case, "admitted")
            if decided is not None and decided <= day:
                return True
    return False


@attrs.frozen(kw_only=True)
class UnitContext:
    """What a rule pack sees of one unit: the tree, the unit, the cases under it, the date."""

    tree: UnitTree
    node: UnitNode
    #: The cases of the unit and of every unit under it.
    cases: tuple[Case, ...]
    on: dt.date

    def reached(self, stage: str, start: dt.date, end: dt.date) -> int:
        """How many of the cases reached ``stage`` from ``start`` to ``end`` (and by ``on``)."""
        last = min(end, self.on)
        return sum(1 for c in self.cases if (d := reached_on(c, stage)) and start <= d <= last)
