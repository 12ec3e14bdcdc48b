"""Writing a case's attempted events as a scenario file that ``admission-flow run`` replays.

Counter-examples (from the property test and from ``admission-flow check``)
are printed in this form. It is written by hand, not through a YAML library:
every value is a string, a number, a boolean or a date, and a string is
written as a JSON string, which YAML reads back unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

import admission_flow as af

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
) -> str:
    """A scenario file for these events, ready for ``admission-flow run``.

    Args:
        procedure: what the file names: a bundled id, or a path.
        comment: lines to put on top, as YAML comments.
    """
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    lines.append(f"procedure: {_scalar(procedure)}")
    lines.append("unit:")
    for field in ("id", "kind", "official_members", "has_youth_union", "hardship_area"):
        lines.append(f"  {field}: {_scalar(getattr(unit, field))}")
    lines.append(f"  delegated_admission: {_scalar(unit.delegated_admission)}")
    listed = list(members)
    if listed:
        lines.append("members:")
        for member in listed:
            lines.append(
                f"  - {{id: {_scalar(member.id)}, status: {_scalar(member.status)}, "
                f"since: {_scalar(member.since)}}}"
            )
    lines.append("candidate:")
    lines.append(f"  id: {_scalar(candidate.id)}")
    lines.append(f"  name: {_scalar(candidate.name)}")
    lines.append(f"  born: {_scalar(candidate.born)}")
    lines.append(f"  education: {_scalar(candidate.education)}")
    organizations = ", ".join(sorted(candidate.organizations))
    lines.append(f"  organizations: [{organizations}]")
    positions = ", ".join(_scalar(p) for p in candidate.positions)
    lines.append(f"  positions: [{positions}]")
    if candidate.over_60_consent:
        lines.append("  over_60_consent: true")
    lines.append("events:")
    for attempt in attempts:
        items = [
            f"on: {_scalar(attempt.on)}",
            f"event: {_scalar(attempt.event)}",
            f"by: {_actor(attempt.actor)}",
            *(f"{key}: {_scalar(value)}" for key, value in attempt.facts.items()),
        ]
        lines.append("  - {" + ", ".join(items) + "}")
    return "\n".join(lines) + "\n"
