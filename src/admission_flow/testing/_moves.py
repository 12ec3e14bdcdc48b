"""``admission-flow check --migrate OLD NEW``: a move to the next generation at every state.

The search of ``_check.py`` explores the older generation as ``check`` does
(boundary variants, waits, bounds). At each new abstract state it reaches
with an open case, this module moves that case to the newer generation with
the engine's own ``migrate`` (the step ``admission-flow migrate`` records),
on the first day the newer generation takes it (its ``migration.on``, or the
case's day if later), and judges the newer generation's invariants on the
case after the move. A move the declaration refuses for an open case (a
state it maps to nothing) is a failure too: a register would be left with a
case that cannot move. What the case does after the move is the newer
generation's own ``check``.

Why one move per abstract state is enough: the move reads the case's state,
its unit (delegations) and the date; the invariants read the history. Cases
merged into one abstract state agree on everything the invariants and the
rules can tell apart (``_abstraction.py``), so they move alike.
"""

from __future__ import annotations

from typing import Any

import attrs

import admission_flow as af
from admission_flow.procedure._invariants import check_invariants

from ._law import law_reading
from ._report import Exploration

__all__ = ["Mover", "migration_problem"]


def migration_problem(old: af.Procedure, new: af.Procedure) -> str | None:
    """Why ``new`` cannot take ``old``'s cases (one line), or ``None`` when it declares it."""
    if new.migration is None:
        return (
            f"procedure '{new.id}' declares no migration (which procedure it takes cases "
            "from); add a 'migration:' section to it"
        )
    if new.migration.source != old.id:
        return f"procedure '{new.id}' takes cases of '{new.migration.source}', not of '{old.id}'"
    return None


class Mover:
    """Moves each case the search reaches to ``new`` and judges ``new``'s invariants after it."""

    def __init__(self, engine: af.Engine, new: af.Procedure, name: str) -> None:
        problem = migration_problem(engine.procedure, new)
        if problem is not None or new.migration is None:
            raise af.InputError(f"migrate_to: {problem}", field="migrate_to")
        self.old = engine
        self.new = af.Engine(
            new, plugins=engine.plugins, members=engine.members, calendar=engine.calendar
        )
        #: How the counter-example's scenario names the newer procedure.
        self.name = name
        self.first_day = new.migration.on
        if new.in_force is not None and new.in_force.start is not None:
            self.first_day = max(self.first_day, new.in_force.start)
        self.reading = law_reading(
            new, calendar=engine.calendar, members=engine.members, plugins=engine.plugins
        )
        #: How many cases were moved (one per abstract state with an open case).
        self.moved = 0

    def move(self, search: Any, node: Any) -> Exploration | None:
        """Move the node's case; a failure is an ``Exploration`` ending with the move.

        ``search`` and ``node`` are ``_check``'s (typed loosely: that module imports this one).
        """
        case = node.case
        if case.state is None or self.old.procedure.states[case.state].final:
            return None
        on = max(node.today, self.first_day)
        outcome = self.old.migrate(case, to=self.new, on=on)
        self.moved += 1
        new = self.new.procedure
        if not outcome.step.accepted:
            reasons = "; ".join(f"{v.rule}: {v.message.en}" for v in outcome.step.violations)
            broken: tuple[str, ...] = (
                f"the move to {new.id} from state '{case.state}' is refused: {reasons}",
            )
        else:
            broken = tuple(
                f"invariant '{f.invariant.id}' of {new.id} does not hold after the move to "
                f"state '{outcome.case.state}': {f.explanation}"
                for f in check_invariants(new, outcome.case, reading=self.reading)
            )
        if not broken:
            return None
        found: Exploration = search.failure(node, node.attempts, case, broken)
        return attrs.evolve(found, state=outcome.case.state, moved_to=self.name, moved_on=on)
