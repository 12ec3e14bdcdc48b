"""The members an engine knows, checked once: rules and plugins read them, read-only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from admission_flow.exceptions import ActorError, ArgumentTypeError, InputError
from admission_flow.model._frozen import FrozenDict
from admission_flow.model._values import Actor, Member
from admission_flow.model._words import describe, did_you_mean
from admission_flow.procedure._spec import Procedure

__all__ = ["checked_actor", "checked_members"]


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


def checked_actor(procedure: Procedure, members: Mapping[str, Member], actor: Actor | str) -> Actor:
    """``actor`` as an ``Actor`` of one of ``procedure``'s roles; a role held by one
    member names a member in ``members``. Else ``ActorError``, saying what to write."""
    if type(actor) is str:
        actor = Actor(actor)
    elif not isinstance(actor, Actor):
        raise ActorError(f"an actor is an Actor or a role name, not {describe(actor)}", field="by")
    role = procedure.roles.get(actor.role)
    if role is None:
        raise ActorError(
            f"procedure '{procedure.id}' has no role '{actor.role}'"
            f"{did_you_mean(actor.role, procedure.roles)}",
            field="by",
        )
    if role.individual:
        if actor.id is None:
            raise ActorError(
                f"role '{actor.role}' is held by one member: say which, e.g. {{role: {actor.role}, id: m-1}}",
                field="by",
            )
        if actor.id not in members:
            raise ActorError(
                f"unknown member '{actor.id}' acting as '{actor.role}'{did_you_mean(actor.id, members)}",
                field="by",
            )
    return actor
