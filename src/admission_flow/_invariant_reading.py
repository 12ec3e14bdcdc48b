"""Judging a rule again at a past step: the ``rule_held`` condition of invariants.

An invariant that says "the candidate was of age at the passing vote" must
hold whether or not the procedure's vote checks the age rule, so the
condition judges the rule itself, on the case as it stood before that step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ._model import Case, Member, Step

if TYPE_CHECKING:
    from ._calendar import Calendar
    from ._plugins import Contributed, Plugins
    from ._spec import Procedure

__all__ = ["Reading", "RuleHeld", "invariant_reading"]


@attrs.frozen(kw_only=True)
class RuleHeld:
    """``rule``, judged again at every accepted (or ``kept``) step of ``at``, held; and there is one.

    The rule is judged on the case as it stood before that step, with the
    step's actor, date and facts: whether or not the event checks the rule, so
    the invariant says what the law requires, not what the procedure enforces.
    """

    rule: str
    at: str
    params: Mapping[str, Any] = attrs.field(factory=dict)
    where: Mapping[str, Any] = attrs.field(factory=dict)
    #: ``accepted`` steps only, or every ``kept`` one (recorded votes too).
    kept: bool = False
    #: Whether the condition holds when there is no such step at all.
    optional: bool = False

    def holds(self, case: Case, reading: Reading) -> bool:
        found = False
        for step in case.steps_of(self.at):
            if not (step.accepted or self.kept):
                continue
            if self.where and any(step.facts.get(k) != v for k, v in self.where.items()):
                continue
            found = True
            if not reading.rule_holds(self, case, step):
                return False
        return found or self.optional

    def describe(self) -> str:
        where = (
            " with " + ", ".join(f"{k}={v!r}" for k, v in self.where.items()) if self.where else ""
        )
        which = "kept" if self.kept else "accepted"
        there = "" if self.optional else " (and there is one)"
        return f"rule '{self.rule}' held at each {which} '{self.at}'{where}{there}"


class Reading:
    """What evaluating a condition needs beyond the case: calendar, rules, members."""

    def __init__(
        self,
        procedure: Procedure,
        calendar: Calendar,
        members: Mapping[str, Member],
        rules: Mapping[str, Contributed] | None,
    ) -> None:
        self.procedure = procedure
        self.calendar = calendar
        self.members = members
        self._rules = rules
        self._answers: dict[tuple[int, int, int, int], tuple[Step, bool]] = {}

    def rule_holds(self, condition: RuleHeld, case: Case, step: Step) -> bool:
        """Whether ``condition.rule`` holds when judged again at ``step`` of ``case``."""
        # The answer depends only on the history up to the step, the unit and
        # the candidate: cached by their identities, the values kept alive.
        key = (id(step), id(condition), id(case.unit), id(case.candidate))
        known = self._answers.get(key)
        if known is not None and known[0] is step:
            return known[1]
        from ._rule import EventContext

        spec = self.procedure.rules[condition.rule]
        if self._rules is None:
            self._rules = _default_rules()
        contributed = self._rules.get(spec.check or condition.rule)
        if contributed is None:
            return True  # a core rule (auth.role, event.state): the engine applies it always
        index = next(i for i, s in enumerate(case.history) if s is step)
        before = Case(
            id=case.id,
            procedure=case.procedure,
            candidate=case.candidate,
            unit=case.unit,
            state=step.from_state,
            history=case.history[:index],
        )
        context = EventContext(
            self.procedure,
            before,
            self.procedure.events[step.event],
            step.actor,
            step.on,
            step.facts,
            self.members,
            self.calendar,
        )
        params = {**contributed.rule.params, **spec.params, **condition.params}
        held = contributed.rule.check(context, params) is None
        self._answers[key] = (step, held)
        return held


_RULES: list[Mapping[str, Contributed]] = []


def _default_rules() -> Mapping[str, Contributed]:
    if not _RULES:
        from ._plugins import Plugins

        _RULES.append(Plugins().rules())
    return _RULES[0]


def invariant_reading(
    procedure: Procedure, *, calendar: Calendar, members: Mapping[str, Member], plugins: Plugins
) -> Reading:
    """What ``check_invariants`` reads besides the case, made once for many cases (an engine's)."""
    return Reading(procedure, calendar, members, plugins.rules())
