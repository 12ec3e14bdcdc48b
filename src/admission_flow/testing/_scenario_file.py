"""Writing a case's attempted events as a scenario file that ``admission-flow run`` replays.

Counter-examples (from the property test and from ``admission-flow check``)
are printed in this form. It is written by hand, not through a YAML library:
every value is a string, a number, a boolean, a date, or a list or mapping of
them (a former member's ``left``, a fact of counts), and a string is written as
a JSON string, which YAML reads back unchanged (``"on"`` as a key, too).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

import admission_flow as af
from admission_flow.model._serial import member_to_json, person_to_json, unit_to_json

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

__all__ = ["Attempt", "scenario_text"]


@attrs.frozen(kw_only=True)
class Attempt:
    """One event as it was fired: the line of a scenario file."""

    on: dt.date
    event: str
    actor: af.Actor
    facts: Mapping[str, Any] = attrs.field(factory=dict)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def _value(value: Any, *, json_dates: bool = True) -> str:
    """A value as YAML flow: mappings in braces, lists in brackets, keys quoted.

    With ``json_dates`` (a value of ``_serial``'s JSON form), a string that is
    an ISO date is written as a date; a fact's own string stays a string.
    """
    if isinstance(value, Mapping):
        items = (f"{_scalar(k)}: {_value(v, json_dates=json_dates)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item, json_dates=json_dates) for item in value) + "]"
    if json_dates and isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    return _scalar(value)


def _actor(actor: af.Actor) -> str:
    if actor.id is None:
        return _scalar(actor.role)
    return f"{{role: {_scalar(actor.role)}, id: {_scalar(actor.id)}}}"


def scenario_text(
    *,
    procedure: str,
    unit: af.Unit,
    members: Iterable[af.Member],
    candidate: af.Person,
    attempts: Iterable[Attempt],
    comment: str = "",
    move: tuple[dt.date, str] | None = None,
) -> str:
    """A scenario file for these events, ready for ``admission-flow run``.

    Args:
        procedure: what the file names: a bundled id, or a path.
        comment: lines to put on top, as YAML comments.
        move: the day and the procedure of a last ``migrate`` entry (the
            case moves to that procedure, recorded by ``system``).
    """
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines.append(f"procedure: {_scalar(procedure)}")
    # Every field, from the one field list of each value (``_serial``), so
    # that the file replays the very case that was run.
    lines.append("unit:")
    lines.extend(f"  {key}: {_value(value)}" for key, value in unit_to_json(unit).items())
    listed = list(members)
    if listed:
        lines.append("members:")
        for member in listed:
            fields = ", ".join(f"{k}: {_value(v)}" for k, v in member_to_json(member).items())
            lines.append(f"  - {{{fields}}}")
    lines.append("candidate:")
    lines.extend(f"  {key}: {_value(value)}" for key, value in person_to_json(candidate).items())
    lines.append("events:")
    for attempt in attempts:
        items = [
            f"on: {_scalar(attempt.on)}",
            f"event: {_scalar(attempt.event)}",
            f"by: {_actor(attempt.actor)}",
            *(f"{key}: {_value(value, json_dates=False)}" for key, value in attempt.facts.items()),
        ]
        lines.append("  - {" + ", ".join(items) + "}")
    if move is not None:
        lines.append(f"  - {{on: {_scalar(move[0])}, migrate: {_scalar(move[1])}}}")
    return "\n".join(lines) + "\n"
