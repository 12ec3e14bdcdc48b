"""What ``admission-flow check`` explores, and why that is enough: the abstraction of a case.

The search (``_check.py``) runs the real engine on concrete cases; this module
says which of them it treats as one (the *abstract state*), which values it
gives the facts, and on which dates it lets time pass.

Dimensions explored
-------------------
- **The unit, the candidate and the members**: one ordinary configuration (a
  residential cell of 15 official members with a Youth Union, an eligible
  candidate of 25), and one *variant* per boundary that a rule or plugin
  declares (``af.Boundary``, ``_boundaries.py``): an age a month either side of
  18, 60 and the youth age, an education below the minimum with and without a
  hardship area, a grassroots cell, a delegated unit, a school, a member not
  yet official... Each variant is tried, at the events where its answer may
  turn, on every case the ordinary configuration reaches; where the rules
  answer it differently (another verdict, or the declaring rule's own answer
  differs, even at an event that does not check it), it becomes a case of its
  own, explored from there like any other. Variants split off at one attempt
  with one answer, and answered alike since, are explored as one node, a
  *group*, until the rules tell one apart (``_groups.py``).
- **Facts**: an ordinary value of each (the unit's count, a unanimous vote, a
  date on the day, the first value of a choice; every value of a choice is
  tried), the values a variant declares (two-thirds and one below, a
  denominator that adds up and one that does not, a certificate on its
  anniversary and the day after...), and with ``--deviations N`` every
  boundary value of every fact on N steps of a path.
- **Dates**: every event is tried on the case's date; time passes to each
  date on which a rule may turn: a deadline's due date and the day after, an
  invariant's working-day bound, and, when nothing else can happen (to the
  case, or to any one of the variants a node stands for), twelve and sixty
  months after a step and the candidate's 18th, 30th and 60th birthdays (of
  each candidate a group stands for), each with its neighbours. Deadlines and bounds are waited for
  however far ahead they fall; the other landmarks only within
  ``horizon_days`` of the latest step.

The abstract state
------------------
Two cases are one abstract state when they agree on: the configuration
(ordinary or which variant, and for a group the variants it stands for and
where the date falls around their candidates' birthdays); the state; for each event that can still fire
from that state (*live*), how many different actors had it accepted (up to
two), how many times it was only recorded (up to three), by which roles,
whether its latest facts were the ordinary ones, and which facts any of its
accepted steps gave (the opinions of the residence and of the organisations
may come in two steps); for each event that can no
longer fire (*dead*), only whether it was accepted and how often recorded;
for each group of events whose steps' order a rule compares
(``Rule.order_of``: a committee vote after the recognition vote, a cell
vote since the dossier was returned), the order of their latest steps;
where the case's date falls around each landmark (before, on, after), each
landmark *named* by what it counts from (twelve months after the latest
``introduce``'s ``known_since``, the 60th birthday, the pending
``decision_due``, an invariant's bound); and the deviations spent.

Why that is enough (the soundness argument)
-------------------------------------------
The rules of ``vn-2021`` read: the unit's and the candidate's fields (fixed
per configuration, so in the key), counts of steps up to two or three, the
roles and facts of the latest step of an event (in the key while the event
can fire), the order of the latest steps of the events a rule declares it
compares (``order_of``), and dates only through whole months and working
days from a landmark (the date signs). Two cases that agree on all of that get the same
answer from every rule at every later event, so exploring one of them is
enough. The signs are kept by name, not by rank among the case's dates:
until issue 17 they were placed by the rank of each distinct date, so a
self-loop fired again after a wait (a second ``verify_background`` once the
decision's deadline is due) added a date, hence a state, though every rule
and invariant stood on the same side of every landmark as before; the
number of such orders multiplied ``vn-2021``'s states by more than two
(9,682 to 4,682 for the ordinary configuration alone). Named signs say all
a rule reading "N months after event E" can see: on which side of each
named landmark the date falls. How far inside a side the date is, no rule
of the argument reads; when time passes, the search waits to the next
landmark of the case it explores, so each crossing is explored from that
case. Because merged cases may differ in the date of their latest step,
the deadlines and bounds are waited for however far they are (the horizon
no longer depends on a date the key does not hold). For a dead event the answers it can still influence are those of
invariants (``rule_held`` judges at the step itself, whose answer cannot
change once the event is dead) and of rules reading *that* it happened; a rule
that reads more of an event no longer possible (its actor, a fact other
than a date) is outside this argument and must be checked by its own tests.
A variant is merged into the ordinary case while every rule answers both
alike where it may turn; the first event where they differ is where it is
split off, so its counter-example is the shortest too. Variants split off
together stay together on the same terms, each compared with the group's
first (``_groups.py`` gives the argument). What the abstraction
does not cover: dates out of order (the search only moves time forward) and
combinations of two boundaries on one path (``--deviations`` explores
those, at a cost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import admission_flow as af
from admission_flow.procedure._invariants import (
    AllOf,
    AnyOf,
    Condition,
    InvariantFailure,
    MonthsSince,
    Reading,
    RuleHeld,
    StepOnFile,
    UnitHas,
    WorkingDaysWithin,
    walk,
)
from admission_flow.spec import FactSpec

from ._boundaries import Variant
from ._derived import Derived, Node, derive, derive_after, in_event_order
from ._facts import counts_varied, fact_options, fact_variants
from ._landmarks import AGE_MONTHS, STEP_MONTHS, Landmarks
from ._order import ordered_groups

__all__ = [
    "AGE_MONTHS",
    "START",
    "STEP_MONTHS",
    "Derived",
    "EventSummary",
    "Liveness",
    "Views",
    "counts_varied",
    "fact_options",
    "fact_variants",
]

#: The day generated cases open; any ordinary working day would do.
START = dt.date(2023, 1, 3)

#: One event's summary: distinct accepting actors (up to two), times recorded
#: (up to three), roles that had it accepted, whether its latest facts were
#: ordinary, and whether it was ever accepted.
#: Per event: its actors (up to two), how often recorded (up to three), the roles,
#: whether its latest facts were ordinary, whether it was accepted, and the facts
#: given (not ``None``) on any accepted step of it.
EventSummary = tuple[tuple[af.Actor, ...], int, frozenset[str], bool, bool, frozenset[str]]
_EMPTY: EventSummary = ((), 0, frozenset(), True, False, frozenset())


class Liveness:
    """Which events can still fire from each state, from ``Procedure.transitions()``."""

    def __init__(self, procedure: af.Procedure) -> None:
        targets: dict[str | None, set[str]] = {}
        for transition in procedure.transitions():
            targets.setdefault(transition.source, set()).add(transition.target)
        self.live: dict[str | None, frozenset[str]] = {}
        for state in (None, *procedure.states):
            reached = {state}
            todo = [state]
            while todo:
                for target in targets.get(todo.pop(), ()):
                    if target not in reached:
                        reached.add(target)
                        todo.append(target)
            self.live[state] = frozenset(
                t.event for t in procedure.transitions() if t.source in reached
            )
        self.procedure = procedure
        #: Each event's place in the procedure: a summary keeps its events in this order.
        self.rank = {name: rank for rank, name in enumerate(procedure.events)}

    def summarise(self, summary: dict[str, EventSummary], step: af.Step) -> dict[str, EventSummary]:
        """The summary of a case after ``step``, from the summary before it: its events in
        the procedure's order, which ``features`` relies on."""
        actors, recorded, roles, ordinary, accepted, given = summary.get(step.event, _EMPTY)
        spec = self.procedure.events[step.event]
        usual = all(_ordinary(f, step.facts.get(f.name)) for f in spec.facts.values())
        if step.accepted:
            if step.actor not in actors and len(actors) < 2:
                actors = (*actors, step.actor)
            roles = roles | {step.actor.role}
            ordinary, accepted = usual, True
            named = frozenset([n for n, v in step.facts.items() if v is not None])
            if not named <= given:
                given = given | named
        elif step.recorded:
            recorded = min(recorded + 1, 3)
            if not accepted:
                ordinary = usual
        changed = dict(summary)
        changed[step.event] = (actors, recorded, roles, ordinary, accepted, given)
        return in_event_order(changed, summary, step.event, self.rank)

    def features(self, state: str | None, summary: Mapping[str, EventSummary]) -> tuple[Any, ...]:
        """What the rules can see of the history: details of live events, the fact of dead ones."""
        live = self.live[state]
        found: list[tuple[Any, ...]] = []
        for name, entry in summary.items():  # in the procedure's order (``summarise``)
            actors, recorded, roles, ordinary, accepted, given = entry
            if name in live:
                found.append((name, len(actors), recorded, roles, ordinary, given))
            else:
                found.append((name, accepted, recorded))
        return tuple(found)


