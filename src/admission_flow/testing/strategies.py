"""Hypothesis strategies for the values of any procedure, as ``hypothesis.strategies`` has its own.

``from admission_flow.testing import strategies as afst``, then
``afst.people()``, ``afst.units()``, ``afst.facts(procedure, "cell_vote", ...)``.
Importing this module imports Hypothesis (``pip install 'admission-flow[test]'``).
"""

from ._strategies import (
    actors,
    dates_from,
    event_sequences,
    fact_values,
    facts,
    members,
    people,
    units,
)

__all__ = [
    "actors",
    "dates_from",
    "event_sequences",
    "fact_values",
    "facts",
    "members",
    "people",
    "units",
]
