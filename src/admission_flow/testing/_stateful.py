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
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import ClassVar, NoReturn, TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

import admission_flow as af
from admission_flow.calendar import Calendar
from admission_flow.model._vocabulary import command
from admission_flow.plugins._loading import load_procedure
from admission_flow.procedure._invariants import Reading, check_invariants
from admission_flow.spec import EventSpec

from ._generation import (
    DEFAULT_MEMBERS,
    FIRST_DAY,
    LAST_DAY,
    Choose,
    actor_choices,
    between,
    boundary_dates,
    date_from,
    event_facts,
    law_edges,
    person,
    pick,
    unit,
)
from ._law import law_reading
from ._scenario_file import Attempt, scenario_text
from ._strategies import drawing

__all__ = ["ProcedureMachine", "procedure_state_machine"]

_T = TypeVar("_T")


#: How much each kind of event is preferred when steering, and how many are tried.
_PREFERENCE = ((2400, "moving"), (1200, "novel"), (600, "fresh"), (300, "staying"), (1, "closing"))
#: How much ending the case is preferred when nothing new can be done in its
#: state (a candidate the rules never admit): then a new case is the way on.
_STUCK = 60
_TRIES = 4
#: How many actors and facts are drawn for an event tried before the next is tried.
_DRAWS = 3
_GIVE_UP = 100
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
#: The groups worth waiting for a boundary ahead for: what moves the case on or is new.
_NEW = ("moving", "novel")


def _opening_days(procedure: af.Procedure) -> tuple[dt.date, dt.date]:
    """The days a first case opens on: inside the procedure's ``in_force`` window,
    with two years left, so that most generated cases end before it closes."""
    window = procedure.in_force
    first = max(FIRST_DAY, window.start) if window and window.start else FIRST_DAY
    last = min(LAST_DAY, window.end - _CASE_ROOM) if window and window.end else LAST_DAY
    return first, max(first, last)