def _ordinary(fact: FactSpec, value: Any) -> bool:
    """Whether a fact has its ordinary value: a choice its first, a flag its default."""
    if fact.type == "choice":
        return value is None or value == fact.values[0]
    if fact.type == "bool":
        return value is None or value == bool(fact.default)
    return True


class Views:
    """How the search sees a case: its abstract state, its date landmarks, its invariants."""

    def __init__(
        self,
        engine: af.Engine,
        variants: Mapping[int, Sequence[Variant]],
        reading: Reading,
        horizon_days: int,
    ) -> None:
        self.engine = engine
        self.procedure = engine.procedure
        self.variants = variants
        self.reading = reading
        self.horizon_days = horizon_days
        self.liveness = Liveness(self.procedure)
        self.conditions = [
            (invariant, condition)
            for invariant in self.procedure.invariants
            for condition in invariant.requires
        ]
        self.condition_events = [_events(condition) for _, condition in self.conditions]
        #: For each event, the conditions a step of it may change (``settle``).
        self.again: dict[str, list[int]] = {}
        #: For each state, the conditions of the invariants that hold in it.
        self.checked: dict[str | None, list[int]] = {}
        #: For two variants and an event, those of ``again`` that judge a rule that may
        #: answer them otherwise (``settle_alike``).
        self.judged_again: dict[tuple[int, int, int, str], list[int]] = {}
        #: For each condition, the rules it judges again.
        self.judges = [
            frozenset(leaf.rule for leaf in walk(condition) if isinstance(leaf, RuleHeld))
            for _, condition in self.conditions
        ]
        self.dates = Landmarks(engine, horizon_days)
        self.ordered = ordered_groups(engine)
        self.events_read: dict[tuple[int, tuple[int, ...]], frozenset[str]] = {}

    def waits(self, node: Node, *, landmarks: bool) -> list[dt.date]:
        """The next date on which a rule may turn, if there is one (``Landmarks.waits``),
        for the node's case and for the candidates it stands for (``_groups.py``)."""
        return self.dates.waits(
            node.case, node.today, node.derived, landmarks=landmarks, borns=self.borns(node)
        )

    def borns(self, node: Node) -> tuple[dt.date, ...]:
        """The other birth dates of the candidates a node stands for, each once."""
        if not node.followers:
            return ()
        own = node.case.candidate.born
        found = {self.variants[node.config[0]][i - 1].candidate.born for i in node.followers}
        found.discard(own)
        return tuple(sorted(found))

    def reads(self, root: int, indices: tuple[int, ...]) -> frozenset[str]:
        """The events where the variants ``indices`` of configuration ``root`` may turn."""
        found = self.events_read.get((root, indices))
        if found is None:
            found = frozenset().union(*(self.variants[root][i - 1].events for i in indices))
            self.events_read[(root, indices)] = found
        return found

    def signs(self, case: af.Case, today: dt.date, derived: Derived) -> tuple[Any, ...]:
        """Where the case's date falls around each named landmark (``Landmarks.signs``)."""
        return self.dates.signs(case, today, derived)

    def derive(self, case: af.Case) -> Derived:
        """What the abstract state reads of the case's whole history (``_derived.py``)."""
        return derive(case, self.ordered, self.liveness.rank)

    def derive_after(self, derived: Derived, step: af.Step) -> Derived:
        """``derive`` of a case after ``step``, from ``derived`` before it (``_derived.py``)."""
        return derive_after(derived, step, self.ordered, self.liveness.rank)

    def key(self, node: Node) -> Any:
        """The abstract state of a node of the search: what two cases share when the
        search treats them as one."""
        case, today, summary, derived = node.case, node.today, node.summary, node.derived
        config, deviations, settled = node.config, node.deviations, node.settled
        state = case.state
        root, index = config
        followers = node.followers
        merged: Any = (*config, followers)
        live = self.liveness.live[state]
        if not index or not (self.reads(root, (index, *followers)) & live):
            # No rule still to come reads what the variants changed: they are
            # told apart from the ordinary case only by what the invariants
            # say of them, each condition of which is settled.
            merged = (root, settled)
            followers = ()
        signs = self.signs(case, today, derived)
        if followers:
            signs = (signs, self.dates.born_signs(self.borns(node), today))
        return (
            merged,
            state,
            self.liveness.features(state, summary),
            derived.order,
            signs,
            deviations,
        )

    def settle(
        self, case: af.Case, before: tuple[bool, ...] = (), step: af.Step | None = None
    ) -> tuple[bool, ...]:
        """Whether each condition of each invariant holds of the case, in any state.

        From ``before``, the answers for the case before ``step``, only the
        conditions about the step's event (or about any step) are judged again:
        the others cannot have changed.
        """
        reading = self.reading
        if not before or step is None:
            return tuple(condition.holds(case, reading) for _, condition in self.conditions)
        again = self._again(step.event)
        answers = list(before)
        conditions = self.conditions
        for i in again:
            answers[i] = conditions[i][1].holds(case, reading)
        return tuple(answers)

    def _again(self, event: str) -> list[int]:
        again = self.again.get(event)
        if again is None:
            again = self.again[event] = [
                i
                for i, events in enumerate(self.condition_events)
                if events is None or event in events
            ]
        return again

    def settle_alike(
        self,
        case: af.Case,
        settled: tuple[bool, ...],
        step: af.Step,
        variants: tuple[int, int, int],
    ) -> tuple[bool, ...]:
        """``settle`` of a group's follower after ``step`` (``_groups.py``).

        ``case`` has the group's history and unit and the follower's candidate;
        ``settled``, the answers for the group's own case after the step (both had the
        same answers before); ``variants``, the configuration, the group's variant and
        the follower's. Only the conditions that judge a rule can tell two candidates
        apart (the others read the history and the unit), only those about the step's
        event may have changed, and a rule that answers both variants as the ordinary
        case (``Variant.untouched``) answers them alike.
        """
        found = (*variants, step.event)
        again = self.judged_again.get(found)
        if again is None:
            root, one, two = variants
            alike = self.variants[root][one - 1].untouched & self.variants[root][two - 1].untouched
            judges = self.judges
            again = self.judged_again[found] = [
                i for i in self._again(step.event) if judges[i] and not judges[i] <= alike
            ]
        if not again:
            return settled
        answers = list(settled)
        conditions, reading = self.conditions, self.reading
        for i in again:
            answers[i] = conditions[i][1].holds(case, reading)
        return tuple(answers)

    def invariant_failures(self, case: af.Case, held: tuple[bool, ...]) -> list[InvariantFailure]:
        """The invariants the case breaks in its state, from its ``settle`` answers."""
        if case.state is None:
            return []
        checked = self.checked.get(case.state)
        if checked is None:
            checked = self.checked[case.state] = [
                i for i, (inv, _) in enumerate(self.conditions) if case.state in inv.states
            ]
        if all(held[i] for i in checked):
            return []
        failed: dict[str, list[Any]] = {}
        for i in checked:
            if not held[i]:
                invariant, condition = self.conditions[i]
                failed.setdefault(invariant.id, []).append(condition)
        return [
            InvariantFailure(invariant=invariant, failed=tuple(failed[invariant.id]))
            for invariant in self.procedure.invariants
            if invariant.id in failed
        ]


def _events(condition: Condition) -> frozenset[str] | None:
    """The events whose steps can change the condition's answer; ``None``: any step can."""
    if isinstance(condition, AnyOf | AllOf):
        found: set[str] = set()
        for inner in condition.conditions:
            events = _events(inner)
            if events is None:
                return None
            found |= events
        return frozenset(found)
    if isinstance(condition, StepOnFile):
        return frozenset({condition.event})
    if isinstance(condition, RuleHeld):
        return frozenset({condition.at})
    if isinstance(condition, UnitHas):
        return frozenset()
    if isinstance(condition, MonthsSince) and condition.to is not None:
        return frozenset({condition.event, condition.to})
    if isinstance(condition, WorkingDaysWithin):
        return frozenset({condition.event, condition.to})
    return None


def default_configurations() -> list[tuple[af.Unit, af.Person]]:
    """The ordinary unit and candidate the search starts from; variants come from the rules."""
    candidate = af.Person(
        id="c-1",
        name="Nguyễn Văn An",
        born=af.add_months(START, -25 * 12),
        education="upper_secondary",
        organizations=frozenset({"youth_union"}),
    )
    unit = af.Unit(id="u-1", kind="residential", official_members=15, has_youth_union=True)
    return [(unit, candidate)]
