"""The boundaries ``admission-flow check`` explores: declared by rules and plugins, one at a time.

A rule declares the points where its answer turns (``Rule.boundaries``: an age
a month either side of 18, a certificate on its anniversary and the day after,
a vote at two-thirds and one below...); a plugin whose checks are made in
``admission_flow_check_event`` declares its own through the hook
``admission_flow_add_boundaries``. Each becomes a ``Variant`` of the ordinary
configuration: the same unit and candidate with the fields it names changed,
or the facts it names set, at the events where its answer may turn (those
that check the rule, those where an invariant judges it again, and those
checking another rule that declares a boundary on the same field).

How the search uses them is in ``_abstraction.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

import admission_flow as af
from admission_flow.model._history import History
from admission_flow.model._values import _new_case
from admission_flow.procedure._invariants import RuleHeld, walk
from admission_flow.spec import EventSpec

from ._generation import two_thirds
from ._scenario_file import Attempt

__all__ = ["Variant", "boundary_variants", "silent_rules"]

HOOK = "admission_flow_add_boundaries"


@attrs.frozen(kw_only=True)
class Variant:
    """One boundary, made concrete: the unit, candidate and facts of a configuration."""

    index: int
    boundary: af.Boundary
    #: The rule that declared it, or the plugin that did.
    origin: str
    unit: af.Unit
    candidate: af.Person
    #: Where its answer may turn: the search tries it at these events.
    events: frozenset[str]
    #: The rule whose answer is compared with the ordinary configuration's.
    rule: str | None
    #: Facts set on the events they belong to: event -> fact -> declared value.
    facts: Mapping[str, Mapping[str, Any]]
    #: Rules that answer this variant as the ordinary case (``_untouched``).
    untouched: frozenset[str] = frozenset()

    def blocked_alike(self, ordinary: af.Outcome, procedure: af.Procedure) -> bool:
        """Whether a rule that answers both alike refused the ordinary attempt: the variant's too."""
        return not ordinary.step.kept and any(
            v.rule in self.untouched and procedure.rules[v.rule].severity == "block"
            for v in ordinary.step.violations
        )

    @property
    def plain(self) -> bool:
        """Whether the variant changes only the unit or the candidate: the same attempts,
        the same history, another person or unit judged (what ``_groups.py`` may group)."""
        return not self.facts and self.boundary.member is None

    @property
    def label(self) -> str:
        return f"{self.boundary.note} ({self.origin})"

    def case(self, case: af.Case, procedure: af.Procedure) -> af.Case:
        """The ordinary configuration's case as this variant would have it."""
        history = case.history
        if self.facts:
            history = History(self.step(step, procedure) for step in history)
        # Values of a case the engine made, so built without checking them again.
        return _new_case(case.id, case.procedure, self.candidate, self.unit, case.state, history)

    def step(self, step: af.Step, procedure: af.Procedure) -> af.Step:
        facts = self.facts.get(step.event)
        if not facts or not self._history_facts(step.event):
            return step
        spec = procedure.events[step.event]
        changed = dict(step.facts)
        changed.update(
            (name, resolve(value, name, step.on, changed, spec)) for name, value in facts.items()
        )
        return attrs.evolve(step, facts=changed)

    def same_case(self, case: af.Case) -> bool:
        """Whether the variant sees ``case`` as it is (it changes only the facts of an attempt)."""
        return (
            self.unit == case.unit
            and self.candidate == case.candidate
            and not any("." in name for name in self.boundary.facts)
        )

    def replays(self, engine: af.Engine, attempts: tuple[Attempt, ...], case: af.Case) -> bool:
        """Whether this variant's own case goes through ``attempts`` step for step as ``case`` did.

        A variant tried at a late event (where a rule reading the same field turns)
        swaps its unit or candidate into a history the ordinary values went
        through; an earlier step may have answered otherwise for them (an age
        under 18 refused at the cell's vote). Such a case is not reachable: the
        variant was tried at that earlier step already.
        """
        if self.same_case(case) or not attempts or len(attempts) != len(case.history):
            return True
        replayed = engine.open(case.id, self.candidate, self.unit)
        for attempt, step in zip(attempts, case.history, strict=True):
            outcome = engine.fire(
                replayed, attempt.event, attempt.actor, attempt.on, **attempt.facts
            )
            done = outcome.step
            if (done.accepted, done.recorded, done.to_state) != (
                step.accepted,
                step.recorded,
                step.to_state,
            ):
                return False
            replayed = outcome.case
        return True

    def past_all(
        self, attempts: tuple[Attempt, ...], procedure: af.Procedure
    ) -> tuple[Attempt, ...]:
        """Earlier attempts as this variant makes them (the same tuple when it changes none)."""
        if not any("." in name for name in self.boundary.facts):
            return attempts
        return tuple(self.past(a, procedure) for a in attempts)

    def past(self, attempt: Attempt, procedure: af.Procedure) -> Attempt:
        """An earlier attempt as this variant makes it: facts later rules read of it set."""
        facts = self.facts.get(attempt.event)
        if not facts or not self._history_facts(attempt.event):
            return attempt
        spec = procedure.events[attempt.event]
        changed = dict(attempt.facts)
        changed.update(
            (name, resolve(value, name, attempt.on, changed, spec)) for name, value in facts.items()
        )
        return attrs.evolve(attempt, facts=changed)

    def _history_facts(self, event: str) -> bool:
        # Facts named ``event.fact`` are part of the history a later rule reads.
        return any("." in name for name in self.boundary.facts if name.startswith(f"{event}."))

    def attempt(
        self, attempt: Attempt, spec: EventSpec, members: Mapping[str, af.Member]
    ) -> Attempt:
        """The attempt as this variant makes it: its facts set, another member acting."""
        facts = dict(attempt.facts)
        declared = self.facts.get(attempt.event, {})
        for name, value in declared.items():
            if name in spec.facts:
                facts[name] = resolve(value, name, attempt.on, facts, spec)
        for name, fact in spec.facts.items():
            # A count bounded by a total the variant changed stays within it.
            total = facts.get(fact.at_most) if fact.at_most is not None else None
            if name not in declared and isinstance(total, int) and facts.get(name, 0) > total:
                facts[name] = total
        actor = attempt.actor
        if self.boundary.member == "not_official":
            other = next((m for m in members.values() if m.status != "official"), None)
            if other is not None:
                if actor.id is not None:
                    actor = af.Actor(actor.role, other.id)
                for name, fact in spec.facts.items():
                    if fact.type == "member" and name in facts:
                        facts[name] = other.id
        return Attempt(on=attempt.on, event=attempt.event, actor=actor, facts=facts)


