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

from ._firing import Fired
from ._fold import StoredCase
from ._procedures import verify_texts
from ._rows import next_due, step_row
from ._write import INSERT_STEP, MOVE_ON, move_on_values

__all__ = ["Generations", "Move", "UnitTarget", "migrate_open_cases", "move_one", "verify_texts"]


class Generations:
    """What a register does when the law changes (``Register`` inherits it)."""

    def keep_procedure(self, procedure: af.Procedure) -> None:
        """Keep ``procedure``'s text in the register (as for every case added or moved)."""
        self._engines.keep(procedure)  # type: ignore[attr-defined]

    def migrate(
        self, case: str | StoredCase, *, to: af.Procedure, on: dt.date, **options: Any
    ) -> Fired:
        """Move a stored case to ``to``, the next generation, by one recorded step, all or
        nothing; ``options`` are ``Engine.migrate``'s (``unit``, ``actor``, ``committee``).

        Raises:
            ConflictError: another writer recorded a step on the case meanwhile.
            UnknownUnitError: the new unit is not in the register (``put_unit`` it first).
        """
        register: Any = self
        stored = register.load(case) if isinstance(case, str) else case
        return move_one(register, stored, to, on, **options)


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


#: Cases judged, then written in one transaction: each still all or nothing.
BATCH = 500


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
    """Move every open case the ``to`` procedure takes; one ``Move`` per open case.

    Moves are judged in memory and written ``BATCH`` cases to a transaction;
    within it each case's step is written only if the case still has the
    version it was judged at (its own all or nothing), else it is a conflict.
    """
    total = len(register.case_ids(open_only=True))
    moves: list[Move] = []
    unit_cache: dict[str, af.Unit] = {}
    engines: dict[tuple[str, str], af.Engine] = {}
    pending: list[tuple[StoredCase, af.Outcome, af.Engine, Move]] = []
    if not dry_run:
        register.keep_procedure(to)

    def flush() -> None:
        conflicts = _write(register, pending)
        for _, _, _, move in pending:
            if move.case in conflicts:
                move = attrs.evolve(
                    move,
                    moved=False,
                    deadlines=0,
                    reasons=("conflict: the case changed during the move; run migrate again",),
                )
            moves.append(move)
        pending.clear()

    for done, stored in enumerate(register.cases(open_only=True), start=1):
        judged = _judge_one(register, stored, to, on, units, actor, unit_cache, engines)
        if isinstance(judged, Move):
            moves.append(judged)
        elif dry_run:
            moves.append(judged[2])
        else:
            pending.append((stored, *judged))
            if len(pending) >= BATCH:
                flush()
        if progress is not None:
            progress(done, total)
    if pending:
        flush()
    moves.sort(key=lambda m: m.case)
    return moves


def _row(register: Any, stored: StoredCase, outcome: af.Outcome) -> dict[str, Any]:
    """The sealed history row of a move: the case's next link, naming the procedure after it."""
    return step_row(
        stored.case.id,
        stored.version + 1,
        outcome.step,
        outcome.case.procedure,
        recorded_at=register.clock().isoformat(),
        previous=stored.head,
        request_id=None,
    )


def _write(
    register: Any, pending: list[tuple[StoredCase, af.Outcome, af.Engine, Move]]
) -> set[str]:
    """Write the steps of ``pending`` in one transaction; the ids of the cases in conflict."""
    return _write_rows(
        register,
        [
            (stored, outcome, engine, _row(register, stored, outcome))
            for stored, outcome, engine, _ in pending
        ],
    )


def _write_rows(
    register: Any, judged: list[tuple[StoredCase, af.Outcome, af.Engine, dict[str, Any]]]
) -> set[str]:
    """Each case's row, if the case still has the version it was judged at; the others' ids."""
    conflicts: set[str] = set()
    rows = []
    with register.writer.begin() as connection:
        for stored, outcome, engine, row in judged:
            is_open = not engine.is_closed(outcome.case)
            moved = connection.execute(
                MOVE_ON,
                move_on_values(
                    stored.case.id,
                    stored.version,
                    row,
                    outcome.case.state,
                    is_open,
                    next_due(outcome.case.history) if is_open else (None, None),
                ),
            )
            if moved.rowcount != 1:
                conflicts.add(stored.case.id)
                continue
            rows.append(row)
        if rows:
            connection.execute(INSERT_STEP, rows)
    return conflicts


def move_one(
    register: Any,
    stored: StoredCase,
    to: af.Procedure,
    on: dt.date,
    *,
    unit: af.Unit | None = None,
    actor: af.Actor | str = "system",
    committee: str | None = None,
) -> Fired:
    """``Register.migrate``: one case's move, judged and written all or nothing.

    Raises:
        ConflictError: another writer recorded a step on the case meanwhile.
        UnknownUnitError: the new unit is not in the register (``put_unit`` it first).
    """
    target = unit.id if unit is not None else stored.case.unit.id
    engines = register._engines.engines
    to_engine = engines.get((to.fingerprint, target))
    if to_engine is None:
        if unit is not None:
            register.unit(unit.id)  # raises for a unit the register does not hold
        to_engine = engines[(to.fingerprint, target)] = af.Engine(
            to, plugins=register.plugins, members=register.members(target)
        )
    engine = register.engine(stored)
    outcome = engine.migrate(
        stored.case, to=to_engine, on=on, unit=unit, actor=actor, committee=committee
    )
    register.keep_procedure(to)
    judge = to_engine if outcome.step.accepted else engine
    row = _row(register, stored, outcome)
    if _write_rows(register, [(stored, outcome, judge, row)]):
        raise ConflictError(
            f"case '{stored.case.id}': the case changed while the move was judged; nothing "
            "was written; load it again and retry",
            expected=stored.version,
        )
    after = StoredCase(
        case=outcome.case,
        version=row["seq"],
        head=row["hash"],
        open=not judge.is_closed(outcome.case),
    )
    return Fired(outcome=outcome, stored=after, seq=row["seq"])


def _judge_one(
    register: Any,
    stored: StoredCase,
    to: af.Procedure,
    on: dt.date,
    units: Mapping[str, UnitTarget],
    actor: af.Actor | str,
    unit_cache: dict[str, af.Unit],
    engines: dict[tuple[str, str], af.Engine],
) -> Move | tuple[af.Outcome, af.Engine, Move]:
    """A ``Move`` for a case not taken; else the judged move, its engine and its summary."""
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
    engine = register.engine(stored)
    key = (to.fingerprint, new_unit_id)
    to_engine = engines.get(key)
    if to_engine is None:
        to_engine = engines[key] = af.Engine(
            to, plugins=register.plugins, members=register.members(new_unit_id)
        )
    outcome = engine.migrate(case, to=to_engine, on=on, unit=unit, actor=actor, committee=committee)
    step = outcome.step
    move = Move(
        case=case.id,
        moved=step.accepted,
        state=case.state,
        old_unit=case.unit.id,
        new_unit=new_unit_id,
        reasons=tuple(v.rule for v in step.violations),
        deadlines=len(to_engine.pending(outcome.case)) if step.accepted else 0,
    )
    return outcome, (to_engine if step.accepted else engine), move
