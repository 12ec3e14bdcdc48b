"""What a procedure declares in vain: the static half of ``admission-flow check``.

Unreachable states, non-final states no event leaves, roles that can fire
nothing, events that never fire, rules never checked, deadlines on no path,
invariants about states or events that never happen, and rules that declare
no boundaries for the search to explore. Reachability comes from
``Procedure.transitions()`` alone, as for the engine and the search. These are warnings: the
procedure runs, but something in it can never matter.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

import admission_flow as af
from admission_flow.procedure._invariants import (
    AllOf,
    AnyOf,
    Condition,
    MonthsSince,
    StepOnFile,
    WorkingDaysWithin,
)

from ._boundaries import silent_rules

__all__ = ["StaticFinding", "static_findings"]


@attrs.frozen(kw_only=True)
class StaticFinding:
    """Something the procedure declares that can never matter, or never happen."""

    kind: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


#: The checker's modules still say ``Finding``; the public name is ``StaticFinding``, since
#: ``admission_flow.units.Finding`` is what a rule pack finds about a unit.
Finding = StaticFinding


def _reachable_states(procedure: af.Procedure) -> set[str]:
    """The states some path of transitions reaches, from ``Procedure.transitions()`` alone."""
    targets: dict[str | None, set[str]] = {}
    for transition in procedure.transitions():
        targets.setdefault(transition.source, set()).add(transition.target)
    reached: set[str | None] = {None}
    todo: list[str | None] = [None]
    while todo:
        for target in targets.get(todo.pop(), ()):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    return {state for state in reached if state is not None}


def _fireable_events(procedure: af.Procedure, reached: set[str]) -> set[str]:
    return {
        t.event
        for t in procedure.transitions()
        if procedure.events[t.event].roles and (t.source is None or t.source in reached)
    }


def _condition_events(condition: Condition) -> Iterator[str]:
    if isinstance(condition, AnyOf | AllOf):
        for inner in condition.conditions:
            yield from _condition_events(inner)
    elif isinstance(condition, StepOnFile):
        yield condition.event
    elif isinstance(condition, MonthsSince):
        yield condition.event
        if condition.to is not None:
            yield condition.to
    elif isinstance(condition, WorkingDaysWithin):
        yield condition.event
        yield condition.to


def static_findings(procedure: af.Procedure, *, plugins: af.Plugins | None = None) -> list[Finding]:
    """What the procedure declares in vain: unreachable states, dead ends, idle roles and rules.

    With ``plugins``, also the rules whose implementation declares no
    boundaries, which the search then explores only at ordinary values.
    """
    found: list[Finding] = []
    reached = _reachable_states(procedure)
    fireable = _fireable_events(procedure, reached)
    for name, state in procedure.states.items():
        if name not in reached:
            found.append(
                Finding(kind="unreachable_state", message=f"state '{name}' is never reached")
            )
        elif not state.final and not any(t.source == name for t in procedure.transitions()):
            found.append(
                Finding(
                    kind="dead_end",
                    message=f"state '{name}' is not final, yet no event leaves it",
                )
            )
    for name, spec in procedure.events.items():
        if not spec.roles:
            found.append(Finding(kind="event_without_role", message=f"no role can fire '{name}'"))
        elif name not in fireable:
            found.append(
                Finding(
                    kind="event_never_fires",
                    message=f"event '{name}' never fires: none of its states "
                    f"({', '.join(spec.sources)}) is reached",
                )
            )
    for role in procedure.roles:
        if not any(role in procedure.events[e].roles for e in fireable):
            found.append(
                Finding(kind="idle_role", message=f"role '{role}' can fire no event that happens")
            )
    used = {use.rule for spec in procedure.events.values() for use in spec.rules}
    used |= {d.rule for d in procedure.deadlines.values()}
    used |= {s.escalation.rule for s in procedure.events.values() if s.escalation}
    for rule_id, rule in procedure.rules.items():
        if rule.kind == "check" and rule_id not in used:
            found.append(
                Finding(
                    kind="rule_never_checked",
                    message=f"rule '{rule_id}' is declared but no event checks it",
                )
            )
        elif rule_id in used and rule.kind == "check":
            events = [
                s.name for s in procedure.events.values() if rule_id in {u.rule for u in s.rules}
            ]
            if events and not any(e in fireable for e in events):
                found.append(
                    Finding(
                        kind="rule_never_checked",
                        message=f"rule '{rule_id}' is checked only by events that never fire ({', '.join(events)})",
                    )
                )
    for name, deadline in procedure.deadlines.items():
        if deadline.after not in fireable or not any(e in fireable for e in deadline.met_by):
            found.append(
                Finding(
                    kind="deadline_on_no_path",
                    message=f"deadline '{name}' starts at '{deadline.after}' and is met by "
                    f"{', '.join(deadline.met_by)}, which do not all happen",
                )
            )
    for invariant in procedure.invariants:
        if not any(s in reached for s in invariant.states):
            found.append(
                Finding(
                    kind="invariant_names_nothing",
                    message=f"invariant '{invariant.id}' is about states never reached "
                    f"({', '.join(invariant.states)})",
                )
            )
        for condition in invariant.requires:
            idle = sorted({e for e in _condition_events(condition) if e not in fireable})
            if idle:
                found.append(
                    Finding(
                        kind="invariant_names_nothing",
                        message=f"invariant '{invariant.id}' names events that never fire: "
                        f"{', '.join(idle)}",
                    )
                )
    if plugins is not None:
        found.extend(
            Finding(
                kind="rule_without_boundaries",
                message=f"rule '{rule_id}' declares no boundaries (Rule.boundaries), so check "
                "explores it only at ordinary values; declare where its answer turns, or () "
                "if it reads only the history",
            )
            for rule_id in silent_rules(procedure, plugins)
        )
    return found
