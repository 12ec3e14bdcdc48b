"""A case is a fold of its history: rebuilding stored cases from their rows, no rule run.

``fold`` checks the hash chain as it goes (loading one case, ``verify``);
``fold_fast`` trusts it, from tuple rows, for the bulk paths (``cases()``,
``recheck``). Both build the case from its opening record the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

import admission_flow as af
from admission_flow._limits import cut, escape
from admission_flow.engine._migrate import MIGRATE, procedure_after, unit_after
from admission_flow.exceptions import StoreError, TamperedError
from admission_flow.model._history import History
from admission_flow.model._serial import person_from_json
from admission_flow.model._values import _new_case
from admission_flow.model._vocabulary import command

from ._chain import opening_hash, row_hash
from ._rebuild import person_of_text, step_of, steps_seen, unit_of_text
from ._rows import SEQ, UNREADABLE, ref_of_row, step_of_row

__all__ = ["Entry", "StoredCase", "fold", "fold_fast"]


@attrs.frozen(kw_only=True)
class StoredCase:
    """A case as the register holds it: the case, and the version a write must find."""

    case: af.Case
    #: How many history rows the case has; a write expects exactly this many.
    version: int
    #: The hash of the last row (the opening record's while there is none).
    head: str
    #: Whether the case is still open (its state is not final).
    open: bool = True


@attrs.frozen(kw_only=True)
class Entry:
    """One row of a case's history: a step (accepted, recorded or refused) and its seal."""

    seq: int
    step: af.Step
    procedure: af.ProcedureRef
    recorded_at: str
    previous: str
    hash: str


def verify_command(where: str) -> str:
    """The ``verify`` command for the register messages call ``where`` (``describe_url``).

    Whole for an SQLite register (its file path); a server's URL carries secrets
    that no message shows, so there the command says where the URL goes.
    """
    backend, _, database = where.partition(":")
    if backend == "sqlite" and database:
        return command("verify", "--db", database)
    return command("verify", "--db", "URL") + " (URL: the register's, not shown here)"


def _case(
    head: Mapping[Any, Any], state: str | None, kept: list[af.Step], *, fast: bool = False
) -> af.Case:
    """The case its opening record and its kept steps make.

    With ``fast`` (the bulk path), the candidate is built without checking it
    again, and the case through its slots (``_rebuild``). Either way the unit is
    built and checked once per distinct text (``unit_of_text``): a unit's cases
    share one value.

    The procedure and the unit are those the case was opened with, unless a
    ``migrate`` step moved it: then those its latest move names.

    Raises:
        StoreError: the opening record holds a candidate or a unit that does
            not decode; it names the case.
    """
    try:
        # A unit is read once per distinct text, with every check (``unit_of_text``).
        unit = unit_of_text(head["unit"])
        if fast:
            candidate = person_of_text(head["candidate"])
        else:
            candidate = person_from_json(json.loads(head["candidate"]))
    except UNREADABLE as exc:
        raise StoreError(
            f"case '{head['id']}', its opening record: a stored value cannot be read "
            f"({escape(cut(f'{type(exc).__name__}: {exc}', 120))}); run admission-flow verify"
        ) from None
    procedure = ref_of_row(head)
    for step in reversed(kept):
        if step.event == MIGRATE:
            procedure = procedure_after(step) or procedure
            unit = unit_after(step) or unit
            break
    if fast:
        return _new_case(head["id"], procedure, candidate, unit, state, History(kept))
    return af.Case(
        id=head["id"],
        procedure=procedure,
        candidate=candidate,
        unit=unit,
        state=state,
        history=tuple(kept),
    )


def fold(
    head: Mapping[Any, Any],
    rows: Iterable[Mapping[Any, Any]],
    *,
    where: str,
    verify: bool = True,
) -> tuple[StoredCase, list[Entry]]:
    """Rebuild a case from its opening record and its rows, checking the chain.

    ``where`` names the register in messages.
    """
    case_id = head["id"]
    if verify and opening_hash(head) != head["opening_hash"]:
        raise TamperedError(
            f"{where}: case '{case_id}': its opening record does not match its hash; "
            f"run {verify_command(where)}"
        )
    previous = head["opening_hash"]
    kept: list[af.Step] = []
    entries: list[Entry] = []
    state = None
    seq = 0
    for row in rows:
        seq += 1
        if verify and (
            row["seq"] != seq or row["previous"] != previous or row_hash(row) != row["hash"]
        ):
            raise TamperedError(
                f"{where}: case '{case_id}', step {row['seq']}: the history row does "
                f"not match its hash chain; run {verify_command(where)}"
            )
        previous = row["hash"]
        step = step_of_row(row)
        entries.append(
            Entry(
                seq=row["seq"],
                step=step,
                procedure=ref_of_row(row),
                recorded_at=row["recorded_at"],
                previous=row["previous"],
                hash=row["hash"],
            )
        )
        if step.kept:
            kept.append(step)
            state = step.to_state
    if verify and (seq != head["version"] or previous != head["head"]):
        raise TamperedError(
            f"{where}: case '{case_id}': the case says {head['version']} steps, its "
            f"history has {seq}; run {verify_command(where)}"
        )
    stored = StoredCase(
        case=_case(head, state, kept), version=seq, head=previous, open=bool(head["open"])
    )
    return stored, entries


def fold_fast(
    head: Mapping[Any, Any], rows: Sequence[tuple[Any, ...]]
) -> tuple[StoredCase, list[int]]:
    """``fold`` without checking the chain, from tuple rows: the bulk path.

    Returns the stored case and the numbers of its kept steps.
    """
    kept: list[af.Step] = []
    seqs: list[int] = []
    state = None
    shared = steps_seen()
    for row in rows:
        step = shared.get(row[2:])  # the step of an identical row, decoded before
        if step is None:
            step = step_of(row)
        if step.accepted or step.recorded:
            kept.append(step)
            seqs.append(row[SEQ])
            state = step.to_state
    case = _case(head, state, kept, fast=True)
    stored = StoredCase(case=case, version=len(rows), head=head["head"], open=bool(head["open"]))
    return stored, seqs
