"""What ``check``'s abstract state reads of a case's history, grown a step at a time.

Every case the search reaches is the case of a node before it with one step more.
Reading each one's whole history again (the order of the steps a rule compares,
each event's latest step, the deadlines pending) cost the search a fifth of its
time; here a node keeps what it read, and its children's are made from it and their
step. ``tests/test_check_abstraction.py`` checks, on every case a search reaches,
that they equal what reading the whole history gives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

import admission_flow as af
from admission_flow.judging._deadlines import pending_after, pending_deadlines

from ._order import order_after, step_order

__all__ = ["Derived", "Node", "derive", "derive_after", "in_event_order"]

V = TypeVar("V")


class Derived:
    """What the abstract state reads of a case's history, kept with each node of the
    search and grown a step at a time (``derive_after``) rather than read again
    from the whole history for every case reached: the order of the steps a rule
    compares (``_order.py``), each event's latest kept step (in the procedure's order of
    its events, which ``Landmarks`` names them by), the deadlines pending."""

    __slots__ = ("base", "latest", "memo", "order", "pending")

    def __init__(
        self,
        order: tuple[tuple[str, ...], ...],
        latest: dict[str, af.Step],
        pending: Mapping[str, af.Deadline],
        base: tuple[Derived, af.Step] | None = None,
    ) -> None:
        self.order = order
        self.latest = latest
        self.pending = pending
        #: The node's parent's and the step after it, until ``memo`` is made from them.
        self.base = base
        #: A date, and where it falls around each latest step's landmarks
        #: (``Landmarks.latest_signs``).
        self.memo: tuple[dt.date, tuple[Any, ...]] | None = None


def derive(case: af.Case, groups: tuple[tuple[str, ...], ...], rank: Mapping[str, int]) -> Derived:
    """What the abstract state reads of the case's whole history (``groups``: the events
    whose steps' order a rule compares, ``_order.ordered_groups``; ``rank``: each event's
    place in the procedure, the order ``latest`` keeps them in)."""
    found: dict[str, af.Step] = {}
    for step in case.history:
        found[step.event] = step
    latest = {event: found[event] for event in sorted(found, key=rank.__getitem__)}
    return Derived(step_order(case, groups), latest, pending_deadlines(case.history))


def derive_after(
    derived: Derived,
    step: af.Step,
    groups: tuple[tuple[str, ...], ...],
    rank: Mapping[str, int],
) -> Derived:
    """``derive`` of a case after ``step`` (its latest), from ``derived`` before it: an
    event's step replaces its earlier one in place (``in_event_order``)."""
    if not step.kept:
        return derived
    latest = dict(derived.latest)
    latest[step.event] = step
    latest = in_event_order(latest, derived.latest, step.event, rank)
    pending = pending_after(derived.pending, step)
    return Derived(order_after(derived.order, groups, step), latest, pending, (derived, step))


def in_event_order(
    changed: dict[str, V], before: dict[str, V], event: str, rank: Mapping[str, int]
) -> dict[str, V]:
    """``changed`` (``before``, kept in the procedure's order of its events, with
    ``event``'s entry set) in that order too: as it is unless ``event`` is new and comes
    before ``before``'s last event, which happens at most once per event on a path."""
    if event in before or not before or rank[event] > rank[next(reversed(before))]:
        return changed
    return {name: changed[name] for name in sorted(changed, key=rank.__getitem__)}


class Node(Protocol):
    """What ``Views.key`` reads of a node of the search (``_check._Node``)."""

    @property
    def case(self) -> af.Case: ...

    @property
    def today(self) -> dt.date: ...

    @property
    def summary(self) -> Mapping[str, Any]: ...

    @property
    def derived(self) -> Derived: ...

    @property
    def config(self) -> tuple[int, int]: ...

    @property
    def followers(self) -> tuple[int, ...]: ...

    @property
    def deviations(self) -> int: ...

    @property
    def settled(self) -> tuple[bool, ...]: ...
