"""The register: units, members, cases and each case's append-only history.

A case is a fold of its history: loading one reads its opening record and its
rows, checks each row's hash, and rebuilds the ``Case`` from the recorded
outcomes without running a rule. Firing judges the event with the engine of
the case's procedure and the unit's members, then writes the step and moves
the case's version on in one transaction, only if nobody else moved it first
(optimistic concurrency): the loser gets ``ConflictError`` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import attrs
import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import CaseRefusedError, ConflictError, StoreError, UnknownCaseError
from admission_flow.model._canonical import canonical_json
from admission_flow.model._serial import (
    deadline_to_json,
    encode,
    person_to_json,
    unit_from_json,
    unit_to_json,
    violation_to_json,
)
from admission_flow.plugins._loading import load_procedure
from admission_flow.store import _database
from admission_flow.units import Departure, check_new_case

from ._chain import opening_hash, row_hash
from ._fold import Entry, StoredCase, fold, fold_fast
from ._rows import CASE, COLUMN, FOLDED
from ._schema import cases, history, procedures, units
from ._schema import members as members_table
from ._verify import Break, verify_chains

if TYPE_CHECKING:
    from ._recheck import CaseRecheck

__all__ = ["Entry", "Fired", "Register", "StoredCase"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@attrs.frozen(kw_only=True)
class Fired:
    """What ``Register.fire`` returns: the engine's outcome, and the stored case after it."""

    outcome: af.Outcome
    stored: StoredCase


def _json(value: Any) -> str:
    return canonical_json(value)


#: The optimistic write: moves the case on only from the version it was judged at.
#: Built once: building a statement per step cost more than running it.
_MOVE_ON = (
    cases.update()
    .where(cases.c.id == sa.bindparam("case_id"), cases.c.version == sa.bindparam("seen"))
    .values(
        version=sa.bindparam("new_version"),
        head=sa.bindparam("new_head"),
        state=sa.bindparam("new_state"),
        open=sa.bindparam("new_open"),
    )
)


def parse_actor(text: str) -> af.Actor:
    """``ROLE`` or ``ROLE:ID`` (a member acting in person), as the command line takes it."""
    role, _, member = text.partition(":")
    return af.Actor(role, member or None)


