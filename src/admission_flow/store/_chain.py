"""The hash chain: each history row's hash covers its content and the hash before it.

``hash = digest({"previous": ..., "case": ..., "seq": ..., every other field})``
(``_canonical.digest``: SHA-256 of canonical JSON). The JSON columns enter as
the text stored, which is itself canonical JSON, so the bytes on disk are the
bytes hashed. A case's first row follows its opening record, whose hash covers
the candidate, the unit and the procedure the case was opened under: a changed
birth date breaks the chain as surely as a changed vote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from admission_flow.model._canonical import digest, json_text

__all__ = ["opening_hash", "row_hash"]


def opening_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a ``cases`` row's opening record."""
    return digest(
        {
            "case": row["id"],
            "unit_id": row["unit_id"],
            "procedure": {
                "id": row["procedure_id"],
                "version": row["procedure_version"],
                "fingerprint": row["procedure_fingerprint"],
            },
            "candidate": row["candidate"],
            "unit": row["unit"],
            "opened_at": row["opened_at"],
        }
    )


def row_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a ``history`` row: its content, its request id if it has one, and the
    ``previous`` hash it follows."""
    on = row["on_date"]
    sealed: dict[str, Any] = {
        "previous": row["previous"],
        "case": row["case_id"],
        "seq": row["seq"],
        "event": row["event"],
        "on": on.isoformat() if isinstance(on, dt.date) else on,
        "by": {"role": row["actor_role"], "id": row["actor_id"]},
        "facts": row["facts"],
        "accepted": bool(row["accepted"]),
        "recorded": bool(row["recorded"]),
        "from": row["from_state"],
        "to": row["to_state"],
        "violations": row["violations"],
        "warnings": row["warnings"],
        "deadlines": row["deadlines"],
        "procedure": {
            "id": row["procedure_id"],
            "version": row["procedure_version"],
            "fingerprint": row["procedure_fingerprint"],
        },
        "recorded_at": row["recorded_at"],
    }
    # Rows written before request ids existed keep their hashes: the id enters
    # the hash only when there is one.
    request = row.get("request_id")
    if request is not None:
        sealed["request"] = request
    # Every value here is already plain JSON (text, whole numbers, booleans, None): the
    # canonical text without canonical_json's walk through the values, which cost a
    # third of a step's write.
    return hashlib.sha256(json_text(sealed).encode("utf-8")).hexdigest()
