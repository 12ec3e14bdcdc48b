"""Moving a case to the next generation of its procedure: one recorded step, ``migrate``.

The newer procedure declares the move (``migration:``: from which procedure,
from which day, how states map, what happens to delegations). The move is a
step like any other: the case's history and its hash chain go on, the steps
before it stay as they were (judged by their own generation), deadlines keep
their start dates (the steps that set them are still in the history), and the
case's procedure and unit after the move are named by the step's facts:

- ``old_procedure``, ``old_version``, ``old_fingerprint``, and the ``new_*`` ones;
- ``old_unit``, ``new_unit`` (ids) and ``unit`` (the unit after the move, whole);
- ``committee``: the committee that now decides (unit data: ``decides_admission``);
- ``delegations``: ``lapse`` or ``keep``, as the declaration says.

A move the declaration does not allow is refused with every reason, as an
event is, and changes nothing: ``migration.declared``, ``procedure.in_force``,
``migration.date``, ``migration.state``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from admission_flow.exceptions import ArgumentTypeError, CaseError
from admission_flow.model._serial import unit_from_json, unit_to_json
from admission_flow.model._values import (
    Actor,
    Case,
    Outcome,
    ProcedureRef,
    Step,
    Text,
    Unit,
    Violation,
)
from admission_flow.model._words import describe
from admission_flow.plugins._loading import load_procedure
from admission_flow.procedure._spec import Procedure

__all__ = ["MIGRATE", "SYSTEM", "migrate", "procedure_after", "unit_after"]

#: The event name of a move, and the role that records it by default.
MIGRATE = "migrate"
SYSTEM = "system"


def procedure_after(step: Step) -> ProcedureRef | None:
    """The procedure a kept ``migrate`` step moved the case to (``None`` for other steps)."""
    if step.event != MIGRATE or not step.kept:
        return None
    facts = step.facts
    return ProcedureRef(
        str(facts["new_procedure"]), facts.get("new_version"), str(facts["new_fingerprint"])
    )


def unit_after(step: Step) -> Unit | None:
    """The unit a kept ``migrate`` step moved the case to (``None`` for other steps)."""
    if step.event != MIGRATE or not step.kept or "unit" not in step.facts:
        return None
    return unit_from_json(_plain(step.facts["unit"]))


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _violation(rule: str, vi: str, en: str, source: str) -> Violation:
    return Violation(rule=rule, message=Text(vi, en), source=source)


def migrate(
    engine: Any,
    case: Case,
    to: Any,
    on: dt.date,
    *,
    unit: Unit | None,
    actor: Actor | str,
    committee: str | None,
) -> Outcome:
    """``Engine.migrate``'s work: judge the move, and make the step and the case after it.

    ``engine`` is the old procedure's engine; ``to`` the new procedure's engine,
    the procedure, or its id (typed loosely: the engine module imports this one).
    """
    if isinstance(to, str):
        to = load_procedure(to, plugins=engine.plugins)
    if isinstance(to, Procedure):
        to = type(engine)(
            to, plugins=engine.plugins, members=engine.members, calendar=engine.calendar
        )
    if not isinstance(to, type(engine)):
        raise ArgumentTypeError(
            f"'to' is a procedure id, a loaded procedure or an engine, not {describe(to)}",
            field="to",
        )
    if not isinstance(actor, Actor):
        actor = Actor(actor)
    engine._check_case(case, on)
    if unit is not None and not isinstance(unit, Unit):
        raise ArgumentTypeError(
            f"the unit after the move is an admission_flow.Unit, not {describe(unit)}",
            field="unit",
        )
    old, new = engine.procedure, to.procedure
    if old.fingerprint == new.fingerprint:
        raise CaseError(
            f"case '{case.id}' already follows {new.ref}; a move goes to another procedure",
            field="to",
        )
    declared = new.migration
    source = f"migration declaration of {new.id}"
    refusals: list[Violation] = []
    if declared is None or declared.source != old.id:
        takes = f"'{declared.source}'" if declared is not None else "no procedure"
        refusals.append(
            _violation(
                "migration.declared",
                f"Quy trình {new.id} không nhận hồ sơ của quy trình {old.id} (chỉ nhận của {takes}).",
                f"Procedure {new.id} does not take cases of {old.id} (it takes those of {takes}).",
                source,
            )
        )
    window = new.in_force
    if window is not None and not window.covers(on):
        text = window.text()
        refusals.append(
            _violation(
                "procedure.in_force",
                f"Ngày chuyển {on:%d/%m/%Y}: quy trình {new.id} chỉ có hiệu lực {text.vi}.",
                f"The move on {on.isoformat()}: procedure {new.id} is in force only {text.en}.",
                "the procedure's in_force window",
            )
        )
    if declared is not None and on < declared.on:
        refusals.append(
            _violation(
                "migration.date",
                f"Hồ sơ chỉ được chuyển sang {new.id} từ ngày {declared.on:%d/%m/%Y}.",
                f"Cases move to {new.id} from {declared.on.isoformat()} on, not {on.isoformat()}.",
                source,
            )
        )
    if case.history and on < case.history[-1].on:
        last = case.history[-1]
        refusals.append(
            _violation(
                "migration.date",
                f"Ngày chuyển {on:%d/%m/%Y} trước bước “{last.event}” ngày {last.on:%d/%m/%Y}.",
                f"The move on {on.isoformat()} comes before '{last.event}' on {last.on.isoformat()}.",
                source,
            )
        )
    target: str | None = None
    if case.state is None or engine.procedure.states[case.state].final:
        where = "chưa mở" if case.state is None else f"đã kết thúc ({case.state})"
        where_en = "not opened" if case.state is None else f"closed ({case.state})"
        refusals.append(
            _violation(
                "migration.state",
                f"Chỉ chuyển hồ sơ đang mở; hồ sơ này {where}.",
                f"Only an open case moves; this one is {where_en}.",
                source,
            )
        )
    elif declared is not None:
        target = declared.target(case.state, new.states)
        if target is None:
            refusals.append(
                _violation(
                    "migration.state",
                    f"Trạng thái “{case.state}” không có trong {new.id} và bản khai chuyển đổi "
                    "không nêu trạng thái tương ứng; hồ sơ không được chuyển.",
                    f"State '{case.state}' is not in {new.id} and the migration declaration maps "
                    "it to none; the case is not moved.",
                    source,
                )
            )
    before = case.unit
    after = unit if unit is not None else before
    delegations = declared.delegations if declared is not None else "lapse"
    if unit is None and delegations == "lapse" and after.delegated_admission:
        after = attrs.evolve(after, delegated_admission=False)
    facts: dict[str, Any] = {
        "old_procedure": old.id,
        "old_version": old.version,
        "old_fingerprint": old.fingerprint,
        "new_procedure": new.id,
        "new_version": new.version,
        "new_fingerprint": new.fingerprint,
        "old_unit": before.id,
        "new_unit": after.id,
        "unit": unit_to_json(after),
        "committee": committee or "",
        "delegations": delegations,
    }
    accepted = not refusals
    step = Step(
        event=MIGRATE,
        on=on,
        actor=actor,
        facts=facts,
        accepted=accepted,
        recorded=False,
        from_state=case.state,
        to_state=target if accepted else case.state,
        violations=tuple(refusals),
    )
    if not accepted:
        return Outcome(case=case, step=step)
    moved = Case(
        id=case.id,
        procedure=to._ref,
        candidate=case.candidate,
        unit=after,
        state=target,
        history=(*case.history, step),
    )
    return Outcome(case=moved, step=step)
