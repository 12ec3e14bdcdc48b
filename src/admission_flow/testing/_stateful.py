"""A Hypothesis state machine generated from any procedure.

``procedure_state_machine(procedure)`` builds, at run time, a
``RuleBasedStateMachine`` that opens cases and fires the procedure's events on
them, with generated actors, dates (never before the last step) and facts. Its
invariants are the engine's own promises and the procedure's declared
``invariants:``. A failure is shown as a scenario file: save it and replay it
with ``admission-flow run``.

Generation is steered, so that a run of Hypothesis' default size reaches every
state: most steps fire an event the case's state allows, with facts that pass
the rules (``Engine.available`` says which), preferring events that do not end
the case; the rest fire any event, by any role, mostly to be refused. The
steering knows no procedure: it asks the engine which events the rules that
read no facts let through (a vote already passed, a dossier incomplete), tries
those that move the case on, then those not yet accepted on the case, and
draws an event's actor and facts a few times before it tries another. A step
only recorded (a vote short of two-thirds) is often repeated, so a run of
them that escalates is common; when nothing new can be done the case is
ended more readily (a candidate the rules never admit); when nothing passes
today the step waits for a landmark, first those of the latest step (twelve
months after it). Dates stay inside the procedure's ``in_force`` window: past
its end every event is refused (``procedure.in_force``) and a case cannot go
back in time, so only a rare draw (``_PAST_WINDOW``) tries the day after it.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import ClassVar, NoReturn, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import admission_flow as af
from admission_flow.calendar import Calendar
from admission_flow.model._vocabulary import command
from admission_flow.plugins._loading import load_procedure
from admission_flow.procedure._invariants import Reading, check_invariants

from ._generation import (
    DEFAULT_MEMBERS,
    FIRST_DAY,
    LAST_DAY,
    Choose,
    between,
    boundary_dates,
    date_from,
    law_edges,
    person,
    pick,
    unit,
)
from ._law import law_reading
from ._scenario_file import Attempt, scenario_text
from ._steering import NEW, Steering
from ._strategies import drawing

__all__ = ["ProcedureMachine", "procedure_state_machine"]

_T = TypeVar("_T")


#: How many of the next boundaries a step that found nothing to do may wait for.
_WAITS = 6


#: Room left for a case to run its course before its procedure leaves force.
_CASE_ROOM = dt.timedelta(days=730)
#: How rarely (one in this many draws of an event that need not pass) a step
#: is dated the day after the procedure's ``in_force`` window: that step must be
#: refused, and every later one of the case with it, since dates never go back.
_PAST_WINDOW = 64
#: How rarely (one in this many steered draws) a step is dated at the edge of a
#: period the latest step started, rather than soon or at any boundary.
_EDGE = 8


def _opening_days(procedure: af.Procedure) -> tuple[dt.date, dt.date]:
    """The days a first case opens on: inside the procedure's ``in_force`` window,
    with two years left, so that most generated cases end before it closes."""
    window = procedure.in_force
    first = max(FIRST_DAY, window.start) if window and window.start else FIRST_DAY
    last = min(LAST_DAY, window.end - _CASE_ROOM) if window and window.end else LAST_DAY
    return first, max(first, last)


class ProcedureMachine(Steering, RuleBasedStateMachine):
    """The base of generated machines; ``procedure_state_machine`` fills the class variables."""

    procedure: ClassVar[af.Procedure]
    engine: ClassVar[af.Engine]
    #: How the scenario file names the procedure: a bundled id or a path.
    procedure_name: ClassVar[str]
    #: The command that replays a counter-example saved as ``counterexample.yaml``.
    replay: ClassVar[str]
    #: States reached by any case of any run of this class (instrumentation only:
    #: generation never reads it).
    states_reached: ClassVar[collections.Counter[str]]
    _law: ClassVar[Reading]

    def __init__(self) -> None:
        super().__init__()
        self.case: af.Case | None = None
        self.unit: af.Unit | None = None
        self.attempts: list[Attempt] = []
        self.today = FIRST_DAY

    # -- rules --------------------------------------------------------------------

    @initialize(data=st.data())
    def open_case(self, data: st.DataObject) -> None:
        self._open(data.draw(_drawn(self._opening), label="case"))

    @rule(data=st.data())
    def fire_event(self, data: st.DataObject) -> None:
        """Fire an event: mostly one the state allows and the rules accept, sometimes any.

        On a closed case, either try any event (it must change nothing) or
        leave the case behind and go on with a new candidate.
        """
        if self._closed() and data.draw(st.booleans(), label="new case"):
            self._open(data.draw(_drawn(self._opening), label="case"))
            return
        attempt, steered = data.draw(_drawn(self._next), label="event")
        self._fire(attempt, generated_well=steered)

    # -- generation ---------------------------------------------------------------
    # Each step is one draw of a whole ``Attempt``, built by plain functions
    # from ``choose``: cheaper than a Hypothesis draw per value, and the failing
    # program then shows one readable line per event.

    def _opening(self, choose: Choose) -> tuple[dt.date, af.Person, af.Unit]:
        if self.case is None:
            first, last = _opening_days(self.engine.procedure)
            start = first + dt.timedelta(days=between(choose, 0, (last - first).days))
        else:
            start = self._in_window(date_from(choose, self.today))
        return start, person(choose, on=af.add_months(start, 9)), unit(choose)

    def _in_window(self, day: dt.date) -> dt.date:
        """``day``, or the last day of the procedure's ``in_force`` window if it is later.

        Past the window every event is refused and, dates never going back, so
        is every later step of the run: a draw past it would waste the rest of
        the example. (``today`` is past it only after a ``_PAST_WINDOW`` probe.)
        """
        window = self.engine.procedure.in_force
        if window is None or window.end is None or day <= window.end or self.today > window.end:
            return day
        return window.end

    def _open(self, opening: tuple[dt.date, af.Person, af.Unit]) -> None:
        start, candidate, self.unit = opening
        self.case = self.engine.open(candidate.id, candidate, self.unit)
        self.attempts = []
        self.today = start

    def _next(self, choose: Choose) -> tuple[Attempt, bool]:
        assert self.case is not None
        case = self.case
        steer = not self._closed() and pick(choose, (12, True), (1, False))
        boundaries = sorted(
            {*boundary_dates(case), *law_edges(self.procedure, case, self.engine.calendar)}
        )
        on = self._in_window(
            date_from(choose, self.today, boundaries=boundaries, jumps=1, horizon=400)
            if steer
            else date_from(choose, self.today, boundaries=boundaries, jumps=6, horizon=800)
        )
        if steer and pick(choose, (_EDGE - 1, False), (1, True)):
            # Just before or past a period the latest step started (the
            # ceremony's thirty working days after the decision).
            edges = [
                day
                for day in law_edges(self.procedure, case, self.engine.calendar, latest=True)
                if day >= self.today
            ]
            if edges:
                on = self._in_window(edges[choose(len(edges))])
        window = self.engine.procedure.in_force
        if (
            not steer
            and window is not None
            and window.end is not None
            and self.today <= window.end
            and pick(choose, (_PAST_WINDOW - 1, False), (1, True))
        ):
            on = window.end + dt.timedelta(days=1)
        found = self._steered(choose, case, on) if steer else None
        if steer and (
            found is None or (found[1] == "staying" and pick(choose, (1, False), (1, True)))
        ):
            # Nothing passes today, or only what the case has had before (a
            # committee vote again in probation): perhaps a period must run out
            # first (a probation, an introducer's twelve months). Try a boundary
            # ahead. The landmarks of the latest step come first (a probation
            # counted from the ceremony), then the next few of any date of the
            # case. Waiting is worth it only for something new.
            horizon = self._in_window(on + dt.timedelta(days=400))
            latest = boundary_dates(case, starts=[case.history[-1].on]) if case.history else []
            ahead = [d for d in latest if on < d <= horizon] + [
                d for d in boundaries if on < d <= horizon
            ][:_WAITS]
            if ahead:
                later = ahead[choose(len(ahead))]
                waited = self._steered(choose, case, later, only=None if found is None else NEW)
                if waited is not None:
                    on, found = later, waited
        if found is None:
            return self._any(choose, case, on), False
        return found[0], True

    def _closed(self) -> bool:
        return self.case is not None and self.engine.is_closed(self.case)

    # -- firing and the invariants --------------------------------------------------

    def _fire(self, attempt: Attempt, *, generated_well: bool) -> None:
        before = self.case
        assert before is not None
        try:
            outcome = self.engine.judge(
                before, attempt.event, attempt.actor, attempt.on, **attempt.facts
            )
        except af.InputError as exc:
            # A role that may not give a fact, a required fact left out: the
            # call itself was wrong, so nothing was fired. The steered events
            # are generated from the declarations and must never get here.
            if generated_well:
                self._fail(f"a well-formed call was rejected as input: {exc}", attempt)
            return
        except af.PluginError as exc:
            self._fail(f"a plugin raised: {exc}", attempt)
        self.attempts.append(attempt)
        self.today = attempt.on
        after = outcome.case
        step = outcome.step
        if not step.kept and after is not before:
            self._fail("a refused step changed the case (a new case object came back)")
        if after.history[: len(before.history)] != before.history or len(after.history) not in (
            len(before.history),
            len(before.history) + 1,
        ):
            self._fail("the history did not only grow by the step")
        if after.state not in self.procedure.states and not (after.state is None is before.state):
            self._fail(f"the case is in undeclared state {after.state!r}")
        if (
            before.state is not None
            and self.procedure.states[before.state].final
            and (after.state != before.state or after is not before)
        ):
            self._fail(f"a case in final state '{before.state}' moved to '{after.state}'")
        failures = check_invariants(self.procedure, after, reading=self._reading())
        if failures:
            self._fail(
                "\n".join(
                    f"invariant '{f.invariant.id}' does not hold in state '{after.state}': "
                    f"{f.explanation}"
                    for f in failures
                )
            )
        self.case = after
        if after.state is not None:
            self.states_reached[after.state] += 1

    def _reading(self) -> Reading:
        """What the invariants read besides the case: the engine's, made once per class."""
        cls = type(self)
        if "_law" not in cls.__dict__:
            cls._law = law_reading(
                self.procedure,
                calendar=self.engine.calendar,
                members=self.engine.members,
                plugins=self.engine.plugins,
            )
        return cls._law

    def _fail(self, message: str, extra: Attempt | None = None) -> NoReturn:
        assert self.case is not None
        assert self.unit is not None
        attempts = [*self.attempts, *([extra] if extra is not None else [])]
        text = scenario_text(
            procedure=self.procedure_name,
            unit=self.unit,
            members=self.engine.members.values(),
            candidate=self.case.candidate,
            attempts=attempts,
            comment=(
                f"{message}\n"
                "Found by admission_flow.testing.procedure_state_machine; save this file as\n"
                f"counterexample.yaml in the folder the test ran in, and replay it with:\n{self.replay}"
            ),
        )
        raise AssertionError(
            f"{message}\n\nThe shortest case Hypothesis found, as a scenario file:\n\n{text}"
        )


