"""Verifying every case's hash chain, and naming the first broken link of each.

A modified row no longer matches its hash; a deleted, inserted or moved row
breaks the numbering or the link to the row before it; a deleted last row
leaves the case's head pointing at a hash that is no longer there. The case
row's own columns must agree with what its chain holds: ``person_id`` with
the sealed candidate, ``state`` with the last kept step, ``open`` with whether
that state is final. What no chain can show (a history cut short with its case
row rewritten to match, a whole case deleted) a checkpoint shows
(``_checkpoint``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import sqlalchemy as sa

from admission_flow._limits import cut, escape
from admission_flow.exceptions import StoreError
from admission_flow.model._serial import person_from_json, unit_from_json

from ._chain import opening_hash, row_hash
from ._database import snapshot
from ._rows import UNREADABLE, step_of_row
from ._schema import cases, history

__all__ = ["Break", "FinalStates", "verify_chains"]

#: The final states of a case's procedure, from its ``cases`` row; ``None`` when unknown.
FinalStates = Callable[[Mapping[str, object]], frozenset[str] | None]


@attrs.frozen(kw_only=True)
class Break:
    """The first broken link of one case's chain. ``seq`` 0 is the opening record; case
    ``"*"`` is the whole register (a checkpoint that is not there, or was altered)."""

    case: str
    seq: int
    problem: str
    #: Set when the break is a kept procedure's text, not a case (``vn-2021 2021.2 (57afb02bdac5)``).
    procedure: str | None = None

    def __str__(self) -> str:
        if self.procedure is not None:
            return f"procedure {self.procedure}: {self.problem}"
        if self.case == "*":
            return f"the register: {self.problem}"
        where = "its opening record" if self.seq == 0 else f"step {self.seq}"
        return escape(f"case '{self.case}', {where}: {self.problem}")


def _reason(exc: StoreError) -> str:
    """``holds a value that cannot be read (...)``: the part of ``exc`` after the case and row."""
    text = str(exc)
    start = text.find("(")
    end = text.rfind(")")
    return f"holds a value that cannot be read {text[start : end + 1]}" if start >= 0 else text


def _check(
    head: Mapping[Any, Any] | None,
    rows: Sequence[Mapping[Any, Any]],
    case_id: str,
    final_states: FinalStates | None = None,
) -> Break | None:
    if head is None:
        return Break(
            case=case_id,
            seq=rows[0]["seq"],
            problem="history rows of a case the register does not list (inserted?)",
        )
    if opening_hash(head) != head["opening_hash"]:
        return Break(case=case_id, seq=0, problem="does not match its hash (modified)")
    try:
        person_from_json(json.loads(head["candidate"]))
        unit_from_json(json.loads(head["unit"]))
    except UNREADABLE as exc:
        return Break(
            case=case_id,
            seq=0,
            problem=f"holds a value that cannot be read ({cut(f'{type(exc).__name__}: {exc}', 120)})",
        )
    previous = head["opening_hash"]
    for expected, row in enumerate(rows, start=1):
        if row_hash(row) != row["hash"]:
            return Break(
                case=case_id,
                seq=row["seq"],
                problem="does not match its hash (modified, or moved from another place)",
            )
        if row["seq"] != expected:
            what = "missing (deleted)" if row["seq"] > expected else "out of place"
            return Break(case=case_id, seq=expected, problem=f"is {what}")
        if row["previous"] != previous:
            return Break(
                case=case_id,
                seq=row["seq"],
                problem=f"does not follow step {expected - 1} (a row before it was inserted, deleted or reordered)",
            )
        previous = row["hash"]
        try:
            step_of_row(row)
        except StoreError as exc:
            return Break(case=case_id, seq=row["seq"], problem=_reason(exc))
    if len(rows) != head["version"] or previous != head["head"]:
        missing = head["version"] - len(rows)
        if missing > 0:
            return Break(
                case=case_id,
                seq=len(rows) + 1,
                problem=f"is missing: the case has {head['version']} steps, its history {len(rows)} (deleted)",
            )
        return Break(
            case=case_id,
            seq=len(rows),
            problem=f"is not the last step the case recorded (the case has {head['version']}; a row was added or its head changed)",
        )
    return _own_columns(head, rows, case_id, final_states)


def _own_columns(
    head: Mapping[Any, Any],
    rows: Sequence[Mapping[Any, Any]],
    case_id: str,
    final_states: FinalStates | None,
) -> Break | None:
    """The case row's listing columns against what its sealed record and chain say."""
    if head["person_id"] != json.loads(head["candidate"]).get("id"):
        return Break(
            case=case_id,
            seq=0,
            problem="person_id is not the sealed candidate's id (changed in the case row)",
        )
    state = None
    for row in rows:
        if row["accepted"] or row["recorded"]:
            state = row["to_state"]
    if head["state"] != state:
        return Break(
            case=case_id,
            seq=len(rows),
            problem=f"the case row says state '{head['state']}', its history '{state}' "
            "(changed in the case row)",
        )
    finals = final_states(head) if final_states is not None else None
    if finals is not None and bool(head["open"]) != (state not in finals):
        return Break(
            case=case_id,
            seq=len(rows),
            problem=f"the case row says it is {'open' if head['open'] else 'closed'}, its "
            f"state '{state}' says otherwise (changed in the case row)",
        )
    return None


def _grouped(
    db: sa.Engine,
) -> Iterator[tuple[str, Mapping[Any, Any] | None, list[Mapping[Any, Any]]]]:
    """Each case id with its opening record (``None`` if missing) and its rows, in order."""
    with snapshot(db) as connection:
        heads = (
            connection.execution_options(yield_per=1000)
            .execute(sa.select(cases).order_by(cases.c.id))
            .mappings()
        )
        rows = (
            connection.execution_options(yield_per=5000)
            .execute(sa.select(history).order_by(history.c.case_id, history.c.seq))
            .mappings()
        )
        head = next(heads, None)
        row = next(rows, None)
        while head is not None or row is not None:
            if row is not None and (head is None or row["case_id"] < head["id"]):
                orphan = row["case_id"]
                own: list[Mapping[Any, Any]] = []
                while row is not None and row["case_id"] == orphan:
                    own.append(row)
                    row = next(rows, None)
                yield orphan, None, own
                continue
            assert head is not None
            own = []
            while row is not None and row["case_id"] == head["id"]:
                own.append(row)
                row = next(rows, None)
            yield head["id"], head, own
            head = next(heads, None)


def verify_chains(db: sa.Engine, final_states: FinalStates | None = None) -> list[Break]:
    """The first broken link of each case whose chain does not hold, in case order."""
    found = []
    for case_id, head, rows in _grouped(db):
        broken = _check(head, rows, case_id, final_states)
        if broken is not None:
            found.append(broken)
    return found
