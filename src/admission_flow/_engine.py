"""Firing events on cases.

One ``Engine`` serves every case of a procedure: cases are values, the engine
holds no per-case state. Firing an event judges it against every rule the
procedure names for it, against deadlines, and against every plugin's
``admission_flow_check_event``, all at once; then either returns a new case
(accepted or recorded) or the same case with the reasons (refused).

Which transition an event takes is decided by a router. The default,
``"compiled"``, is a dictionary built once per procedure. ``"transitions"``
routes through one ``transitions.Machine`` per procedure (see ``_machine.py``):
it is the reference semantics, and the test suite proves that the two agree
over random event sequences.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from ._calendar import Calendar, explain
from ._dates import add_months
from ._model import (
    Actor,
    Case,
    Deadline,
    Member,
    Option,
    Outcome,
    Person,
    Step,
    Text,
    Unit,
    Violation,
    _new_deadline,
    _new_outcome,
    _new_step,
)
from ._plugins import Plugins
from ._procedure import DeadlineSpec, EventSpec, FactSpec, Procedure, RuleSpec, fact_type_problem
from ._reading import did_you_mean
from ._routing import CompiledRouter, Router
from ._rule import Check, EventContext
from .exceptions import ActorError, CaseError, FactError, PluginError, UnknownEventError

__all__ = ["Engine"]

Backend = Literal["compiled", "transitions"]


#: Where a violation of each severity goes: blocking, recording, warnings.
_SLOTS = {"block": 0, "record": 1, "warning": 2}
#: What a full (not partial) judgement returns as its unused ``needs``.
_NO_NEEDS: set[str] = set()


@attrs.frozen
class _BoundRule:
    spec: RuleSpec
    check: Check
    params: Mapping[str, Any]
    reads: frozenset[str]
    plugin: str
    slot: int


@attrs.frozen
class _Event:
    spec: EventSpec
    roles: frozenset[str]
    allowed: Text
    required: frozenset[str]
    #: One quick test per fact, ``test(value, role) -> bool``; a failure goes to
    #: ``check_facts`` for the message.
    tests: Mapping[str, Callable[[Any, str], bool]]
    defaults: Mapping[str, Any]
    limits: tuple[tuple[str, str], ...]
    rules: tuple[_BoundRule, ...]
    starts: tuple[DeadlineSpec, ...]
    meets: tuple[DeadlineSpec, ...]


class Engine:
    """Fires events on the cases of one procedure.

    Args:
        procedure: a loaded procedure (see ``Engine.load`` to load one by id or path).
        plugins: the plugin manager; by default a new one with the built-in
            plugins and those installed under the entry-point group ``admission_flow``.
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
        self.procedure = procedure
        self.plugins = plugins if plugins is not None else Plugins()
        self.members: Mapping[str, Member] = (
            members if isinstance(members, Mapping) else {m.id: m for m in members}
        )
        if calendar is not None and (
            isinstance(calendar, type) or not isinstance(calendar, Calendar)
        ):
            raise TypeError(
                f"calendar must be a calendar object such as WeekdayCalendar(), not {calendar!r}"
            )
        self.calendar: Calendar = (
            calendar if calendar is not None else self.plugins.calendar(procedure)
        )
        if backend == "compiled":
            self._router: Router = CompiledRouter(procedure)
        elif backend == "transitions":
            from ._machine import MachineRouter

            self._router = MachineRouter(procedure)
        else:
            raise ValueError(f"backend must be 'compiled' or 'transitions', not {backend!r}")
        self.backend = backend
        self._allows = self._router.allows
        self._route = self._router.route
        self._auth = procedure.rules["auth.role"]
        self._wrong_state = procedure.rules["event.state"]
        self._events = {name: self._compile(spec) for name, spec in procedure.events.items()}
        #: One Actor per role anybody may name by role alone, made once.
        self._role_actors = {
            name: Actor(name) for name, role in procedure.roles.items() if not role.individual
        }
        #: Due dates and their basis, and the not-yet-met deadlines, by (deadline,
        #: start, extended): a few per calendar day at most, so never evicted.
        self._due: dict[tuple[str, dt.date, bool], tuple[dt.date, Text]] = {}
        self._open: dict[tuple[str, dt.date, bool], Deadline] = {}

    @classmethod
    def load(
        cls,
        procedure: str | Path,
        *,
        plugins: Plugins | None = None,
        members: Mapping[str, Member] | Iterable[Member] = (),
        calendar: Calendar | None = None,
        backend: Backend = "compiled",
    ) -> Engine:
        """Load a bundled procedure by id (``"vn-2021"``) or a procedure file, and build an engine."""
        plugins = plugins if plugins is not None else Plugins()
        return cls(
            plugins.load_procedure(procedure),
            plugins=plugins,
            members=members,
            calendar=calendar,
            backend=backend,
        )

    def _compile(self, spec: EventSpec) -> _Event:
        rules = []
        for use in spec.rules:
            rule = self.procedure.rules[use.rule]
            if rule.implementation is None:  # a core rule named on an event: applied anyway
                continue
            rules.append(
                _BoundRule(
                    spec=rule,
                    check=rule.implementation.check,
                    params={**rule.params, **use.params},
                    reads=rule.implementation.reads,
                    plugin=rule.plugin or "?",
                    slot=_SLOTS[rule.severity],
                )
            )
        deadlines = self.procedure.deadlines.values()
        return _Event(
            spec=spec,
            roles=frozenset(spec.roles),
            allowed=self._roles_text(spec.roles),
            required=frozenset(f.name for f in spec.facts.values() if f.required),
            tests={name: self._fact_test(fact) for name, fact in spec.facts.items()},
            defaults={f.name: f.default for f in spec.facts.values() if f.default is not None},
            limits=tuple((f.name, f.at_most) for f in spec.facts.values() if f.at_most is not None),
            rules=tuple(rules),
            starts=tuple(d for d in deadlines if d.after == spec.name),
            meets=tuple(d for d in deadlines if spec.name in d.met_by),
        )

    def _role_text(self, role: str) -> Text:
        """A role as users read it: its label, then its name in the procedure."""
        label = self.procedure.roles[role].label
        return Text(f"{label.vi} ({role})", f"{label.en} ({role})")

    def _roles_text(self, roles: Iterable[str]) -> Text:
        texts = [self._role_text(role) for role in roles]
        return Text("; ".join(t.vi for t in texts), "; ".join(t.en for t in texts))

    def _fact_test(self, fact: FactSpec) -> Callable[[Any, str], bool]:
        """A fast yes/no test of a fact's value; ``check_facts`` explains a no."""
        members = self.members
        kind = fact.type
        if fact.roles:
            roles = frozenset(fact.roles)
            plain = self._fact_test(attrs.evolve(fact, roles=()))
            return lambda v, role: role in roles and plain(v, role)
        if kind == "int":
            minimum = fact.minimum
            if minimum is None:
                return lambda v, role: type(v) is int
            return lambda v, role: type(v) is int and v >= minimum
        if kind == "choice":
            values = frozenset(fact.values)
            return lambda v, role: type(v) is str and v in values
        if kind == "member":
            return lambda v, role: type(v) is str and v in members
        expected = {"text": str, "bool": bool, "date": dt.date}[kind]
        return lambda v, role: type(v) is expected

    # -- cases -------------------------------------------------------------------

    def open(self, case_id: str, candidate: Person, unit: Unit) -> Case:
        """A new case for ``candidate``, before the event that opens it."""
        return Case(id=case_id, procedure=self.procedure.id, candidate=candidate, unit=unit)

    def is_closed(self, case: Case) -> bool:
        """Whether the case has reached a final state."""
        return case.state is not None and self.procedure.states[case.state].final

    def fire(
        self, case: Case, event: str, actor: Actor | str, on: dt.date, **facts: Any
    ) -> Outcome:
        """Fire ``event`` on ``case`` for ``actor`` on date ``on``, with its facts.

        Returns:
            The step (accepted, recorded or refused, with every violation and
            warning, and the deadlines it set or met) and the case after it,
            which is ``case`` itself when the step was refused.

        Raises:
            UnknownEventError, ActorError, FactError, CaseError: the call itself
                is wrong (an unknown name, a fact of the wrong type, a case of
                another procedure). Nothing is changed. An event dated before
                the case's last step is not an error: a procedure refuses it
                with a rule (``dates.order`` in ``vn-2021``).
            PluginError: a plugin raised. Nothing is changed.
        """
        compiled = self._events.get(event)
        if compiled is None:
            raise self._unknown_event(event)
        actor = self._actor(actor)
        self._check_case(case, on)
        checked = self._quick_facts(compiled, facts, actor.role)
        if checked is None:
            checked = self._facts(compiled, facts, actor.role, partial=False)
        facts = checked
        due = self._open_deadlines(case, compiled.meets) if compiled.meets else []
        blocking, recording, warnings, _ = self._judge(
            case, compiled, actor, on, facts, due, partial=False
        )
        spec = compiled.spec
        escalates = False
        if recording and not blocking and spec.escalation is not None:
            failures = 1 + sum(
                1 for s in case.history if s.event == event and s.recorded and not s.accepted
            )
            escalates = failures >= spec.escalation.after
            if escalates:
                rule = self.procedure.rules[spec.escalation.rule]
                warnings.append(
                    self._violation(
                        rule,
                        {
                            "count": failures,
                            "state": self.procedure.state_label(spec.escalation.to),
                        },
                    )
                )
        route, target = self._route(case.state, event, bool(blocking), bool(recording), escalates)
        accepted = route == "accepted"
        kept = route != "refused"
        deadlines_set: tuple[Deadline, ...] = ()
        deadlines_met: tuple[Deadline, ...] = ()
        if kept and due:
            deadlines_met = tuple(
                self._deadline(
                    clock,
                    first.on,
                    first.facts,
                    extended=self._extended(clock, facts),
                    met_on=self._met_on(clock, on, facts),
                )
                for clock, first in due
            )
        if accepted and compiled.starts:
            deadlines_set = tuple(self._deadline(d, on, facts) for d in compiled.starts)
        step = _new_step(
            event,
            on,
            actor,
            facts,
            accepted,
            kept and not accepted,
            case.state,
            target,
            (*blocking, *recording) if blocking or recording else (),
            tuple(warnings) if warnings else (),
            deadlines_set,
            deadlines_met,
        )
        after = case._advance(target, step) if kept else case
        if self.plugins.notifies_steps:
            self.plugins.after_step(self.procedure, after, step)
        return _new_outcome(after, step)

    def available(
        self, case: Case, actor: Actor | str, on: dt.date, **facts: Any
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
            checked = self._facts(compiled, given, actor.role, partial=True)
            due = self._open_deadlines(case, compiled.meets)
            blocking, recording, warnings, needs = self._judge(
                case, compiled, actor, on, checked, due, partial=True
            )
            options.append(
                Option(
                    event=compiled.spec.name,
                    allowed=not blocking and not recording,
                    violations=tuple(blocking) + tuple(recording),
                    warnings=tuple(warnings),
                    needs=tuple(sorted(needs | (compiled.required - checked.keys()))),
                )
            )
        return tuple(options)

    # -- deadlines and dates ---------------------------------------------------------

    def deadlines(self, case: Case) -> tuple[Deadline, ...]:
        """Every deadline the case's history has set, met or not (``met_on``)."""
        result = []
        for spec, first, met in self._clocks(case, tuple(self.procedure.deadlines.values())):
            result.append(
                self._deadline(
                    spec,
                    first.on,
                    first.facts,
                    extended=met is not None and self._extended(spec, met.facts),
                    met_on=None if met is None else self._met_on(spec, met.on, met.facts),
                )
            )
        return tuple(result)

    def pending(self, case: Case) -> tuple[Deadline, ...]:
        """The deadlines not yet met, earliest first."""
        return tuple(
            sorted((d for d in self.deadlines(case) if d.met_on is None), key=lambda d: d.due)
        )

    def dates(self, case: Case) -> dict[str, dt.date]:
        """The case's named dates (``probation_start``...) and every due date so far."""
        result: dict[str, dt.date] = {}
        for spec in self.procedure.dates.values():
            step = case.last(spec.event)
            if step is None or (spec.requires is not None and case.last(spec.requires) is None):
                continue
            day = step.facts.get(spec.fact, step.on) if spec.fact else step.on
            result[spec.name] = add_months(day, spec.months)
        for deadline in self.deadlines(case):
            result[deadline.name] = deadline.due
        return result

    # -- internals ---------------------------------------------------------------------

    def _unknown_event(self, event: str) -> UnknownEventError:
        return UnknownEventError(
            f"procedure '{self.procedure.id}' has no event '{event}'"
            f"{did_you_mean(str(event), self._events)}",
            field="event",
        )

    def _quick_facts(
        self, compiled: _Event, given: Mapping[str, Any], role: str
    ) -> dict[str, Any] | None:
        """The facts with their defaults when all is well, else ``None`` (see ``check_facts``)."""
        tests = compiled.tests
        for name, value in given.items():
            test = tests.get(name)
            if test is None or not test(value, role):
                return None
        if not compiled.required <= given.keys():
            return None
        result = {**compiled.defaults, **given}
        for name, limit in compiled.limits:
            if name in result and limit in result and result[name] > result[limit]:
                return None
        return result

    def _check_case(self, case: Case, on: dt.date) -> None:
        # An event dated before the case's last step is data, not a wrong call:
        # the procedure's rule `dates.order` refuses it (vn-2021 revision 2).
        if case.procedure == self.procedure.id and type(on) is dt.date:
            return
        if case.procedure != self.procedure.id:
            raise CaseError(
                f"case '{case.id}' follows procedure '{case.procedure}', not '{self.procedure.id}'; "
                "use an engine of its procedure",
                field="case",
            )
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            raise CaseError(f"'on' must be a date, not {on!r}", field="on")

    def check_actor(self, actor: Actor | str) -> Actor:
        """The actor as an ``Actor``, checked against the procedure's roles and the members.

        Raises:
            ActorError: an unknown role, or an unknown or missing member for an individual role.
        """
        return self._actor(actor)

    def _actor(self, actor: Actor | str) -> Actor:
        known = self._role_actors.get(actor) if type(actor) is str else None
        if known is not None:
            return known
        if isinstance(actor, str):
            actor = Actor(actor)
        elif not isinstance(actor, Actor):
            raise ActorError(f"an actor is an Actor or a role name, not {actor!r}", field="by")
        role = self.procedure.roles.get(actor.role)
        if role is None:
            raise ActorError(
                f"procedure '{self.procedure.id}' has no role '{actor.role}'"
                f"{did_you_mean(actor.role, self.procedure.roles)}",
                field="by",
            )
        if role.individual:
            if actor.id is None:
                raise ActorError(
                    f"role '{actor.role}' is held by one member: say which, e.g. {{role: {actor.role}, id: m-1}}",
                    field="by",
                )
            if actor.id not in self.members:
                raise ActorError(
                    f"unknown member '{actor.id}' acting as '{actor.role}'{did_you_mean(actor.id, self.members)}",
                    field="by",
                )
        return actor

    def _facts(
        self, compiled: _Event, given: Mapping[str, Any], role: str, *, partial: bool
    ) -> dict[str, Any]:
        checked, problems = self.check_facts(compiled.spec.name, given, role=role, partial=partial)
        if problems:
            field, message = problems[0]
            raise FactError(message, field=field)
        return checked

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
        compiled = self._events[event]
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
                        f"event '{event}' has no fact '{name}'{did_you_mean(name, spec.facts)} (it takes: {takes})",
                    )
                )
                continue
            problem = fact_type_problem(fact, value)
            if problem is None and fact.type == "member" and value not in self.members:
                problem = (
                    f"names unknown member '{value}': list it among the members first"
                    f"{did_you_mean(value, self.members)}"
                )
            if problem is None and fact.minimum is not None and value < fact.minimum:
                problem = f"must be at least {fact.minimum}, not {value}"
            if problem is None and fact.roles and role is not None and role not in fact.roles:
                problem = f"is given only by {', '.join(fact.roles)}, not by '{role}'; leave it out"
            if problem is not None:
                problems.append((name, f"fact '{name}' of '{event}' {problem}"))
                continue
            result[name] = value
        if not partial and not compiled.required <= given.keys():
            for fact in spec.facts.values():
                if fact.required and fact.name not in given:
                    problems.append(
                        (fact.name, f"event '{event}' needs fact '{fact.name}' ({fact.type})")
                    )
        for name, limit in compiled.limits:
            if name in result and limit in result and result[name] > result[limit]:
                problems.append(
                    (
                        name,
                        f"fact '{name}' of '{event}' ({result[name]}) cannot exceed "
                        f"'{limit}' ({result[limit]})",
                    )
                )
        return result, problems

    def _judge(
        self,
        case: Case,
        compiled: _Event,
        actor: Actor,
        on: dt.date,
        facts: dict[str, Any],
        due: list[tuple[DeadlineSpec, Step]],
        *,
        partial: bool,
    ) -> tuple[list[Violation], list[Violation], list[Violation], set[str]]:
        """Every violation of the event, sorted into blocking, recording and warnings.

        ``due`` holds the deadlines this event would meet, for the lateness checks.
        """
        spec = compiled.spec
        blocking: list[Violation] = []
        needs: set[str] = set() if partial else _NO_NEEDS
        in_state = self._allows(case.state, spec.name)
        if not in_state:
            blocking.append(
                self._violation(
                    self._wrong_state,
                    {"event": spec.label, "state": self.procedure.state_label(case.state)},
                )
            )
        if actor.role not in compiled.roles:
            blocking.append(
                self._violation(
                    self._auth,
                    {
                        "role": self._role_text(actor.role),
                        "event": spec.label,
                        "allowed": compiled.allowed,
                    },
                )
            )
        if not in_state:  # the rules assume the states the event comes from
            return blocking, [], [], needs
        checks_events = self.plugins.checks_events
        if not compiled.rules and not due and not checks_events:
            return blocking, [], [], needs
        lists: tuple[list[Violation], list[Violation], list[Violation]] = (blocking, [], [])
        context = EventContext(
            self.procedure, case, spec, actor, on, facts, self.members, self.calendar
        )
        for bound in compiled.rules:
            if partial and not bound.reads <= facts.keys():
                needs |= bound.reads - facts.keys()
                continue
            try:
                details = bound.check(context, bound.params)
            except Exception as exc:
                raise PluginError(
                    f"rule '{bound.spec.id}' of plugin '{bound.plugin}' raised {type(exc).__name__} "
                    f"on event '{spec.name}': {exc}; nothing was changed",
                    plugin=bound.plugin,
                    hook="admission_flow_add_rules",
                ) from exc
            if details is None:
                continue
            if not isinstance(details, Mapping):
                raise PluginError(
                    f"rule '{bound.spec.id}' of plugin '{bound.plugin}' returned {details!r}; a check "
                    "returns None when the rule holds, or a mapping of its message's values when broken",
                    plugin=bound.plugin,
                    hook="admission_flow_add_rules",
                )
            lists[bound.slot].append(self._violation(bound.spec, details, plugin=bound.plugin))
        for deadline_spec, first in due:
            start, due_on, _ = self._clock(
                deadline_spec, first.on, first.facts, self._extended(deadline_spec, facts)
            )
            met = self._met_on(deadline_spec, on, facts)
            if met <= due_on:
                continue
            if deadline_spec.waiver is not None and facts.get(deadline_spec.waiver) is True:
                continue
            rule = self.procedure.rules[deadline_spec.rule]
            lists[_SLOTS[rule.severity]].append(
                self._violation(
                    rule,
                    {
                        "due": due_on,
                        "met": met,
                        "start": start,
                        "counted_from": add_months(start, deadline_spec.months),
                        "working_days": self._working_days(deadline_spec, facts),
                        "event": spec.label,
                    },
                )
            )
        if checks_events:
            for violation in self.plugins.check_event(context):
                lists[_SLOTS.get(violation.severity, 0)].append(violation)
        return blocking, lists[1], lists[2], needs

    def _violation(
        self, rule: RuleSpec, details: Mapping[str, Any], *, plugin: str | None = None
    ) -> Violation:
        try:
            message = rule.message.format(**details)
        except (KeyError, IndexError, ValueError) as exc:
            name = plugin or rule.plugin or "?"
            raise PluginError(
                f"the message of rule '{rule.id}' needs {exc} but its check gave only: "
                f"{', '.join(details) or 'nothing'}",
                plugin=name,
                hook="admission_flow_add_rules",
            ) from exc
        return Violation(
            rule=rule.id,
            message=message,
            source=rule.source,
            severity=rule.severity,
            details=dict(details),
        )

    def _clocks(
        self, case: Case, specs: tuple[DeadlineSpec, ...]
    ) -> list[tuple[DeadlineSpec, Step, Step | None]]:
        """Each deadline among ``specs`` the case has started: its starting step (the
        latest accepted ``after`` event) and the first step after it that met it, if any."""
        found: list[tuple[DeadlineSpec, Step, Step | None]] = []
        history = case.history
        for spec in specs:
            after = spec.after
            for start in range(len(history) - 1, -1, -1):
                first = history[start]
                if first.event == after and first.accepted:
                    break
            else:
                continue
            met_by = spec.met_by
            met = None
            for step in history[start + 1 :]:
                if step.event in met_by:
                    met = step
                    break
            found.append((spec, first, met))
        return found

    def _open_deadlines(
        self, case: Case, specs: tuple[DeadlineSpec, ...]
    ) -> list[tuple[DeadlineSpec, Step]]:
        """The deadlines among ``specs`` the case has started and not yet met, with their start."""
        return [(spec, first) for spec, first, met in self._clocks(case, specs) if met is None]

    def _extended(self, spec: DeadlineSpec, facts: Mapping[str, Any]) -> bool:
        return spec.extension is not None and facts.get(spec.extension) is True

    def _working_days(self, spec: DeadlineSpec, facts: Mapping[str, Any]) -> int:
        if self._extended(spec, facts) and spec.extended_working_days is not None:
            return spec.extended_working_days
        return spec.working_days

    def _met_on(self, spec: DeadlineSpec, on: dt.date, facts: Mapping[str, Any]) -> dt.date:
        if spec.met_on is not None:
            value = facts.get(spec.met_on)
            if isinstance(value, dt.date):
                return value
        return on

    def _deadline(
        self,
        spec: DeadlineSpec,
        on: dt.date,
        facts: Mapping[str, Any],
        *,
        extended: bool = False,
        met_on: dt.date | None = None,
    ) -> Deadline:
        """The deadline ``spec`` started by a step on ``on`` with ``facts``."""
        start, due, basis = self._clock(spec, on, facts, extended)
        if met_on is None:
            key = (spec.name, start, extended)
            cached = self._open.get(key)
            if cached is None:
                cached = self._open[key] = Deadline(
                    name=spec.name,
                    rule=spec.rule,
                    event=spec.met_by[0],
                    start=start,
                    due=due,
                    basis=basis,
                )
            return cached
        return _new_deadline(spec.name, spec.rule, spec.met_by[0], start, due, basis, met_on)

    def _clock(
        self, spec: DeadlineSpec, on: dt.date, facts: Mapping[str, Any], extended: bool
    ) -> tuple[dt.date, dt.date, Text]:
        """When the clock of ``spec`` started, when it is due and how that was counted."""
        start = on
        if spec.date is not None:
            value = facts.get(spec.date)
            if isinstance(value, dt.date):
                start = value
        key = (spec.name, start, extended)
        cached = self._due.get(key)
        if cached is None:
            days = (
                spec.extended_working_days
                if extended and spec.extended_working_days
                else spec.working_days
            )
            counted_from = add_months(start, spec.months)
            due = self.calendar.add_working_days(counted_from, days)
            label = self.procedure.events[spec.after].label
            basis = explain(
                self.calendar,
                label=label,
                start=start,
                months=spec.months,
                counted_from=counted_from,
                working_days=days,
                due=due,
            )
            cached = self._due[key] = (due, basis)
        return start, cached[0], cached[1]

    def __repr__(self) -> str:
        return f"<Engine {self.procedure.id} backend={self.backend}>"
