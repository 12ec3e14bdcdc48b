"""The register: durable cases with a tamper-evident history (``docs/keeping-cases.md``).

Needs the ``store`` extra (``pip install admission-flow[store]``); PostgreSQL
also needs ``postgresql``. Importing this package loads nothing: each name is imported
from its module when it is first read (``_lazy.py``), so SQLAlchemy loads when a register
is used, not when a program that may use one starts.
"""

from admission_flow._lazy import lazy_names

# Not typing's TYPE_CHECKING: importing typing costs more than this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
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

#: Each public name's home module, imported when the name is first read (``_lazy.py``);
#: in step with the ``TYPE_CHECKING`` imports above (``tests/test_imports.py``).
_HOMES = {
    "._checkpoint": ("Checkpoint",),
    "._firing": (
        "FireCall",
        "Fired",
    ),
    "._fold": (
        "Entry",
        "StoredCase",
    ),
    "._import_checks": (
        "ExportFileError",
        "read_export",
    ),
    "._json": (
        "entry_to_json",
        "error_to_json",
        "fired_to_json",
        "schema",
        "stored_to_json",
        "summary_to_json",
    ),
    "._query": ("Summary",),
    "._recheck": (
        "CaseRecheck",
        "Refusal",
        "judge_case",
    ),
    "._register": (
        "Register",
        "parse_actor",
    ),
    "._verify": ("Break",),
}
__getattr__, __dir__ = lazy_names(__name__, _HOMES)
