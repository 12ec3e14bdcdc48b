"""Opening a case: its unit as stored, the rules across the person's cases, one row.

The checks read first; the write then takes the lock and inserts the case row
(and its procedure, if new, ``INSERT ... ON CONFLICT DO NOTHING``). Two writers
racing for one id or one person are settled by the database: the primary key,
and the unique index on each person's open case; the loser gets
``DuplicateError`` or ``CaseRefusedError``, as if it had come second.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import (
    CaseRefusedError,
    DuplicateError,
    StoreError,
    UnitMismatchError,
    UnknownUnitError,
)
from admission_flow.model._canonical import canonical_json
from admission_flow.model._serial import person_to_json, unit_to_json
from admission_flow.units import Departure, check_new_case

from ._chain import opening_hash
from ._engines import Engines
from ._errors import translate
from ._fold import StoredCase
from ._schema import cases


class Register(Protocol):
    """What opening uses of a register (a protocol: the register imports this module)."""

    db: sa.Engine
    writer: sa.Engine
    where: str
    clock: Callable[[], dt.datetime]
    _engines: Engines

    def unit(self, unit_id: str) -> af.Unit: ...

    def load(self, case_id: str) -> StoredCase: ...

    def has_case(self, case_id: str) -> bool: ...


__all__ = ["add_case", "check_across_cases", "unit_differences"]


def unit_differences(stored: af.Unit, given: af.Unit) -> dict[str, tuple[Any, Any]]:
    """Each field where ``given`` differs from ``stored``: ``(stored, given)``."""
    old, new = unit_to_json(stored), unit_to_json(given)
    return {
        # Both sides' keys: a field left out when at its default (committee_members: 0).
        key: (old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    }


def add_case(
    register: Register,
    case: af.Case,
    procedure: af.Procedure,
    *,
    on: dt.date | None,
    left: Departure | None,
    provincial_consent: bool,
) -> StoredCase:
    """``Register.add_case`` (see there)."""
    if case.procedure != procedure.ref:
        raise StoreError(
            f"case '{case.id}' follows {case.procedure}, not {procedure.ref}; "
            "pass the procedure it was opened with"
        )
    if case.history:
        raise StoreError(
            f"case '{case.id}' already has steps; add it before its first event and "
            "fire its events through the register"
        )
    _check_unit(register, case)
    check_across_cases(register, case, on, left=left, provincial_consent=provincial_consent)
    ref = case.procedure
    row: dict[str, Any] = {
        "id": case.id,
        "unit_id": case.unit.id,
        "person_id": case.candidate.id,
        "procedure_id": ref.id,
        "procedure_version": ref.version,
        "procedure_fingerprint": ref.fingerprint,
        "candidate": canonical_json(person_to_json(case.candidate)),
        "unit": canonical_json(unit_to_json(case.unit)),
        "opened_at": register.clock().isoformat(),
        "state": case.state,
        "open": True,
        "version": 0,
    }
    row["opening_hash"] = row["head"] = opening_hash(row)
    try:
        with register.writer.begin() as connection:
            register._engines.store(connection, procedure)
            connection.execute(cases.insert(), row)
    except sa.exc.IntegrityError as exc:
        if register.has_case(case.id):
            raise DuplicateError(
                f"{register.where}: case '{case.id}' is already in the register"
            ) from None
        # The database's own one-open-case index: another writer opened
        # a case for this person meanwhile.
        check_across_cases(register, case, on, left=left, provincial_consent=provincial_consent)
        raise translate(exc, register.db.url, f"cannot open case '{case.id}'") from None
    register._engines.stored_now(procedure)
    return StoredCase(case=case, version=0, head=row["head"])


def _check_unit(register: Register, case: af.Case) -> None:
    try:
        stored = register.unit(case.unit.id)
    except UnknownUnitError:
        raise UnknownUnitError(
            f"{register.where}: unit '{case.unit.id}' of case '{case.id}' is not in the "
            "register; put_unit it, with its members, first"
        ) from None
    differences = unit_differences(stored, case.unit)
    if differences:
        listed = "; ".join(
            f"{name}: stored {old!r}, given {new!r}" for name, (old, new) in differences.items()
        )
        raise UnitMismatchError(
            f"{register.where}: unit '{case.unit.id}' of case '{case.id}' differs from the "
            f"stored unit ({listed}); put_unit the new unit first, or open by its id",
            differences=differences,
        )


def check_across_cases(
    register: Register,
    case: af.Case,
    on: dt.date | None,
    *,
    left: Departure | None,
    provincial_consent: bool,
) -> None:
    """Refuse a case the person's other cases, or how they left the Party, do not allow.

    Runs whenever the person has other cases here, and whenever they left the
    Party before (``left``, or the candidate's own ``left``): most members joined
    before any register existed.
    """
    left = left if left is not None else case.candidate.left
    with register.db.connect() as connection:
        others = list(
            connection.execute(
                sa.select(cases.c.id).where(
                    cases.c.person_id == case.candidate.id, cases.c.id != case.id
                )
            ).scalars()
        )
    if not others and left is None:
        return
    if on is None and others:
        raise StoreError(
            f"{register.where}: the person of case '{case.id}' has other cases "
            f"({', '.join(others)}); give the date the new case opens (on=...) so that "
            "the rules across cases can be checked"
        )
    existing = {other: register.load(other) for other in others}
    violations = check_new_case(
        case.candidate,
        [stored.case for stored in existing.values()],
        on if on is not None else register.clock().date(),
        left=left,
        provincial_consent=provincial_consent,
        # Each case is open until its own procedure's final states (case.one_open):
        # the register recorded that with its own engine at every step.
        ends=lambda other: () if existing[other.id].open else (str(other.state),),
    )
    if violations:
        reasons = "; ".join(f"{v.rule}: {v.message.vi} / {v.message.en}" for v in violations)
        raise CaseRefusedError(
            f"{register.where}: case '{case.id}' cannot be opened: {reasons}",
            violations=tuple(violations),
        )
