"""Testing procedures: expected outputs, property tests and counter-examples.

- ``check_invariants``: the procedure's declared ``invariants:`` that do not
  hold of a case;
- ``static_findings`` and ``explore``: what ``admission-flow check`` runs;
- ``check_scenario`` and ``find_scenarios``: scenario files against their
  ``.expected.json`` (what ``admission-flow test`` runs);
- strategies (``people``, ``members``, ``units``, ``actors``, ``facts``,
  ``dates_from``, ``event_sequences``) for the values of any procedure;
- ``procedure_state_machine``: a Hypothesis state machine generated from any
  procedure, whose failures print as scenario files.

What needs Hypothesis is imported on first use, so a core install (without
the ``test`` extra) can still run ``admission-flow test``. See
``docs/compliance-testing.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from admission_flow.procedure._invariants import InvariantFailure, InvariantSpec

from ._check import CheckReport, Exploration, explore
from ._generation import DEFAULT_MEMBERS
from ._law import check_invariants
from ._regression import Difference, Result, check_scenario, expected_path, find_scenarios
from ._scenario_file import Attempt, scenario_text
from ._static import Finding, static_findings

if TYPE_CHECKING:
    from ._stateful import ProcedureMachine, procedure_state_machine
    from ._strategies import (
        actors,
        boundary_dates,
        dates_from,
        event_sequences,
        fact_values,
        facts,
        members,
        people,
        two_thirds,
        units,
    )

__all__ = [
    "DEFAULT_MEMBERS",
    "Attempt",
    "CheckReport",
    "Difference",
    "Exploration",
    "Finding",
    "InvariantFailure",
    "InvariantSpec",
    "ProcedureMachine",
    "Result",
    "actors",
    "boundary_dates",
    "check_invariants",
    "check_scenario",
    "dates_from",
    "event_sequences",
    "expected_path",
    "explore",
    "fact_values",
    "facts",
    "find_scenarios",
    "members",
    "people",
    "procedure_state_machine",
    "scenario_text",
    "static_findings",
    "two_thirds",
    "units",
]

#: Names that need Hypothesis, and the module that defines each.
_LAZY = {
    "ProcedureMachine": "_stateful",
    "procedure_state_machine": "_stateful",
    "actors": "_strategies",
    "boundary_dates": "_strategies",
    "dates_from": "_strategies",
    "event_sequences": "_strategies",
    "fact_values": "_strategies",
    "facts": "_strategies",
    "members": "_strategies",
    "people": "_strategies",
    "two_thirds": "_strategies",
    "units": "_strategies",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'admission_flow.testing' has no attribute '{name}'")
    try:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    except ImportError as exc:
        raise ImportError(
            f"admission_flow.testing.{name} needs Hypothesis: pip install 'admission-flow[test]'"
        ) from exc
    globals()[name] = value
    return value
