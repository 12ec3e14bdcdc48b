"""Row mapping: a history row back into the ``Step`` it records, without running a rule,
and a step into its row (``step_row``).

Two paths: ``step_of_row`` for rows read as mappings (loading one case,
verifying), ``step_of_tuple`` for the bulk path, rows read as tuples of the
``FOLDED`` columns only (rebuilding every case, recheck).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import admission_flow as af
from admission_flow._limits import cut, escape, quote
from admission_flow.exceptions import AdmissionFlowError, StoreError
from admission_flow.judging._deadlines import pending_deadlines
from admission_flow.model._canonical import canonical_json, json_text
from admission_flow.model._frozen import EMPTY, freeze
from admission_flow.model._serial import (
    deadline_from_json,
    deadline_to_json,
    decode,
    encode,
    violation_from_json,
    violation_to_json,
)
from admission_flow.model._values import _new_step

from ._chain import row_hash
from ._schema import history

__all__ = [
    "CASE",
    "COLUMN",
    "FOLDED",
    "SEQ",
    "UNREADABLE",
    "facts_text",
    "next_due",
    "ref_of_row",
    "step_of_row",
    "step_of_tuple",
    "step_row",
]


# Rebuilding a case reads the same few JSON texts over and over (no facts, no
# violations, the same deadlines): each text is decoded once into its frozen
# value and shared, which is safe because the values never change.


@functools.lru_cache(maxsize=8192)
def _facts_of(text: str) -> Any:
    return EMPTY if text == "{}" else freeze(decode(json.loads(text)))


@functools.lru_cache(maxsize=8192)
def _violations_of(text: str) -> tuple[af.Violation, ...]:
    return tuple(violation_from_json(v) for v in json.loads(text)) if text != "[]" else ()


@functools.lru_cache(maxsize=8192)
def _deadlines_of(text: str) -> tuple[tuple[af.Deadline, ...], tuple[af.Deadline, ...]]:
    data = json.loads(text)
    return (
        tuple(deadline_from_json(d) for d in data["set"]),
        tuple(deadline_from_json(d) for d in data["met"]),
    )


@functools.lru_cache(maxsize=4096)
def _actor_of(role: str, member: str | None) -> af.Actor:
    return af.Actor(role, member)


@functools.lru_cache(maxsize=256)
def _ref_of(pid: str, version: str | None, fingerprint: str) -> af.ProcedureRef:
    return af.ProcedureRef(pid, version, fingerprint)


class _Unreadable(Exception):
    """A stored value that does not decode (a date that is no date, JSON of another shape)."""


def _unreadable(case_id: object, seq: object, exc: BaseException) -> StoreError:
    reason = str(exc) if isinstance(exc, _Unreadable) else f"{type(exc).__name__}: {exc}"
    return StoreError(
        f"case '{case_id}', step {seq}: a stored value cannot be read "
        f"({escape(cut(reason, 120))}); run admission-flow verify"
    )


def _day(value: Any) -> dt.date:
    if type(value) is not dt.date:
        raise _Unreadable(f"the date {quote(value)} is not a date")
    return value


#: What a malformed stored value raises while it is decoded.
UNREADABLE = (_Unreadable, KeyError, TypeError, ValueError, AttributeError, AdmissionFlowError)


def step_of_row(row: Mapping[Any, Any]) -> af.Step:
    """The step a history row records, rebuilt from the row alone, no rule run.

    Raises:
        StoreError: a stored value does not decode; it names the case and the row.
    """
    try:
        return _step_of_row(row)
    except UNREADABLE as exc:
        raise _unreadable(row["case_id"], row["seq"], exc) from None


def _step_of_row(row: Mapping[Any, Any]) -> af.Step:
    deadlines_set, deadlines_met = _deadlines_of(row["deadlines"])
    return _new_step(
        row["event"],
        _day(row["on_date"]),
        _actor_of(row["actor_role"], row["actor_id"]),
        _facts_of(row["facts"]),
        bool(row["accepted"]),
        bool(row["recorded"]),
        row["from_state"],
        row["to_state"],
        _violations_of(row["violations"]),
        _violations_of(row["warnings"]),
        deadlines_set,
        deadlines_met,
    )


COLUMN = {column.name: index for index, column in enumerate(history.columns)}
#: What rebuilding reads of each row, in this order: the hashes and times are
#: left out, and so are less bytes to fetch.
FOLDED = (
    "case_id",
    "seq",
    "event",
    "on_date",
    "actor_role",
    "actor_id",
    "facts",
    "accepted",
    "recorded",
    "from_state",
    "to_state",
    "violations",
    "warnings",
    "deadlines",
)
(
    CASE,
    SEQ,
    _EVENT,
    _ON,
    _ROLE,
    _MEMBER,
    _FACTS,
    _ACCEPTED,
    _RECORDED,
    _FROM,
    _TO,
    _VIOLATIONS,
    _WARNINGS,
    _DEADLINES,
) = range(len(FOLDED))


@functools.lru_cache(maxsize=65536)
def _date_of(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def step_of_tuple(row: Sequence[Any]) -> af.Step:
    """``step_of_row`` for a row read as a tuple in the table's column order: the bulk path."""
    try:
        return _step_of_tuple(row)
    except UNREADABLE as exc:
        raise _unreadable(row[CASE], row[SEQ], exc) from None


