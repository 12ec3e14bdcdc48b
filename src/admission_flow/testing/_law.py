"""Judging a rule again at a past step: what the ``rule_held`` condition of invariants needs.

An invariant that says "the candidate was of age at the passing vote" must
hold whether or not the procedure's vote checks the age rule, so the
condition runs the rule itself (a plugin's), on the case as it stood before
that step, with the step's actor, date and facts. The procedure layer cannot
reach the plugins; this module gives it a judge (``Reading``).
"""

from __future__ import annotations

from collections.abc import Mapping

import admission_flow as af
from admission_flow.procedure._invariants import (
    InvariantFailure,
    Reading,
    RuleHeld,
    _default_calendar,
)
from admission_flow.procedure._invariants import check_invariants as _check

__all__ = ["check_invariants", "law_reading"]


class _Judge:
    """Runs rules again at past steps; answers cached by the identities they depend on."""

    def __init__(
        self,
        procedure: af.Procedure,
        calendar: af.Calendar,
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
        index = next(i for i, s in enumerate(case.history) if s is step)
        before = af.Case(
            id=case.id,
            procedure=case.procedure,
            candidate=case.candidate,
            unit=case.unit,
            state=step.from_state,
            history=case.history[:index],
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
        self.answers[key] = (step, held)
        return held


def law_reading(
    procedure: af.Procedure,
    *,
    calendar: af.Calendar | None = None,
    members: Mapping[str, af.Member] | None = None,
    plugins: af.Plugins | None = None,
) -> Reading:
    """What invariants read besides the case, for many cases: make it once (an engine's)."""
    counting = calendar if calendar is not None else _default_calendar()
    found = (plugins if plugins is not None else af.Plugins()).rules()
    rules = {rule_id: contributed.rule for rule_id, contributed in found.items()}
    return Reading(counting, _Judge(procedure, counting, members or {}, rules))


def check_invariants(
    procedure: af.Procedure,
    case: af.Case,
    *,
    calendar: af.Calendar | None = None,
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