def resolve(
    value: Any,
    name: str,
    on: dt.date,
    chosen: Mapping[str, Any],
    spec: EventSpec | None = None,
) -> Any:
    """A declared fact value made concrete for an event on ``on`` (see ``af.Boundary``)."""
    if isinstance(value, tuple):
        months, days = value
        return af.add_months(on, months) + dt.timedelta(days=days)
    fact = spec.facts.get(name) if spec is not None else None
    if value in ("two_thirds", "one_below") and fact is not None and fact.at_most is not None:
        total = chosen.get(fact.at_most)
        if isinstance(total, int):
            needed = two_thirds(total)
            return needed if value == "two_thirds" else max(0, needed - 1)
    if value == "one_less":
        ordinary = chosen.get(name)
        return ordinary - 1 if isinstance(ordinary, int) else ordinary
    return value


def _judged(procedure: af.Procedure) -> dict[str, set[str]]:
    """For each rule, the events where an invariant judges it again (``rule_held``)."""
    found: dict[str, set[str]] = {}
    for invariant in procedure.invariants:
        for condition in invariant.requires:
            for leaf in walk(condition):
                if isinstance(leaf, RuleHeld):
                    found.setdefault(leaf.rule, set()).add(leaf.at)
    return found


def _declared(
    procedure: af.Procedure, plugins: af.Plugins
) -> Iterator[tuple[str, str | None, af.Boundary, set[str]]]:
    """Every boundary: its origin, its rule, itself and the events of that rule."""
    contributed = plugins.rules()
    judged = _judged(procedure)
    for rule_id, spec in procedure.rules.items():
        found = contributed.get(spec.check or rule_id)
        if found is None or not found.rule.boundaries:
            continue
        events = {e.name for e in procedure.events.values() if rule_id in {u.rule for u in e.rules}}
        events |= judged.get(rule_id, set())
        for boundary in found.rule.boundaries:
            yield rule_id, rule_id, boundary, events
    # The plugin manager calls hooks for its own methods; this one is read here only.
    for plugin, answer in plugins._answers(HOOK, procedure=procedure):
        for item in plugins._items(plugin, HOOK, answer, "admission_flow.Boundary objects"):
            if not isinstance(item, af.Boundary):
                raise af.PluginError(
                    f"plugin '{plugin}' returned {item!r} from {HOOK}; "
                    "return admission_flow.Boundary objects",
                    plugin=plugin,
                    hook=HOOK,
                )
            yield plugin, None, item, set(item.events)


