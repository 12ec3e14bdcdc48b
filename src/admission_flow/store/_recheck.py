"""Re-checking after a rule change: which recorded steps another procedure would refuse.

Each open case's kept steps (accepted and recorded) are judged again, one by
one, by the engine of the other procedure, each on the case as it was recorded
up to that step: the past is taken as it happened, and only the step itself is
judged anew. A step is listed when its verdict would be worse: an accepted
step that would now be refused or only recorded, a recorded one that would be
refused. Nothing is written.

The cases are split into ranges of ids and judged in several processes (one
per core by default), each with its own connection and engine. Which events
each recorded procedure judges the same way (``Unchanged``) is worked out once,
in the calling process while the workers start, and sent with each range: a
worker works it out itself only for a procedure the open cases' rows do not
name (one a ``migrate`` step moved a case to).
"""

from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

import admission_flow as af
from admission_flow.engine._migrate import MIGRATE
from admission_flow.model._values import _new_case
from admission_flow.plugins._loading import load_procedure

from ._fingerprints import event_fingerprints
from ._procedures import plugins_of
from ._schema import cases, procedures
from ._stream import stream

__all__ = ["CaseRecheck", "Refusal", "Unchanged", "recheck"]

#: How many cases one process judges between two progress reports.
CHUNK = 500


@attrs.frozen(kw_only=True)
class Refusal:
    """A recorded step the other procedure would not accept as it was recorded."""

    seq: int
    event: str
    on: str
    #: ``"accepted"`` or ``"recorded"``: what was recorded.
    was: str
    #: ``"recorded"`` or ``"refused"``: what the other procedure would make of it.
    now: str
    #: The rule ids that would block or record it; for a call the other
    #: procedure cannot even take (an event, role or fact it does not know),
    #: ``input`` and ``problem`` says what.
    rules: tuple[str, ...]
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class CaseRecheck:
    """One open case and the recorded steps the other procedure would refuse."""

    case: str
    refusals: tuple[Refusal, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "steps": [r.as_dict() for r in self.refusals]}


def _verdict(step: af.Step) -> str:
    return "accepted" if step.accepted else "recorded" if step.recorded else "refused"


_RANK = {"accepted": 0, "recorded": 1, "refused": 2}


def judge_case(
    engine: af.Engine,
    case: af.Case,
    positions: Sequence[int] | None = None,
    unchanged: Collection[str] = frozenset(),
) -> tuple[Refusal, ...]:
    """The kept steps of ``case`` that ``engine``'s procedure would judge worse.

    ``positions`` are the steps' numbers in the stored history (refused
    attempts count); by default 1, 2, ... over the kept steps. Steps of the
    events in ``unchanged`` (the same fingerprint under both procedures,
    ``_fingerprints``) keep their recorded verdict and are not judged.
    """
    ref = engine.procedure.ref
    found = []
    history = case.history
    # Steps before a move were judged by their own generation, and stay so; the
    # move itself is the register's, not an event of any procedure.
    moved = [i for i, step in enumerate(history) if step.event == MIGRATE]
    start = moved[-1] + 1 if moved else 0
    for index, step in enumerate(history):
        if index < start or step.event in unchanged:
            continue
        # The case as recorded up to this step, under the other procedure (the
        # model's positional builder: these cases are many and short-lived).
        before = _new_case(
            case.id, ref, case.candidate, case.unit, step.from_state, history.prefix(index)
        )
        seq = positions[index] if positions is not None else index + 1
        was = _verdict(step)
        try:
            outcome = engine.judge(before, step.event, step.actor, step.on, **step.facts)
        except af.InputError as exc:
            found.append(
                Refusal(
                    seq=seq,
                    event=step.event,
                    on=step.on.isoformat(),
                    was=was,
                    now="refused",
                    rules=("input",),
                    problem=str(exc),
                )
            )
            continue
        now = _verdict(outcome.step)
        if _RANK[now] > _RANK[was]:
            found.append(
                Refusal(
                    seq=seq,
                    event=step.event,
                    on=step.on.isoformat(),
                    was=was,
                    now=now,
                    rules=tuple(v.rule for v in outcome.step.violations),
                )
            )
    return tuple(found)


# -- one process's share -----------------------------------------------------------------

_worker: dict[str, Any] = {}


def _start(
    opener: Callable[..., Any], url: str, procedure: str, modules: Sequence[str], full: bool
) -> None:
    # ``opener`` is the register's class, passed in (it pickles by name) so
    # that this module need not import the one that imports it.
    plugins = af.Plugins([importlib.import_module(name) for name in modules])
    _worker["register"] = register = opener(url, plugins=plugins)
    _worker["procedure"] = loaded = load_procedure(procedure, plugins=plugins)
    _worker["engines"] = {}
    _worker["unchanged"] = Unchanged(register, loaded, full=full)


def _judge_range(
    task: tuple[tuple[str, str | None], dict[str, frozenset[str]]],
) -> tuple[int, list[CaseRecheck]]:
    bounds, known = task
    register = _worker["register"]
    procedure: af.Procedure = _worker["procedure"]
    engines: dict[str, af.Engine] = _worker["engines"]
    unchanged: Unchanged = _worker["unchanged"]
    unchanged.by_fingerprint.update(known)
    return _judge(register, procedure, engines, unchanged, bounds)


