"""The values ``admission-flow check`` gives an event's facts (see ``_abstraction.py``).

An ordinary value of each fact (the unit's count, a unanimous vote, a date on
the day, the first value of a choice), then each fact varied alone over its
boundary values (two-thirds and one below, a year back and a day after it,
left out when optional, every value of a choice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import admission_flow as af
from admission_flow.spec import EventSpec, FactSpec

from ._generation import two_thirds

__all__ = ["ABSENT", "counts_varied", "fact_options", "fact_variants"]

_DAY = dt.timedelta(days=1)
#: An optional fact left out, in the list of a fact's values.
ABSENT = object()


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
