"""The members an engine knows, checked once: rules and plugins read them, read-only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from admission_flow.exceptions import ArgumentTypeError, InputError
from admission_flow.model._frozen import FrozenDict
from admission_flow.model._values import Member
from admission_flow.model._words import describe

__all__ = ["checked_members"]


def checked_members(members: Mapping[str, Member] | Iterable[Member]) -> FrozenDict[str, Member]:
    """The members by id, read-only (rules and plugins see them); each checked."""
    given: Any = members
    if isinstance(given, str | bytes):
        raise ArgumentTypeError(
            f"members are Member values, not {describe(given)}", field="members"
        )
    items = members.values() if isinstance(members, Mapping) else members
    result: dict[str, Member] = {}
    try:
        for member in items:
            if not isinstance(member, Member):
                raise ArgumentTypeError(
                    f"members are admission_flow.Member values, not {describe(member)}",
                    field="members",
                )
            if member.id in result:
                raise InputError(f"member '{member.id}' is given twice", field="members")
            result[member.id] = member
    except TypeError:
        raise ArgumentTypeError(
            f"members are a list or a mapping of Member values, not {describe(members)}",
            field="members",
        ) from None
    return FrozenDict(result)
