"""What a rule pack sees of one unit when a report asks it (``admission_flow_check_unit``).

It lives with the units, below the plugin manager and the hooks that hand it to
plugins; the reports build it and re-export it.
"""

from __future__ import annotations

import datetime as dt

import attrs

from admission_flow.model._values import Case

from ._values import UnitNode, UnitTree

__all__ = ["UnitContext", "reached_on"]


def reached_on(case: Case, stage: str) -> dt.date | None:
    """The date a case first reached ``stage`` (a state), or ``None``."""
    for step in case.history:
        if step.accepted and step.to_state == stage and step.from_state != stage:
            return step.on
    return None


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
