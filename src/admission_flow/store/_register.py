"""The register: units, members, cases and each case's append-only history.

A case is a fold of its history: loading one reads its opening record and its
rows, checks each row's hash, and rebuilds the ``Case`` from the recorded
outcomes without running a rule. Firing judges the event with the engine of
the case's procedure and the unit's members, then writes the step and moves
the case's version on in one transaction, only if nobody else moved it first
(optimistic concurrency): the loser gets ``ConflictError`` and nothing is written.

Every database error comes out typed (``_errors``); every write transaction
takes its lock up front on SQLite (``_database.writer``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import UnknownCaseError, UnknownUnitError
from admission_flow.model._serial import unit_from_json, unit_to_json
from admission_flow.plugins._loading import load_procedure
from admission_flow.units import Departure

from . import _database, _opening
from ._checkpoint import Checkpoint, take, verify_since
from ._engines import Engines
from ._errors import guard, guarded
from ._firing import FireCall, Fired, Firing
from ._fold import Entry, StoredCase, fold
from ._migration import Generations, verify_texts
from ._query import Summary, find_query, summary_of_row
from ._read import read_case
from ._schema import cases, units
from ._schema import members as members_table
from ._stream import stream
from ._verify import Break, verify_chains
from ._write import upsert

if TYPE_CHECKING:
    from ._recheck import CaseRecheck

__all__ = ["Entry", "FireCall", "Fired", "Register", "StoredCase", "parse_actor"]

_UNIT_COLUMNS = [c.name for c in units.columns if c.name != "id"]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: ``ROLE`` or ``ROLE:ID``: the one actor parser, kept here under its old name.
parse_actor = af.Actor.parse


class Register(Generations):
    """Units, members, cases and their hash-chained history, in one database.

    Args:
        url: an SQLAlchemy URL (``sqlite:///cases.db``,
            ``postgresql+psycopg://user@host/db``) or a bare path to an SQLite file.
        plugins: the plugin manager engines are built with (the rules a
            procedure names must be there); by default a new ``Plugins()``.
        clock: when a row is recorded, as an aware UTC datetime; by default the
            wall clock. The engine never reads it: only ``recorded_at`` does.

    Raises:
        SchemaError: the database holds no register, or one of another schema
            revision (use ``Register.create`` to create or upgrade it).
        UnavailableError: the database cannot be reached now.
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
            with guarded(self.db.url, "cannot open the register"):
                _database.check_schema(self.db)
        except BaseException:
            self.db.dispose()
            raise
        #: Write transactions: on SQLite they take the write lock at BEGIN.
        self.writer = _database.writer(self.db)
        self.plugins = plugins if plugins is not None else af.Plugins()
        self.clock = clock if clock is not None else _utc_now
        self._engines = Engines(self.db, self.writer, self.plugins, self.where, self.members)
        self._firing = Firing(self)

    @classmethod
    def create(
        cls,
        url: str | Path,
        *,
        plugins: af.Plugins | None = None,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> Register:
        """Open the register at ``url``, creating it or upgrading its schema first.

        Several processes may do it at once: one creates, the others wait and open.

        Raises:
            SchemaError: its schema is at a revision this code does not know;
                nothing is written then.
            UnavailableError: the database cannot be reached now.
        """
        engine = _database.connect(url)
        try:
            _database.upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(url, plugins=plugins, clock=clock, _engine=engine)

    def close(self) -> None:
        self._firing.close()
        self.db.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Register {self.where}>"

    # -- units and members -----------------------------------------------------------

    @guard("cannot store the unit")
    def put_unit(self, unit: af.Unit, members: Iterable[af.Member] = ()) -> None:
        """Add a unit and its members, or update them (a member's status changes).

        Idempotent, and safe when several processes store the same unit at once.
        """
        rows = [
            {"unit_id": unit.id, "id": m.id, "status": m.status, "since": m.since} for m in members
        ]
        with self.writer.begin() as connection:
            row = {**unit_to_json(unit), "committee_members": unit.committee_members}
            connection.execute(upsert(connection, units, ["id"], _UNIT_COLUMNS), row)
            if rows:
                connection.execute(
                    upsert(connection, members_table, ["unit_id", "id"], ["status", "since"]),
                    rows,
                )
        self._engines.forget_unit(unit.id)

    @guard("cannot read the unit")
    def unit(self, unit_id: str) -> af.Unit:
        """The unit as stored now. Raises ``UnknownUnitError`` for an unknown unit."""
        with self.db.connect() as connection:
            row = connection.execute(sa.select(units).where(units.c.id == unit_id)).first()
        if row is None:
            raise UnknownUnitError(f"{self.where}: no unit '{unit_id}' in the register")
        return unit_from_json(dict(row._mapping))

    @guard("cannot read the members")
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

    @guard("cannot load the procedure")
    def procedure(self, ref: af.ProcedureRef) -> af.Procedure:
        """The procedure a case follows, rebuilt from its kept text (``StoreError``: not
        kept, or its text fails its fingerprint)."""
        return self._engines.procedure(ref)

    @guard("cannot build the engine")
    def engine(self, case: af.Case | StoredCase) -> af.Engine:
        """The engine for a stored case: its procedure, with its unit's members.

        One engine per (procedure, unit), kept while this register is open;
        ``put_unit`` forgets those of the unit it changes.
        """
        return self._engines.engine(case.case if isinstance(case, StoredCase) else case)

    # -- cases -----------------------------------------------------------------------

    def open(
        self,
        case_id: str,
        candidate: af.Person,
        *,
        unit: str | af.Unit,
        procedure: str | Path | af.Procedure,
        on: dt.date | None = None,
        left: Departure | None = None,
        provincial_consent: bool = False,
    ) -> StoredCase:
        """Open a new case for ``candidate`` in a unit the register keeps: one call.

        Args:
            unit: the unit's id (the stored unit is taken), or a unit, which
                must be the stored one.
            procedure: a bundled id, a file, or a loaded procedure.
            on, left, provincial_consent: as ``add_case``.

        Raises:
            UnknownUnitError: no such unit (``put_unit`` it first).
            UnitMismatchError: ``unit`` differs from the stored unit (every
                differing field in ``differences``).
            DuplicateError: a case of that id is there already.
            CaseRefusedError: the person's other cases do not allow a new one.
        """
        if not isinstance(procedure, af.Procedure):
            procedure = load_procedure(procedure, plugins=self.plugins)
        given = self.unit(unit) if isinstance(unit, str) else unit
        case = af.Case(id=case_id, procedure=procedure.ref, candidate=candidate, unit=given)
        return self.add_case(
            case, procedure, on=on, left=left, provincial_consent=provincial_consent
        )

    @guard("cannot open the case")
    def add_case(
        self,
        case: af.Case,
        procedure: af.Procedure,
        *,
        on: dt.date | None = None,
        left: Departure | None = None,
        provincial_consent: bool = False,
    ) -> StoredCase:
        """Keep ``case`` in the register, before its first event.

        Its unit must be in the register already (``put_unit``), as it is stored.
        The person's other cases must allow it
        (``admission_flow.units.check_new_case``): one open case per person,
        and a re-admission only as the Party's rules allow.

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
            DuplicateError: the case is already there.
            UnknownUnitError, UnitMismatchError: its unit is not kept, or not as given.
            StoreError: the case has history (fire its events through the register).
        """
        return _opening.add_case(
            self, case, procedure, on=on, left=left, provincial_consent=provincial_consent
        )

    @guard("cannot read the case")
    def has_case(self, case_id: str) -> bool:
        with self.db.connect() as connection:
            return (
                connection.execute(sa.select(cases.c.id).where(cases.c.id == case_id)).first()
                is not None
            )

    @guard("cannot list the cases")
    def case_ids(self, *, open_only: bool = False) -> list[str]:
        """Every case's id, sorted; with ``open_only``, those not in a final state."""
        query = sa.select(cases.c.id).order_by(cases.c.id)
        if open_only:
            query = query.where(cases.c.open.is_(True))
        with self.db.connect() as connection:
            return list(connection.execute(query).scalars())

    def _read(self, case_id: str) -> tuple[StoredCase, list[Entry]]:
        with guarded(self.db.url, f"cannot read case '{case_id}'"):
            head, rows = read_case(self.db, case_id, self._firing.direct)  # one snapshot
        if head is None:
            raise UnknownCaseError(f"{self.where}: no case '{case_id}' in the register")
        stored, entries = fold(head, rows, where=self.where)
        # The case row's own columns, for its next step's move (``_kept``).
        self._firing.kept.was_read(stored, head)
        return stored, entries

    def load(self, case_id: str) -> StoredCase:
        """The case rebuilt from its history, and its version.

        Raises:
            UnknownCaseError: no case of that id.
            TamperedError: a row of its history fails its hash.
        """
        return self._read(case_id)[0]

    def history(self, case_id: str) -> list[Entry]:
        """Every row of the case's history, refused attempts included, oldest first."""
        return self._read(case_id)[1]

    def cases(self, *, open_only: bool = False, verify: bool = False) -> Iterator[StoredCase]:
        """Every case, rebuilt from its history, streamed in id order (memory stays flat).

        With ``verify``, each case's chain is checked as it is read (see ``load``).
        """
        with guarded(self.db.url, "cannot read the cases"):
            for stored, _ in stream(self.db, self.where, open_only=open_only, verify=verify):
                yield stored

    @guard("cannot list the cases")
    def find(
        self,
        *,
        unit: str | None = None,
        state: str | None = None,
        open: bool | None = None,
        procedure: str | None = None,
        due_before: dt.date | None = None,
        overdue_on: dt.date | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> list[Summary]:
        """Summaries of the cases that match every filter given, in id order; no case is rebuilt.

        Args:
            unit, state, procedure: equal to this unit id, state, procedure id.
            open: only open (``True``) or only closed (``False``) cases.
            due_before: the next deadline falls before this date.
            overdue_on: open, and the next deadline passed before this date.
            limit: at most this many (1 to 10,000; 10,000 when not given).
            after: only ids after this one: the last id of the page before.

        Raises:
            InputError: a filter of the wrong type, a limit out of range.
        """
        query = find_query(
            unit=unit,
            state=state,
            open=open,
            procedure=procedure,
            due_before=due_before,
            overdue_on=overdue_on,
            limit=limit,
            after=after,
        )
        with self.db.connect() as connection:
            return [summary_of_row(row._mapping) for row in connection.execute(query)]

    def recheck(
        self,
        procedure: str | Path | af.Procedure,
        *,
        plugin_modules: Iterable[str] = (),
        processes: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        full: bool = False,
    ) -> list[CaseRecheck]:
        """Which recorded steps of each open case ``procedure`` would refuse, with rule ids.

        A step whose event reads nothing that differs (``_fingerprints``) is not
        judged again; ``full`` judges every step.

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
            procedure = self._engines.origin(procedure)
        with guarded(self.db.url, "cannot recheck the cases"):
            return recheck(
                self, procedure, plugin_modules=plugin_modules, processes=processes,
                progress=progress, full=full,
            )  # fmt: skip

    # -- firing ------------------------------------------------------------------------

    def fire(
        self,
        case: str | StoredCase,
        event: str,
        actor: af.Actor | str,
        on: dt.date,
        /,
        *,
        request_id: str | None = None,
        expected_version: int | None = None,
        **facts: Any,
    ) -> Fired:
        """Judge ``event`` on a stored case and record the step, whatever the verdict.

        ``case`` is an id (the case is loaded now) or a ``StoredCase`` loaded
        earlier: the step is written only if the case still has the version it
        had then, or ``expected_version`` when given. ``after_step`` hears of it once written.

        With a ``request_id`` (unique per case), a call that was recorded
        already (a retry after a timeout) returns the recorded outcome
        (``Fired.replayed``) and writes nothing.

        Raises:
            ConflictError: another writer recorded a step on the case since it
                was loaded (or it is not at ``expected_version``); nothing was
                written. Load it again and retry.
            RequestReusedError: ``request_id`` recorded another call on the case.
            InputError: the call is wrong (an unknown event, fact or member, no
                date); nothing was written. A date before the case's latest
                step is a refusal (``event.date``), recorded as an attempt.
            PluginError: a plugin raised while judging (nothing was written),
                or in ``after_step`` (the step was written).
            UnknownCaseError, TamperedError: no such case, or its history fails its hash.
            UnavailableError: the database cannot be reached now; retry (with
                the same request id, to learn whether a lost commit was made).
        """
        call = FireCall(
            case=case,
            event=event,
            actor=actor,
            on=on,
            facts=facts,
            request_id=request_id,
            expected_version=expected_version,
        )
        return self._firing.fire([call], single=True)[0]

    def fire_many(self, calls: Iterable[FireCall]) -> list[Fired]:
        """Judge and record many steps in one transaction: all of them, or none.

        Each call is checked against its own version (its ``StoredCase``, its
        ``expected_version``, or the case as loaded); calls on one case follow
        each other in order. Calls whose ``request_id`` was recorded already
        are returned as recorded and not written again.

        Raises:
            ConflictError: a case moved on meanwhile; nothing of the batch was written.
            and the errors of ``fire``.
        """
        return self._firing.fire(list(calls), single=False)

    # -- export and import -------------------------------------------------------------

    @guard("cannot export the register")
    def export(self, out: TextIO, *, pseudonymise: bool = False) -> int:
        """Write the whole register to ``out`` as JSON lines (see ``_transfer``); the line count."""
        from ._transfer import export_register

        return export_register(self.db, out, pseudonymise=pseudonymise)

    @guard("cannot import")
    def import_lines(self, lines: Iterable[str], *, source: str = "<import>") -> dict[str, int]:
        """Add an export's units, members, cases and history, all or nothing."""
        from ._transfer import import_register

        counts = import_register(self.writer, lines, source=source)
        self._engines.forget_all()
        return counts

    # -- verifying -----------------------------------------------------------------------

    @guard("cannot verify the register")
    def verify(self, *, since: str | Checkpoint | None = None) -> list[Break]:
        """Recompute every chain and check each case row against it: the first broken link
        of each case, none when all hold.

        With ``since`` (a checkpoint line, see ``checkpoint``), also what changed since
        that checkpoint beyond appending: a case deleted, a history cut short, a row up
        to the checkpoint changed, reordered or re-sealed. A break of the whole register
        (the checkpoint is not there, or its kept listing was altered) has case ``"*"``.

        Raises:
            InputError: ``since`` is not a checkpoint line.
        """
        found = verify_texts(self.db) + verify_chains(self.db, self._engines.final_states)
        if since is not None:
            line = since.line if isinstance(since, Checkpoint) else since
            seen = {b.case for b in found}
            found += [b for b in verify_since(self.db, line) if b.case not in seen]
            found.sort(key=lambda b: b.case)
        return found

    @guard("cannot take a checkpoint")
    def checkpoint(self) -> Checkpoint:
        """Seal every case's identity, version and head now; keep ``str(checkpoint)`` (a
        line) outside the database, and give it to ``verify(since=...)`` later."""
        return take(self.db, self.writer, self.clock)
