"""The search behind ``admission-flow check`` (its static analysis is in ``_static.py``).

The search is breadth-first over cases run by the real engine, with its rules
and plugins. From each case it fires every event the state allows, by every
actor who may fire it, with the facts the rules read at their boundary values
(varied one at a time from an ordinary choice: all, exactly two-thirds and one
below of a vote; a date on the day, twelve months before and a day short of
that; every value of a choice), and it waits for every date on which a rule
may turn (a deadline's due date and the day after, twelve and sixty months
after a step, the candidate's 18th, 30th and 60th birthdays and their
neighbours). Each case reached is checked against the engine's promises and
the procedure's invariants; the first that fails is the shortest
counter-example, since the search is breadth-first.

Cases are merged by an abstraction of what the rules can see: the state; for
each event, whether it was accepted (and by how many different actors, up to
two), how many times it was only recorded (up to three), by which roles, and
whether its latest choice facts were the first declared value; and, for each
date landmark, whether the case's date is before, on or after it. Two cases
with the same abstraction are judged alike by every rule of ``vn-2021``, which
reads presence, counts up to two or three, roles, choice values and how dates
fall around those landmarks, so exploring one of them is enough.
"""

from __future__ import annotations

import collections
import datetime as dt
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

import admission_flow as af
from admission_flow.model._vocabulary import MAX_DEPTH, MAX_STATES
from admission_flow.procedure._invariants import (
    AllOf,
    AnyOf,
    Condition,
    InvariantFailure,
    WorkingDaysWithin,
    check_invariants,
)

from ._generation import DEFAULT_MEMBERS, actor_choices, two_thirds
from ._scenario_file import Attempt
from ._static import Finding

__all__ = ["CheckReport", "Exploration", "explore"]

_DAY = dt.timedelta(days=1)
#: The day generated cases open; any ordinary working day would do.
START = dt.date(2023, 1, 3)
#: Landmarks after a step (months) and after the candidate's birth (years).
STEP_MONTHS = (12, 60)
AGE_MONTHS = (18 * 12, 30 * 12, 60 * 12)
_ABSENT = object()