def procedure_state_machine(
    procedure: str | Path | af.Procedure,
    *,
    plugins: af.Plugins | None = None,
    members: Mapping[str, af.Member] | Iterable[af.Member] | None = None,
    calendar: Calendar | None = None,
) -> type[ProcedureMachine]:
    """A Hypothesis ``RuleBasedStateMachine`` class for a procedure.

    Args:
        procedure: a bundled id (``"vn-2021"``), a procedure file, or a loaded ``Procedure``.
        plugins: the plugin manager whose rules judge the events; by default the one
            the procedure was loaded with (a new one for a bundled id or a file).
        members: the members events may name; by default ``DEFAULT_MEMBERS``.
        calendar: the working-day calendar; by default the procedure's.

    In a test module: ``TestMine = procedure_state_machine("mine.yaml").TestCase``.
    """
    if isinstance(procedure, af.Procedure):
        loaded = procedure
        name = procedure.path if procedure.path is not None else procedure.id
    else:
        loaded = load_procedure(procedure, plugins=plugins)
        name = str(procedure)
    engine = af.Engine(  # with no plugins given, the ones the procedure was loaded with
        loaded,
        plugins=plugins,
        members=DEFAULT_MEMBERS if members is None else members,
        calendar=calendar,
    )
    return type(
        f"{_class_name(loaded.id)}Machine",
        (ProcedureMachine,),
        {
            "procedure": loaded,
            "engine": engine,
            "procedure_name": name,
            "replay": command(
                "run",
                "counterexample.yaml",
                *([] if name in engine.plugins.procedures() else ["--allow-path"]),
                plugins=engine.plugins.modules(),
            ),
            "states_reached": collections.Counter(),
            "__module__": __name__,
        },
    )


@st.composite
def _drawn(draw: st.DrawFn, build: Callable[[Choose], _T]) -> _T:
    """What ``build`` makes from choices drawn from Hypothesis."""
    return build(drawing(draw))


def _class_name(procedure_id: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in procedure_id).split()
    return "".join(word[:1].upper() + word[1:] for word in words) or "Procedure"
