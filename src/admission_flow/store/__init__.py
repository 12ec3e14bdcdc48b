"""The register: durable cases with a tamper-evident history (``docs/keeping-cases.md``).

Needs the ``store`` extra (``pip install admission-flow[store]``); PostgreSQL
also needs ``postgresql``.
"""

from ._checkpoint import Checkpoint
from ._firing import FireCall, Fired
from ._fold import Entry, StoredCase
from ._import_checks import ExportFileError, read_export
from ._json import (
    entry_to_json,
    error_to_json,
    fired_to_json,
    schema,
    stored_to_json,
    summary_to_json,
)
from ._query import Summary
from ._recheck import CaseRecheck, Refusal, judge_case
from ._register import Register, parse_actor
from ._verify import Break

__all__ = [
    "Break",
    "CaseRecheck",
    "Checkpoint",
    "Entry",
    "ExportFileError",
    "FireCall",
    "Fired",
    "Refusal",
    "Register",
    "StoredCase",
    "Summary",
    "entry_to_json",
    "error_to_json",
    "fired_to_json",
    "judge_case",
    "parse_actor",
    "read_export",
    "schema",
    "stored_to_json",
    "summary_to_json",
]
