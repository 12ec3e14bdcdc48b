"""Values as JSON data, and that data's one text and digest: one home for both.

``encode`` turns what a case keeps (facts, a violation's details, a procedure
file's values) into JSON data, tagging what JSON would confuse: a date is
``{"$date": "2023-03-01"}``, a bilingual text ``{"$text": {"vi", "en"}}``, a
set ``{"$set": [...]}``, a mapping with a key that is not text
``{"$map": [[key, value], ...]}``; a text key that starts with ``$`` is written
with one more ``$`` (``$when`` as ``$$when``), so that no key is mistaken for a
tag. ``decode`` gives the value back, frozen.

``canonical_json`` and ``digest`` only sort and serialise such data (keys
sorted, no insignificant white space, UTF-8): they encode nothing themselves,
so a procedure's fingerprint, a history row's hash and a stored column all
read the one encoding, and whatever ``encode`` accepts can be hashed and kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from ._frozen import FrozenDict
from ._values import Text

__all__ = ["canonical_json", "decode", "digest", "encode", "json_text"]

#: The tags ``encode`` writes, each the one key of its mapping.
TAGS = frozenset({"$date", "$text", "$set", "$map"})


def encode(value: Any) -> Any:
    """``value`` as JSON data: mappings, lists, text, numbers, booleans, ``None``; tagged.

    Raises:
        TypeError: a date and time (only dates are kept), or a value of another type.
    """
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, dt.datetime):
        raise TypeError(f"a date and time cannot be kept, only a date: {value!r}")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, Text):
        return {"$text": value.as_dict()}
    if isinstance(value, Mapping):
        if all(type(key) is str for key in value):
            return {("$" + key if key[:1] == "$" else key): encode(v) for key, v in value.items()}
        pairs = [[encode(key), encode(item)] for key, item in value.items()]
        return {"$map": sorted(pairs, key=canonical_json)}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, frozenset | set):
        return {"$set": sorted((encode(item) for item in value), key=canonical_json)}
    raise TypeError(f"{type(value).__name__} cannot be kept as JSON: {value!r}")


def decode(value: Any) -> Any:
    """The value ``encode`` made ``value`` from, frozen (tuples, ``FrozenDict``, ``frozenset``)."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, item),) = value.items()
            if key == "$date":
                return dt.date.fromisoformat(item)
            if key == "$text":
                return Text(item["vi"], item["en"])
            if key == "$set":
                return frozenset(decode(i) for i in item)
            if key == "$map":
                return FrozenDict({decode(k): decode(v) for k, v in item})
        return FrozenDict(
            {(key[1:] if key[:1] == "$" else key): decode(item) for key, item in value.items()}
        )
    if isinstance(value, list):
        return tuple(decode(item) for item in value)
    return value


def _check_data(value: Any) -> None:
    """``value`` is JSON data as ``encode`` makes it; else ``TypeError``, naming what is not."""
    if value is None or isinstance(value, str | bool | int | float):
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError(f"JSON data has text keys, not {key!r}; encode() the value first")
            _check_data(item)
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_data(item)
        return
    _not_json(value)


def _not_json(value: Any) -> NoReturn:
    """What ``canonical_json`` and ``json_text`` raise for a value that is not JSON data."""
    raise TypeError(f"{type(value).__name__} is not JSON data; encode() the value first")


def _make_json_text() -> Callable[[Any], str]:
    """``json.dumps`` with canonical settings, its encoder made once.

    ``json.dumps`` with any setting builds a ``JSONEncoder`` and its C encoder on
    every call: a third of the time of a history row's short texts, of which a
    register writes four per step (issue 18). The C encoder is the very one
    ``json.dumps`` builds, with the same settings; without the circular-reference
    check, which JSON data, a tree, does not need.
    """
    make = getattr(json.encoder, "c_make_encoder", None)  # not in typeshed: private to json
    if make is None:  # pragma: no cover - CPython has the C encoder
        return functools.partial(
            json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    encoder = make(
        None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )

    def json_text(data: Any) -> str:
        return "".join(encoder(data, 0))

    return json_text


#: ``json_text(data)``: the canonical text of ``data`` known to be JSON data (a tree of
#: dicts with text keys, lists, text, numbers, booleans and ``None``), unchecked; what
#: ``canonical_json`` returns after its check. Anything else raises ``TypeError`` or
#: ``ValueError`` (a float that is not a number).
json_text = _make_json_text()


def canonical_json(data: Any) -> str:
    """The one JSON text of JSON data: sorted keys, compact, non-ASCII kept.

    Raises:
        TypeError: ``data`` is not JSON data (a date, a set, a non-text key):
            ``encode`` it first.
    """
    _check_data(data)
    return json_text(data)


def digest(data: Any) -> str:
    """The SHA-256 of ``data``'s canonical JSON, as 64 hexadecimal digits."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()
