"""The order of steps that rules compare: part of ``check``'s abstract state.

A rule that compares two events' steps ("the committee voted after the
recognition vote", "no cell vote since the dossier was returned") names them
in its parameters and declares which (``Rule.order_of``). Two cases whose
latest steps of those events stand in another order are told apart by the
rule, so the abstract state (``_abstraction.py``) keeps that order; without
it, a committee vote before the recognition vote and one after it were one
state, and whichever the search met first stood for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import admission_flow as af
from admission_flow.procedure._invariants import RuleHeld, walk

__all__ = ["order_after", "ordered_groups", "step_order"]


def step_order(case: af.Case, groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
    """For each group, its events in the order of their latest steps (accepted, then any kept)."""
    history = case.history
    found = []
    for group in groups:
        placed = []
        for name in group:
            accepted = history.position(name)
            if accepted >= 0:
                placed.append((accepted, name))
            kept = history.position(name, accepted=False)
            if kept > accepted:
                placed.append((kept, "~" + name))
        placed.sort()
        found.append(tuple([name for _, name in placed]))
    return tuple(found)


def order_after(
    order: tuple[tuple[str, ...], ...], groups: tuple[tuple[str, ...], ...], step: af.Step
) -> tuple[tuple[str, ...], ...]:
    """``step_order`` of a case after ``step`` (kept), from its ``order`` before it.

    The step is the case's latest: accepted, its event's latest accepted and latest
    kept step both move to the end of each group naming it; only recorded, its latest
    kept step does (marked ``~``), after any accepted one. Nothing else moves.
    """
    event = step.event
    found = []
    for group, placed in zip(groups, order, strict=True):
        if event in group:
            marked = "~" + event
            if step.accepted:
                placed = (*[n for n in placed if n != event and n != marked], event)
            else:
                placed = (*[n for n in placed if n != marked], marked)
        found.append(placed)
    return tuple(found)


def ordered_groups(engine: af.Engine) -> tuple[tuple[str, ...], ...]:
    """The groups of events whose steps' order one rule compares (``Rule.order_of``).

    A rule names the events it compares in its parameters (``event`` and
    ``since``); the abstract state keeps the order of their latest steps
    (``Views.order``). The parameters are the rule's own defaults with the
    procedure's, an event's use and an invariant's ``rule_held`` over them.
    """
    procedure = engine.procedure
    contributed = engine.plugins.rules()
    groups: set[tuple[str, ...]] = set()

    def add(rule_id: str, params: Mapping[str, Any]) -> None:
        spec = procedure.rules[rule_id]
        found = contributed.get(spec.check or rule_id)
        if found is None or not found.rule.order_of:
            return
        merged = {**found.rule.params, **spec.params, **params}
        named = {merged.get(name) for name in found.rule.order_of}
        group = tuple(name for name in procedure.events if name in named)
        if len(group) > 1:
            groups.add(group)

    for rule_id in procedure.rules:
        add(rule_id, {})
    for spec in procedure.events.values():
        for use in spec.rules:
            add(use.rule, use.params)
    for invariant in procedure.invariants:
        for condition in invariant.requires:
            for leaf in walk(condition):
                if isinstance(leaf, RuleHeld):
                    add(leaf.rule, leaf.params)
    return tuple(sorted(groups))