class ProcedureMachine(RuleBasedStateMachine):
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
                waited = self._steered(choose, case, later, only=None if found is None else _NEW)
                if waited is not None:
                    on, found = later, waited
        if found is None:
            return self._any(choose, case, on), False
        return found[0], True

    def _closed(self) -> bool:
        return self.case is not None and self.engine.is_closed(self.case)

    def _fresh_actors(self, case: af.Case, spec: EventSpec) -> list[af.Actor]:
        """The actors who may fire ``spec`` and have not had it accepted on this case yet."""
        used = {step.actor for step in case.steps_of(spec.name) if step.accepted}
        return [
            actor
            for actor in actor_choices(self.procedure, spec.roles, self.engine.members)
            if actor not in used
        ]

    def _attempt(
        self, choose: Choose, case: af.Case, event: str, on: dt.date, roles: Iterable[str]
    ) -> Attempt:
        """The event fired by one of ``roles``, preferring actors it has not had yet."""
        choices = actor_choices(self.procedure, roles, self.engine.members)
        used = {step.actor for step in case.steps_of(event) if step.accepted}
        fresh = [actor for actor in choices if actor not in used]
        pool = pick(choose, (3, fresh), (1, choices)) if fresh else choices
        actor = pool[choose(len(pool))]
        given = event_facts(
            choose,
            self.procedure,
            event,
            on=on,
            members=self.engine.members,
            role=actor.role,
            unit=case.unit,
            earlier=[step.on for step in case.history if step.kept],
        )
        return Attempt(on=on, event=event, actor=actor, facts=given)

    def _steered(
        self, choose: Choose, case: af.Case, on: dt.date, *, only: Collection[str] | None = None
    ) -> tuple[Attempt, str] | None:
        """An event the state allows and whose rules pass (or only record), and its group.

        ``None`` if none is found; ``only`` restricts the groups tried.

        Only events whose fact-free rules pass now are tried (``_open_events``).
        Events that move the case on are tried first, then events not yet
        accepted on the case, then events some actor has not fired on it yet,
        then the others; events that end the case come last, unless nothing
        else moves it on (or nothing new can be done: ``_STUCK``). Each
        try asks ``Engine.available`` whether the rules would pass; a few tries,
        each with another event, then give up.
        """
        repeat = self._repeated(choose, case, on) if only is None else None
        if repeat is not None:
            return repeat, "repeat"
        groups: dict[str, list[EventSpec]] = {
            "moving": [],
            "novel": [],
            "fresh": [],
            "staying": [],
            "closing": [],
        }
        for spec in self.procedure.events.values():
            if (spec.opens_case if case.state is None else case.state in spec.sources) and (
                actor_choices(self.procedure, spec.roles, self.engine.members)
            ):
                # A renewed certificate (``to:`` by state) may stay where it is.
                target = spec.target_from(case.state)
                if self.procedure.states[target].final:
                    groups["closing"].append(spec)
                elif target != case.state:
                    groups["moving"].append(spec)
                elif not any(step.accepted for step in case.steps_of(spec.name)):
                    groups["novel"].append(spec)
                elif self._fresh_actors(case, spec):
                    groups["fresh"].append(spec)
                else:
                    groups["staying"].append(spec)
        if not groups["moving"]:
            # No way on that keeps the case open (probation): ending it is the way on.
            groups["moving"], groups["closing"] = groups["closing"], []
        # Only events the rules that read no facts let through are tried.
        open_now = self._open_events(case, on)
        for name, group in groups.items():
            groups[name] = [spec for spec in group if spec.name in open_now]
        if only is not None:
            groups = {name: (group if name in only else []) for name, group in groups.items()}
        preference = {g: w for w, g in _PREFERENCE}
        if not groups["moving"] and not groups["novel"] and groups["closing"]:
            preference["closing"] = _STUCK
        name_of = {id(group): name for name, group in groups.items()}
        for _ in range(_TRIES):
            weighted = [(preference[g], groups[g]) for _, g in _PREFERENCE if groups[g]]
            if not weighted:
                return None
            if weighted[0][1] is groups["closing"]:
                # Only events that end the case are left: rarely, or the walk ends early.
                weighted.append((_GIVE_UP, []))
            group = pick(choose, *weighted)
            if not group:
                return None
            # An event tried is not tried again in this step; ending the case stays rare.
            spec = (
                group[choose(len(group))]
                if group is groups["closing"]
                else group.pop(choose(len(group)))
            )
            # Its rules that read no facts pass for some actor: another actor
            # and other facts may well pass where the first draw did not.
            for _ in range(_DRAWS):
                attempt = self._attempt(choose, case, spec.name, on, spec.roles)
                try:
                    options = self.engine.available(case, attempt.actor, on, **attempt.facts)
                except af.PluginError:
                    return attempt, name_of[
                        id(group)
                    ]  # firing it fails the test, with the scenario to replay
                for option in options:
                    if (
                        option.event == spec.name
                        and not option.needs
                        and all(v.severity == "record" for v in option.violations)
                    ):
                        return attempt, name_of[id(group)]
        return None

    def _repeated(self, choose: Choose, case: af.Case, on: dt.date) -> Attempt | None:
        """Often, the case's last step again with its facts, if it was only recorded.

        A step kept but not accepted (a vote short of two-thirds) is what a
        procedure counts to escalate; repeating it as it was makes the run of
        them that escalates a case common, not a one-in-ten chance.
        """
        last = case.history[-1] if case.history else None
        if (
            last is None
            or last.accepted
            or not last.recorded
            or not pick(choose, (1, False), (3, True))
        ):
            return None
        attempt = Attempt(on=on, event=last.event, actor=last.actor, facts=dict(last.facts))
        try:
            options = self.engine.available(case, attempt.actor, on, **attempt.facts)
        except af.PluginError:
            return attempt  # firing it fails the test, with the scenario to replay
        for option in options:
            if (
                option.event == last.event
                and not option.needs
                and option.violations
                and all(v.severity == "record" for v in option.violations)
            ):
                return attempt
        return None

    def _open_events(self, case: af.Case, on: dt.date) -> set[str]:
        """The events the state allows that some actor may fire on ``on``, facts aside.

        ``Engine.available`` without facts checks every rule that reads none
        (an earlier vote, a complete dossier, a period run out), so an event
        those rules block is not tried at all: the tries go to events that can
        pass once their facts are drawn.
        """
        specs = [
            spec
            for spec in self.procedure.events.values()
            if (spec.opens_case if case.state is None else case.state in spec.sources)
        ]
        roles = sorted({role for spec in specs for role in spec.roles})
        found: set[str] = set()
        for actor in actor_choices(self.procedure, roles, self.engine.members):
            try:
                options = self.engine.available(case, actor, on)
            except af.PluginError:
                # Firing it fails the test, with the scenario to replay: leave it open.
                return {spec.name for spec in specs}
            found.update(
                option.event
                for option in options
                if all(v.severity == "record" for v in option.violations)
            )
        return found

    def _any(self, choose: Choose, case: af.Case, on: dt.date) -> Attempt:
        """Any event, by any role that may be named, with facts of the right types."""
        events = sorted(self.procedure.events)
        return self._attempt(choose, case, events[choose(len(events))], on, self.procedure.roles)

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
