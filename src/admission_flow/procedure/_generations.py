"""Generations: when a procedure is in force, and how a newer one takes cases over.

``in_force: {from: DATE, to: DATE}`` says when a procedure is the law; an
event dated outside it is refused under the built-in rule
``procedure.in_force`` until the case moves to the next generation.

``migration:`` in the newer procedure declares the move (see
``docs/generations.md``)::

    migration:
      from: vn-2021            # the procedure whose open cases it takes
      on: 2025-07-01           # the first day a case may move
      states: {}               # old state -> new state, where names differ (null: not moved)
      delegations: lapse       # lapse | keep: a unit's delegated_admission after the move
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import attrs

from admission_flow.model._dates import format_date_vi
from admission_flow.model._values import Text

from ._yaml import Mark

__all__ = [
    "DELEGATIONS",
    "IN_FORCE_RULE",
    "InForce",
    "MigrationSpec",
]

IN_FORCE_RULE = "procedure.in_force"
DELEGATIONS = ("lapse", "keep")


@attrs.frozen(kw_only=True)
class InForce:
    """The days a procedure is the law: ``start`` to ``end`` (``None``: open-ended)."""

    start: dt.date | None = None
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def text(self) -> Text:
        start_vi = format_date_vi(self.start) if self.start else "…"
        end_vi = format_date_vi(self.end) if self.end else "…"
        start = self.start.isoformat() if self.start else "…"
        end = self.end.isoformat() if self.end else "…"
        return Text(f"từ {start_vi} đến {end_vi}", f"from {start} to {end}")

    def as_dict(self) -> dict[str, str | None]:
        return {
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
        }


@attrs.frozen(kw_only=True)
class MigrationSpec:
    """How a newer procedure takes over the open cases of an earlier one."""

    #: The id of the procedure whose cases it takes.
    source: str
    #: The first day a case may move.
    on: dt.date
    #: Old state -> new state where they differ; ``None``: a case there is not moved.
    states: Mapping[str, str | None] = attrs.field(factory=dict)
    #: What happens to a unit's ``delegated_admission``: ``lapse`` (becomes false) or ``keep``.
    delegations: str = "lapse"
    #: Where ``from`` is written, for problems found when the old procedure is known.
    mark: Mark | None = attrs.field(default=None, eq=False, repr=False)
    state_marks: Mapping[str, Mark] = attrs.field(factory=dict, eq=False, repr=False)

    def target(self, state: str | None, new_states: Mapping[str, object]) -> str | None:
        """The state a case in ``state`` moves to, or ``None`` when it cannot move."""
        if state is None:
            return None
        if state in self.states:
            return self.states[state]
        return state if state in new_states else None

    def as_dict(self) -> dict[str, object]:
        return {
            "from": self.source,
            "on": self.on.isoformat(),
            "states": dict(self.states),
            "delegations": self.delegations,
        }
