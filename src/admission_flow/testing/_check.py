"""The search behind ``admission-flow check`` (static analysis: ``_static.py``).

Breadth-first over cases run by the real engine, with its rules and plugins:
from each case it fires every event the state allows, by every actor who may
fire it, with ordinary facts, tries each boundary variant where its answer may
turn, and waits for every date on which a rule may turn. Each case reached is
checked against the engine's promises and the procedure's invariants; the
first that fails is the shortest counter-example, since the search is
breadth-first. What it explores, which cases it merges and why that is
enough: ``_abstraction.py``. The bounds (states, depth, seconds, memory) hold
for any procedure: the search stops at the first one reached and says which.
"""

from __future__ import annotations

import collections
import datetime as dt
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import attrs

import admission_flow as af
from admission_flow.calendar import Calendar
from admission_flow.spec import EventSpec

from . import _abstraction as ab
from ._boundaries import Variant, boundary_variants
from ._generation import DEFAULT_MEMBERS, actor_choices
from ._groups import Made, fire_group, grouped
from ._law import RuleAnswers, law_reading, verdict
from ._moves import Mover
from ._node import SearchNode as _Node
from ._report import DEFAULT_LIMITS, CheckReport, Exploration, Limits, collecting_rarely, peak_mb
from ._scenario_file import Attempt

__all__ = ["DEFAULT_LIMITS", "CheckReport", "Exploration", "Limits", "explore"]

START = ab.START


