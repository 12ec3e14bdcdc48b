"""Canonical JSON and SHA-256 digests: one encoding for every fingerprint and hash.

A procedure's fingerprint and, later, each history row's hash are SHA-256
digests of canonical JSON: keys sorted, no insignificant white space, UTF-8,
dates written ``{"$date": "YYYY-MM-DD"}`` so that a date and the text of a date
never encode alike. The same content always gives the same digest, whatever
the order its keys were written in, its comments or its layout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["canonical", "canonical_json", "digest"]


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data: mappings, lists, text, numbers, booleans, ``None``."""
    if isinstance(value, Mapping):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted((canonical(item) for item in value), key=canonical_json)
    if isinstance(value, dt.datetime):
        raise TypeError(f"a date and time has no canonical form here: {value!r}")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    as_dict = getattr(value, "as_dict", None)
    if as_dict is not None:
        return canonical(as_dict())
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    """The one JSON text of ``value``: sorted keys, compact, non-ASCII kept."""
    return json.dumps(
        canonical(value),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )


def digest(value: Any) -> str:
    """The SHA-256 of ``value``'s canonical JSON, as 64 hexadecimal digits."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
