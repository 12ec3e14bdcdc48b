"""The register: durable cases with a tamper-evident history (``docs/keeping-cases.md``).

Needs the ``store`` extra (``pip install admission-flow[store]``); PostgreSQL
also needs ``postgresql``.
"""

from ._fold import Entry, StoredCase
from ._import_checks import ExportFileError, read_export
from ._recheck import CaseRecheck, Refusal, judge_case
from ._register import Fired, Register, parse_actor
from ._verify import Break

__all__ = [
    "Break",
    "CaseRecheck",
    "Entry",
    "ExportFileError",
    "Fired",
    "Refusal",
    "Register",
    "StoredCase",
    "judge_case",
    "parse_actor",
    "read_export",
]