def explore(
    procedure: af.Procedure,
    *,
    plugins: af.Plugins | None = None,
    members: Sequence[af.Member] = DEFAULT_MEMBERS,
    configurations: Sequence[tuple[af.Unit, af.Person]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_depth: int | None = None,
    max_states: int | None = None,
    max_deviations: int = 0,
    horizon_days: int = 400,
    boundaries: bool = True,
    calendar: Calendar | None = None,
    prefix: Sequence[Attempt] = (),
    migrate_to: tuple[af.Procedure, str] | None = None,
) -> Exploration:
    """Search breadth-first for a case that breaks an invariant (see ``_abstraction.py``).

    Args:
        limits: the bounds; the search stops at the first reached.
        max_depth, max_states: shorthands that replace those of ``limits``.
        max_deviations: how many steps of one path may take an unusual actor
            (a second member of a role) or any boundary value of a fact.
        horizon_days: how long a case may wait after its latest step for a
            date on which a rule turns (400: past a year of probation and a
            deadline counted from it).
        boundaries: explore the boundary variants the rules and plugins declare.
        prefix: attempts every root case goes through first, each of them kept:
            the search starts where they leave it (the counter-example begins
            with them), to search a deep part of a procedure within a small bound.
        migrate_to: the newer generation and how a scenario names it: move the
            case of each abstract state to it and judge its invariants (``_moves.py``).
    """
    if isinstance(max_deviations, bool) or max_deviations < 0:
        raise af.InputError(
            f"max_deviations must be 0 or more, not {max_deviations!r}", field="max_deviations"
        )
    if max_depth is not None:
        limits = attrs.evolve(limits, max_depth=max_depth)
    if max_states is not None:
        limits = attrs.evolve(limits, max_states=max_states)
    plugins = plugins if plugins is not None else af.Plugins()
    engine = af.Engine(procedure, plugins=plugins, members=members, calendar=calendar)
    roots = list(configurations) if configurations is not None else ab.default_configurations()
    variants = {
        index: boundary_variants(procedure, plugins, unit, candidate, START) if boundaries else []
        for index, (unit, candidate) in enumerate(roots)
    }
    search = _Search(engine, limits, max_deviations, horizon_days, variants)
    search.prefix = tuple(prefix)
    if migrate_to is not None:
        search.mover = Mover(engine, *migrate_to)
    with collecting_rarely():
        found = search.run(roots)
    moves = search.mover.moved if search.mover is not None else None
    return attrs.evolve(found, members=tuple(engine.members.values()), moves=moves)


class _Search:
    def __init__(
        self,
        engine: af.Engine,
        limits: Limits,
        max_deviations: int,
        horizon_days: int,
        variants: dict[int, list[Variant]],
    ) -> None:
        self.engine = engine
        self.limits = limits
        self.max_deviations = max_deviations
        self.horizon_days = horizon_days
        self.variants = variants
        self.procedure = engine.procedure
        self.fired = 0
        self.cases = 0
        self.closed_checked: set[tuple[af.Unit, str | None]] = set()
        self.variant_cache: dict[Any, list[tuple[dict[str, Any], bool]]] = {}
        #: Per event, who may fire it, and whether any of them is a member.
        self.actors = {
            name: (found, any(a.id is not None for a in found))
            for name, spec in self.procedure.events.items()
            for found in [actor_choices(self.procedure, spec.roles, engine.members)]
        }
        #: The variants' views of the case being expanded (``None``: that case).
        self.variant_cases: dict[int | None, af.Case] = {}
        self.reached: set[str] = set()
        reading = law_reading(
            self.procedure, calendar=engine.calendar, members=engine.members, plugins=engine.plugins
        )
        self.views = ab.Views(engine, variants, reading, horizon_days)
        self.liveness = self.views.liveness
        self.answers = RuleAnswers(engine)
        self.mover: Mover | None = None
        #: Off only to compare with the search that explores each variant alone (tests).
        self.group_variants = True
        self.prefix: tuple[Attempt, ...] = ()
        #: Called with each case reached and its abstract state, new or not: the
        #: tests' probe of the abstraction (``tests/test_check_abstraction.py``).
        self.watch: Callable[[Any, _Node], None] | None = None
        #: Events with a rule that records rather than refuses (a vote short of two-thirds).
        self.recording = {
            spec.name
            for spec in self.procedure.events.values()
            if any(self.procedure.rules[use.rule].severity == "record" for use in spec.rules)
        }

    # -- the loop ---------------------------------------------------------------------

    def run(self, roots: Sequence[tuple[af.Unit, af.Person]]) -> Exploration:
        began = time.perf_counter()
        cpu = time.process_time()
        memory = peak_mb()
        seen: set[Any] = set()
        queue: collections.deque[_Node] = collections.deque()
        for index, (unit, candidate) in enumerate(roots):
            node = self.root(index, self.engine.open(candidate.id, candidate, unit))
            seen.add(self.views.key(node))
            queue.append(node)
        depth = 0
        stopped: str | None = None
        cut = False
        expanded = 0
        while queue and stopped is None:
            node = queue.popleft()
            depth = max(depth, len(node.attempts))
            expanded += 1
            if expanded % 64 == 0:
                if time.process_time() - cpu > self.limits.max_seconds:
                    stopped = "max_seconds"
                    break
                if peak_mb() - memory > self.limits.max_memory_mb:
                    stopped = "max_memory"
                    break
            if len(node.attempts) >= self.limits.max_depth:
                cut = True  # every shorter path is still explored, waits included
                continue
            for child in self.children(node):
                key = None if isinstance(child, Exploration) else self.views.key(child)
                if self.watch is not None and not isinstance(child, Exploration):
                    self.watch(key, child)
                if key in seen:
                    continue
                if key is not None and len(seen) >= self.limits.max_states:
                    stopped = "max_states"
                    break
                if isinstance(child, _Node):
                    seen.add(key)
                    queue.append(child)
                    if self.mover is not None:
                        child = self.mover.move(self, child) or child
                if isinstance(child, Exploration):
                    depth = len(child.counterexample)
                    return attrs.evolve(child, depth=depth, **self.figures(seen, began))
        if stopped is None and cut:
            stopped = "max_depth"
        found = self.figures(seen, began)
        return Exploration(depth=depth, complete=stopped is None, stopped_by=stopped, **found)

    def figures(self, seen: set[Any], began: float) -> dict[str, Any]:
        """What a search reports of itself, however it ends."""
        return {
            "abstract_states": len(seen),
            "cases": self.cases,
            "fired": self.fired,
            "seconds": time.perf_counter() - began,
            "states_reached": frozenset(self.reached),
            "variants": sum(len(v) for v in self.variants.values()),
        }

    def root(self, index: int, case: af.Case) -> _Node:
        """The node a root case starts from: opened, then through the prefix."""
        summary: dict[str, ab.EventSummary] = {}
        for attempt in self.prefix:
            outcome = self.engine.judge(
                case, attempt.event, attempt.actor, attempt.on, **attempt.facts
            )
            if not outcome.step.kept:
                raise af.InputError(
                    f"the prefix's '{attempt.event}' on {attempt.on.isoformat()} is refused: "
                    + "; ".join(v.rule for v in outcome.step.violations),
                    field="prefix",
                )
            case = outcome.case
            summary = self.liveness.summarise(summary, outcome.step)
        today = self.prefix[-1].on if self.prefix else START
        derived, settled = self.views.derive(case), self.views.settle(case)
        return _Node(case, today, self.prefix, 0, (index, 0), summary, derived, settled)

    # -- successors ---------------------------------------------------------------------

    def children(self, node: _Node) -> Iterator[_Node | Exploration]:
        fired = list(self.fire_all(node, closed=False))
        yield from fired
        # Time passes to a deadline (or an invariant's bound) whenever one is
        # open; to another landmark (twelve months after a step, a birthday)
        # only when nothing can happen before it, to the case or to any one of
        # the variants a group stands for (``_groups.py``).
        moved = {i for c in fired if isinstance(c, _Node) for i in (c.config[1], *c.followers)}
        stuck = not moved or not moved.issuperset((node.config[1], *node.followers))
        for day in self.views.waits(node, landmarks=stuck):
            yield attrs.evolve(node, today=day)

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
            actors, individual = self.actors[spec.name]
            done: Collection[af.Actor] = ()  # who had it accepted: read for members only
            if individual:
                done = {s.actor for s in case.steps_of(spec.name) if s.accepted}
            for actor in actors:
                # The first actor of each role who has not yet had the event accepted
                # (an official member, for a role held by a member) is ordinary, so
                # that two members may introduce; another is a deviation.
                if actor.id is not None and actor in done:
                    unusual = True
                else:
                    unusual = actor.role in firsts
                    firsts.add(actor.role)
                variants = self.fact_variants(spec, actor.role, node.today, case.unit)
                for facts, deviates in variants[:1] if closed else variants:
                    cost = node.deviations + unusual + deviates
                    over = cost > self.max_deviations
                    # One deviation more is tried where a vote may fall short (it is
                    # then recorded, not accepted): the counts bounded by a total.
                    if over and not (
                        not closed
                        and cost == self.max_deviations + 1
                        and spec.name in self.recording
                        and not unusual
                        and ab.counts_varied(spec, facts, variants[0][0])
                    ):
                        continue
                    attempt = Attempt(on=node.today, event=spec.name, actor=actor, facts=facts)
                    yield from self.fire(node, attempt, cost, try_variants=not (closed or unusual))

    def fire(
        self, node: _Node, attempt: Attempt, cost: int, *, try_variants: bool = False
    ) -> Iterator[_Node | Exploration]:
        outcome = self.attempt(node, node.case, attempt)
        if isinstance(outcome, Exploration):
            yield outcome
            return
        if node.followers:
            yield from fire_group(self, node, attempt, outcome, cost)
            return
        if outcome is not None:
            child = self.child(node, node.case, attempt, outcome, cost, node.config)
            if child is not None:
                yield child
        if try_variants and node.config[1] == 0 and cost == node.deviations:
            yield from self.split(node, attempt, outcome)

    def split(
        self, node: _Node, attempt: Attempt, ordinary: af.Outcome | None
    ) -> Iterator[_Node | Exploration]:
        """Each variant that the rules answer otherwise here becomes a case of its own."""
        spec = self.procedure.events[attempt.event]
        made: list[Made] = []
        cases = self.variant_cases
        if cases.get(None) is not node.case:
            cases.clear()
            cases[None] = node.case
        for variant in self.variants.get(node.config[0], ()):
            if attempt.event not in variant.events:
                continue
            if ordinary is not None and variant.blocked_alike(ordinary, self.procedure):
                continue
            changed = variant.attempt(attempt, spec, self.engine.members)
            case = cases.get(variant.index)
            if case is None:
                case = cases[variant.index] = variant.case(node.case, self.procedure)
            moved = _Node(
                node.case,
                node.today,
                variant.past_all(node.attempts, self.procedure),
                node.deviations,
                (node.config[0], variant.index),
                node.summary,
                node.derived,  # of node.case's history, which the variant's may not share
                (),  # the variant's unit and candidate: every condition judged again
            )
            outcome = self.attempt(moved, case, changed)
            if isinstance(outcome, Exploration):
                yield outcome
                continue
            if outcome is None or not outcome.step.kept:
                continue
            if (
                not outcome.step.accepted
                and variant.same_case(node.case)
                and self.base_covers(node, changed)
            ):
                continue  # a recorded step the ordinary search keeps too
            if self.alike(variant, node, attempt, ordinary, case, changed, outcome):
                continue
            if not variant.replays(self.engine, moved.attempts, node.case):
                continue  # an earlier step answers this variant otherwise
            child = self.child(moved, case, changed, outcome, node.deviations, moved.config)
            if isinstance(child, Exploration):
                yield child
            elif child is not None:
                made.append(Made(variant, case, changed, outcome, child))
        yield from grouped(self, made)

    @property
    def grouping(self) -> bool:
        """Whether variants answered alike are explored as one node (``_groups.py``)."""
        return self.mover is None and self.group_variants

    def base_covers(self, node: _Node, attempt: Attempt) -> bool:
        """Whether the ordinary search fires this very attempt here too (a vote one short)."""
        if attempt.event not in self.recording:
            return False
        tried = self.fact_variants(
            self.procedure.events[attempt.event], attempt.actor.role, node.today, node.case.unit
        )
        return any(facts == attempt.facts for facts, _ in tried)

    def alike(
        self,
        variant: Variant,
        node: _Node,
        attempt: Attempt,
        ordinary: af.Outcome | None,
        case: af.Case,
        changed: Attempt,
        outcome: af.Outcome,
    ) -> bool:
        """Whether the rules answer the variant as the ordinary case here: then it stays merged."""
        if ordinary is None or verdict(ordinary) != verdict(outcome):
            return False
        if variant.rule is None:
            return True
        return self.answers(variant.rule, node.case, attempt) == self.answers(
            variant.rule, case, changed
        )

    def attempt(
        self, node: _Node, case: af.Case, attempt: Attempt
    ) -> af.Outcome | Exploration | None:
        """Fire one attempt; ``None`` for bad input, an ``Exploration`` when a plugin raised."""
        self.fired += 1
        try:
            outcome = self.engine.judge(
                case, attempt.event, attempt.actor, attempt.on, **attempt.facts
            )
        except af.PluginError as exc:
            return self.failure(
                node, (*node.attempts, attempt), case, plugin_error=str(exc), plugin=exc.plugin
            )
        except af.InputError:
            return None
        if not outcome.step.kept and outcome.case is not case:
            return self.failure(
                node, (*node.attempts, attempt), case, ("a refused step changed the case",)
            )
        return outcome

    def child(
        self,
        node: _Node,
        before: af.Case,
        attempt: Attempt,
        outcome: af.Outcome,
        cost: int,
        config: tuple[int, int],
    ) -> _Node | Exploration | None:
        if not outcome.step.kept:
            return None
        if outcome.step.accepted and cost > self.max_deviations:
            return None
        after = outcome.case
        attempts = (*node.attempts, attempt)
        self.cases += 1
        if after.state is not None:
            self.reached.add(after.state)
        broken = []
        if after.state not in self.procedure.states:
            broken.append(f"the case is in undeclared state {after.state!r}")
        if before.state is not None and self.procedure.states[before.state].final:
            broken.append(f"a case in final state '{before.state}' moved to '{after.state}'")
        settled = self.views.settle(after, node.settled, outcome.step)
        for failure in self.views.invariant_failures(after, settled):
            broken.append(
                f"invariant '{failure.invariant.id}' does not hold in state '{after.state}': "
                f"{failure.explanation}"
            )
        if broken:
            return self.failure(attrs.evolve(node, config=config), attempts, after, tuple(broken))
        # A step only recorded (a vote short of two-thirds) is an outcome the
        # procedure provides for, not a deviation: escalation needs three.
        if not outcome.step.accepted:
            cost = node.deviations
        closed = self.engine.is_closed(after)
        if closed and (after.unit, after.state) in self.closed_checked:
            return None  # nothing may happen to a closed case, and this kind was tried
        summary = self.liveness.summarise(node.summary, outcome.step)
        if before.history is node.case.history:
            derived = self.views.derive_after(node.derived, outcome.step)
        else:  # a variant's case, whose steps' facts differ (``Variant.case``)
            derived = self.views.derive(after)
        child = _Node(after, node.today, attempts, cost, config, summary, derived, settled)
        if closed:  # try each event once on the first closed case of its kind, then leave it
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
        case: af.Case,
        failures: tuple[str, ...] = (),
        *,
        plugin_error: str | None = None,
        plugin: str | None = None,
    ) -> Exploration:
        variant = None
        if node.config[1]:
            variant = self.variants[node.config[0]][node.config[1] - 1].label
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
            unit=case.unit,
            candidate=case.candidate,
            state=case.state,
            variant=variant,
        )

    def fact_variants(
        self, spec: EventSpec, role: str, on: dt.date, unit: af.Unit
    ) -> list[tuple[dict[str, Any], bool]]:
        cache_key = (spec.name, role, on, unit)
        cached = self.variant_cache.get(cache_key)
        if cached is None:
            cached = ab.fact_variants(spec, role, on, unit, self.engine.members, self.procedure)
            self.variant_cache[cache_key] = cached
        return cached
