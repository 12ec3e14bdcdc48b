"""One field list per value that files and documents write: ``Person``, ``Unit``, ``Member``.

Every writer and reader of these values walks ``fields_of(cls)``: the JSON of
cases (``_serial``), the scenario loader (``engine/_scenario``) and whoever writes
a scenario file (a counter-example: ``field_items(value)`` gives each field and
its value in order, ready to write). A field added to one of these values is
then written, read and replayed everywhere, or the house test fails; none is
dropped on the way (a unit's ``grassroots_cell``, a member's ``positions``).

The list is derived from the attrs class itself, so it cannot drift from it;
what attrs does not say (a closed vocabulary such as ``education``) is added
here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, Literal, TypeVar

import attrs

from ._departure import COMMUNITY_ROLES, Departure
from ._values import Member, Person, Unit
from ._vocabulary import EDUCATION_LEVELS, MEMBER_STATUSES, ORGANIZATIONS

__all__ = ["FieldKind", "ValueField", "field_items", "fields_of", "from_data", "to_data"]

#: How a field is written: ``text``; ``date`` (``YYYY-MM-DD``); ``count`` (a whole
#: number); ``flag`` (true or false); ``names`` (a list, in order); ``name_set``
#: (a list, sorted: the value is a set); ``optional_text`` (text or nothing);
#: ``departure`` (a ``Departure``, written by its own ``as_dict``/``from_dict``).
FieldKind = Literal[
    "text", "date", "count", "flag", "names", "name_set", "optional_text", "departure"
]
_KINDS: Mapping[str, FieldKind] = {
    "str": "text",
    "dt.date": "date",
    "int": "count",
    "bool": "flag",
    "tuple[str, ...]": "names",
    "frozenset[str]": "name_set",
    "str | None": "optional_text",
    "Departure | None": "departure",
}
#: The fields whose values come from a closed list.
_CHOICES: Mapping[tuple[type, str], tuple[str, ...]] = {
    (Person, "education"): EDUCATION_LEVELS,
    (Person, "organizations"): ORGANIZATIONS,
    (Member, "status"): MEMBER_STATUSES,
    (Person, "community_role"): COMMUNITY_ROLES,
}
#: Fields written only when they differ from their default (revision 3's): the bytes,
#: and so the hashes, of every record written without them stay what they were.
_OMIT_WHEN_DEFAULT: frozenset[tuple[type, str]] = frozenset(
    {
        (Person, "hardship_area"),
        (Person, "community_role"),
        (Person, "left"),
        (Unit, "committee_members"),
    }
)
VALUES: tuple[type, ...] = (Person, Unit, Member)
_V = TypeVar("_V", Person, Unit, Member)


@attrs.frozen(kw_only=True)
class ValueField:
    """One field of a value as files write it."""

    name: str
    kind: FieldKind
    required: bool
    #: The value when a file leaves the field out (``None`` for a required field).
    default: Any = None
    #: The closed list its value (or each name of it) comes from; empty: open.
    choices: tuple[str, ...] = ()
    #: Written only when its value differs from ``default``.
    omit_default: bool = False


def fields_of(cls: type) -> tuple[ValueField, ...]:
    """The fields of ``Person``, ``Unit`` or ``Member``, in the class's order.

    Raises:
        TypeError: another class.
    """
    found = _FIELDS.get(cls)
    if found is None:
        raise TypeError(f"no field list for {cls.__name__}; there is one for Person, Unit, Member")
    return found


def _derive(cls: type) -> tuple[ValueField, ...]:
    """The field list of an attrs class; a field of a type no file writes yet is a TypeError."""
    result = []
    for field in attrs.fields(cls):
        kind = _KINDS.get(str(field.type))
        if kind is None:
            raise TypeError(f"{cls.__name__}.{field.name}: no file kind for type {field.type}")
        required = field.default is attrs.NOTHING
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            default = default.factory()
        result.append(
            ValueField(
                name=field.name,
                kind=kind,
                required=required,
                default=None if required else default,
                choices=_CHOICES.get((cls, field.name), ()),
                omit_default=(cls, field.name) in _OMIT_WHEN_DEFAULT,
            )
        )
    return tuple(result)


#: Derived once, at import: a value with a field no file can write fails here.
_FIELDS: dict[type, tuple[ValueField, ...]] = {cls: _derive(cls) for cls in VALUES}


def field_items(value: Person | Unit | Member) -> Iterator[tuple[ValueField, Any]]:
    """Each field of ``value`` with its value, in order: a set's names sorted, a list's kept."""
    for field in fields_of(type(value)):
        item = getattr(value, field.name)
        yield field, tuple(sorted(item)) if field.kind == "name_set" else item


def to_data(value: Person | Unit | Member) -> dict[str, Any]:
    """``value`` as JSON data: every field, dates as ``YYYY-MM-DD``, lists of names as lists.

    A field marked ``omit_default`` is left out while it has its default.
    """
    data: dict[str, Any] = {}
    for field, item in field_items(value):
        if field.omit_default and item == field.default:
            continue
        if field.kind == "departure":
            item = None if item is None else item.as_dict()
        elif field.kind == "date":
            item = item.isoformat()
        elif field.kind in ("names", "name_set"):
            item = list(item)
        data[field.name] = item
    return data


def from_data(cls: type[_V], data: Mapping[str, Any]) -> _V:
    """The value ``to_data`` wrote; a field left out takes its default (older documents).

    Raises:
        KeyError: a required field is missing.
    """
    values: dict[str, Any] = {}
    for field in fields_of(cls):
        if field.name not in data:
            if field.required:
                raise KeyError(field.name)
            continue
        item = data[field.name]
        if field.kind == "date" and isinstance(item, str):
            item = dt.date.fromisoformat(item)
        elif field.kind == "departure":
            item = Departure.from_dict(item) if item else None
        values[field.name] = item
    return cls(**values)
