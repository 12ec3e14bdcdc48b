"""Cases, steps and outcomes as JSON data, and back.

``case_to_json(case)`` gives plain ``dict``/``list``/``str``/``int`` values that
``json.dumps`` writes as they are; ``case_from_json`` rebuilds an equal ``Case``.
The register stores cases in this form; an application may too.
"""

from .model._serial import (
    case_from_json,
    case_to_json,
    outcome_from_json,
    outcome_to_json,
    step_from_json,
    step_to_json,
)

__all__ = [
    "case_from_json",
    "case_to_json",
    "outcome_from_json",
    "outcome_to_json",
    "step_from_json",
    "step_to_json",
]
