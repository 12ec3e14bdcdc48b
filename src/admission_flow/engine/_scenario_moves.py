"""A move in a scenario file: ``{on: 2025-07-01, migrate: vn-2025, unit: {...}}``.

The entry names the procedure the case moves to (bundled, or a file next to
the scenario), optionally the unit after the move (fields over the current
unit's), the deciding committee and who records it (``system`` by default).
Later entries are then checked against the new procedure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from admission_flow.exceptions import InputError
from admission_flow.model._serial import unit_from_json, unit_to_json
from admission_flow.model._values import Actor, Case, Outcome, Unit
from admission_flow.procedure._yaml import Mark, YamlMap

from ._engine import Engine
from ._migrate import SYSTEM

__all__ = ["ScenarioEvent", "fire_entry", "read_move"]


@attrs.frozen(kw_only=True)
class ScenarioEvent:
    """One event of a scenario, checked against its procedure."""

    on: dt.date
    event: str
    actor: Actor
    facts: Mapping[str, Any]
    mark: Mark = attrs.field(eq=False)
    #: For a ``migrate`` entry: the engine of the procedure the case moves to.
    migrate_to: Engine | None = attrs.field(default=None, eq=False, repr=False)
    #: For a ``migrate`` entry: the case's unit after the move, when it changes.
    unit: Unit | None = None
    committee: str | None = None


def fire_entry(engine: Engine, case: Case, event: ScenarioEvent) -> tuple[Outcome, Engine]:
    """Fire one entry of a scenario; a move returns the new procedure's engine too."""
    if event.migrate_to is None:
        return engine.fire(case, event.event, event.actor, event.on, **event.facts), engine
    outcome = engine.migrate(
        case,
        to=event.migrate_to,
        on=event.on,
        unit=event.unit,
        actor=event.actor,
        committee=event.committee,
    )
    return outcome, (event.migrate_to if outcome.step.accepted else engine)


def read_move(
    loader: Any,
    entry: YamlMap,
    where: str,
    mark: Mark,
    engine: Engine,
    unit: Unit | None,
    last: tuple[dt.date, int] | None,
) -> ScenarioEvent | None:
    """``{on: 2025-07-01, migrate: vn-2025, unit: {...}}``: the case moves to ``migrate``."""
    r = loader.reader
    r.keys(entry, where, required=("on", "migrate"), optional=("unit", "by", "committee"))
    on = r.date(entry, "on", where)
    target = loader.procedure(entry, "migrate", where)
    committee = r.string(entry, "committee", where)
    by = entry.get("by", SYSTEM)
    actor = Actor(by) if isinstance(by, str) else loader.actor(entry, where, engine)
    new_unit = None
    given = r.mapping(entry, "unit", where)
    if given is not None and unit is not None:
        fields = {**unit_to_json(unit), **dict(given)}
        try:
            new_unit = unit_from_json(fields)
        except (InputError, TypeError) as exc:
            r.add(entry.value_mark("unit"), f"{where}.unit: {exc}")
    if on is not None and last is not None and on < last[0]:
        r.add(
            entry.value_mark("on"),
            f"{where} on {on.isoformat()} comes before events[{last[1]}] on "
            f"{last[0].isoformat()}; list events in date order",
        )
    if on is None or target is None or actor is None:
        return None
    moved_to = Engine(
        target, plugins=loader.plugins, members=engine.members, calendar=loader.calendar
    )
    return ScenarioEvent(
        on=on,
        event="migrate",
        actor=actor,
        facts={},
        mark=mark,
        migrate_to=moved_to,
        unit=new_unit,
        committee=committee,
    )
