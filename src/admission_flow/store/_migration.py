"""Moving every open case of a register to the next generation (``admission-flow migrate``).

Each case moves on its own, all or nothing: its ``migrate`` step is written
only if nobody changed the case since it was read (a case changed meanwhile is
a conflict for that case, listed, never a lost step). A dry run judges every
move in memory and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import attrs

import admission_flow as af
from admission_flow.exceptions import ConflictError

from ._fold import StoredCase

__all__ = ["Move", "UnitTarget", "migrate_open_cases"]


@attrs.frozen(kw_only=True)
class UnitTarget:
    """Where a unit's cases go: the new unit's id, and the committee that decides there."""

    unit: str
    committee: str | None = None


@attrs.frozen(kw_only=True)
class Move:
    """One open case's move: done (or, in a dry run, possible) or not, and why."""

    case: str
    moved: bool
    state: str | None
    old_unit: str
    new_unit: str
    #: The rule ids that refused it, ``conflict``, or ``other procedure``.
    reasons: tuple[str, ...] = ()
    #: Pending deadlines carried over, each with its start date unchanged.
    deadlines: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "moved": self.moved,
            "state": self.state,
            "old_unit": self.old_unit,
            "new_unit": self.new_unit,
            "reasons": list(self.reasons),
            "deadlines_kept": self.deadlines,
        }


def migrate_open_cases(
    register: Any,
    to: af.Procedure,
    on: dt.date,
    *,
    units: Mapping[str, UnitTarget],
    dry_run: bool = False,
    actor: af.Actor | str = "system",
    progress: Callable[[int, int], None] | None = None,
) -> list[Move]:
    """Move every open case the ``to`` procedure takes; one ``Move`` per open case."""
    declared = to.migration
    ids = register.case_ids(open_only=True)
    total = len(ids)
    moves: list[Move] = []
    unit_cache: dict[str, af.Unit] = {}
    engines: dict[tuple[str, str], af.Engine] = {}
    for done, stored in enumerate(register.cases(open_only=True), start=1):
        moves.append(
            _move_one(register, stored, to, on, units, dry_run, actor, unit_cache, engines)
        )
        if progress is not None:
            progress(done, total)
    if declared is None:  # pragma: no cover - the command line refuses it first
        return moves
    return moves


def _move_one(
    register: Any,
    stored: StoredCase,
    to: af.Procedure,
    on: dt.date,
    units: Mapping[str, UnitTarget],
    dry_run: bool,
    actor: af.Actor | str,
    unit_cache: dict[str, af.Unit],
    engines: dict[tuple[str, str], af.Engine],
) -> Move:
    case = stored.case
    declared = to.migration
    target = units.get(case.unit.id)
    new_unit_id = target.unit if target is not None else case.unit.id
    if declared is None or case.procedure.id != declared.source:
        return Move(
            case=case.id,
            moved=False,
            state=case.state,
            old_unit=case.unit.id,
            new_unit=case.unit.id,
            reasons=(f"follows {case.procedure.id}, which {to.id} does not take",),
        )
    unit = None
    if target is not None and target.unit != case.unit.id:
        unit = unit_cache.get(target.unit)
        if unit is None:
            unit = unit_cache[target.unit] = register.unit(target.unit)
    committee = target.committee if target is not None else None
    try:
        if dry_run:
            engine = register.engine(stored)
            key = (to.fingerprint, new_unit_id)
            to_engine = engines.get(key)
            if to_engine is None:
                to_engine = engines[key] = af.Engine(
                    to, plugins=register.plugins, members=register.members(new_unit_id)
                )
            outcome = engine.migrate(
                case, to=to_engine, on=on, unit=unit, actor=actor, committee=committee
            )
        else:
            fired = register.migrate(
                stored, to=to, on=on, unit=unit, actor=actor, committee=committee
            )
            outcome = fired.outcome
            to_engine = register.engine(fired.stored) if outcome.step.accepted else None
    except ConflictError:
        return Move(
            case=case.id,
            moved=False,
            state=case.state,
            old_unit=case.unit.id,
            new_unit=new_unit_id,
            reasons=("conflict: the case changed during the move; run migrate again",),
        )
    step = outcome.step
    kept = 0
    if step.accepted and to_engine is not None:
        kept = len(to_engine.pending(outcome.case))
    return Move(
        case=case.id,
        moved=step.accepted,
        state=case.state,
        old_unit=case.unit.id,
        new_unit=new_unit_id,
        reasons=tuple(v.rule for v in step.violations),
        deadlines=kept,
    )
