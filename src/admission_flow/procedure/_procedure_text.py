"""A procedure rebuilt from its canonical text, as the register keeps it.

``Procedure.text`` is the resolved procedure as canonical JSON (the bytes its
fingerprint is the SHA-256 of). Reading it back gives the same values, hence
the same procedure, whatever has become of the file it was first loaded from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from admission_flow.exceptions import Problem, ProcedureError

from ._parse import parse_procedure
from ._rule import Rule
from ._spec import Procedure
from ._yaml import Mark, YamlList, YamlMap

__all__ = ["plain_of", "procedure_from_text", "text_fingerprint"]


def text_fingerprint(text: str) -> str:
    """The fingerprint of a procedure's canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def procedure_from_text(
    text: str, *, rules: Mapping[str, Rule], name: str, fingerprint: str | None = None
) -> Procedure:
    """The procedure whose canonical text is ``text``.

    Args:
        text: the canonical JSON a ``Procedure.text`` holds.
        rules: the rules plugins contribute, by id.
        name: how messages name it (``<register vn-2021 57afb02bdac5>``).
        fingerprint: when given, the text must have it.

    Raises:
        ProcedureError: the text does not match ``fingerprint``, is not a
            procedure's canonical text, or names a rule no plugin provides.
    """
    if fingerprint is not None and text_fingerprint(text) != fingerprint:
        raise ProcedureError(
            [
                Problem(
                    file=name,
                    line=1,
                    column=1,
                    message=f"the stored text does not match its fingerprint {fingerprint[:12]} "
                    "(modified); restore it from an export or from the procedure's file",
                )
            ]
        )
    try:
        plain = _plain(json.loads(text))
    except ValueError as exc:
        raise ProcedureError(
            [Problem(file=name, line=1, column=1, message=f"not a procedure's text: {exc}")]
        ) from None
    procedure = parse_procedure(_marked(plain, Mark(name, 1, 1)), name, rules=rules)
    if procedure.text != text:
        raise ProcedureError(
            [
                Problem(
                    file=name,
                    line=1,
                    column=1,
                    message="the stored text is not in canonical form; restore it from an export",
                )
            ]
        )
    return procedure


def plain_of(procedure: Procedure) -> Any:
    """The resolved procedure as plain values (mappings, lists, dates): what ``show --resolved`` prints."""
    return _plain(json.loads(procedure.text))


def _plain(value: Any) -> Any:
    """JSON data as ``model._canonical.encode`` wrote it, back to what YAML gives:
    ``{"$date": ...}`` a date, a key escaped with one more ``$`` as written. Not
    ``decode``, which freezes (``FrozenDict``, tuples): the procedure reader and the YAML
    that ``show --resolved`` prints take plain dicts and lists, and a procedure file holds
    no texts, sets or non-text keys to decode."""
    if isinstance(value, dict):
        if len(value) == 1 and isinstance(value.get("$date"), str):
            return dt.date.fromisoformat(value["$date"])
        return {(key[1:] if key[:1] == "$" else key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _marked(value: Any, mark: Mark) -> Any:
    """Plain values as the YAML reader gives them, every position the text's own."""
    if isinstance(value, dict):
        result = YamlMap(mark)
        for key, item in value.items():
            result[key] = _marked(item, mark)
        return result
    if isinstance(value, list):
        items = YamlList(mark)
        for item in value:
            items.append(_marked(item, mark))
            items.marks.append(mark)
        return items
    return value