class Register:
    """Units, members, cases and their hash-chained history, in one database.

    Args:
        url: an SQLAlchemy URL (``sqlite:///cases.db``,
            ``postgresql+psycopg://user@host/db``) or a bare path to an SQLite file.
        plugins: the plugin manager engines are built with (the rules a
            procedure names must be there); by default a new ``Plugins()``.
        clock: when a row is recorded, as an aware UTC datetime; by default the
            wall clock. The engine never reads it: only ``recorded_at`` does.

    Raises:
        StoreError: the database cannot be reached, or its schema is not the one
            this code writes (use ``Register.create`` to create or upgrade it).
    """

    def __init__(
        self,
        url: str | Path,
        *,
        plugins: af.Plugins | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        _engine: sa.Engine | None = None,
    ) -> None:
        self.db = _engine if _engine is not None else _database.connect(url, create=False)
        self.where = _database.describe_url(self.db.url)
        try:
            _database.check_schema(self.db)
        except BaseException:
            self.db.dispose()
            raise
        self.plugins = plugins if plugins is not None else af.Plugins()
        self.clock = clock if clock is not None else _utc_now
        self._procedures: dict[str, af.Procedure] = {}
        self._engines: dict[tuple[str, str], af.Engine] = {}
        self._origins: dict[str, str] = {}

    @classmethod
    def create(
        cls,
        url: str | Path,
        *,
        plugins: af.Plugins | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Register:
        """Open the register at ``url``, creating it or upgrading its schema first.

        Raises:
            StoreError: the database cannot be reached, or its schema is at a
                revision this code does not know; nothing is written then.
        """
        engine = _database.connect(url)
        try:
            _database.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(url, plugins=plugins, clock=clock, _engine=engine)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Register {self.where}>"

    # -- units and members -----------------------------------------------------------

    def put_unit(self, unit: af.Unit, members: Iterable[af.Member] = ()) -> None:
        """Add a unit and its members, or update them (a member's status changes)."""
        row = unit_to_json(unit)
        with self.db.begin() as connection:
            exists = connection.execute(sa.select(units.c.id).where(units.c.id == unit.id)).first()
            if exists is None:
                connection.execute(units.insert().values(row))
            else:
                connection.execute(units.update().where(units.c.id == unit.id).values(row))
            for member in members:
                values = {"status": member.status, "since": member.since}
                known = connection.execute(
                    sa.select(members_table.c.id).where(
                        members_table.c.unit_id == unit.id, members_table.c.id == member.id
                    )
                ).first()
                if known is None:
                    connection.execute(
                        members_table.insert().values(unit_id=unit.id, id=member.id, **values)
                    )
                else:
                    connection.execute(
                        members_table.update()
                        .where(members_table.c.unit_id == unit.id, members_table.c.id == member.id)
                        .values(**values)
                    )
        self._engines = {key: e for key, e in self._engines.items() if key[1] != unit.id}

    def unit(self, unit_id: str) -> af.Unit:
        """The unit as stored now. Raises ``StoreError`` for an unknown unit."""
        with self.db.connect() as connection:
            row = connection.execute(sa.select(units).where(units.c.id == unit_id)).first()
        if row is None:
            raise StoreError(f"{self.where}: no unit '{unit_id}' in the register")
        return unit_from_json(dict(row._mapping))

    def members(self, unit_id: str) -> dict[str, af.Member]:
        """The members of a unit, by id."""
        with self.db.connect() as connection:
            rows = connection.execute(
                sa.select(members_table)
                .where(members_table.c.unit_id == unit_id)
                .order_by(members_table.c.id)
            )
            return {
                row.id: af.Member(id=row.id, status=row.status, since=row.since) for row in rows
            }

    # -- procedures and engines ------------------------------------------------------

    def _origin(self, procedure: af.Procedure) -> str:
        """Where the procedure can be loaded again: its bundled id, else its file."""
        known = self._origins.get(procedure.fingerprint)
        if known is None:
            known = self._origins[procedure.fingerprint] = self._find_origin(procedure)
        return known

    def _find_origin(self, procedure: af.Procedure) -> str:
        if procedure.id in self.plugins.procedures():
            bundled = load_procedure(procedure.id, plugins=self.plugins)
            if bundled.fingerprint == procedure.fingerprint:
                return procedure.id
        if procedure.path is None:
            raise StoreError(
                f"procedure '{procedure.id}' was not loaded from a file or a bundled id, "
                "so the register could not load it again; load it with load_procedure(path)"
            )
        return str(Path(procedure.path).resolve())

    def procedure(self, ref: af.ProcedureRef) -> af.Procedure:
        """The procedure a case follows, loaded again from where it was first loaded.

        Raises:
            StoreError: it is not in the register, or its file has changed since.
        """
        known = self._procedures.get(ref.fingerprint)
        if known is not None:
            return known
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(procedures).where(procedures.c.fingerprint == ref.fingerprint)
            ).first()
        if row is None:
            raise StoreError(f"{self.where}: procedure {ref} is not in the register")
        loaded = load_procedure(row.origin, plugins=self.plugins)
        if loaded.fingerprint != ref.fingerprint:
            raise StoreError(
                f"procedure {ref} was loaded from {row.origin}, which now holds "
                f"{loaded.ref}; restore that file, or recheck the cases against the new one"
            )
        self._procedures[ref.fingerprint] = loaded
        return loaded

    def engine(self, case: af.Case | StoredCase) -> af.Engine:
        """The engine for a stored case: its procedure, with its unit's members.

        One engine per (procedure, unit), kept while this register is open;
        ``put_unit`` forgets those of the unit it changes.
        """
        if isinstance(case, StoredCase):
            case = case.case
        key = (case.procedure.fingerprint, case.unit.id)
        engine = self._engines.get(key)
        if engine is None:
            engine = af.Engine(
                self.procedure(case.procedure),
                plugins=self.plugins,
                members=self.members(case.unit.id),
            )
            self._engines[key] = engine
        return engine

    # -- cases -----------------------------------------------------------------------

    def add_case(
        self,
        case: af.Case,
        procedure: af.Procedure,
        *,
        on: dt.date | None = None,
        left: Departure | None = None,
        provincial_consent: bool = False,
    ) -> StoredCase:
        """Open ``case`` in the register, before its first event.

        Its unit must be in the register already (``put_unit``). The person's
        other cases must allow it (``admission_flow.units.check_new_case``): one
        open case per person, and a re-admission only as the Party's rules allow.

        Args:
            case: the new case, from ``Engine.open``.
            procedure: the procedure it follows.
            on: the date it opens; needed when the person has cases already,
                for the re-admission rules.
            left: when and why the person left the Party, for a re-admission.
            provincial_consent: the province-level consent a re-admission needs.

        Raises:
            CaseRefusedError: the person's other cases do not allow a new one
                (every reason in ``violations``); nothing is written.
            StoreError: the case is already there, has history (fire its events
                through the register instead), or its unit is unknown.
        """
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
        self._check_across_cases(case, on, left=left, provincial_consent=provincial_consent)
        origin = self._origin(procedure)
        ref = case.procedure
        row: dict[str, Any] = {
            "id": case.id,
            "unit_id": case.unit.id,
            "person_id": case.candidate.id,
            "procedure_id": ref.id,
            "procedure_version": ref.version,
            "procedure_fingerprint": ref.fingerprint,
            "candidate": _json(person_to_json(case.candidate)),
            "unit": _json(unit_to_json(case.unit)),
            "opened_at": self.clock().isoformat(),
            "state": case.state,
            "open": True,
            "version": 0,
        }
        row["opening_hash"] = row["head"] = opening_hash(row)
        with self.db.begin() as connection:
            if connection.execute(sa.select(cases.c.id).where(cases.c.id == case.id)).first():
                raise StoreError(f"{self.where}: case '{case.id}' is already in the register")
            if not connection.execute(
                sa.select(units.c.id).where(units.c.id == case.unit.id)
            ).first():
                raise StoreError(
                    f"{self.where}: unit '{case.unit.id}' of case '{case.id}' is not in the "
                    "register; put_unit it, with its members, first"
                )
            if not connection.execute(
                sa.select(procedures.c.fingerprint).where(
                    procedures.c.fingerprint == ref.fingerprint
                )
            ).first():
                connection.execute(
                    procedures.insert().values(
                        fingerprint=ref.fingerprint, id=ref.id, version=ref.version, origin=origin
                    )
                )
            try:
                connection.execute(cases.insert().values(row))
            except sa.exc.IntegrityError:
                if self.has_case(case.id):
                    raise StoreError(
                        f"{self.where}: case '{case.id}' is already in the register"
                    ) from None
                # The database's own one-open-case index: another writer opened
                # a case for this person meanwhile.
                self._check_across_cases(case, on, left=left, provincial_consent=provincial_consent)
                raise  # pragma: no cover - the check above refuses it
        self._procedures.setdefault(ref.fingerprint, procedure)
        return StoredCase(case=case, version=0, head=row["head"])

    def _check_across_cases(
        self,
        case: af.Case,
        on: dt.date | None,
        *,
        left: Departure | None,
        provincial_consent: bool,
    ) -> None:
        """Refuse a case the person's other cases do not allow (rules across cases)."""
        with self.db.connect() as connection:
            others = list(
                connection.execute(
                    sa.select(cases.c.id).where(
                        cases.c.person_id == case.candidate.id, cases.c.id != case.id
                    )
                ).scalars()
            )
        if not others:
            return
        if on is None:
            raise StoreError(
                f"{self.where}: the person of case '{case.id}' has other cases "
                f"({', '.join(others)}); give the date the new case opens (on=...) so that "
                "the rules across cases can be checked"
            )
        existing = [self.load(other).case for other in others]
        violations = check_new_case(
            case.candidate, existing, on, left=left, provincial_consent=provincial_consent
        )
        if violations:
            reasons = "; ".join(f"{v.rule}: {v.message.vi} / {v.message.en}" for v in violations)
            raise CaseRefusedError(
                f"{self.where}: case '{case.id}' cannot be opened: {reasons}",
                violations=tuple(violations),
            )

    def has_case(self, case_id: str) -> bool:
        with self.db.connect() as connection:
            return (
                connection.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first()
                is not None
            )

    def case_ids(self, *, open_only: bool = False) -> list[str]:
        """Every case's id, sorted; with ``open_only``, those not in a final state."""
        query = sa.select(cases.c.id).order_by(cases.c.id)
        if open_only:
            query = query.where(cases.c.open.is_(True))
        with self.db.connect() as connection:
            return list(connection.execute(query).scalars())

    def _case_row(self, connection: sa.Connection, case_id: str) -> sa.RowMapping:
        row = connection.execute(sa.select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise UnknownCaseError(f"{self.where}: no case '{case_id}' in the register")
        return row._mapping

    def _read(self, case_id: str) -> tuple[StoredCase, list[Entry]]:
        with _database.snapshot(self.db) as connection:
            head = self._case_row(connection, case_id)
            rows = connection.execute(
                sa.select(history).where(history.c.case_id == case_id).order_by(history.c.seq)
            ).mappings()
            return fold(head, rows, where=self.where)

    def load(self, case_id: str) -> StoredCase:
        """The case rebuilt from its history, and its version.

        Raises:
            UnknownCaseError: no case of that id.
            StoreError: a row of its history fails its hash.
        """
        return self._read(case_id)[0]

    def history(self, case_id: str) -> list[Entry]:
        """Every row of the case's history, refused attempts included, oldest first."""
        return self._read(case_id)[1]

    def cases(self, *, open_only: bool = False, verify: bool = False) -> Iterator[StoredCase]:
        """Every case, rebuilt from its history, streamed in id order (memory stays flat).

        With ``verify``, each case's chain is checked as it is read (see ``load``).
        """
        for stored, _ in self._stream(open_only=open_only, verify=verify):
            yield stored

    def _kept_in_range(self, start: str, end: str | None) -> Iterator[tuple[StoredCase, list[int]]]:
        """The open cases with ids in ``[start, end)``, each with its kept steps' numbers."""
        return self._stream(open_only=True, verify=False, start=start, end=end)

    def _stream(
        self,
        *,
        open_only: bool,
        verify: bool,
        start: str | None = None,
        end: str | None = None,
    ) -> Iterator[tuple[StoredCase, list[int]]]:
        filters: list[sa.ColumnElement[bool]] = []
        if open_only:
            filters.append(cases.c.open.is_(True))
        if start is not None:
            filters.append(cases.c.id >= start)
        if end is not None:
            filters.append(cases.c.id < end)
        query_cases = sa.select(cases).where(*filters).order_by(cases.c.id)
        if verify:
            columns: list[Any] = list(history.columns)
            case_column = COLUMN["case_id"]
        else:  # dates as text, parsed once per distinct date
            columns = [
                sa.type_coerce(history.c[name], sa.Text) if name == "on_date" else history.c[name]
                for name in FOLDED
            ]
            case_column = CASE
        query_rows = sa.select(*columns).order_by(history.c.case_id, history.c.seq)
        if filters:
            query_rows = query_rows.join(cases, cases.c.id == history.c.case_id).where(*filters)
        with _database.snapshot(self.db) as connection:
            heads = connection.execution_options(yield_per=1000).execute(query_cases).mappings()
            if verify or self.db.dialect.name != "sqlite":
                result = connection.execution_options(yield_per=5000).execute(query_rows)
                rows: Iterator[Sequence[Any]] = iter(result)
            else:
                rows = _database.raw_rows(connection, query_rows)
            try:
                pending = next(rows, None)
                for head in heads:
                    case_id = head["id"]
                    own: list[Any] = []
                    while pending is not None and pending[case_column] < case_id:
                        pending = next(rows, None)  # rows of a case not listed: verify says so
                    while pending is not None and pending[case_column] == case_id:
                        own.append(pending)
                        pending = next(rows, None)
                    if verify:
                        stored, entries = fold(
                            head, [row._mapping for row in own], where=self.where
                        )
                        yield stored, [e.seq for e in entries if e.step.kept]
                    else:
                        yield fold_fast(head, own)
            finally:
                close = getattr(rows, "close", None)
                if close is not None:
                    close()  # the server-side cursor, while its transaction is open

    def recheck(
        self,
        procedure: str | Path | af.Procedure,
        *,
        plugin_modules: Iterable[str] = (),
        processes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[CaseRecheck]:
        """Which recorded steps of each open case ``procedure`` would refuse, with rule ids.

        Args:
            procedure: another procedure or version: a bundled id, a file, or a
                procedure loaded from one of those.
            plugin_modules: modules to register in the worker processes too (``-p``).
            processes: how many processes judge cases; by default one per core
                (one for a few hundred cases).
            progress: called with (cases judged, cases to judge) as it goes.
        """
        from ._recheck import recheck

        if isinstance(procedure, af.Procedure):
            procedure = self._origin(procedure)
        return recheck(
            self,
            procedure,
            plugin_modules=plugin_modules,
            processes=processes,
            progress=progress,
        )

    # -- firing ------------------------------------------------------------------------

    def fire(
        self,
        case: str | StoredCase,
        event: str,
        actor: af.Actor | str,
        on: dt.date,
        **facts: Any,
    ) -> Fired:
        """Judge ``event`` on a stored case and record the step, whatever the verdict.

        ``case`` is an id (the case is loaded now) or a ``StoredCase`` loaded
        earlier: the step is written only if the case still has the version it
        had then.

        Raises:
            ConflictError: another writer recorded a step on the case since it
                was loaded; nothing was written. Load it again and retry.
            InputError: the call is wrong (an unknown event, fact or member, a
                date out of order); nothing was written.
            PluginError: a plugin raised; nothing was written.
            UnknownCaseError, StoreError: no such case, or its history fails its hash.
        """
        stored = self.load(case) if isinstance(case, str) else case
        engine = self.engine(stored)
        outcome = engine.fire(stored.case, event, actor, on, **facts)
        step = outcome.step
        ref = stored.case.procedure
        row: dict[str, Any] = {
            "case_id": stored.case.id,
            "seq": stored.version + 1,
            "event": step.event,
            "on_date": step.on,
            "actor_role": step.actor.role,
            "actor_id": step.actor.id,
            "facts": _json(encode(step.facts)),
            "accepted": step.accepted,
            "recorded": step.recorded,
            "from_state": step.from_state,
            "to_state": step.to_state,
            "violations": _json([violation_to_json(v) for v in step.violations]),
            "warnings": _json([violation_to_json(v) for v in step.warnings]),
            "deadlines": _json(
                {
                    "set": [deadline_to_json(d) for d in step.deadlines_set],
                    "met": [deadline_to_json(d) for d in step.deadlines_met],
                }
            ),
            "procedure_id": ref.id,
            "procedure_version": ref.version,
            "procedure_fingerprint": ref.fingerprint,
            "recorded_at": self.clock().isoformat(),
            "previous": stored.head,
        }
        row["hash"] = row_hash(row)
        is_open = not engine.is_closed(outcome.case)
        self._append(stored, row, outcome.case.state, is_open)
        after = StoredCase(case=outcome.case, version=row["seq"], head=row["hash"], open=is_open)
        return Fired(outcome=outcome, stored=after)

    def _append(
        self, stored: StoredCase, row: dict[str, Any], state: str | None, is_open: bool
    ) -> None:
        """Move the case's version on and add its row, together or not at all."""
        case_id = stored.case.id
        conflict = ConflictError(
            f"case '{case_id}': the case changed while this event was judged; nothing was "
            "written; load it again and retry"
        )
        try:
            with self.db.begin() as connection:
                moved = connection.execute(
                    _MOVE_ON,
                    {
                        "case_id": case_id,
                        "seen": stored.version,
                        "new_version": row["seq"],
                        "new_head": row["hash"],
                        "new_state": state,
                        "new_open": is_open,
                    },
                )
                if moved.rowcount != 1:
                    raise conflict
                connection.execute(history.insert(), row)
        except sa.exc.IntegrityError:
            raise conflict from None
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise StoreError(
                f"{self.where}: case '{case_id}': could not record the step: {reason}; "
                "nothing was written"
            ) from None

    # -- export and import -------------------------------------------------------------

    def export(self, out: TextIO, *, pseudonymise: bool = False) -> int:
        """Write the whole register to ``out`` as JSON lines (see ``_transfer``); the line count."""
        from ._transfer import export_register

        return export_register(self.db, out, pseudonymise=pseudonymise)

    def import_lines(self, lines: Iterable[str], *, source: str = "<import>") -> dict[str, int]:
        """Add an export's units, members, cases and history, all or nothing."""
        from ._transfer import import_register

        counts = import_register(self.db, lines, source=source)
        self._engines.clear()
        return counts

    # -- verifying -----------------------------------------------------------------------

    def verify(self) -> list[Break]:
        """Recompute every chain: the first broken link of each case, none when all hold."""
        return verify_chains(self.db)