def _step_of_tuple(row: Sequence[Any]) -> af.Step:
    deadlines_set, deadlines_met = _deadlines_of(row[_DEADLINES])
    return _new_step(
        row[_EVENT],
        _date_of(row[_ON]),
        _actor_of(row[_ROLE], row[_MEMBER]),
        _facts_of(row[_FACTS]),
        bool(row[_ACCEPTED]),
        bool(row[_RECORDED]),
        row[_FROM],
        row[_TO],
        _violations_of(row[_VIOLATIONS]),
        _violations_of(row[_WARNINGS]),
        deadlines_set,
        deadlines_met,
    )


def ref_of_row(row: Mapping[Any, Any]) -> af.ProcedureRef:
    return _ref_of(row["procedure_id"], row["procedure_version"], row["procedure_fingerprint"])


# -- the other way: a step into its history row ------------------------------------------


def step_row(
    case_id: str,
    seq: int,
    step: af.Step,
    ref: af.ProcedureRef,
    *,
    recorded_at: str,
    previous: str,
    request_id: str | None,
) -> dict[str, Any]:
    """The ``history`` row that records ``step`` as the case's ``seq``-th, sealed by its hash."""
    row: dict[str, Any] = {
        "case_id": case_id,
        "seq": seq,
        "event": step.event,
        "on_date": step.on,
        "actor_role": step.actor.role,
        "actor_id": step.actor.id,
        "facts": facts_text(step.facts),
        "accepted": step.accepted,
        "recorded": step.recorded,
        "from_state": step.from_state,
        "to_state": step.to_state,
        "violations": _violations_text(step.violations),
        "warnings": _violations_text(step.warnings),
        "deadlines": _deadlines_text(step.deadlines_set, step.deadlines_met),
        "procedure_id": ref.id,
        "procedure_version": ref.version,
        "procedure_fingerprint": ref.fingerprint,
        "recorded_at": recorded_at,
        "previous": previous,
        "request_id": request_id,
    }
    row["hash"] = row_hash(row)
    return row


def _json_text(value: Any) -> str:
    """``canonical_json(value)``, the same text, faster for plain JSON data: when ``value``
    holds only dicts, lists, text, numbers, booleans and ``None`` (what the ``*_to_json``
    functions give), canonical JSON is ``json_text``; anything else (a date, a set)
    makes ``json_text`` fail, and takes the full walk."""
    try:
        return json_text(value)
    except (TypeError, ValueError):
        return canonical_json(value)


def facts_text(facts: Mapping[str, Any]) -> str:
    """Facts as the ``facts`` column holds them: canonical JSON of their tagged form."""
    if not facts:
        return "{}"
    # The usual facts (text keys, plain values and dates) without ``encode``'s walk: a
    # plain value is its own JSON data, a date its tagged form; the text is the same
    # (``tests/store/test_row_text.py``). Anything else takes the walk.
    plain: dict[str, Any] | None = None
    for key, value in facts.items():
        if type(key) is not str or key[:1] == "$":  # a tagged key: encode's to write
            return _json_text(encode(facts))
        kind = type(value)
        if kind is dt.date:
            if plain is None:
                plain = dict(facts)
            plain[key] = {"$date": value.isoformat()}
        elif kind not in _PLAIN:
            return _json_text(encode(facts))
    try:
        return json_text(facts if plain is None else plain)
    except (TypeError, ValueError):
        return _json_text(encode(facts))


#: The values that are their own JSON data (``encode`` returns them as they are).
_PLAIN = frozenset({str, bool, int, float, type(None)})


def _violations_text(violations: Sequence[af.Violation]) -> str:
    return "[]" if not violations else _json_text([violation_to_json(v) for v in violations])


#: The ``deadlines`` column of a step that sets and meets none (most steps).
_NO_DEADLINES = '{"met":[],"set":[]}'


def _deadlines_text(set_: Sequence[af.Deadline], met: Sequence[af.Deadline]) -> str:
    if not set_ and not met:
        return _NO_DEADLINES
    return _json_text(
        {"set": [deadline_to_json(d) for d in set_], "met": [deadline_to_json(d) for d in met]}
    )


def next_due(history: Sequence[af.Step]) -> tuple[dt.date | None, str | None]:
    """The earliest deadline the kept steps set and no later one met: its date and event.

    The same reading of recorded deadlines as the migration that added the
    column (``0002``), so a case's ``next_due`` does not depend on when it was
    written.
    """
    return earliest_due(pending_deadlines(history))


def earliest_due(pending: Mapping[str, af.Deadline]) -> tuple[dt.date | None, str | None]:
    """The date and event of the earliest of ``pending`` (by date, then name), or ``None``."""
    if not pending:
        return None, None
    first = min(pending.values(), key=lambda d: (d.due, d.name))
    return first.due, first.event
