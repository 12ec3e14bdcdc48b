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
  own, explored from there like any other.
- **Facts**: an ordinary value of each (the unit's count, a unanimous vote, a
  date on the day, the first value of a choice; every value of a choice is
  tried), the values a variant declares (two-thirds and one below, a
  denominator that adds up and one that does not, a certificate on its
  anniversary and the day after...), and with ``--deviations N`` every
  boundary value of every fact on N steps of a path.
- **Dates**: every event is tried on the case's date; time passes to each
  date on which a rule may turn: a deadline's due date and the day after, an
  invariant's working-day bound, and, when nothing else can happen, twelve
  and sixty months after a step and the candidate's 18th, 30th and 60th
  birthdays, each with its neighbours. Deadlines and bounds are waited for
  however far ahead they fall; the other landmarks only within
  ``horizon_days`` of the latest step.

The abstract state
------------------
Two cases are one abstract state when they agree on: the configuration
(ordinary or which variant); the state; for each event that can still fire
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
split off, so its counter-example is the shortest too. What the abstraction
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
)
from admission_flow.spec import EventSpec, FactSpec

from ._boundaries import Variant
from ._derived import Derived, Node, derive, derive_after
from ._generation import two_thirds
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

_DAY = dt.timedelta(days=1)
#: The day generated cases open; any ordinary working day would do.
START = dt.date(2023, 1, 3)
#: An optional fact left out, in the list of a fact's values.
ABSENT = object()

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

    def summarise(
        self, summary: Mapping[str, EventSummary], step: af.Step
    ) -> dict[str, EventSummary]:
        """The summary of a case after ``step``, from the summary before it."""
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
        return changed

    def features(self, state: str | None, summary: Mapping[str, EventSummary]) -> tuple[Any, ...]:
        """What the rules can see of the history: details of live events, the fact of dead ones."""
        live = self.live[state]
        found: list[tuple[Any, ...]] = []
        for name in self.procedure.events:
            entry = summary.get(name)
            if entry is None:
                continue
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


def fact_options(
    fact: FactSpec,
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


def fact_variants(
    spec: EventSpec,
    role: str,
    on: dt.date,
    unit: af.Unit,
    members: Mapping[str, af.Member],
    procedure: af.Procedure | None = None,
) -> list[tuple[dict[str, Any], bool]]:
    """An ordinary choice of every fact, then each fact varied alone over its boundary values.

    Each comes with whether it is a deviation (all but the first, and the
    other values of a choice, are not). ``procedure`` names the date facts a
    deadline met by this event may count from instead (``counted_from``).
    """
    facts = [
        f
        for f in sorted(spec.facts.values(), key=lambda f: f.at_most is not None)
        if not (f.roles and role not in f.roles)
    ]

    restarts = {
        d.counted_from
        for d in (procedure.deadlines.values() if procedure is not None else ())
        if d.counted_from is not None and spec.name in d.met_by
    }

    def options(fact: FactSpec, chosen: Mapping[str, Any]) -> list[Any]:
        values = fact_options(fact, on, members, unit, chosen)
        if fact.name in restarts and not fact.required:
            # A date a deadline may count from instead (the day a decision was
            # received) is ordinarily not given: the deadline's own start holds.
            return [ABSENT, *values]
        # An optional fact is given its ordinary value first; leaving it out is a variant.
        return values if fact.required or not values else [*values, ABSENT]

    def assemble(fixed: Mapping[str, Any]) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for fact in facts:
            if fact.name in fixed:
                chosen[fact.name] = fixed[fact.name]
            else:
                values = options(fact, chosen)
                if values:
                    chosen[fact.name] = values[0]
        return {k: v for k, v in chosen.items() if v is not ABSENT}

    base = assemble({})
    variants = [(base, False)]
    seen = {tuple(sorted(base.items(), key=lambda kv: kv[0]))}
    for fact in facts:
        for value in options(fact, dict(base))[1:]:
            variant = assemble({fact.name: value})
            signature = tuple(sorted(variant.items(), key=lambda kv: kv[0]))
            if signature not in seen:
                seen.add(signature)
                variants.append((variant, fact.type != "choice"))
    return variants


def counts_varied(spec: EventSpec, facts: Mapping[str, Any], ordinary: Mapping[str, Any]) -> bool:
    """Whether the facts differ from the ordinary ones only in a count bounded by a total."""
    changed = [name for name in facts if facts.get(name) != ordinary.get(name)]
    return bool(changed) and all(spec.facts[name].at_most is not None for name in changed)


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


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
        self.dates = Landmarks(engine, horizon_days)
        self.ordered = ordered_groups(engine)

    def waits(
        self, case: af.Case, today: dt.date, derived: Derived, *, landmarks: bool
    ) -> list[dt.date]:
        """The next date on which a rule may turn, if there is one (``Landmarks.waits``)."""
        return self.dates.waits(case, today, derived, landmarks=landmarks)

    def signs(self, case: af.Case, today: dt.date, derived: Derived) -> tuple[Any, ...]:
        """Where the case's date falls around each named landmark (``Landmarks.signs``)."""
        return self.dates.signs(case, today, derived)

    def derive(self, case: af.Case) -> Derived:
        """What the abstract state reads of the case's whole history (``_derived.py``)."""
        return derive(case, self.ordered)

    def derive_after(self, derived: Derived, step: af.Step) -> Derived:
        """``derive`` of a case after ``step``, from ``derived`` before it (``_derived.py``)."""
        return derive_after(derived, step, self.ordered)

    def key(self, node: Node) -> Any:
        """The abstract state of a node of the search: what two cases share when the
        search treats them as one."""
        case, today, summary, derived = node.case, node.today, node.summary, node.derived
        config, deviations, settled = node.config, node.deviations, node.settled
        state = case.state
        root, index = config
        merged: Any = config
        live = self.liveness.live[state]
        if not index or not (self.variants[root][index - 1].events & live):
            # No rule still to come reads what the variant changed: it is
            # told apart from the ordinary case only by what the invariants
            # say of it, each condition of which is settled.
            merged = (root, settled)
        return (
            merged,
            state,
            self.liveness.features(state, summary),
            derived.order,
            self.signs(case, today, derived),
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
        again = self.again.get(step.event)
        if again is None:
            again = self.again[step.event] = [
                i
                for i, events in enumerate(self.condition_events)
                if events is None or step.event in events
            ]
        answers = list(before)
        conditions = self.conditions
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
