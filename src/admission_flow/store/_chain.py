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
import json
from collections.abc import Mapping
from typing import Any

from admission_flow.model._canonical import json_text

__all__ = ["opening_hash", "row_hash"]


def opening_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a ``cases`` row's opening record: ``digest`` of it, whose check that
    the data is JSON (text keys, no other type) is left out, the keys being these literal
    texts; a value of another type still raises ``TypeError``, from ``json_text``."""
    text = json_text(
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
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def row_hash(row: Mapping[Any, Any]) -> str:
    """The hash of a ``history`` row: its content, its request id if it has one, and the
    ``previous`` hash it follows."""
    try:
        text = _sealed_text(row)
    except TypeError:  # a value of another type than a written row's: the general walk
        text = json_text(_sealed(row))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sealed(row: Mapping[Any, Any]) -> dict[str, Any]:
    """What a row's hash covers, as JSON data: its canonical text is what is hashed."""
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
    return sealed


#: JSON's quoted string, the very function ``json_text``'s encoder quotes text with (it
#: raises ``TypeError`` for anything but text).
_quote = json.encoder.encode_basestring


def _sealed_text(row: Mapping[Any, Any]) -> str:
    """``json_text(_sealed(row))``, the same text, written field by field in the canonical
    (sorted) order of ``_sealed``'s keys instead of walked: a row's values are text, a
    whole number, booleans and ``None`` (where a written row may hold it). Any other
    type, or ``None`` where a written row has text, raises ``TypeError``
    (``row_hash`` then takes the general walk); ``tests/store/test_row_text.py`` holds
    the two to the same text."""
    seq = row["seq"]
    if type(seq) is not int:
        raise TypeError("seq")
    on = row["on_date"]
    if isinstance(on, dt.date):
        on = on.isoformat()
    request = row.get("request_id")
    return "".join(
        [
            '{"accepted":',
            "true" if row["accepted"] else "false",
            ',"by":{"id":',
            "null" if row["actor_id"] is None else _quote(row["actor_id"]),
            ',"role":',
            _quote(row["actor_role"]),
            '},"case":',
            _quote(row["case_id"]),
            ',"deadlines":',
            _quote(row["deadlines"]),
            ',"event":',
            _quote(row["event"]),
            ',"facts":',
            _quote(row["facts"]),
            ',"from":',
            "null" if row["from_state"] is None else _quote(row["from_state"]),
            ',"on":',
            "null" if on is None else _quote(on),
            ',"previous":',
            _quote(row["previous"]),
            ',"procedure":{"fingerprint":',
            _quote(row["procedure_fingerprint"]),
            ',"id":',
            _quote(row["procedure_id"]),
            ',"version":',
            "null" if row["procedure_version"] is None else _quote(row["procedure_version"]),
            '},"recorded":',
            "true" if row["recorded"] else "false",
            ',"recorded_at":',
            _quote(row["recorded_at"]),
            "" if request is None else ',"request":' + _quote(request),
            ',"seq":',
            str(seq),
            ',"to":',
            "null" if row["to_state"] is None else _quote(row["to_state"]),
            ',"violations":',
            _quote(row["violations"]),
            ',"warnings":',
            _quote(row["warnings"]),
            "}",
        ]
    )