class Unchanged:
    """Which events of each recorded procedure ``procedure`` would judge the same way: the
    same fingerprint under both (``_fingerprints``); none with ``full``.

    The new procedure's fingerprints are worked out when first needed (finding the
    plugins' versions reads every installed distribution's file list).
    """

    def __init__(self, register: Any, procedure: af.Procedure, *, full: bool) -> None:
        self.register = register
        self.procedure = procedure
        self.full = full
        self._new: dict[str, str] | None = None
        self._new_known = False
        self.by_fingerprint: dict[str, frozenset[str]] = {}

    @property
    def new(self) -> dict[str, str] | None:
        if not self._new_known:
            plugins = self.register.plugins
            self._new = (
                None
                if self.full
                else event_fingerprints(
                    self.procedure, plugins, plugins_of(self.procedure, plugins)
                )
            )
            self._new_known = True
        return self._new

    def of_open_cases(self) -> dict[str, frozenset[str]]:
        """``events`` for every procedure the open cases' rows name, by fingerprint."""
        query = (
            sa.select(
                cases.c.procedure_id, cases.c.procedure_version, cases.c.procedure_fingerprint
            )
            .where(cases.c.open.is_(True))
            .distinct()
        )
        with self.register.db.connect() as connection:
            refs = [af.ProcedureRef(*row) for row in connection.execute(query)]
        return {ref.fingerprint: self.events(ref) for ref in refs}

    def events(self, ref: af.ProcedureRef) -> frozenset[str]:
        found = self.by_fingerprint.get(ref.fingerprint)
        if found is None:
            found = self.by_fingerprint[ref.fingerprint] = self._compare(ref)
        return found

    def _compare(self, ref: af.ProcedureRef) -> frozenset[str]:
        if self.full:
            return frozenset()
        new = self.new
        if new is None:
            return frozenset()
        register = self.register
        try:
            old = register.procedure(ref)
        except af.AdmissionFlowError:  # cannot be rebuilt here: judge every step
            return frozenset()
        with register.db.connect() as connection:
            text = connection.execute(
                sa.select(procedures.c.plugins).where(procedures.c.fingerprint == ref.fingerprint)
            ).scalar()
        recorded = json.loads(text) if text else {}
        before = event_fingerprints(old, register.plugins, recorded)
        if before is None:
            return frozenset()
        return frozenset(event for event, value in before.items() if new.get(event) == value)


def _judge(
    register: Any,
    procedure: af.Procedure,
    engines: dict[str, af.Engine],
    unchanged: Unchanged,
    bounds: tuple[str, str | None],
) -> tuple[int, list[CaseRecheck]]:
    count = 0
    found = []
    start, end = bounds
    kept = stream(register.db, register.where, open_only=True, verify=False, start=start, end=end)
    for stored, positions in kept:
        count += 1
        unit = stored.case.unit.id
        engine = engines.get(unit)
        if engine is None:
            engine = engines[unit] = af.Engine(
                procedure, plugins=register.plugins, members=register.members(unit)
            )
        same = unchanged.events(stored.case.procedure)
        refusals = judge_case(engine, stored.case, positions, same)
        if refusals:
            found.append(CaseRecheck(case=stored.case.id, refusals=refusals))
    return count, found


def _ranges(ids: Sequence[str], size: int) -> list[tuple[str, str | None]]:
    """``[first, next_first)`` id ranges of ``size`` cases each; the last one open."""
    starts = list(ids[::size])
    return [
        (start, starts[i + 1] if i + 1 < len(starts) else None) for i, start in enumerate(starts)
    ]


def start_method() -> str:
    """``fork`` where it is safe (POSIX, and this process runs one thread), else ``spawn``.

    A forked worker starts with what this process has imported (a spawned one
    imports the library, SQLAlchemy and the rules again: most of a second of CPU
    each) and uses nothing of its state but that: it opens its own connection and
    builds its plugins, procedure and engines as a spawned one does, from the same
    arguments, so both find the same. Forking a process that runs other threads
    can deadlock the child (a lock held by a thread that is not copied), so then
    the workers are spawned.
    """
    if not sys.platform.startswith("linux"):
        return "spawn"  # pragma: no cover - macOS forks unsafely, Windows cannot
    if threading.active_count() != 1:
        return "spawn"
    try:  # threads Python does not know of (a driver's, an embedding program's)
        if len(os.listdir("/proc/self/task")) != 1:
            return "spawn"
    except OSError:  # pragma: no cover - /proc not mounted
        return "spawn"
    return "fork"


def recheck(
    register: Any,
    procedure: str | Path,
    *,
    plugin_modules: Iterable[str] = (),
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    full: bool = False,
) -> list[CaseRecheck]:
    """Judge every open case's kept steps again with ``procedure`` (see the module); with
    ``full``, the steps whose event judges the same way under both too."""
    modules = tuple(plugin_modules)
    loaded = load_procedure(procedure, plugins=register.plugins)
    source = str(procedure)
    ids = register.case_ids(open_only=True)
    total = len(ids)
    if progress is not None:
        progress(0, total)
    if processes is None:
        processes = min(os.cpu_count() or 1, max(1, total // CHUNK))
    ranges = _ranges(ids, CHUNK)
    results: list[CaseRecheck] = []
    done = 0
    if processes <= 1:
        engines: dict[str, af.Engine] = {}
        unchanged = Unchanged(register, loaded, full=full)
        for bounds in ranges:
            count, found = _judge(register, loaded, engines, unchanged, bounds)
            done += count
            results.extend(found)
            if progress is not None:
                progress(done, total)
        return results
    context = multiprocessing.get_context(start_method())
    url = register.db.url.render_as_string(hide_password=False)
    initargs = (type(register), url, source, modules, full)
    with context.Pool(processes, initializer=_start, initargs=initargs) as pool:
        # While the workers start (a new interpreter each), this process works out the
        # unchanged events once, for all of them.
        known = Unchanged(register, loaded, full=full).of_open_cases()
        tasks = [(bounds, known) for bounds in ranges]
        for count, found in pool.imap(_judge_range, tasks):
            done += count
            results.extend(found)
            if progress is not None:
                progress(done, total)
    return results
