"""The register: durable cases with a tamper-evident history (``docs/keeping-cases.md``).

Needs the ``store`` extra (``pip install admission-flow[store]``); PostgreSQL
also needs ``postgresql``.
"""

from ._fold import Entry, StoredCase
from ._recheck import CaseRecheck, Refusal, judge_case
from ._register import Fired, Register, parse_actor
from ._verify import Break

__all__ = [
    "Break",
    "CaseRecheck",
    "Entry",
    "Fired",
    "Refusal",
    "Register",
    "StoredCase",
    "judge_case",
    "parse_actor",
]
