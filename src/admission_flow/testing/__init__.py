"""Testing procedures: expected outputs, invariants, property tests, the exhaustive checker.

What does not need Hypothesis (comparing scenario runs with their expected
output) is imported eagerly; the Hypothesis parts only when first used, so a
core install (without the ``test`` extra) can still run ``admission-flow test``.
See ``docs/compliance-testing.md``.
"""

from ._regression import Difference, Result, check_scenario, expected_path, find_scenarios

__all__ = [
    "Difference",
    "Result",
    "check_scenario",
    "expected_path",
    "find_scenarios",
]
