"""Judging a rule again at a past step: what the ``rule_held`` condition of invariants needs.

An invariant that says "the candidate was of age at the passing vote" must
hold whether or not the procedure's vote checks the age rule, so the
condition runs the rule itself (a plugin's), on the case as it stood before
that step, with the step's actor, date and facts. The procedure layer cannot
reach the plugins; this module gives it a judge (``Reading``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import admission_flow as af
from admission_flow.calendar import Calendar, VietnamCalendar
from admission_flow.engine._migrate import MIGRATE
from admission_flow.model._values import _new_case
from admission_flow.procedure._invariants import InvariantFailure, Reading, RuleHeld, walk
from admission_flow.procedure._invariants import check_invariants as _check

from ._landmarks import CACHED_STEPS
from ._scenario_file import Attempt

__all__ = ["RuleAnswers", "check_invariants", "law_reading", "verdict"]


class _Judge:
    """Runs rules again at past steps; answers cached by the identities they depend on."""

    def __init__(
        self,
        procedure: af.Procedure,
        calendar: Calendar,
        members: Mapping[str, af.Member],
        rules: Mapping[str, af.Rule],
    ) -> None:
        self.procedure = procedure
        self.calendar = calendar
        self.members = members
        self.rules = rules
        self.answers: dict[tuple[int, int, int, int], tuple[af.Step, bool]] = {}

    def __call__(self, condition: RuleHeld, case: af.Case, step: af.Step) -> bool:
        # The answer depends only on the history up to the step, the unit and
        # the candidate: cached by their identities, the values kept alive.
        key = (id(step), id(condition), id(case.unit), id(case.candidate))
        known = self.answers.get(key)
        if known is not None and known[0] is step:
            return known[1]
        spec = self.procedure.rules[condition.rule]
        rule = self.rules.get(spec.check or condition.rule)
        if rule is None:
            return True  # a core rule (auth.role, event.state): the engine applies it always
        history = case.history
        # Found among its event's steps (the history indexes them), not by a walk.
        index = next(i for i in reversed(history.positions(step.event)) if history[i] is step)
        if any(i > index and history[i].kept for i in history.positions(MIGRATE)):
            # A step before a move was judged by its own generation, on the unit of its
            # day, which the move may have replaced (a merged cell's count): it stands.
            self.answers[key] = (step, True)
            return True
        # Values of a case already made, so built without checking them again.
        before = _new_case(
            case.id,
            case.procedure,
            case.candidate,
            case.unit,
            step.from_state,
            history.prefix(index),
        )
        context = af.EventContext(
            self.procedure,
            before,
            self.procedure.events[step.event],
            step.actor,
            step.on,
            step.facts,
            self.members,
            self.calendar,
        )
        held = rule.check(context, {**rule.params, **spec.params, **condition.params}) is None
        if len(self.answers) >= CACHED_STEPS:
            self.answers.clear()  # each entry keeps its step alive: bounded (see _landmarks)
        self.answers[key] = (step, held)
        return held


def law_reading(
    procedure: af.Procedure,
    *,
    calendar: Calendar | None = None,
    members: Mapping[str, af.Member] | None = None,
    plugins: af.Plugins | None = None,
) -> Reading:
    """What invariants read besides the case, for many cases: make it once (an engine's)."""
    counting = calendar if calendar is not None else _vietnam()
    found = (plugins if plugins is not None else af.Plugins()).rules()
    rules = {rule_id: contributed.rule for rule_id, contributed in found.items()}
    return Reading(counting, _Judge(procedure, counting, members or {}, rules))


def check_invariants(
    procedure: af.Procedure,
    case: af.Case,
    *,
    calendar: Calendar | None = None,
    members: Mapping[str, af.Member] | None = None,
    plugins: af.Plugins | None = None,
) -> list[InvariantFailure]:
    """The procedure's invariants that do not hold of ``case`` (none, for a sound procedure).

    Pass the engine's ``calendar``, ``members`` and ``plugins`` when it has
    its own (by default: Vietnam's calendar, no members, the installed
    plugins): ``rule_held`` conditions judge the plugins' rules again.
    """
    reading = law_reading(procedure, calendar=calendar, members=members, plugins=plugins)
    return _check(procedure, case, reading=reading)


class RuleAnswers:
    """Whether a rule holds for an attempt, whether or not its event checks it (for ``check``)."""

    def __init__(self, engine: af.Engine) -> None:
        self.engine = engine
        self.procedure = engine.procedure
        contributed = engine.plugins.rules()
        self.rules = {
            rule_id: contributed.get(spec.check or rule_id)
            for rule_id, spec in self.procedure.rules.items()
        }
        #: The parameters each invariant judges a rule again with, by (rule, event).
        self.judged: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
        for invariant in self.procedure.invariants:
            for condition in invariant.requires:
                for leaf in walk(condition):
                    if isinstance(leaf, RuleHeld):
                        self.judged.setdefault((leaf.rule, leaf.at), []).append(leaf.params)

    def __call__(self, rule_id: str, case: af.Case, attempt: Attempt) -> tuple[bool, ...]:
        """Once with the event's own parameters, once with each invariant's at this event."""
        found = self.rules.get(rule_id)
        if found is None:
            return ()
        spec = self.procedure.events[attempt.event]
        facts = {f.name: f.default for f in spec.facts.values() if f.default is not None}
        context = af.EventContext(
            self.procedure,
            case,
            spec,
            attempt.actor,
            attempt.on,
            {**facts, **attempt.facts},
            self.engine.members,
            self.engine.calendar,
        )
        base = {**found.rule.params, **self.procedure.rules[rule_id].params}
        uses: list[Mapping[str, Any]] = [u.params for u in spec.rules if u.rule == rule_id]
        uses = (uses or [{}]) + self.judged.get((rule_id, attempt.event), [])
        answers = []
        for params in uses:
            try:
                answers.append(found.rule.check(context, {**base, **params}) is None)
            except (KeyError, TypeError, ValueError, AttributeError):
                answers.append(True)  # it reads a fact this event lacks: it says nothing here
        return tuple(answers)


_CALENDAR: list[Calendar] = []


def _vietnam() -> Calendar:
    """Vietnam's calendar, made once (the default when no calendar is given)."""
    if not _CALENDAR:
        _CALENDAR.append(VietnamCalendar())
    return _CALENDAR[0]


def verdict(outcome: af.Outcome) -> tuple[Any, ...]:
    """What the engine answered, rule by rule: two attempts answered alike merge."""
    step = outcome.step
    return (
        step.accepted,
        step.recorded,
        step.to_state,
        tuple(v.rule for v in step.violations),
        tuple(v.rule for v in step.warnings),
    )
