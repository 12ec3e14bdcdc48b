"""Cases, steps and outcomes to and from JSON data (see ``docs/keeping-cases.md``).

Two forms:

- the **full** form (``case_to_json``, ``step_to_json``...) keeps every field,
  so that ``case_from_json(case_to_json(case)) == case``. Values whose JSON
  type would be ambiguous are tagged by ``_canonical.encode``, the one
  encoding (a date is ``{"$date": "2023-03-01"}``, a bilingual text inside a
  violation's details ``{"$text": {"vi", "en"}}``). The register stores this
  form, and hashes its ``canonical_json``.
- the **run** form of a step (``run_step``), the ``run --json`` contract:
  the public fields of ``Step.as_dict`` plus who fired it (``by``) and with
  what facts (``facts``, dates as plain ``YYYY-MM-DD``), so that the output can
  be replayed to rebuild the case; ``facts_from_run`` reads such facts back
  with the procedure's fact types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from admission_flow._limits import cut
from admission_flow.exceptions import InputError

from ._canonical import decode, encode
from ._fields import from_data, to_data
from ._frozen import EMPTY, FrozenDict, freeze
from ._values import (
    Actor,
    Case,
    Deadline,
    Member,
    Outcome,
    Person,
    ProcedureRef,
    Step,
    Text,
    Unit,
    Violation,
)
from ._words import describe

__all__ = [
    "actor_from_by",
    "actor_to_by",
    "case_from_json",
    "case_to_json",
    "deadline_from_json",
    "deadline_to_json",
    "decode",
    "encode",
    "facts_from_run",
    "member_from_json",
    "member_to_json",
    "outcome_from_json",
    "outcome_to_json",
    "person_from_json",
    "person_to_json",
    "ref_from_json",
    "run_step",
    "step_from_json",
    "step_to_json",
    "unit_from_json",
    "unit_to_json",
    "violation_from_json",
    "violation_to_json",
]


# -- tagged values: facts and details (encoded in ``_canonical``) -----------------------


def _facts(value: Any) -> FrozenDict[str, Any]:
    if not value:
        return EMPTY
    decoded = decode(value)
    assert isinstance(decoded, FrozenDict)
    return decoded


# -- the domain's values ----------------------------------------------------------------


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _day(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def person_to_json(person: Person) -> dict[str, Any]:
    """A person, every field (``_fields.fields_of(Person)``)."""
    return to_data(person)


def person_from_json(data: Mapping[str, Any]) -> Person:
    return from_data(Person, data)


def unit_to_json(unit: Unit) -> dict[str, Any]:
    """A unit, every field (``_fields.fields_of(Unit)``)."""
    return to_data(unit)


def unit_from_json(data: Mapping[str, Any]) -> Unit:
    return from_data(Unit, data)


def member_to_json(member: Member) -> dict[str, Any]:
    """A member, every field (``_fields.fields_of(Member)``), its positions included."""
    return to_data(member)


def member_from_json(data: Mapping[str, Any]) -> Member:
    return from_data(Member, data)


def actor_to_by(actor: Actor) -> str | dict[str, str]:
    """An actor as a scenario's ``by``: the role's name, or ``{"role", "id"}``."""
    return actor.role if actor.id is None else {"role": actor.role, "id": actor.id}


def actor_from_by(by: str | Mapping[str, Any]) -> Actor:
    if isinstance(by, str):
        return Actor(by)
    return Actor(by["role"], by.get("id"))


def ref_from_json(data: Mapping[str, Any]) -> ProcedureRef:
    return ProcedureRef(data["id"], data.get("version"), data["fingerprint"])


def violation_to_json(violation: Violation) -> dict[str, Any]:
    return {
        "rule": violation.rule,
        "message": violation.message.as_dict(),
        "source": violation.source,
        "severity": violation.severity,
        "details": encode(violation.details),
    }


def violation_from_json(data: Mapping[str, Any]) -> Violation:
    return Violation(
        rule=data["rule"],
        message=Text(data["message"]["vi"], data["message"]["en"]),
        source=data["source"],
        severity=data.get("severity", "block"),
        details=_facts(data.get("details")),
    )


def deadline_to_json(deadline: Deadline) -> dict[str, Any]:
    return {
        "name": deadline.name,
        "rule": deadline.rule,
        "event": deadline.event,
        "start": deadline.start.isoformat(),
        "due": deadline.due.isoformat(),
        "basis": deadline.basis.as_dict(),
        "met_on": _date(deadline.met_on),
    }


def deadline_from_json(data: Mapping[str, Any]) -> Deadline:
    return Deadline(
        name=data["name"],
        rule=data["rule"],
        event=data["event"],
        start=dt.date.fromisoformat(data["start"]),
        due=dt.date.fromisoformat(data["due"]),
        basis=Text(data["basis"]["vi"], data["basis"]["en"]),
        met_on=_day(data.get("met_on")),
    )


def step_to_json(step: Step) -> dict[str, Any]:
    """A step, every field kept."""
    return {
        "event": step.event,
        "on": _date(step.on),  # None only on a step refused for it (event.date)
        "by": actor_to_by(step.actor),
        "facts": encode(step.facts),
        "accepted": step.accepted,
        "recorded": step.recorded,
        "from": step.from_state,
        "to": step.to_state,
        "violations": [violation_to_json(v) for v in step.violations],
        "warnings": [violation_to_json(v) for v in step.warnings],
        "deadlines_set": [deadline_to_json(d) for d in step.deadlines_set],
        "deadlines_met": [deadline_to_json(d) for d in step.deadlines_met],
    }


def step_from_json(data: Mapping[str, Any]) -> Step:
    return Step(
        event=data["event"],
        on=_day(data["on"]),  # type: ignore[arg-type]  # None: see step_to_json
        actor=actor_from_by(data["by"]),
        facts=_facts(data.get("facts")),
        accepted=data["accepted"],
        recorded=data["recorded"],
        from_state=data["from"],
        to_state=data["to"],
        violations=tuple(violation_from_json(v) for v in data.get("violations", ())),
        warnings=tuple(violation_from_json(v) for v in data.get("warnings", ())),
        deadlines_set=tuple(deadline_from_json(d) for d in data.get("deadlines_set", ())),
        deadlines_met=tuple(deadline_from_json(d) for d in data.get("deadlines_met", ())),
    )


def case_to_json(case: Case) -> dict[str, Any]:
    """A case, every field kept: its history is its accepted and recorded steps."""
    return {
        "id": case.id,
        "procedure": case.procedure.as_dict(),
        "candidate": person_to_json(case.candidate),
        "unit": unit_to_json(case.unit),
        "state": case.state,
        "history": [step_to_json(step) for step in case.history],
    }


_MISSING: Any = object()


class _Malformed(Exception):
    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason


def _part(data: Any, field: str, read: Callable[[Any], Any], *, default: Any = _MISSING) -> Any:
    """``read(data[field])``, any failure raised as ``_Malformed`` naming the field."""
    if not isinstance(data, Mapping):
        raise _Malformed("", f"must be an object, not {describe(data)}")
    if field not in data:
        if default is not _MISSING:
            return default
        raise _Malformed(field, "is missing")
    try:
        return read(data[field])
    except _Malformed as exc:
        raise _Malformed(
            f"{field}{exc.path}"
            if exc.path.startswith("[")
            else f"{field}.{exc.path}"
            if exc.path
            else field,
            exc.reason,
        ) from None
    except InputError as exc:
        raise _Malformed(f"{field}.{exc.field}" if exc.field else field, str(exc)) from None
    except KeyError as exc:
        raise _Malformed(f"{field}.{exc.args[0]}", "is missing") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise _Malformed(field, f"cannot be read ({exc})") from None


def _items(read: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    def each(items: Any) -> tuple[Any, ...]:
        if not isinstance(items, list | tuple):
            raise _Malformed("", f"must be a list, not {describe(items)}")
        return tuple(_part({f"[{i}]": item}, f"[{i}]", read) for i, item in enumerate(items))

    return each


def case_from_json(data: Mapping[str, Any]) -> Case:
    """The case ``case_to_json`` wrote.

    Raises:
        InputError: the data is not a case's JSON; ``field`` names the place
            (``candidate.born``, ``history[3].on``) and the message says what is wrong.
    """
    try:
        return Case(
            id=_part(data, "id", lambda v: v),
            procedure=_part(data, "procedure", ref_from_json),
            candidate=_part(data, "candidate", person_from_json),
            unit=_part(data, "unit", unit_from_json),
            state=_part(data, "state", lambda v: v, default=None),
            history=_part(data, "history", _items(step_from_json), default=()),
        )
    except _Malformed as exc:
        where = exc.path or "the case"
        raise InputError(
            f"not a case's JSON: {cut(where)} {cut(exc.reason, 300)}", field=where
        ) from None
    except InputError as exc:
        raise InputError(f"not a case's JSON: {exc}", field=exc.field) from None


def outcome_to_json(outcome: Outcome) -> dict[str, Any]:
    return {"case": case_to_json(outcome.case), "step": step_to_json(outcome.step)}


def outcome_from_json(data: Mapping[str, Any]) -> Outcome:
    return Outcome(case=case_from_json(data["case"]), step=step_from_json(data["step"]))


# -- the run --json form -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A fact's value as plain JSON: dates as ``YYYY-MM-DD``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_plain(v) for v in value]
    return value


def run_step(step: Step) -> dict[str, Any]:
    """A step as ``run --json`` prints it: who fired it and with what facts included."""
    public = step.as_dict()
    head = {
        "event": public.pop("event"),
        "on": public.pop("on"),
        "by": actor_to_by(step.actor),
        "facts": {name: _plain(value) for name, value in step.facts.items()},
    }
    return head | public


def facts_from_run(fact_types: Mapping[str, str], facts: Mapping[str, Any]) -> dict[str, Any]:
    """Facts read back from ``run --json``: each ``date`` fact's text made a date again.

    ``fact_types`` maps each fact of the event to its declared type (``FactSpec.type``).
    """
    result = {}
    for name, value in facts.items():
        if fact_types.get(name) == "date" and isinstance(value, str):
            result[name] = dt.date.fromisoformat(value)
        else:
            result[name] = freeze(value)
    return result