def boundary_variants(
    procedure: af.Procedure,
    plugins: af.Plugins,
    unit: af.Unit,
    candidate: af.Person,
    start: dt.date,
) -> list[Variant]:
    """One variant per declared boundary of the rules the procedure uses, and of plugins."""
    declared = list(_declared(procedure, plugins))
    # A field some rule's boundary changes may turn every rule that declares it.
    by_field: dict[str, set[str]] = {}
    for _, _, boundary, events in declared:
        for field in _fields(boundary):
            by_field.setdefault(field, set()).update(events)
    variants: list[Variant] = []
    seen: set[Any] = set()
    for origin, rule_id, boundary, events in declared:
        where = set(events)
        for field in _fields(boundary):
            where |= by_field.get(field, set())
        if boundary.facts and not (boundary.unit or boundary.candidate or boundary.member):
            # Facts alone turn the rule only where an event has them (or,
            # named ``event.fact``, wherever the rule reads that history).
            where = {
                e
                for e in where
                if "." in "".join(boundary.facts)
                or any(name in procedure.events[e].facts for name in boundary.facts)
            }
        facts: dict[str, dict[str, Any]] = {}
        for name, value in boundary.facts.items():
            if "." in name:
                event, fact = name.split(".", 1)
                facts.setdefault(event, {})[fact] = value
            else:
                for event in events:
                    if name in procedure.events[event].facts:
                        facts.setdefault(event, {})[name] = value
        changes = dict(boundary.candidate)
        months = changes.pop("age_months", None)
        if isinstance(months, int):
            changes["born"] = af.add_months(start, -months)
        if isinstance(changes.get("left"), Mapping):
            changes["left"] = af.Departure(
                **{name: resolve(value, name, start, {}) for name, value in changes["left"].items()}
            )
        variant_unit = attrs.evolve(unit, **boundary.unit)
        variant_candidate = attrs.evolve(candidate, **changes)
        signature = (
            variant_unit,
            variant_candidate,
            _frozen(facts),
            boundary.member,
            frozenset(where),
            rule_id,
        )
        if signature in seen or not where:
            continue
        seen.add(signature)
        variants.append(
            Variant(
                index=len(variants) + 1,
                boundary=boundary,
                origin=origin,
                unit=variant_unit,
                candidate=variant_candidate,
                events=frozenset(where),
                rule=rule_id,
                facts=facts,
                untouched=_untouched(procedure, plugins, boundary),
            )
        )
    return variants


def _untouched(
    procedure: af.Procedure, plugins: af.Plugins, boundary: af.Boundary
) -> frozenset[str]:
    """The rules that, by their declarations, answer this boundary as the ordinary case.

    A rule that declares its boundaries and none of them on a field, a fact or
    a member this boundary changes, nor reads a fact it sets, answers alike:
    where it refuses the ordinary case, it refuses the variant too.
    """
    fields = set(_fields(boundary))
    facts = {name.split(".")[-1] for name in boundary.facts}
    contributed = plugins.rules()
    found = set()
    for rule_id, spec in procedure.rules.items():
        rule = contributed.get(spec.check or rule_id)
        if rule is None or rule.rule.boundaries is None:
            continue
        theirs = rule.rule.boundaries
        if any(set(_fields(b)) & fields for b in theirs):
            continue
        if facts & (set(rule.rule.reads) | {n.split(".")[-1] for b in theirs for n in b.facts}):
            continue
        if boundary.member and any(b.member for b in theirs):
            continue
        found.add(rule_id)
    return frozenset(found)


def _fields(boundary: af.Boundary) -> Iterable[str]:
    yield from (f"unit.{name}" for name in boundary.unit)
    for name in boundary.candidate:
        yield f"candidate.{'born' if name == 'age_months' else name}"


def _frozen(facts: Mapping[str, Mapping[str, Any]]) -> Any:
    return tuple(sorted((event, tuple(sorted(f.items()))) for event, f in facts.items()))


def silent_rules(procedure: af.Procedure, plugins: af.Plugins) -> list[str]:
    """The rules the procedure checks whose implementation declares no boundaries at all."""
    contributed = plugins.rules()
    used = {use.rule for spec in procedure.events.values() for use in spec.rules}
    silent = []
    for rule_id in sorted(used):
        spec = procedure.rules[rule_id]
        found = contributed.get(spec.check or rule_id)
        if found is not None and found.rule.boundaries is None:
            silent.append(rule_id)
    return silent
