"""The bulk rebuild's values, built without checking again what the register checked.

``cases()`` and ``recheck`` rebuild every case of a register: a million steps
and a hundred thousand candidates. Every value they rebuild was checked when it
was written (a ``Person``'s fields, a ``Unit``'s, each step's), and sealed by
the hash chain, so here they are built with the model's fast constructors:

* a candidate is built from its opening record field by field, without the
  ``Person`` class's checks;
* one ``Unit`` value per distinct stored unit (built once with its checks,
  then shared by every case opened in it);
* one ``Step`` value per distinct row content: two rows that record the same
  event on the same date by the same actor with the same facts, outcome,
  violations and deadlines are the same frozen value, shared (copies of one
  routine step across cases cost a dictionary look-up, not a new value).

Both caches are bounded and cleared when full, so memory stays flat however
many cases stream by. Nothing here is used by ``load``, ``history`` or
``verify``: they rebuild through ``_fold.fold``, which checks every hash, and
a value that does not decode is still reported as ``StoreError`` naming the
case (``_rows``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import admission_flow as af
from admission_flow.model._departure import Departure
from admission_flow.model._names import shared
from admission_flow.model._serial import unit_from_json
from admission_flow.model._values import _new_person

from ._rows import step_of_tuple

__all__ = ["person_of_text", "step_of", "unit_of_text"]

#: How many distinct step contents are kept; the cache is emptied when it is full.
STEP_CACHE = 50_000


@functools.lru_cache(maxsize=1024)
def unit_of_text(text: str) -> af.Unit:
    """The unit a case's opening record holds, one value per distinct text (checked once)."""
    return unit_from_json(json.loads(text))


_decode = json.JSONDecoder().decode


@functools.lru_cache(maxsize=4096)
def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def person_of_text(text: str) -> af.Person:
    """The candidate a case's opening record holds, as ``person_from_json`` reads it,
    without the checks it passed when the case was opened."""
    data: Mapping[str, Any] = _decode(text)
    left = data.get("left")
    return _new_person(
        id=data["id"],
        name=data["name"],
        born=_day(data["born"]),
        education=data["education"],
        organizations=shared(frozenset(data.get("organizations", ()))),
        positions=shared(tuple(data.get("positions", ()))),
        over_60_consent=data.get("over_60_consent", False),
        hardship_area=data.get("hardship_area", False),
        community_role=data.get("community_role"),
        left=Departure.from_dict(left) if left else None,
    )


_steps: dict[tuple[Any, ...], af.Step] = {}


def steps_seen() -> dict[tuple[Any, ...], af.Step]:
    """The steps decoded so far, by ``row[2:]`` (a row's content without its case and
    number): a look-up the caller may inline before ``step_of``."""
    return _steps


def step_of(row: Sequence[Any]) -> af.Step:
    """The step a ``FOLDED`` tuple row records; identical contents share one value."""
    key = tuple(row[2:])  # everything but the case and the step's number
    step = _steps.get(key)
    if step is None:
        step = step_of_tuple(row)
        if len(_steps) >= STEP_CACHE:
            _steps.clear()
        _steps[key] = step
    return step
