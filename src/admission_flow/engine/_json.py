"""Facts from JSON: each read as the type its event declares, so that a service passes a
request's body through without knowing the procedure.

JSON has no dates: a ``date`` fact comes as ``"YYYY-MM-DD"`` text and is made a
``datetime.date`` here; every other fact's JSON value is already its Python
value (text, a whole number, true or false, a choice's or member's name), and
``Engine.fire`` checks it as it checks any call. An unknown fact is passed on
for ``fire`` to name, with the facts the event takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from admission_flow.exceptions import ArgumentTypeError, FactError
from admission_flow.model._words import describe
from admission_flow.procedure._spec import EventSpec

__all__ = ["facts_from_json"]


def facts_from_json(event: EventSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (a JSON object's fact values) as the facts ``Engine.fire`` takes for ``event``."""
    if not isinstance(data, Mapping):
        raise ArgumentTypeError(
            f"the facts of '{event.name}' are a JSON object (name: value), not {describe(data)}",
            field="facts",
        )
    facts: dict[str, Any] = {}
    for name, value in data.items():
        spec = event.facts.get(name)
        if spec is not None and spec.type == "date" and value is not None:
            facts[name] = _date(event.name, name, value)
        else:
            facts[name] = value
    return facts


def _date(event: str, name: str, value: Any) -> dt.date:
    if type(value) is str and len(value) == len("2023-03-01"):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise FactError(
        f"fact '{name}' of '{event}' is a date written YYYY-MM-DD, not {describe(value)}",
        field=name,
    )
