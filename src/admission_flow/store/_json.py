"""The JSON forms of what the register returns, one schema for all of them.

Each form is described in ``schemas/register.json`` (JSON Schema 2020-12,
shipped in the package: ``schema()``), under ``$defs``: ``fired``, ``step``,
``entry``, ``stored_case``, ``summary``, ``error``. Facts are plain JSON, dates
``YYYY-MM-DD``: what ``Engine.facts_from_json`` reads back by the procedure's
fact types. ``docs/keeping-cases.md`` shows each form.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from admission_flow.exceptions import AdmissionFlowError
from admission_flow.model._serial import person_to_json, run_step, unit_to_json

from ._firing import Fired
from ._fold import Entry, StoredCase
from ._query import Summary

__all__ = [
    "entry_to_json",
    "error_to_json",
    "fired_to_json",
    "schema",
    "stored_to_json",
    "summary_to_json",
]


@cache
def _schema_text() -> str:
    return (resources.files(__package__) / "schemas" / "register.json").read_text("utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema of every form (a fresh copy): validate a form against ``#/$defs/NAME``."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded


def fired_to_json(fired: Fired) -> dict[str, Any]:
    """What a fire answers: the step as recorded, and where the case stands now."""
    stored = fired.stored
    return {
        "case": stored.case.id,
        "seq": fired.seq,
        "replayed": fired.replayed,
        "accepted": fired.outcome.step.accepted,
        "step": run_step(fired.outcome.step),
        "state": stored.case.state,
        "open": stored.open,
        "version": stored.version,
    }


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """One history row: the step, its number, procedure, time recorded and seal."""
    return {
        "seq": entry.seq,
        **run_step(entry.step),
        "procedure": entry.procedure.as_dict(),
        "recorded_at": entry.recorded_at,
        "previous": entry.previous,
        "hash": entry.hash,
    }


def stored_to_json(stored: StoredCase) -> dict[str, Any]:
    """A kept case: who, where, under which procedure, its state, version and kept steps."""
    case = stored.case
    return {
        "id": case.id,
        "procedure": case.procedure.as_dict(),
        "candidate": person_to_json(case.candidate),
        "unit": unit_to_json(case.unit),
        "state": case.state,
        "open": stored.open,
        "version": stored.version,
        "head": stored.head,
        "history": [run_step(step) for step in case.history],
    }


def summary_to_json(summary: Summary) -> dict[str, Any]:
    return summary.as_json()


def error_to_json(error: AdmissionFlowError) -> dict[str, Any]:
    return error.as_json()
