"""The engine: open cases, fire events, ask what may happen next.

One ``Engine`` serves every case of a procedure: cases are values, the engine
holds no per-case state. ``fire()`` checks the call (``_facts``), judges the
event (``_judging``), asks a router where the case goes (``_routing``, or the
``transitions`` reference in ``_machine``), and records the deadlines the step
sets or meets (``_deadlines``); then returns a new case, or the same case with
every reason it was refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from admission_flow.engine._json import facts_from_json
from admission_flow.exceptions import (
    ArgumentTypeError,
    CaseError,
    FactError,
    InputError,
    UnknownEventError,
)
from admission_flow.judging._deadlines import Clocks
from admission_flow.judging._generated import GeneratedJudges
from admission_flow.judging._judging import CompiledEvent, Judge
from admission_flow.judging._routing import CompiledRouter, Router
from admission_flow.model._calendar import Calendar
from admission_flow.model._frozen import FrozenDict
from admission_flow.model._values import (
    Actor,
    Case,
    Deadline,
    Member,
    Option,
    Outcome,
    Person,
    Unit,
    _new_outcome,
    _new_step,
)
from admission_flow.model._words import describe, did_you_mean
from admission_flow.plugins._loading import in_force_on, load_procedure
from admission_flow.plugins._manager import CheckedCalendar, Plugins
from admission_flow.procedure import _facts
from admission_flow.procedure._spec import Procedure

from ._members import checked_actor, checked_members
from ._migrate import SYSTEM, migrate

__all__ = ["Backend", "Engine"]

Backend = Literal["compiled", "transitions"]


class Engine:
    """Fires events on the cases of one procedure.

    Args:
        procedure: a loaded procedure (``Engine.load`` loads one by id or path).
        plugins: the plugin manager; by default the one the procedure was
            loaded with (``load_procedure(..., plugins=...)``), so plugins are
            said once; for a procedure built otherwise, a new one with the
            built-in plugins and those installed under the entry-point group
            ``admission_flow``.
        members: the party members events may name (mentors, introducers), by id.
        calendar: the working-day calendar; by default the one a plugin
            resolves, else Vietnam's.
        backend: ``"compiled"`` (fast) or ``"transitions"`` (the reference).
    """

    def __init__(
        self,
        procedure: Procedure,
        *,
        plugins: Plugins | None = None,
        members: Mapping[str, Member] | Iterable[Member] = (),
        calendar: Calendar | None = None,
        backend: Backend = "compiled",
    ) -> None:
        if not isinstance(procedure, Procedure):
            raise ArgumentTypeError(
                f"an engine needs a loaded procedure (admission_flow.load_procedure), not {describe(procedure)}",
                field="procedure",
            )
        if plugins is not None and not isinstance(plugins, Plugins):
            raise ArgumentTypeError(
                f"plugins must be an admission_flow.Plugins, not {describe(plugins)}",
                field="plugins",
            )
        self.procedure = procedure
        if plugins is None:
            loaded_with = procedure.plugins
            plugins = loaded_with if isinstance(loaded_with, Plugins) else Plugins()
        self.plugins = plugins
        self.members: Mapping[str, Member] = checked_members(members)
        if calendar is not None and (
            isinstance(calendar, type) or not isinstance(calendar, Calendar)
        ):
            raise ArgumentTypeError(
                f"calendar must be a calendar object such as WeekdayCalendar(), not {describe(calendar)}",
                field="calendar",
            )
        counting = calendar if calendar is not None else self.plugins.calendar(procedure)
        #: The working-day calendar, as given or as a plugin chose it. The engine's own
        #: counting goes through ``clocks``, which checks a plugin calendar's answers as
        #: they are used; this attribute is the plugin's object itself, unchecked.
        self.calendar: Calendar = (
            counting.calendar if isinstance(counting, CheckedCalendar) else counting
        )
        compiled_router = None
        if backend == "compiled":
            compiled_router = CompiledRouter(procedure)
            self._router: Router = compiled_router
        elif backend == "transitions":
            from admission_flow.judging._machine import MachineRouter

            self._router = MachineRouter(procedure)
        else:
            raise InputError(
                f"backend must be 'compiled' or 'transitions', not {describe(backend)}",
                field="backend",
            )
        self.backend = backend
        self._ref = procedure.ref
        self._states = procedure.states
        self._route = self._router.route
        self.clocks = Clocks(procedure, counting)
        self._judge = Judge(
            procedure,
            plugins=self.plugins,
            members=self.members,
            clocks=self.clocks,
            router=self._router,
        )
        self._events = self._judge.events
        #: One Actor per role anybody may name by role alone, made once.
        self._role_actors = {
            name: Actor(name) for name, role in procedure.roles.items() if not role.individual
        }
        #: One generated judging function per event (``judging/_generated.py``): the
        #: compiled backend's hot path. The transitions backend judges the reference way.
        self._fast = GeneratedJudges(self._judge, compiled_router, self._role_actors, self._ref)

    @classmethod
    def load(
        cls,
        procedure: str | Path,
        *,
        plugins: Plugins | None = None,
        members: Mapping[str, Member] | Iterable[Member] = (),
        calendar: Calendar | None = None,
        backend: Backend = "compiled",
        on: dt.date | None = None,
    ) -> Engine:
        """``Engine(load_procedure(procedure, plugins=plugins), ...)``: an engine in one call;
        with ``on``, of the generation of family ``procedure`` (``"vn-"``) in force that day."""
        plugins = plugins if plugins is not None else Plugins()
        found = in_force_on(str(procedure), on, plugins=plugins) if on else None
        loaded = found or load_procedure(procedure, plugins=plugins)
        return cls(loaded, plugins=plugins, members=members, calendar=calendar, backend=backend)

    # -- cases -------------------------------------------------------------------

    def open(self, case_id: str, candidate: Person, unit: Unit) -> Case:
        """A new case for ``candidate``, before the event that opens it."""
        if type(case_id) is not str or not case_id:
            raise InputError(f"a case id is non-empty text, not {describe(case_id)}", field="case")
        if not isinstance(candidate, Person):
            raise ArgumentTypeError(
                f"the candidate is an admission_flow.Person, not {describe(candidate)}",
                field="candidate",
            )
        if not isinstance(unit, Unit):
            raise ArgumentTypeError(
                f"the unit is an admission_flow.Unit, not {describe(unit)}", field="unit"
            )
        return Case(id=case_id, procedure=self._ref, candidate=candidate, unit=unit)

    def is_closed(self, case: Case) -> bool:
        """Whether the case has reached a final state."""
        self._check_case(case)
        return case.state is not None and self.procedure.states[case.state].final

    def fire(
        self, case: Case, event: str, actor: Actor | str, on: dt.date, /, **facts: Any
    ) -> Outcome:
        """Fire ``event`` on ``case``: ``judge`` it, then tell ``admission_flow_after_step``.

        Use it for a step that happens; a register that keeps the step uses
        ``judge``, then ``notify`` once the step is written. Arguments, result and
        errors are ``judge``'s; a plugin that raises in ``after_step`` is a
        ``PluginError`` and the caller keeps its case.
        """
        fast = self._fast[event] if type(event) is str else None
        outcome = None if fast is None else fast(case, actor, on, facts)
        if outcome is None:
            outcome = self._outcome(case, event, actor, on, facts)
        if self.plugins.notifies_steps:
            self.plugins.after_step(self.procedure, outcome.case, outcome.step)
        return outcome

    def notify(self, outcome: Outcome) -> None:
        """Tell ``admission_flow_after_step`` of a judged step that has happened (is kept)."""
        if self.plugins.notifies_steps:
            self.plugins.after_step(self.procedure, outcome.case, outcome.step)

    def judge(
        self, case: Case, event: str, actor: Actor | str, on: dt.date, /, **facts: Any
    ) -> Outcome:
        """What firing ``event`` on ``case`` for ``actor`` on ``on`` would do; nobody is told.

        The same verdict as ``fire``, without the ``admission_flow_after_step``
        notification: for "what if" questions (``check``, ``recheck``, the
        generated state machine) and for callers that notify when the step is kept.
        The four arguments are positional, so that no fact name can collide with them.

        Returns:
            The step (accepted, recorded or refused, with every violation and
            warning, and the deadlines it set or met) and the case after it,
            which is ``case`` itself when the step was refused.

        Raises:
            UnknownEventError, ActorError, FactError, CaseError: the call itself
                is wrong (an unknown name, a fact of the wrong type, a case of
                another procedure). Nothing is changed. An event dated before
                the case's latest kept step, or with no date (``None``), is no
                error: the core rule ``event.date`` refuses it, in every procedure.
            PluginError: a plugin raised or answered wrongly. Nothing is changed.
        """
        fast = self._fast[event] if type(event) is str else None
        outcome = None if fast is None else fast(case, actor, on, facts)
        return self._outcome(case, event, actor, on, facts) if outcome is None else outcome

    def _outcome(
        self, case: Case, event: str, actor: Actor | str, on: dt.date, facts: dict[str, Any]
    ) -> Outcome:
        compiled = self._events.get(event) if type(event) is str else None
        if compiled is None:
            compiled = self._event(event)  # raises, naming the closest event
        actor = (type(actor) is str and self._role_actors.get(actor)) or self._actor(actor)
        if not (
            type(case) is Case
            and case.procedure is self._ref
            and type(on) is dt.date
            and (case.state is None or case.state in self._states)
        ):
            self._check_case(case, on)
        checked = self._quick_facts(compiled, facts, actor.role)
        if checked is None:
            checked = FrozenDict(self._facts(compiled, facts, actor.role, partial=False))
        running = self.clocks.running(case, compiled.meets) if compiled.meets else []
        judge = self._judge
        verdict = judge.judge(case, compiled, actor, on, checked, running, partial=False)
        escalates = compiled.spec.escalation is not None and judge.escalates(
            case, compiled, verdict
        )
        blocking, recording, warnings = verdict.blocking, verdict.recording, verdict.warnings
        route, target = self._route(case.state, event, bool(blocking), bool(recording), escalates)
        accepted = route == "accepted"
        kept = route != "refused"
        clocks = self.clocks
        met: tuple[Deadline, ...] = ()
        if kept and running:
            met = tuple([clocks.met(clock, on, checked) for clock in running])
        started: tuple[Deadline, ...] = ()
        if accepted and compiled.starts:
            started = tuple([clocks.started(spec, on, checked) for spec in compiled.starts])
        step = _new_step(
            event,
            on,
            actor,
            checked,
            accepted,
            kept and not accepted,
            case.state,
            target,
            (*blocking, *recording) if blocking or recording else (),
            tuple(warnings) if warnings else (),
            started,
            met,
        )
        return _new_outcome(case._advance(target, step) if kept else case, step)

    def migrate(
        self, case: Case, *, to: Engine | Procedure | str, on: dt.date,
        unit: Unit | None = None, actor: Actor | str = SYSTEM, committee: str | None = None,
    ) -> Outcome:  # fmt: skip
        """Move ``case`` to ``to`` (an engine, procedure or id declaring a ``migration:`` from
        this one) by one recorded step; ``unit`` after the move (default: its own, delegation
        lapsed if so declared), ``committee`` deciding after it. Returns the step and the
        case after it, or the same case with every reason refused (see ``_migrate.py``)."""
        return migrate(self, case, to, on, unit=unit, actor=actor, committee=committee)

    def available(
        self, case: Case, actor: Actor | str, on: dt.date, /, **facts: Any
    ) -> tuple[Option, ...]:
        """What ``actor`` may fire on ``case`` now, and for what is blocked, why.

        Only events the actor's role may fire, from the case's state, are
        listed. Facts may be given to check the rules that read them; rules
        whose facts are not given are skipped and their facts listed in
        ``Option.needs``.
        """
        actor = self._actor(actor)
        self._check_case(case, on)
        options = []
        for compiled in self._events.values():
            if actor.role not in compiled.roles or not self._router.allows(
                case.state, compiled.spec.name
            ):
                continue
            given = {k: v for k, v in facts.items() if k in compiled.spec.facts}
            checked = FrozenDict(self._facts(compiled, given, actor.role, partial=True))
            running = self.clocks.running(case, compiled.meets)
            verdict = self._judge.judge(case, compiled, actor, on, checked, running, partial=True)
            options.append(
                Option(
                    event=compiled.spec.name,
                    allowed=not verdict.blocking and not verdict.recording,
                    violations=(*verdict.blocking, *verdict.recording),
                    warnings=tuple(verdict.warnings),
                    needs=tuple(sorted(verdict.needs | (compiled.required - checked.keys()))),
                )
            )
        return tuple(options)

    def facts_from_json(self, event: str, facts: Mapping[str, Any]) -> dict[str, Any]:
        """``event``'s facts read from JSON: each as its declared type (a date from
        ``"YYYY-MM-DD"``), ready for ``fire``; see ``docs/keeping-cases.md``.

        Raises:
            UnknownEventError: the procedure has no such event.
            FactError: a date fact that is not a ``YYYY-MM-DD`` text.
            ArgumentTypeError: ``facts`` is not a JSON object.
        """
        self._event(event)
        return facts_from_json(self.procedure.events[event], facts)

    # -- deadlines and dates (see ``Clocks``) ----------------------------------------

    def deadlines(self, case: Case) -> tuple[Deadline, ...]:
        """Every deadline the case's history has set, met or not (``met_on``)."""
        self._check_case(case)
        return self.clocks.deadlines(case)

    def pending(self, case: Case) -> tuple[Deadline, ...]:
        """The deadlines not yet met, earliest first."""
        self._check_case(case)
        return self.clocks.pending(case)

    def dates(self, case: Case) -> dict[str, dt.date]:
        """The case's named dates (``probation_start``...) and every due date so far."""
        self._check_case(case)
        return self.clocks.dates(case)

    # -- checking a call ------------------------------------------------------------

    def check_actor(self, actor: Actor | str) -> Actor:
        """The actor as an ``Actor``, checked against the procedure's roles and the members.

        Raises:
            ActorError: an unknown role, or an unknown or missing member for an individual role.
        """
        return self._actor(actor)

    def check_facts(
        self,
        event: str,
        given: Mapping[str, Any],
        *,
        role: str | None = None,
        partial: bool = False,
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Check an event's facts against their declarations, collecting every problem.

        Returns the facts with defaults filled in, and ``(fact, message)`` for
        each problem. ``role`` is the actor's, for facts only some roles may
        give. With ``partial``, missing required facts are not problems.
        """
        compiled = self._event(event)
        spec = compiled.spec
        problems: list[tuple[str, str]] = []
        result: dict[str, Any] = dict(compiled.defaults)
        for name, value in given.items():
            fact = spec.facts.get(name)
            if fact is None:
                takes = ", ".join(spec.facts) or "no facts"
                problems.append(
                    (
                        name,
                        f"event '{event}' has no fact '{name}'{did_you_mean(str(name), spec.facts)} (it takes: {takes})",
                    )
                )
                continue
            problem = _facts.problem(fact, value, members=self.members, role=role)
            if problem is not None:
                problems.append((name, f"fact '{name}' of '{event}' {problem}"))
                continue
            result[name] = _facts.normalise(fact, value)
        if not partial and not compiled.required <= given.keys():
            for fact in spec.facts.values():
                if fact.required and fact.name not in given:
                    problems.append(
                        (fact.name, f"event '{event}' needs fact '{fact.name}' ({fact.type})")
                    )
        problems.extend(_facts.limit_problems(event, result, compiled.limits))
        return result, problems

    def _event(self, event: str) -> CompiledEvent:
        compiled = self._events.get(event) if type(event) is str else None
        if compiled is None:
            raise UnknownEventError(
                f"procedure '{self.procedure.id}' has no event "
                + (
                    f"'{event}'{did_you_mean(event, self._events)}"
                    if type(event) is str
                    else describe(event)
                ),
                field="event",
            )
        return compiled

    def _quick_facts(
        self, compiled: CompiledEvent, given: Mapping[str, Any], role: str
    ) -> FrozenDict[str, Any] | None:
        """The facts with their defaults when all is well, else ``None`` (see ``check_facts``)."""
        tests = compiled.tests
        for name, value in given.items():
            test = tests.get(name)
            if test is None or not test(value, role):
                return None
        if not compiled.required <= given.keys():
            return None
        if not given:
            return compiled.frozen_defaults
        result: FrozenDict[str, Any] = FrozenDict(compiled.defaults, **given)
        for name, limit in compiled.limits:
            if name in result and limit in result and result[name] > result[limit]:
                return None
        return result

    def _facts(
        self, compiled: CompiledEvent, given: Mapping[str, Any], role: str, *, partial: bool
    ) -> dict[str, Any]:
        checked, problems = self.check_facts(compiled.spec.name, given, role=role, partial=partial)
        if problems:
            field, message = problems[0]
            raise FactError(message, field=field)
        return checked

    def _check_case(self, case: Case, on: dt.date | None = None) -> None:
        if (
            type(case) is Case
            and (case.procedure is self._ref or case.procedure == self._ref)
            and (on is None or type(on) is dt.date)
            and (case.state is None or case.state in self.procedure.states)
        ):
            return
        if not isinstance(case, Case):
            raise CaseError(
                f"a case is an admission_flow.Case (from Engine.open), not {describe(case)}",
                field="case",
            )
        if case.procedure != self._ref:
            raise CaseError(
                f"case '{case.id}' follows procedure {case.procedure}, not {self._ref}; "
                "use an engine of its procedure and version",
                field="case",
            )
        if on is not None and (not isinstance(on, dt.date) or isinstance(on, dt.datetime)):
            raise CaseError(f"'on' must be a date, not {describe(on)}", field="on")
        if case.state is not None and case.state not in self.procedure.states:
            raise CaseError(
                f"case '{case.id}' is in state {describe(case.state)}, which procedure "
                f"'{self.procedure.id}' does not have{did_you_mean(str(case.state), self.procedure.states)}",
                field="case",
            )

    def _actor(self, actor: Actor | str) -> Actor:
        known = self._role_actors.get(actor) if type(actor) is str else None
        return known or checked_actor(self.procedure, self.members, actor)

    def __repr__(self) -> str:
        return f"<Engine {self.procedure.id} backend={self.backend}>"
