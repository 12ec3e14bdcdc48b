"""A node of ``check``'s search: a case reached, how, and what the abstract state reads of it."""

from __future__ import annotations

import datetime as dt

import attrs

import admission_flow as af

from ._abstraction import EventSummary
from ._derived import Derived
from ._scenario_file import Attempt

__all__ = ["SearchNode"]


@attrs.frozen
class SearchNode:
    case: af.Case
    today: dt.date
    attempts: tuple[Attempt, ...]
    #: How many steps on the way took an unusual actor or fact value.
    deviations: int
    #: (the configuration given, the boundary variant: 0 for none).
    config: tuple[int, int]
    summary: dict[str, EventSummary]
    #: What the abstract state reads of the case's history (``Views.derive``).
    derived: Derived
    #: Whether each condition of each invariant holds (``Views.settle``).
    settled: tuple[bool, ...] = ()
    #: Other variants of the configuration that the rules have answered as this
    #: node's, every step since they split off (``_groups.py``); ascending.
    followers: tuple[int, ...] = ()