# -- the search -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Exploration:
    """What a bounded search found: how much it explored, and the first failure, if any."""

    abstract_states: int
    cases: int
    fired: int
    seconds: float
    depth: int
    complete: bool
    #: Every state some explored case reached.
    states_reached: frozenset[str] = frozenset()
    #: The invariants (or engine promises) broken by the counter-example.
    failures: tuple[str, ...] = ()
    #: The message of a plugin that raised, and the plugin's name.
    plugin_error: str | None = None
    plugin: str | None = None
    counterexample: tuple[Attempt, ...] = ()
    unit: af.Unit | None = None
    candidate: af.Person | None = None
    state: str | None = None
    #: The members the events could name, for the counter-example's scenario.
    members: tuple[af.Member, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures and self.plugin_error is None


@attrs.frozen(kw_only=True)
class CheckReport:
    """Static findings and the search, as ``admission-flow check --json`` prints them."""

    procedure: str
    findings: tuple[Finding, ...]
    exploration: Exploration

    def as_dict(self) -> dict[str, Any]:
        x = self.exploration
        result = "ok" if x.ok else "plugin_failed" if x.plugin_error else "invariant_failed"
        return {
            "procedure": self.procedure,
            "result": result,
            "findings": [f.as_dict() for f in self.findings],
            "explored": {
                "abstract_states": x.abstract_states,
                "cases": x.cases,
                "events_fired": x.fired,
                "depth": x.depth,
                "complete": x.complete,
                "states_reached": sorted(x.states_reached),
                "seconds": round(x.seconds, 3),
            },
            "failures": list(x.failures),
            "plugin_error": x.plugin_error,
            "plugin": x.plugin,
            "state": x.state,
            "counterexample": [
                {
                    "on": a.on.isoformat(),
                    "event": a.event,
                    "by": str(a.actor),
                    "facts": {
                        k: v.isoformat() if isinstance(v, dt.date) else v
                        for k, v in a.facts.items()
                    },
                }
                for a in x.counterexample
            ],
        }


@attrs.frozen
class _Node:
    case: af.Case
    today: dt.date
    attempts: tuple[Attempt, ...]
    #: How many steps on the way took an unusual actor or fact value.
    deviations: int = 0


def default_configurations() -> list[tuple[af.Unit, af.Person]]:
    """The units and the candidate the search starts from: one eligible candidate, delegation or not."""
    candidate = af.Person(
        id="c-1",
        name="Nguyễn Văn An",
        born=af.add_months(START, -25 * 12),
        education="upper_secondary",
        organizations=frozenset({"youth_union"}),
    )
    return [
        (
            af.Unit(
                id="u-1",
                kind="residential",
                official_members=15,
                has_youth_union=True,
                delegated_admission=delegated,
            ),
            candidate,
        )
        for delegated in (False, True)
    ]


def explore(
    procedure: af.Procedure,
    *,
    plugins: af.Plugins | None = None,
    members: Sequence[af.Member] = DEFAULT_MEMBERS,
    configurations: Sequence[tuple[af.Unit, af.Person]] | None = None,
    max_depth: int = MAX_DEPTH,
    max_states: int = MAX_STATES,
    max_deviations: int = 0,
    horizon_days: int = 400,
    calendar: af.Calendar | None = None,
) -> Exploration:
    """Search breadth-first for a case that breaks an invariant (see the module's docstring).

    Args:
        max_depth: the most events on one path.
        max_states: the most abstract states to visit; the search says whether it was complete.
        max_deviations: how many steps of one path may take an unusual actor
            (a second member of a role) or fact value (a vote one short of
            two-thirds, a date a day short of twelve months, a choice other
            than the first); the others take the ordinary ones.
        horizon_days: how long a case may wait after its latest step for a
            date on which a rule turns (400: past a year of probation and a
            deadline counted from it).
    """
    engine = af.Engine(procedure, plugins=plugins, members=members, calendar=calendar)
    search = _Search(
        engine,
        max_depth=max_depth,
        max_states=max_states,
        max_deviations=max_deviations,
        horizon_days=horizon_days,
    )
    found = search.run(configurations if configurations is not None else default_configurations())
    return attrs.evolve(found, members=tuple(engine.members.values()))


class _Search:
    def __init__(
        self,
        engine: af.Engine,
        *,
        max_depth: int,
        max_states: int,
        max_deviations: int,
        horizon_days: int,
    ) -> None:
        self.engine = engine
        self.max_deviations = max_deviations
        self.horizon_days = horizon_days
        self.procedure = engine.procedure
        self.max_depth = max_depth
        self.max_states = max_states
        self.fired = 0
        self.cases = 0
        self.closed_checked: set[tuple[af.Unit, str | None]] = set()
        #: By id(case): the case (to be sure the id is still its) and its features.
        self.feature_cache: dict[int, tuple[af.Case, tuple[Any, ...]]] = {}
        self.variant_cache: dict[Any, list[tuple[dict[str, Any], bool]]] = {}
        self.reached: set[str] = set()
        #: Events with a rule that records rather than refuses (a vote short of two-thirds).
        self.recording = {
            spec.name
            for spec in self.procedure.events.values()
            if any(self.procedure.rules[use.rule].severity == "record" for use in spec.rules)
        }
        self.bounds = [
            c
            for invariant in self.procedure.invariants
            for condition in invariant.requires
            for c in _walk(condition)
            if isinstance(c, WorkingDaysWithin)
        ]

    def run(self, configurations: Sequence[tuple[af.Unit, af.Person]]) -> Exploration:
        began = time.perf_counter()
        seen: set[Any] = set()
        queue: collections.deque[_Node] = collections.deque()
        for unit, candidate in configurations:
            case = self.engine.open(candidate.id, candidate, unit)
            node = _Node(case, START, ())
            seen.add(self.key(node))
            queue.append(node)
        depth = 0
        complete = True
        while queue:
            node = queue.popleft()
            depth = max(depth, len(node.attempts))
            if len(node.attempts) >= self.max_depth:
                complete = False
                continue
            for child in self.children(node):
                if isinstance(child, Exploration):
                    return attrs.evolve(
                        child,
                        abstract_states=len(seen),
                        cases=self.cases,
                        fired=self.fired,
                        seconds=time.perf_counter() - began,
                        depth=len(child.counterexample),
                        states_reached=frozenset(self.reached),
                    )
                key = self.key(child)
                if key in seen:
                    continue
                if len(seen) >= self.max_states:
                    complete = False
                    break
                seen.add(key)
                queue.append(child)
        return Exploration(
            abstract_states=len(seen),
            cases=self.cases,
            fired=self.fired,
            seconds=time.perf_counter() - began,
            depth=depth,
            complete=complete,
            states_reached=frozenset(self.reached),
        )

    # -- successors ---------------------------------------------------------------------

    def children(self, node: _Node) -> Iterator[_Node | Exploration]:
        fired = list(self.fire_all(node, closed=False))
        yield from fired
        # Time passes to a deadline (or an invariant's bound) whenever one is
        # open; to another landmark (twelve months after a step, a birthday)
        # only when nothing can happen before it.
        stuck = not any(isinstance(child, _Node) for child in fired)
        for day in self.waits(node, landmarks=stuck):
            yield _Node(node.case, day, node.attempts, node.deviations)

    def fire_all(self, node: _Node, *, closed: bool) -> Iterator[_Node | Exploration]:
        case = node.case
        for spec in self.procedure.events.values():
            if closed:
                allowed = True
            elif case.state is None:
                allowed = spec.opens_case
            else:
                allowed = case.state in spec.sources
            if not allowed:
                continue
            firsts: set[str] = set()
            for actor in actor_choices(self.procedure, spec.roles, self.engine.members):
                # The first actor of each role (an official member, for one
                # held by a member) is ordinary; another is a deviation.
                unusual = actor.role in firsts
                firsts.add(actor.role)
                variants = self.fact_variants(spec, actor.role, node.today, case.unit)
                for facts, deviates in variants[:1] if closed else variants:
                    cost = node.deviations + unusual + deviates
                    over = cost > self.max_deviations
                    if (
                        over
                        and not closed
                        and (cost > self.max_deviations + 1 or spec.name not in self.recording)
                    ):
                        continue
                    attempt = Attempt(on=node.today, event=spec.name, actor=actor, facts=facts)
                    result = self.fire(node, attempt, cost)
                    if result is not None:
                        yield result

    def fire(self, node: _Node, attempt: Attempt, cost: int) -> _Node | Exploration | None:
        before = node.case
        attempts = (*node.attempts, attempt)
        self.fired += 1
        try:
            outcome = self.engine.judge(
                before, attempt.event, attempt.actor, attempt.on, **attempt.facts
            )
        except af.PluginError as exc:
            return self.failure(node, attempts, plugin_error=str(exc), plugin=exc.plugin)
        except af.InputError:
            return None
        after = outcome.case
        if not outcome.step.kept:
            if after is not before:
                return self.failure(node, attempts, ("a refused step changed the case",))
            return None
        if outcome.step.accepted and cost > self.max_deviations:
            return None
        self.cases += 1
        if after.state is not None:
            self.reached.add(after.state)
        broken = []
        if after.state not in self.procedure.states:
            broken.append(f"the case is in undeclared state {after.state!r}")
        if before.state is not None and self.procedure.states[before.state].final:
            broken.append(f"a case in final state '{before.state}' moved to '{after.state}'")
        failures: list[InvariantFailure] = check_invariants(
            self.procedure, after, calendar=self.engine.calendar
        )
        broken.extend(
            f"invariant '{f.invariant.id}' does not hold in state '{after.state}': {f.explanation}"
            for f in failures
        )
        if broken:
            return self.failure(_Node(after, node.today, attempts), attempts, tuple(broken))
        # A step only recorded (a vote short of two-thirds) is an outcome the
        # procedure provides for, not a deviation: escalation needs three.
        if not outcome.step.accepted:
            cost = node.deviations
        child = _Node(after, node.today, attempts, cost)
        if self.engine.is_closed(after):
            # Nothing may happen to a closed case: try each event once, then leave it.
            if (after.unit, after.state) not in self.closed_checked:
                self.closed_checked.add((after.unit, after.state))
                for result in self.fire_all(child, closed=True):
                    if isinstance(result, Exploration):
                        return result
            return None
        return child

    def failure(
        self,
        node: _Node,
        attempts: tuple[Attempt, ...],
        failures: tuple[str, ...] = (),
        *,
        plugin_error: str | None = None,
        plugin: str | None = None,
    ) -> Exploration:
        return Exploration(
            abstract_states=0,
            cases=0,
            fired=0,
            seconds=0.0,
            depth=0,
            complete=False,
            failures=failures,
            plugin_error=plugin_error,
            plugin=plugin,
            counterexample=attempts,
            unit=node.case.unit,
            candidate=node.case.candidate,
            state=node.case.state,
        )

    def fact_variants(
        self, spec: af.EventSpec, role: str, on: dt.date, unit: af.Unit
    ) -> list[tuple[dict[str, Any], bool]]:
        """An ordinary choice of every fact, then each fact varied alone over its boundary values.

        Each comes with whether it is a deviation (all but the first are).
        """
        cache_key = (spec.name, role, on, unit)
        cached = self.variant_cache.get(cache_key)
        if cached is None:
            cached = self.variant_cache[cache_key] = self._fact_variants(spec, role, on, unit)
        return cached

    def _fact_variants(
        self, spec: af.EventSpec, role: str, on: dt.date, unit: af.Unit
    ) -> list[tuple[dict[str, Any], bool]]:
        facts = [
            f
            for f in sorted(spec.facts.values(), key=lambda f: f.at_most is not None)
            if not (f.roles and role not in f.roles)
        ]

        restarts = {
            d.counted_from
            for d in self.procedure.deadlines.values()
            if d.counted_from is not None and spec.name in d.met_by
        }

        def options(fact: af.FactSpec, chosen: Mapping[str, Any]) -> list[Any]:
            values = _fact_options(fact, on, self.engine.members, unit, chosen)
            if fact.name in restarts and not fact.required:
                # A date a deadline may count from instead (the day a decision was
                # received) is ordinarily not given: the deadline's own start holds.
                return [_ABSENT, *values]
            # An optional fact is given its ordinary value first; leaving it out is a variant.
            return values if fact.required or not values else [*values, _ABSENT]

        def assemble(fixed: Mapping[str, Any]) -> dict[str, Any]:
            chosen: dict[str, Any] = {}
            for fact in facts:
                if fact.name in fixed:
                    chosen[fact.name] = fixed[fact.name]
                else:
                    values = options(fact, chosen)
                    if values:
                        chosen[fact.name] = values[0]
            return {k: v for k, v in chosen.items() if v is not _ABSENT}

        base = assemble({})
        variants = [(base, False)]
        seen = {tuple(sorted(base.items(), key=lambda kv: kv[0]))}
        for fact in facts:
            context = dict(base)
            for value in options(fact, context)[1:]:
                variant = assemble({fact.name: value})
                signature = tuple(sorted(variant.items(), key=lambda kv: kv[0]))
                if signature not in seen:
                    seen.add(signature)
                    variants.append((variant, fact.type != "choice"))
        return variants

    def waits(self, node: _Node, *, landmarks: bool) -> list[dt.date]:
        """The next date on which a rule may turn, if there is one."""
        case, today = node.case, node.today
        days: set[dt.date] = set()
        if landmarks:
            for anchor in _anchors(case):
                for months in STEP_MONTHS:
                    day = af.add_months(anchor, months)
                    days.update((day - _DAY, day, day + _DAY))
            for months in AGE_MONTHS:
                day = af.add_months(case.candidate.born, months)
                days.update((day - _DAY, day, day + _DAY))
        for deadline in self.engine.pending(case):
            days.update((deadline.due, deadline.due + _DAY))
        for bound in self._bounds(case):
            days.update((bound, bound + _DAY))
        # The nearest that changes how the case is seen: a later one is reached
        # by waiting again, so no case the rules may judge differently is skipped.
        here = self.signs(case, today)
        latest = case.history[-1].on if case.history else today
        horizon = latest + dt.timedelta(days=self.horizon_days)
        for day in sorted(d for d in days if today < d <= horizon):
            if self.signs(case, day) != here:
                return [day]
        return []

    def _bounds(self, case: af.Case) -> Iterator[dt.date]:
        for condition in self.bounds:
            start = case.last(condition.event)
            if start is None:
                continue
            day = start.facts.get(condition.fact, start.on) if condition.fact else start.on
            if isinstance(day, dt.date):
                yield self.engine.calendar.add_working_days(day, condition.at_most)

    # -- the abstraction --------------------------------------------------------------

    def key(self, node: _Node) -> Any:
        case, today = node.case, node.today
        return (
            case.unit,
            case.state,
            self.features(case),
            self.signs(case, today),
            node.deviations,
        )

    def features(self, case: af.Case) -> tuple[Any, ...]:
        """What the rules can see of a case's history; cached, as waiting reuses the case."""
        cached = self.feature_cache.get(id(case))
        if cached is not None and cached[0] is case:
            return cached[1]
        events = []
        for name in self.procedure.events:
            steps = case.steps_of(name)
            if not steps:
                continue
            accepted = [s for s in steps if s.accepted]
            latest = accepted[-1] if accepted else steps[-1]
            spec = self.procedure.events[name]
            events.append(
                (
                    name,
                    min(len({s.actor for s in accepted}), 2),
                    min(sum(1 for s in steps if s.recorded), 3),
                    frozenset(s.actor.role for s in accepted),
                    all(
                        _ordinary(fact, latest.facts.get(fact.name)) for fact in spec.facts.values()
                    ),
                )
            )
        found = tuple(events)
        self.feature_cache[id(case)] = (case, found)
        return found

    def signs(self, case: af.Case, today: dt.date) -> tuple[int, ...]:
        """Where the case's date falls around each landmark: before (-1), on (0) or after (1)."""
        signs = [
            _sign(today, af.add_months(anchor, months))
            for anchor in _anchors(case)
            for months in STEP_MONTHS
        ]
        signs.extend(_sign(today, af.add_months(case.candidate.born, m)) for m in AGE_MONTHS)
        signs.extend(_sign(today, deadline.due) for deadline in self.engine.pending(case))
        signs.extend(_sign(today, bound) for bound in self._bounds(case))
        return tuple(signs)


def _walk(condition: Condition) -> Iterator[Condition]:
    yield condition
    if isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from _walk(inner)


def _anchors(case: af.Case) -> list[dt.date]:
    """The dates of each event's latest kept step and its date facts, each once, oldest first."""
    found: set[dt.date] = set()
    latest: dict[str, af.Step] = {}
    for step in case.history:
        latest[step.event] = step
    for step in latest.values():
        found.add(step.on)
        found.update(v for v in step.facts.values() if isinstance(v, dt.date))
    return sorted(found)


def _sign(today: dt.date, landmark: dt.date) -> int:
    return (today > landmark) - (today < landmark)


def _ordinary(fact: af.FactSpec, value: Any) -> bool:
    """Whether a fact has its ordinary value: a choice its first, a flag its default."""
    if fact.type == "choice":
        return value is None or value == fact.values[0]
    if fact.type == "bool":
        return value is None or value == bool(fact.default)
    return True


def _fact_options(
    fact: af.FactSpec,
    on: dt.date,
    members: Mapping[str, af.Member],
    unit: af.Unit,
    chosen: Mapping[str, Any],
) -> list[Any]:
    """A fact's boundary values, the ordinary one first."""
    if fact.type in ("int", "counts"):  # a generated count is a bare number
        low = fact.minimum if fact.minimum is not None else 0
        total = chosen.get(fact.at_most) if fact.at_most is not None else None
        if isinstance(total, int):
            needed = two_thirds(total)
            return _unique([total, max(low, needed), max(low, needed - 1)])
        if isinstance(fact.default, int) and not isinstance(fact.default, bool):
            # A count with a default (vn-2021's `excluded`, 0) is ordinarily that.
            return _unique([max(low, fact.default), max(low, fact.default + 1)])
        own = getattr(unit, fact.name, None)
        usual = own if isinstance(own, int) and not isinstance(own, bool) and own >= low else 15
        return _unique([max(low, usual), max(low, usual + 1)])
    if fact.type == "bool":
        default = bool(fact.default)
        return [default, not default]
    if fact.type == "choice":
        return list(fact.values)
    if fact.type == "date":
        # A required date is usually the event's own (a certificate, a decision);
        # an optional one says since when, and a year back is the ordinary case.
        year = af.add_months(on, -12)
        return [on, year, year + _DAY] if fact.required else [year, year + _DAY, on]
    if fact.type == "member":
        return sorted(members, key=lambda m: (members[m].status != "official", m))
    return ["x"] if fact.required else []


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))
