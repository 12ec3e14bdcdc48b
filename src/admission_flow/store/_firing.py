"""Firing through the register: judge, seal, and record, once per request id.

Each call is judged on the case at the version it names (a ``StoredCase``
loaded earlier, an ``expected_version``, or the case as it is now), sealed into
its history row, and written with the optimistic ``MOVE_ON``: one transaction
for one call or for a whole batch, each step with its own version check.
``admission_flow_after_step`` is told of each step once the transaction has
committed, never of a step that lost to another writer.

A call that names its case by id is judged on the case as this register's last
write left it, when it kept it (``_kept.Kept``, bounded), without reading it: the
write's version check is the one that decides, so a case another writer moved on
meanwhile makes the write conflict, and the call is judged again on the case read
anew (once); a kept case can cost a conflict, never a wrong write.

A call with a ``request_id`` is looked up first: if the case recorded it
already, its recorded outcome comes back (``Fired.replayed``) and nothing is
written; a retry that loses the race to its own first attempt finds it the
same way, after the conflict.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NoReturn, Protocol

import attrs
import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import ConflictError, InputError, RequestReusedError
from admission_flow.judging._deadlines import pending_after, pending_deadlines
from admission_flow.model._canonical import canonical_json
from admission_flow.model._serial import encode

from ._direct import Direct
from ._engines import Engines
from ._errors import guarded, is_integrity_error, translate
from ._fold import Entry, StoredCase
from ._kept import CASES_KEPT, Due, Kept
from ._rows import earliest_due, step_row
from ._schema import history
from ._write import Before, insert_runs, move_on_values, prebuilt_for


class _Register(Protocol):
    """What firing uses of a register (a protocol: the register imports this module)."""

    db: sa.Engine
    writer: sa.Engine
    where: str
    clock: Callable[[], dt.datetime]
    _engines: Engines

    def _read(self, case_id: str) -> tuple[StoredCase, list[Entry]]: ...

    def load(self, case_id: str) -> StoredCase: ...


__all__ = ["CASES_KEPT", "FireCall", "Fired", "Firing"]


@attrs.frozen(kw_only=True)
class Fired:
    """What ``Register.fire`` returns: the engine's outcome, and the stored case after it.

    ``replayed`` is true when the call's ``request_id`` had been recorded
    already: ``outcome`` is then the recorded one (the case as that step left
    it), ``stored`` the case as it is now, and nothing was written.
    """

    outcome: af.Outcome
    stored: StoredCase
    #: The step's number in the case's history (refused attempts count).
    seq: int
    replayed: bool = False


@attrs.frozen(kw_only=True)
class FireCall:
    """One call of ``Register.fire_many``: the arguments ``fire`` takes."""

    case: str | StoredCase
    event: str
    actor: af.Actor | str
    on: dt.date
    facts: Mapping[str, Any] = attrs.field(factory=dict)
    request_id: str | None = None
    expected_version: int | None = None

    @property
    def case_id(self) -> str:
        return self.case if isinstance(self.case, str) else self.case.case.id


@attrs.define(kw_only=True)  # not frozen: its __init__ costs a third; never changed
class _Judged:
    call: FireCall
    before: StoredCase
    row: dict[str, Any]
    outcome: af.Outcome
    after: StoredCase
    due: Due
    #: The deadlines pending after the step, by name (``_rows.pending_deadlines``).
    pending: Mapping[str, af.Deadline]
    #: Judged on the case as kept by this register (not read, not given by the caller).
    kept: bool = False
    #: What this register believes ``before``'s case row holds (``None``: not known):
    #: the state and ``open`` of the case it was judged on with the due date this register
    #: wrote, or the row as it read it (``_known``). A belief, never trusted for the
    #: outcome: the move leaves out each column it holds unchanged and checks it instead
    #: (``Prebuilt.sqlite_move_from``); the version check alone would not do, since a
    #: version says which history the row ends, not what its derived columns hold (a case
    #: row imported with its own ``next_due``, or edited by hand). A wrong belief costs the
    #: full move, in the same transaction, never a different row.
    row_before: Before | None = None


class _Stale(Exception):
    """A write conflicted, and some of its calls were judged on cases kept in memory."""

    def __init__(self, cases: list[str]) -> None:
        super().__init__(cases)
        self.cases = cases


def _actor(actor: af.Actor | str) -> af.Actor:
    return actor if isinstance(actor, af.Actor) else af.Actor(actor, None)


class Firing:
    """The firing half of a register."""

    def __init__(self, register: _Register) -> None:
        self.register = register
        #: The cases this register last wrote or read, as it left or found them.
        self.kept = Kept()
        #: Each thread's own driver connection for its steps and reads (``_direct``).
        self.direct = Direct(register.db)
        #: The write statements of the register's dialect, compiled once (``_write``).
        self.statements = prebuilt_for(register.db)

    def close(self) -> None:
        self.direct.close()

    def _known(
        self, before: StoredCase, earlier: _Judged | None
    ) -> tuple[Mapping[str, af.Deadline] | None, Before | None]:
        """The deadlines pending on ``before`` when this register knows them (the batch's
        earlier step on the case, or this register's last write of it, at the same version
        and head), and what it believes the case row holds: the state and ``open`` of
        ``before`` with the due date written with it, or, for a case read anew, the row as
        this register read it (``None``: not read by it either)."""
        known = (earlier.pending, earlier.due) if earlier is not None else self.kept.known(before)
        if known is None:
            return None, self.kept.row(before)
        # ``(None, None)`` is written for a closed case.
        return known[0], (before.case.state, before.open, known[1][0])

    # -- request ids -------------------------------------------------------------------

    def recorded(self, call: FireCall) -> Fired | None:
        """The call's recorded outcome if its request id is in the case's history."""
        if call.request_id is None:
            return None
        register = self.register
        with register.db.connect() as connection:
            row = connection.execute(
                sa.select(
                    history.c.seq,
                    history.c.event,
                    history.c.on_date,
                    history.c.actor_role,
                    history.c.actor_id,
                    history.c.facts,
                ).where(history.c.case_id == call.case_id, history.c.request_id == call.request_id)
            ).first()
            # Ended by COMMIT, not ROLLBACK, on which psycopg drops its prepared statements.
            connection.commit()
        if row is None:
            return None
        self._check_same(call, row._mapping)
        stored, entries = register._read(call.case_id)
        kept = [e.step for e in entries[: row.seq] if e.step.kept]
        then = attrs.evolve(
            stored.case, state=kept[-1].to_state if kept else None, history=tuple(kept)
        )
        step = entries[row.seq - 1].step
        return Fired(
            outcome=af.Outcome(case=then, step=step), stored=stored, seq=row.seq, replayed=True
        )

    def _check_same(self, call: FireCall, row: Mapping[Any, Any]) -> None:
        actor = _actor(call.actor)
        recorded = json.loads(row["facts"])
        differs = [
            name
            for name, given, kept in (
                ("event", call.event, row["event"]),
                ("on", call.on, row["on_date"]),
                ("by", (actor.role, actor.id), (row["actor_role"], row["actor_id"])),
            )
            if given != kept
        ] + [
            name
            for name, value in call.facts.items()
            if name not in recorded
            or canonical_json(encode(value)) != canonical_json(recorded[name])
        ]
        if differs:
            raise RequestReusedError(
                f"{self.register.where}: case '{call.case_id}': request '{call.request_id}' "
                f"recorded step {row['seq']}, a call that differs in {', '.join(differs)}; "
                "nothing was written; give a new call a new request id"
            )

    # -- judging and writing -------------------------------------------------------------

    def fire(self, calls: Sequence[FireCall], *, single: bool) -> list[Fired]:
        try:
            return self._fire(calls, single=single, use_kept=True)
        except _Stale as stale:  # another writer moved a kept case on: read it anew
            self.kept.forget(stale.cases)
            return self._fire(calls, single=single, use_kept=False)

    def _fire(self, calls: Sequence[FireCall], *, single: bool, use_kept: bool) -> list[Fired]:
        register = self.register
        if len(calls) == 1:  # a step alone: the batch's bookkeeping left out
            return [self._fire_one(calls[0], single=single, use_kept=use_kept)]
        requests = [(c.case_id, c.request_id) for c in calls if c.request_id is not None]
        if len(requests) > 1 and len(set(requests)) != len(requests):
            twice = sorted({r for r in requests if requests.count(r) > 1})[0]
            raise InputError(
                f"case '{twice[0]}': request '{twice[1]}' is given twice in one batch; "
                "give each call its own request id",
                field="request_id",
            )
        results: list[Fired | None] = []
        judged: list[_Judged] = []
        latest: dict[str, _Judged] = {}
        with guarded(register.db.url, "cannot record the step"):
            for call in calls:
                replay = None if call.request_id is None else self.recorded(call)
                results.append(replay)
                if replay is not None:
                    continue
                one = self._judge(call, latest.get(call.case_id), use_kept)
                latest[call.case_id] = one
                judged.append(one)
            if not judged:
                return [r for r in results if r is not None]
            try:
                self._write(judged)
            except Exception as exc:
                self._lost(exc, judged)
        keep = self.kept.keep
        for one in judged:  # committed: now the steps have happened, and are told
            keep(one.after, one.pending, one.due)
        for one in judged:
            register._engines.engine(one.after.case).notify(one.outcome)
        if len(judged) == len(results):  # nothing replayed
            return [_fired(one) for one in judged]
        written = iter(judged)
        return [r if r is not None else _fired(next(written)) for r in results]

    def _fire_one(self, call: FireCall, *, single: bool, use_kept: bool) -> Fired:
        """``_fire`` of one call: the same steps, without a batch's lists."""
        register = self.register
        with guarded(register.db.url, "cannot record the step"):
            if call.request_id is not None:
                replay = self.recorded(call)
                if replay is not None:
                    return replay
            one = self._judge(call, None, use_kept)
            try:
                self._write((one,))
            except Exception as exc:
                if single and call.request_id is not None:
                    replay = self._retried(exc, call)
                    if replay is not None:
                        return replay
                self._lost(exc, (one,))
        self.kept.keep(one.after, one.pending, one.due)
        register._engines.engine(one.after.case).notify(one.outcome)
        return _fired(one)

    def _retried(self, exc: Exception, call: FireCall) -> Fired | None:
        """After a write that conflicted: the call's recorded outcome if our own first
        attempt won (then this call is its retry)."""
        if isinstance(exc, ConflictError) or is_integrity_error(exc):
            return self.recorded(call)
        return None

    def _lost(self, exc: Exception, judged: Sequence[_Judged]) -> NoReturn:
        """Raise what a write that failed with ``exc`` means: a conflict (``_Stale`` when
        some of its calls were judged on kept cases), or the database's error, typed."""
        if not (isinstance(exc, ConflictError) or is_integrity_error(exc)):
            raise exc
        if isinstance(exc, ConflictError):
            stale = [one.before.case.id for one in judged if one.kept]
            if stale:
                raise _Stale(stale) from exc
            raise exc
        raise translate(exc, self.register.db.url, "cannot record the step") from None

    def _judge(self, call: FireCall, earlier: _Judged | None, use_kept: bool) -> _Judged:
        register = self.register
        kept = None
        if earlier is not None:
            stored = earlier.after
        elif isinstance(call.case, StoredCase):
            stored = call.case
        else:
            entry = self.kept.written.get(call.case) if use_kept else None
            kept = None if entry is None else entry[0]
            if kept is not None and call.expected_version not in (None, kept.version):
                kept = None  # the caller knows of another version: read it
            stored = kept if kept is not None else register.load(call.case)
        if call.expected_version is not None and call.expected_version != stored.version:
            raise ConflictError(
                f"case '{stored.case.id}' is at version {stored.version}, not "
                f"{call.expected_version} as expected; nothing was written; "
                "load it again and retry",
                expected=call.expected_version,
                found=stored.version,
            )
        if call.on is None:
            raise InputError("a register keeps dated steps only: give the event's date", field="on")
        engine = register._engines.engine(stored.case)
        # Judged, not fired: after_step is told once the step is committed (see ``fire``).
        outcome = engine.judge(stored.case, call.event, call.actor, call.on, **call.facts)
        row = step_row(
            stored.case.id,
            stored.version + 1,
            outcome.step,
            stored.case.procedure,
            recorded_at=register.clock().isoformat(),
            previous=stored.head,
            request_id=call.request_id,
        )
        is_open = not engine.is_closed(outcome.case)
        after = StoredCase(case=outcome.case, version=row["seq"], head=row["hash"], open=is_open)
        # The deadlines pending after the step: those pending on ``stored`` with the step's
        # own if it is kept; for a case read anew, its whole history's.
        pending_before, row_before = self._known(stored, earlier)
        pending = (
            pending_deadlines(outcome.case.history)
            if pending_before is None
            else pending_after(pending_before, outcome.step)
        )
        return _Judged(
            call=call,
            before=stored,
            row=row,
            outcome=outcome,
            after=after,
            due=earliest_due(pending) if is_open else (None, None),
            pending=pending,
            kept=kept is not None,
            row_before=row_before,
        )

    def _write(self, judged: Sequence[_Judged]) -> None:
        """Move each case's version on and add its rows, together or not at all, with the
        prebuilt statements on this thread's own driver connection (``_direct``)."""
        statements = self.statements
        if statements.move_and_insert is not None:  # PostgreSQL
            self._write_postgresql(judged)
            return
        # ``direct.cursor()`` without its generator (a step's cost): ``failed`` by hand.
        driver, cursor = self.direct.current()
        try:
            # The write lock up front, waiting for it up to the busy timeout (a deferred
            # transaction that found another writer's commit could not wait).
            cursor.execute("BEGIN IMMEDIATE")
            try:
                move, move_from = statements.sqlite_move, statements.sqlite_move_from
                for first, last in _moves(judged):
                    values = _move_values(last, first)
                    statement, guarded = move_from(values, first.row_before)
                    cursor.execute(*statement)
                    if cursor.rowcount != 1 and guarded:
                        # The row does not hold what this register believed (or the
                        # version moved on): the full move decides, as it always did.
                        cursor.execute(*move(values))
                    if cursor.rowcount != 1:
                        raise _conflict(first)
                if len(judged) == 1:
                    cursor.execute(*statements.sqlite_insert(judged[0].row))
                else:
                    insert_runs(cursor, [statements.sqlite_insert(one.row) for one in judged])
                cursor.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(Exception):
                    cursor.execute("ROLLBACK")
                raise
        except BaseException as exc:
            self.direct.failed(driver, exc)
            raise

    def _write_postgresql(self, judged: Sequence[_Judged]) -> None:
        """PostgreSQL: one statement per step (``MOVE_AND_INSERT``), on this thread's own
        connection in autocommit (``_direct``): a single step is its own transaction (one
        round trip, no BEGIN or COMMIT); a batch is one transaction whose statements go
        out together (psycopg's pipeline), with a row count that must be one per step."""
        statements = self.statements
        statement = statements.move_and_insert
        assert statement is not None
        params = [statements.move_and_insert_params(_move_values(o), o.row) for o in judged]
        with self.direct.cursor() as cursor:
            if len(judged) == 1:
                # Prepared at once: planning this statement costs more than running it.
                # psycopg keeps one prepared statement per parameter types (a null date,
                # a larger integer: a handful), for the connection's life.
                cursor.execute(statement, params[0], prepare=True)
                if cursor.rowcount != 1:
                    raise _conflict(judged[0])
                return
            cursor.execute("BEGIN")
            try:
                cursor.executemany(statement, params)
                if cursor.rowcount != len(judged):
                    raise _first_conflict(cursor.connection, judged)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")


