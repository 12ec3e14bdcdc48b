"""Re-checking after a rule change: which recorded steps another procedure would refuse.

Each open case's kept steps (accepted and recorded) are judged again, one by
one, by the engine of the other procedure, each on the case as it was recorded
up to that step: the past is taken as it happened, and only the step itself is
judged anew. A step is listed when its verdict would be worse: an accepted
step that would now be refused or only recorded, a recorded one that would be
refused. Nothing is written.

The cases are split into ranges of ids and judged in several processes (one
per core by default), each with its own connection and engine.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs

import admission_flow as af
from admission_flow.engine._migrate import MIGRATE
from admission_flow.model._values import _new_case
from admission_flow.plugins._loading import load_procedure

from ._stream import stream

__all__ = ["CaseRecheck", "Refusal", "recheck"]

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
    engine: af.Engine, case: af.Case, positions: Sequence[int] | None = None
) -> tuple[Refusal, ...]:
    """The kept steps of ``case`` that ``engine``'s procedure would judge worse.

    ``positions`` are the steps' numbers in the stored history (refused
    attempts count); by default 1, 2, ... over the kept steps.
    """
    ref = engine.procedure.ref
    found = []
    history = case.history
    # Steps before a move were judged by their own generation, and stay so; the
    # move itself is the register's, not an event of any procedure.
    moved = [i for i, step in enumerate(history) if step.event == MIGRATE]
    start = moved[-1] + 1 if moved else 0
    for index, step in enumerate(history):
        if index < start:
            continue
        # The case as recorded up to this step, under the other procedure (the
        # model's positional builder: these cases are many and short-lived).
        before = _new_case(
            case.id, ref, case.candidate, case.unit, step.from_state, history[:index]
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


def _start(opener: Callable[..., Any], url: str, procedure: str, modules: Sequence[str]) -> None:
    # ``opener`` is the register's class, passed in (it pickles by name) so
    # that this module need not import the one that imports it.
    plugins = af.Plugins([importlib.import_module(name) for name in modules])
    _worker["register"] = opener(url, plugins=plugins)
    _worker["procedure"] = load_procedure(procedure, plugins=plugins)
    _worker["engines"] = {}


def _judge_range(bounds: tuple[str, str | None]) -> tuple[int, list[CaseRecheck]]:
    register = _worker["register"]
    procedure: af.Procedure = _worker["procedure"]
    engines: dict[str, af.Engine] = _worker["engines"]
    return _judge(register, procedure, engines, bounds)


def _judge(
    register: Any,
    procedure: af.Procedure,
    engines: dict[str, af.Engine],
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
        refusals = judge_case(engine, stored.case, positions)
        if refusals:
            found.append(CaseRecheck(case=stored.case.id, refusals=refusals))
    return count, found


def _ranges(ids: Sequence[str], size: int) -> list[tuple[str, str | None]]:
    """``[first, next_first)`` id ranges of ``size`` cases each; the last one open."""
    starts = list(ids[::size])
    return [
        (start, starts[i + 1] if i + 1 < len(starts) else None) for i, start in enumerate(starts)
    ]


def recheck(
    register: Any,
    procedure: str | Path,
    *,
    plugin_modules: Iterable[str] = (),
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[CaseRecheck]:
    """Judge every open case's kept steps again with ``procedure`` (see the module)."""
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
        for bounds in ranges:
            count, found = _judge(register, loaded, engines, bounds)
            done += count
            results.extend(found)
            if progress is not None:
                progress(done, total)
        return results
    context = multiprocessing.get_context("spawn")
    url = register.db.url.render_as_string(hide_password=False)
    initargs = (type(register), url, source, modules)
    with context.Pool(processes, initializer=_start, initargs=initargs) as pool:
        for count, found in pool.imap(_judge_range, ranges):
            done += count
            results.extend(found)
            if progress is not None:
                progress(done, total)
    return results
