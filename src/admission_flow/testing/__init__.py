"""Testing procedures: expected outputs, property tests and counter-examples.

- ``check_invariants``: the procedure's declared ``invariants:`` that do not
  hold of a case (the invariants themselves are ``admission_flow.spec.InvariantSpec``);
- ``static_findings`` and ``explore``: what ``admission-flow check`` runs;
- ``check_scenario`` and ``find_scenarios``: scenario files against their
  ``.expected.json`` (what ``admission-flow test`` runs);
- ``admission_flow.testing.strategies``: Hypothesis strategies (``people``,
  ``members``, ``units``, ``actors``, ``facts``, ``fact_values``, ``dates_from``,
  ``event_sequences``) for the values of any procedure; ``boundary_dates`` and
  ``two_thirds`` here are the plain helpers they use;
- ``procedure_state_machine``: a Hypothesis state machine generated from any
  procedure, whose failures print as scenario files.

What needs Hypothesis is imported on first use, so a core install (without
the ``test`` extra) can still run ``admission-flow test``. See
``docs/compliance-testing.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from admission_flow._moved import moved_names
from admission_flow.procedure._invariants import InvariantFailure

from ._check import CheckReport, Exploration, explore
from ._generation import DEFAULT_MEMBERS, boundary_dates, two_thirds
from ._law import check_invariants
from ._regression import Difference, Result, check_scenario, expected_path, find_scenarios
from ._report import Limits
from ._scenario_file import Attempt, scenario_text
from ._static import StaticFinding, static_findings

if TYPE_CHECKING:
    from ._stateful import ProcedureMachine, procedure_state_machine

__all__ = [
    "DEFAULT_MEMBERS",
    "Attempt",
    "CheckReport",
    "Difference",
    "Exploration",
    "InvariantFailure",
    "Limits",
    "ProcedureMachine",
    "Result",
    "StaticFinding",
    "boundary_dates",
    "check_invariants",
    "check_scenario",
    "expected_path",
    "explore",
    "find_scenarios",
    "procedure_state_machine",
    "scenario_text",
    "static_findings",
    "two_thirds",
]

#: Names that need Hypothesis, and the module that defines each.
_LAZY = {
    "ProcedureMachine": "_stateful",
    "procedure_state_machine": "_stateful",
}

#: Names that moved; each still works, with a warning. The strategies went to a module of
#: their own, where ``units`` no longer shadows the ``admission_flow.units`` package.
_moved = moved_names(
    __name__,
    {
        "Finding": "admission_flow.testing.StaticFinding",
        "InvariantSpec": "admission_flow.spec.InvariantSpec",
        **{
            name: f"admission_flow.testing.strategies.{name}"
            for name in (
                "actors",
                "dates_from",
                "event_sequences",
                "fact_values",
                "facts",
                "members",
                "people",
                "units",
            )
        },
    },
    stacklevel=3,
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        return _moved(name)
    try:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    except ImportError as exc:
        raise ImportError(
            f"admission_flow.testing.{name} needs Hypothesis: pip install 'admission-flow[test]'"
        ) from exc
    globals()[name] = value
    return value