def _move_values(one: _Judged, first: _Judged | None = None) -> dict[str, Any]:
    """The move of ``one``'s step; with ``first``, from the version ``first`` was judged at
    (the moves of a case's steps ``first`` to ``one`` in one, see ``_moves``)."""
    return move_on_values(
        one.before.case.id,
        (one if first is None else first).before.version,
        one.row,
        one.after.case.state,
        one.after.open,
        one.due,
    )


def _moves(judged: Sequence[_Judged]) -> list[tuple[_Judged, _Judged]]:
    """SQLite: each case's moves in a batch as one, ``(first, last)`` of its steps, in the
    order of each case's first step.

    A batch's steps on one case follow each other (each judged on the one before, see
    ``Firing._fire``), inside one transaction that holds the write lock: the first step's
    move succeeds if and only if they all would, and the case ends as the last leaves it.
    So one ``UPDATE`` from the first's version to the last's values has the outcome of
    them all (the same row, the same conflict, raised for the same first call) for one
    statement instead of one a step, each of which rewrote the case's index entries.
    """
    if len(judged) == 1:  # a step alone (most calls): nothing to gather
        return [(judged[0], judged[0])]
    last: dict[str, _Judged] = {}
    firsts: list[_Judged] = []
    for one in judged:
        case_id = one.before.case.id
        if case_id not in last:
            firsts.append(one)
        last[case_id] = one
    return [(first, last[first.before.case.id]) for first in firsts]


def _conflict(one: _Judged) -> ConflictError:
    return ConflictError(
        f"case '{one.before.case.id}': the case changed while this event "
        "was judged; nothing was written; load it again and retry",
        expected=one.before.version,
    )


def _first_conflict(driver: Any, judged: Sequence[_Judged]) -> ConflictError:
    """The conflict of a batch whose row count fell short: the first call whose case is
    not at the version it was judged at (read inside the batch's own transaction)."""
    for one in judged:
        cursor = driver.execute(
            "SELECT 1 FROM history WHERE case_id = %s AND seq = %s AND hash = %s",
            (one.before.case.id, one.row["seq"], one.row["hash"]),
        )
        if cursor.fetchone() is None:
            return _conflict(one)
    return _conflict(judged[0])


def _fired(one: _Judged) -> Fired:
    return Fired(outcome=one.outcome, stored=one.after, seq=one.after.version)
